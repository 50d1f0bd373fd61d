package io.github.saestitch.activations;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A read-only activation store (see {@link StoreLayout} for the files and {@link StoreManifest} for the
 * manifest). Every shard file is memory-mapped: blocks inside one float32 shard are zero-copy views, and a
 * store larger than memory streams through the page cache (mmap, don't copy).
 *
 * <p>Two ways to read: ordered blocks ({@link #block}, the {@link ActivationSet} contract, for evaluation,
 * and for training through {@code train.ShuffledBatchSource}, which shuffles blocks of them); and single
 * tokens with their text ({@link #context}, for the explorer). Thread-safety: the mapped data may be read from several
 * threads; {@link #block} results spanning shards and {@link #context} are not shared between callers.
 */
public final class ActivationStore implements ActivationSet {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final Path dir;
    private final StoreManifest manifest;
    private final StoreDtype dtype;
    private final int d;
    private final Arena arena;
    private final long[] shardStart; // [numShards + 1] global index of each shard's first token
    private final MemorySegment[] acts; // per shard [tokens, d] in dtype
    private final MemorySegment[][]
            ints; // per shard, per StoreLayout.INT_FILES: [tokens] int32 (null without token ids)
    private List<DocumentInfo> documents;
    private ModelTokenizer tokenizer;

    private ActivationStore(
            Path dir,
            StoreManifest manifest,
            Arena arena,
            long[] shardStart,
            MemorySegment[] acts,
            MemorySegment[][] ints) {
        this.dir = dir;
        this.manifest = manifest;
        this.dtype = StoreDtype.byName(manifest.dtype());
        this.d = manifest.d();
        this.arena = arena;
        this.shardStart = shardStart;
        this.acts = acts;
        this.ints = ints;
    }

    /**
     * Opens the store in {@code dir}, checking that the manifest and the shard files agree.
     *
     * @throws ActivationsException naming the path and the problem if they do not
     */
    public static ActivationStore open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new ActivationsException(
                    abs,
                    Files.exists(abs)
                            ? "not a directory; an activation store is a directory"
                            : "activation store not found");
        }
        StoreManifest m = StoreManifest.read(abs);
        int n = m.shards().size();
        long[] start = new long[n + 1];
        MemorySegment[] acts = new MemorySegment[n];
        MemorySegment[][] ints = new MemorySegment[n][];
        Arena arena = Arena.ofShared();
        try {
            StoreDtype dtype = StoreDtype.byName(m.dtype());
            for (int s = 0; s < n; s++) {
                StoreManifest.Shard shard = m.shards().get(s);
                checkShard(abs, m, shard);
                Path sd = abs.resolve(shard.name());
                acts[s] = map(sd.resolve(StoreLayout.actsFile(dtype)), arena);
                if (m.hasTokenIds()) {
                    ints[s] = new MemorySegment[StoreLayout.INT_FILES.length];
                    for (int f = 0; f < ints[s].length; f++) {
                        ints[s][f] = map(sd.resolve(StoreLayout.INT_FILES[f]), arena);
                    }
                }
                start[s + 1] = start[s] + shard.tokens();
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        return new ActivationStore(abs, m, arena, start, acts, ints);
    }

    /**
     * Checks that shard {@code s} of manifest {@code m} exists with files of exactly the sizes its token
     * count implies.
     *
     * @throws ActivationsException naming the shard file and what disagrees
     */
    static void checkShard(Path dir, StoreManifest m, StoreManifest.Shard s) {
        Path sd = dir.resolve(s.name());
        if (!Files.isDirectory(sd)) {
            throw new ActivationsException(
                    sd, "shard listed in " + StoreManifest.FILE + " is missing; the store is damaged");
        }
        StoreDtype dtype = StoreDtype.byName(m.dtype());
        expectSize(
                sd.resolve(StoreLayout.actsFile(dtype)),
                s.tokens() * m.d() * dtype.bytes(),
                s.tokens() + " tokens x d=" + m.d() + " x " + dtype.bytes() + " bytes");
        if (m.hasTokenIds()) {
            for (String f : StoreLayout.INT_FILES) {
                expectSize(sd.resolve(f), s.tokens() * Integer.BYTES, s.tokens() + " tokens x 4 bytes");
            }
        }
    }

    private static void expectSize(Path file, long bytes, String why) {
        if (!Files.isRegularFile(file)) {
            throw new ActivationsException(file, "missing; the manifest lists its shard, so the store is damaged");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ActivationsException(file, "cannot read the file size", e);
        }
        if (size != bytes) {
            throw new ActivationsException(
                    file,
                    "has " + size + " bytes but the manifest implies " + bytes + " (" + why
                            + "); manifest and shard disagree");
        }
    }

    private static MemorySegment map(Path file, Arena arena) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw new ActivationsException(file, "cannot map the shard file", e);
        }
    }

    /** The manifest. */
    public StoreManifest manifest() {
        return manifest;
    }

    /** What the manifest records of the model, hook and inputs ({@link ActivationOrigin#of}). */
    @Override
    public ActivationOrigin origin() {
        return ActivationOrigin.of(manifest);
    }

    /** The store directory (absolute). */
    public Path dir() {
        return dir;
    }

    @Override
    public int dIn() {
        return d;
    }

    @Override
    public long numTokens() {
        return manifest.tokenCount();
    }

    /** Whether token ids, document ids and positions are stored (always for extracted stores). */
    public boolean hasTokenIds() {
        return manifest.hasTokenIds();
    }

    @Override
    public FloatMatrix block(long start, int n) {
        checkRange(start, n);
        int s = shardOf(start);
        long local = start - shardStart[s];
        if (dtype == StoreDtype.FLOAT32 && local + n <= shardStart[s + 1] - shardStart[s]) {
            long rowBytes = (long) d * Float.BYTES;
            return FloatMatrix.of(acts[s].asSlice(local * rowBytes, n * rowBytes), n, d);
        }
        FloatMatrix out = FloatMatrix.zeros(n, d);
        copyRows(start, n, out.heapArrayOrNull(), 0);
        return out;
    }

    /** Copies tokens {@code [start, start+n)} as float32 into {@code dst[offset ...]}, across shards. */
    void copyRows(long start, int n, float[] dst, int offset) {
        long done = 0;
        while (done < n) {
            long g = start + done;
            int s = shardOf(g);
            long local = g - shardStart[s];
            int take = (int) Math.min(n - done, shardStart[s + 1] - g);
            copyShardRows(s, local, take, dst, offset + (int) (done * d));
            done += take;
        }
    }

    private void copyShardRows(int s, long local, int rows, float[] dst, int offset) {
        if (dtype == StoreDtype.FLOAT32) {
            MemorySegment.copy(acts[s], FloatMatrix.FLOAT, local * d * Float.BYTES, dst, offset, rows * d);
        } else {
            long base = local * d;
            for (int i = 0; i < rows * d; i++) {
                dst[offset + i] = StoreDtype.fromBf16(acts[s].getAtIndex(SHORT, base + i));
            }
        }
    }

    /** Copies token {@code index}'s activation row into {@code dst[offset, offset + d)}. */
    void copyRow(long index, float[] dst, int offset) {
        int s = shardOf(index);
        copyShardRows(s, index - shardStart[s], 1, dst, offset);
    }

    private void checkRange(long start, long n) {
        if (start < 0 || n < 0 || start + n > numTokens()) {
            throw new IndexOutOfBoundsException(
                    "tokens [" + start + ", " + (start + n) + ") outside [0, " + numTokens() + ") of " + dir);
        }
    }

    private int shardOf(long index) {
        int i = Arrays.binarySearch(shardStart, index);
        int s = i >= 0 ? i : -i - 2;
        while (s + 1 < shardStart.length - 1 && shardStart[s + 1] == index) {
            s++; // skip empty shards (there are none in extracted stores; imports may differ)
        }
        return s;
    }

    private int intAt(int file, long index) {
        if (!hasTokenIds()) {
            throw new UnsupportedOperationException(dir + " holds activations without token ids");
        }
        checkRange(index, 1);
        int s = shardOf(index);
        return ints[s][file].getAtIndex(INT, index - shardStart[s]);
    }

    /** Token id of token {@code index}. */
    public int tokenId(long index) {
        return intAt(0, index);
    }

    /** Document id of token {@code index} (an index into {@link #documents()}). */
    public int docId(long index) {
        return intAt(1, index);
    }

    /** Position of token {@code index} among its document's content tokens ({@code -1} for special tokens). */
    public int docPosition(long index) {
        return intAt(2, index);
    }

    /** Position of token {@code index} in the model's input window ({@code 0} is {@code [CLS]}). */
    public int contextPosition(long index) {
        return intAt(3, index);
    }

    /** Token ids of tokens {@code [start, start + n)}. */
    public int[] tokenIds(long start, int n) {
        checkRange(start, n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = tokenId(start + i);
        }
        return out;
    }

    /** The corpus documents (id, name, genre), read from {@code documents.json} on first use. */
    public synchronized List<DocumentInfo> documents() {
        if (documents == null) {
            Path file = dir.resolve(StoreLayout.DOCUMENTS);
            if (!Files.isRegularFile(file)) {
                throw new ActivationsException(file, "missing; the store has no document table");
            }
            try {
                JsonNode root = StoreManifest.MAPPER.readTree(file.toFile());
                List<DocumentInfo> docs = new ArrayList<>();
                for (JsonNode n : root.path("documents")) {
                    docs.add(new DocumentInfo(
                            n.path("id").asInt(),
                            n.path("name").asText(),
                            n.path("genre").asText()));
                }
                documents = List.copyOf(docs);
            } catch (IOException e) {
                throw new ActivationsException(file, "unreadable document table", e);
            }
        }
        return documents;
    }

    /**
     * Token {@code index} with up to {@code radius} tokens of its own document on each side, decoded with
     * the store's tokenizer (which must be the one the manifest names).
     */
    public TokenContext context(long index, int radius) {
        checkRange(index, 1);
        int doc = docId(index);
        long lo = index;
        while (lo > 0 && index - lo < radius && docId(lo - 1) == doc) {
            lo--;
        }
        long hi = index;
        while (hi + 1 < numTokens() && hi - index < radius && docId(hi + 1) == doc) {
            hi++;
        }
        ModelTokenizer tok = tokenizer();
        int[] ids = tokenIds(lo, (int) (hi - lo + 1));
        int at = (int) (index - lo);
        String text = tok.decode(ids, true);
        String pre = tok.decode(Arrays.copyOfRange(ids, 0, at), true);
        String upTo = tok.decode(Arrays.copyOfRange(ids, 0, at + 1), true);
        String before;
        String tokenText;
        String after;
        if (text.startsWith(upTo) && upTo.startsWith(pre)) {
            before = pre;
            tokenText = upTo.substring(pre.length());
            after = text.substring(upTo.length());
        } else {
            before = pre;
            tokenText = tok.token(ids[at]);
            after = tok.decode(Arrays.copyOfRange(ids, at + 1, ids.length), true);
        }
        List<DocumentInfo> docs = documents();
        DocumentInfo info = doc >= 0 && doc < docs.size() ? docs.get(doc) : new DocumentInfo(doc, "", "");
        return new TokenContext(
                index,
                ids[at],
                tok.token(ids[at]),
                before,
                tokenText,
                after,
                info,
                docPosition(index),
                contextPosition(index));
    }

    private synchronized ModelTokenizer tokenizer() {
        if (tokenizer == null) {
            if (manifest.model() == null || manifest.tokenizer() == null) {
                throw new ActivationsException(
                        dir, "the store names no model tokenizer, so its token ids cannot be decoded");
            }
            ModelTokenizer t = ModelTokenizer.forModel(
                    TransformerModel.byName(manifest.model().id()));
            if (!t.sha256().equals(manifest.tokenizer().sha256())) {
                t.close();
                throw new ActivationsException(
                        dir,
                        "the store was tokenized with a tokenizer.json of checksum "
                                + manifest.tokenizer().sha256() + " but this build has " + t.sha256());
            }
            tokenizer = t;
        }
        return tokenizer;
    }

    @Override
    public String describe() {
        String what = manifest.model() == null
                ? "imported activations"
                : manifest.model().id() + " " + manifest.hookName();
        return dir + " (" + what + ", " + numTokens() + " tokens x " + d + ", " + manifest.dtype() + ")";
    }

    @Override
    public synchronized void close() {
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
