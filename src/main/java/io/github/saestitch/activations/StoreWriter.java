package io.github.saestitch.activations;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.OutputLock;
import io.github.saestitch.io.OutputLockedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Appends token rows to an activation store, one shard at a time, so that a kill at any moment leaves a
 * store that is valid and can be continued: each shard is written into {@code shard-N.partial/}, forced
 * to disk, renamed to {@code shard-N/}, and only then listed in the manifest, which is itself replaced
 * atomically. The manifest is the truth: on opening, partial shards and shard directories it does not
 * list (a kill between the rename and the manifest update) are deleted. An {@link OutputLock} on the
 * {@code .lock} file keeps a second writer out while one writes (and names it).
 *
 * <p>A <em>task writer</em> ({@link #forTask}) writes shards {@code firstIndex, firstIndex + 1, …} of a
 * store the driver of a distributed extraction holds open: no lock and no manifest (the driver writes it
 * after all tasks), each shard written into a directory of its own attempt
 * ({@code shard-N.PID-RANDOM.partial}) and renamed to {@code shard-N/} only if no earlier attempt of the
 * same task already put that shard there (the same bytes: extraction is deterministic), so a retried task
 * or a killed executor never leaves a half shard under a shard's name.
 *
 * <p>Not thread-safe: the extractor drives it from its writer thread.
 */
final class StoreWriter implements AutoCloseable {
    private final Path dir;
    private final OutputLock lock;
    private final StoreDtype dtype;
    private final int d;
    private final int shardTokens;
    private final long targetTokens;
    private final List<StoreManifest.Shard> shards;
    private final int firstIndex; // index of shards.get(0) when a task writer, else 0
    private final boolean task; // a task writer: no lock, no manifest, its own partial name
    private StoreManifest manifest;
    private long tokenCount;

    // The shard being written (null between shards).
    private Path partial;
    private FileChannel acts;
    private FileChannel[] ints;
    private long inShard;
    private double normSum;
    private double normSqSum;
    private StoreManifest.Resume resumeAfterLast;

    private StoreWriter(Path dir, OutputLock lock, StoreManifest manifest, long targetTokens) {
        this(dir, lock, manifest, targetTokens, 0, false);
    }

    private StoreWriter(
            Path dir, OutputLock lock, StoreManifest manifest, long targetTokens, int firstIndex, boolean task) {
        this.firstIndex = firstIndex;
        this.task = task;
        this.dir = dir;
        this.lock = lock;
        this.manifest = manifest;
        this.dtype = StoreDtype.byName(manifest.dtype());
        this.d = manifest.d();
        this.shardTokens = manifest.shardTokens();
        this.targetTokens = targetTokens;
        this.shards = new ArrayList<>(manifest.shards());
        this.tokenCount = manifest.tokenCount();
        this.resumeAfterLast = manifest.resume();
    }

    /**
     * Opens {@code dir} for appending: creates a new store from {@code fresh} (an identity manifest with no
     * shards) or continues the store there, after checking that it was written with the same identity.
     *
     * @throws ActivationsException if the directory holds something else, another model/layer/corpus/...,
     *                              a store whose manifest and shards disagree, or is locked by another run
     */
    static StoreWriter open(Path dir, StoreManifest fresh, Corpus corpus, long targetTokens) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new ActivationsException(abs, "exists and is not a directory; an activation store is a directory");
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new ActivationsException(abs, "cannot create the store directory", e);
        }
        OutputLock lock = null;
        try {
            try {
                lock = OutputLock.acquire(abs.resolve(StoreLayout.LOCK), abs, "activations");
            } catch (OutputLockedException e) {
                throw new ActivationsException(
                        abs, "another run is writing to this store (" + e.holder() + ", holding its .lock)");
            }
            StoreManifest m;
            if (Files.isRegularFile(abs.resolve(StoreManifest.FILE))) {
                m = StoreManifest.read(abs);
                List<String> diffs = m.identityDifferences(fresh);
                if (!diffs.isEmpty()) {
                    throw new ActivationsException(
                            abs,
                            "this store was written by a different run, refusing to mix its activations with this one's: "
                                    + String.join("; ", diffs)
                                    + ". Use another --out directory, or the same settings to continue it");
                }
                removeLeftovers(abs, m);
                for (StoreManifest.Shard s : m.shards()) {
                    ActivationStore.checkShard(abs, m, s);
                }
            } else {
                requireFreshDirectory(abs);
                removeLeftovers(abs, fresh);
                writeDocuments(abs, corpus);
                m = fresh;
                m.write(abs);
            }
            return new StoreWriter(abs, lock, m, targetTokens);
        } catch (IOException e) {
            release(lock);
            throw new ActivationsException(abs, "cannot open the store for writing", e);
        } catch (RuntimeException e) {
            release(lock);
            throw e;
        }
    }

    /**
     * A task writer for shards {@code firstIndex, …} of the store at {@code dir}, which the driver holds open
     * ({@link #open}) with the identity {@code identity}; starts after the stored tokens {@code resume}
     * points to.
     */
    static StoreWriter forTask(Path dir, StoreManifest identity, int firstIndex, StoreManifest.Resume resume) {
        StoreManifest m = identity.withProgress(List.of(), 0, resume, false, identity.targetTokens(), now());
        return new StoreWriter(dir.toAbsolutePath().normalize(), null, m, identity.targetTokens(), firstIndex, true);
    }

    /** Where extraction continues after the last row appended. */
    StoreManifest.Resume resumeAfterLast() {
        return resumeAfterLast;
    }

    /** The shards this writer finished, in order. */
    List<StoreManifest.Shard> shards() {
        return List.copyOf(shards);
    }

    private static void release(OutputLock lock) {
        if (lock != null) {
            lock.close();
        }
    }

    /** A directory without a manifest may only hold what an interrupted creation leaves behind. */
    private static void requireFreshDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean ours = n.equals(StoreLayout.LOCK)
                        || n.equals(StoreLayout.DOCUMENTS)
                        || n.endsWith(".tmp")
                        || AtomicOutput.isTemporary(n)
                        || n.endsWith(StoreLayout.PARTIAL);
                if (!ours) {
                    throw new ActivationsException(
                            dir,
                            "is not empty and is not an activation store (no " + StoreManifest.FILE + "; found " + n
                                    + "); refusing to write into it");
                }
            }
        }
    }

    /** Deletes partial shards, temp files, and shard directories the manifest does not list. */
    static void removeLeftovers(Path dir, StoreManifest m) throws IOException {
        Set<String> listed = new HashSet<>();
        for (StoreManifest.Shard s : m.shards()) {
            listed.add(s.name());
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean stale = n.endsWith(StoreLayout.PARTIAL)
                        || n.endsWith(".tmp")
                        || AtomicOutput.isTemporary(n)
                        || (n.startsWith("shard-") && Files.isDirectory(p) && !listed.contains(n));
                if (stale) {
                    deleteTree(p);
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** Writes documents.json (id, name, genre of every corpus document) atomically. */
    private static void writeDocuments(Path dir, Corpus corpus) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = StoreManifest.MAPPER.getFactory().createGenerator(bytes, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("format_version", StoreManifest.FORMAT_VERSION);
            g.writeStringField("kind", StoreLayout.DOCUMENTS_KIND);
            g.writeArrayFieldStart("documents");
            for (int i = 0; i < corpus.size(); i++) {
                DocumentInfo info = corpus.info(i);
                g.writeStartObject();
                g.writeNumberField("id", info.id());
                g.writeStringField("name", info.name());
                g.writeStringField("genre", info.genre());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        AtomicOutput.writeFile(dir.resolve(StoreLayout.DOCUMENTS), bytes.toByteArray());
    }

    /** The manifest as last written. */
    StoreManifest manifest() {
        return manifest;
    }

    /** The store directory (absolute). */
    Path dir() {
        return dir;
    }

    /** Tokens in complete shards plus the shard being written. */
    long tokensWritten() {
        return tokenCount + inShard;
    }

    /**
     * Appends the rows of {@code chunk}, finishing shards as they fill.
     *
     * @return the shards finished by this call (already durable and in the manifest)
     */
    List<StoreManifest.Shard> append(RowChunk chunk) throws IOException {
        List<StoreManifest.Shard> finished = new ArrayList<>();
        int r = 0;
        while (r < chunk.rows()) {
            if (acts == null) {
                startShard();
            }
            int take = (int) Math.min(chunk.rows() - r, shardTokens - inShard);
            long rowBytes = (long) d * dtype.bytes();
            writeFully(
                    acts,
                    chunk.acts()
                            .duplicate()
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .position((int) (r * rowBytes))
                            .limit((int) ((r + take) * rowBytes)));
            int[][] cols = {chunk.tokenIds(), chunk.docIds(), chunk.docPos(), chunk.ctxPos()};
            for (int f = 0; f < ints.length; f++) {
                ByteBuffer b = ByteBuffer.allocate(take * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                b.asIntBuffer().put(cols[f], r, take);
                writeFully(ints[f], b);
            }
            for (int i = r; i < r + take; i++) {
                double n = chunk.norms()[i];
                normSum += n;
                normSqSum += n * n;
            }
            inShard += take;
            r += take;
            resumeAfterLast = chunk.resumeAfter(r - 1);
            if (inShard == shardTokens) {
                finished.add(finishShard(false));
            }
        }
        return finished;
    }

    /**
     * Ends the run normally: finishes the last, shorter shard if any and records whether the store is
     * complete (target reached or corpus exhausted).
     *
     * @return the shard finished by this call, if any
     */
    List<StoreManifest.Shard> finish(boolean complete) throws IOException {
        List<StoreManifest.Shard> finished = new ArrayList<>();
        if (acts != null && inShard > 0) {
            finished.add(finishShard(complete));
        } else {
            discardPartial();
            if (task) {
                return finished;
            }
            manifest = manifest.withProgress(
                    List.copyOf(shards), tokenCount, resumeAfterLast, complete, targetTokens, now());
            manifest.write(dir);
        }
        return finished;
    }

    /** Ends the run after a failure: the shard being written is deleted; complete shards stay. */
    void abort() {
        try {
            discardPartial();
        } catch (IOException ignored) {
            // the next run removes any *.partial directory left behind
        }
    }

    private void startShard() throws IOException {
        int index = firstIndex + shards.size();
        // A task's attempt writes under a name of its own: two attempts of one task never share a file.
        String attempt = task ? "." + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()) : "";
        partial = dir.resolve(StoreLayout.shardName(index) + attempt + StoreLayout.PARTIAL);
        deleteTree(partial);
        Files.createDirectories(partial);
        acts = create(partial.resolve(StoreLayout.actsFile(dtype)));
        ints = new FileChannel[manifest.hasTokenIds() ? StoreLayout.INT_FILES.length : 0];
        for (int f = 0; f < ints.length; f++) {
            ints[f] = create(partial.resolve(StoreLayout.INT_FILES[f]));
        }
        inShard = 0;
        normSum = 0;
        normSqSum = 0;
    }

    private static FileChannel create(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    private StoreManifest.Shard finishShard(boolean complete) throws IOException {
        acts.force(false);
        acts.close();
        for (FileChannel ch : ints) {
            ch.force(false);
            ch.close();
        }
        String name = StoreLayout.shardName(firstIndex + shards.size());
        Path done = dir.resolve(name);
        if (task) {
            publishOnce(partial, done);
        } else {
            deleteTree(done);
            AtomicOutput.move(partial, done);
        }
        StoreManifest.Shard shard = new StoreManifest.Shard(name, inShard, normSum, normSqSum);
        shards.add(shard);
        tokenCount += inShard;
        acts = null;
        ints = null;
        partial = null;
        inShard = 0;
        manifest =
                manifest.withProgress(List.copyOf(shards), tokenCount, resumeAfterLast, complete, targetTokens, now());
        if (!task) {
            manifest.write(dir);
        }
        return shard;
    }

    /**
     * Renames the finished {@code partial} to {@code done} unless {@code done} exists: then an earlier
     * attempt of this task finished the same shard (a rename is all or nothing) and {@code partial} is
     * deleted. One {@code rename(2)}, which refuses a non-empty target directory, decides between them.
     */
    static void publishOnce(Path partial, Path done) throws IOException {
        try {
            Files.move(partial, done, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            deleteTree(partial);
            return;
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            if (Files.isDirectory(done)) {
                deleteTree(partial);
                return;
            }
            Files.move(partial, done);
        } catch (java.nio.file.FileSystemException e) {
            if (!Files.isDirectory(done)) {
                throw e;
            }
            deleteTree(partial); // ENOTEMPTY reported as a plain FileSystemException on some JDKs
            return;
        }
        try (FileChannel ch = FileChannel.open(done.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            ch.force(true); // the rename survives a power cut (durability only; AtomicOutput.move does the same)
        } catch (IOException | UnsupportedOperationException ignored) {
            // a file system that cannot force a directory: the rename is still atomic
        }
    }

    private void discardPartial() throws IOException {
        if (acts != null) {
            acts.close();
            for (FileChannel ch : ints) {
                ch.close();
            }
            acts = null;
            ints = null;
        }
        if (partial != null) {
            deleteTree(partial);
            partial = null;
        }
        inShard = 0;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static String now() {
        return Instant.now().toString();
    }

    @Override
    public void close() {
        try {
            discardPartial();
        } catch (IOException ignored) {
            // a leftover partial shard is removed by the next run
        }
        release(lock);
    }
}
