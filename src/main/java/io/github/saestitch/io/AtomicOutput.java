package io.github.saestitch.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Writes a file or a whole directory so that readers only ever see the old content or the complete
 * new content, never a half-written one.
 *
 * <p>The content goes to a hidden temporary sibling ({@code .NAME.tmp-PID-RANDOM}, same directory and so
 * the same file system, named with the writer's process id), is flushed to disk ({@code fsync} of every file and of the directory), and is
 * then renamed onto the target. A rename within one file system is atomic on POSIX systems, so a crash
 * or an exception leaves either the previous target or the new one. If writing fails the temporary is
 * deleted and an existing target is left untouched.
 *
 * <p>Replacing an existing <em>directory</em> cannot be one rename (POSIX {@code rename(2)} refuses a
 * non-empty target directory), so it is two: the old directory is first renamed aside
 * ({@code .NAME.old-RANDOM}), then the new one into place, then the old one is deleted. Between the two
 * renames the target name is briefly absent; if the second rename fails the old directory is renamed
 * back. Files never have that window.
 *
 * <p>Every writer in {@code io} goes through this class. The temporary name is an implementation
 * detail: when a writer given to {@link #writeFile} or {@link #writeDirectory} fails with a message that
 * names the temporary, the exception is re-thrown naming the target the caller asked for (same type,
 * cause and stack trace), so that a user reads the path they gave.
 *
 * <p>Publishing without {@code replace} never replaces an output that appeared while this one was being
 * written: a file is published with {@code link(2)}, which fails when the name exists (atomic), a
 * directory after a last check (atomic against every writer that holds the output's {@link OutputLock},
 * as every command does). Temporaries are deleted by a shutdown hook when the JVM is stopped (SIGTERM,
 * SIGINT), and {@link #removeStaleTemporaries} removes those a killed writer left (its process is gone).
 */
public final class AtomicOutput {

    /** Fills a temporary path (a file to create or an empty directory that already exists). */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path temporary) throws IOException;
    }

    private static final long PID = ProcessHandle.current().pid();

    /** Temporaries (and lock files) of this process that the shutdown hook deletes; see {@link #deleteOnExit}. */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private AtomicOutput() {}

    /**
     * Deletes {@code p} (recursively) when the JVM shuts down (SIGTERM, SIGINT, {@code System.exit}) unless
     * {@link #forgetOnExit} was called first: the temporaries of a stopped run do not outlive it.
     */
    static void deleteOnExit(Path p) {
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(AtomicOutput::deleteLive, "saestitch-temporaries"));
        }
        LIVE.add(p);
    }

    /** Undoes {@link #deleteOnExit}: {@code p} was published or already deleted. */
    static void forgetOnExit(Path p) {
        LIVE.remove(p);
    }

    /**
     * The shutdown hook: deletes every live temporary. A writer thread may still be adding files to a
     * temporary directory while it runs, so a directory is tried a few times.
     */
    private static void deleteLive() {
        for (Path p : List.copyOf(LIVE)) {
            for (int attempt = 0; attempt < 5 && Files.exists(p, LinkOption.NOFOLLOW_LINKS); attempt++) {
                deleteQuietly(p);
            }
        }
    }

    /**
     * Removes what interrupted writers of {@code target} left beside it: temporaries
     * {@code .NAME.tmp-PID-*} whose process is no longer alive (and pid-less ones of older versions), and
     * the previous content set aside by a replace ({@code .NAME.old-PID-*}) when the replace finished
     * (the target exists; otherwise the old content is the only copy and is kept). Meant to run while
     * holding the target's {@link OutputLock}, so that no live writer of this target can be racing it.
     *
     * @return the entries removed
     */
    public static List<Path> removeStaleTemporaries(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        List<Path> removed = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) {
            return removed;
        }
        String tmp = "." + abs.getFileName() + ".tmp-";
        String old = "." + abs.getFileName() + ".old-";
        boolean targetExists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean stale = n.startsWith(tmp) && !writerAlive(n.substring(tmp.length()))
                        || n.startsWith(old) && targetExists && !writerAlive(n.substring(old.length()));
                if (stale) {
                    deleteRecursively(p);
                    removed.add(p);
                }
            }
        }
        return removed;
    }

    /**
     * Removes the temporaries of dead writers anywhere in the directory {@code dir} and its
     * subdirectories up to {@code depth} levels (for outputs written in place, like a training run's
     * checkpoint). Like {@link #removeStaleTemporaries}, meant to run under the output's lock.
     *
     * @return the entries removed
     */
    public static List<Path> removeStaleTemporariesIn(Path dir, int depth) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        List<Path> subdirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                int at = n.lastIndexOf(".tmp-");
                if (isTemporary(n) && !writerAlive(n.substring(at + ".tmp-".length()))) {
                    deleteRecursively(p);
                    removed.add(p);
                } else if (depth > 1 && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    subdirs.add(p);
                }
            }
        }
        for (Path d : subdirs) {
            removed.addAll(removeStaleTemporariesIn(d, depth - 1));
        }
        return removed;
    }

    /** Whether the writer named in a temporary's suffix {@code PID-RANDOM} is alive (false without a pid). */
    static boolean writerAlive(String suffix) {
        int dash = suffix.indexOf('-');
        if (dash <= 0) {
            return false;
        }
        try {
            long pid = Long.parseLong(suffix.substring(0, dash));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Renames {@code temporary} to {@code target} only if nothing is there: a hard link fails atomically
     * when the name exists. Where the file system has no hard links, a last check and a rename.
     */
    private static void publishNew(Path temporary, Path target) throws IOException {
        try {
            Files.createLink(target, temporary);
        } catch (FileAlreadyExistsException e) {
            throw appeared(target);
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof FileSystemException f && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw appeared(target);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Files.delete(temporary);
    }

    private static FileAlreadyExistsException appeared(Path target) {
        return new FileAlreadyExistsException(
                target.toString(), null, "appeared while this run was writing it; it was not replaced");
    }

    /**
     * Writes {@code target} (a regular file) atomically: {@code writer} creates and fills the temporary
     * path it is given; nothing exists at that path beforehand. Parent directories are created.
     *
     * @throws IOException from the writer (the temporary is deleted, the target untouched), or if the
     *                     target is a directory
     */
    public static void writeFile(Path target, Writer writer) throws IOException {
        writeFile(target, true, writer);
    }

    /**
     * {@link #writeFile(Path, Writer)}, replacing an existing target only when {@code replace}.
     *
     * @throws FileAlreadyExistsException when {@code replace} is false and the target exists at publish
     */
    public static void writeFile(Path target, boolean replace, Writer writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        try (PendingFile pending = beginFile(target, replace)) {
            try {
                writer.writeTo(pending.temporary());
            } catch (IOException e) {
                throw naming(e, pending.temporary(), target);
            } catch (RuntimeException e) {
                throw naming(e, pending.temporary(), target);
            }
            pending.commit();
        }
    }

    /**
     * Writes {@code target} (a directory) atomically: {@code writer} fills the empty temporary directory
     * it is given. An existing target directory is replaced as a whole (see the class comment). Parent
     * directories are created.
     *
     * @throws IOException from the writer (the temporary is deleted, the target untouched), or if the
     *                     target exists and is not a directory
     */
    public static void writeDirectory(Path target, Writer writer) throws IOException {
        writeDirectory(target, true, writer);
    }

    /**
     * {@link #writeDirectory(Path, Writer)}, replacing an existing target only when {@code replace}.
     *
     * @throws FileAlreadyExistsException when {@code replace} is false and the target exists at publish
     */
    public static void writeDirectory(Path target, boolean replace, Writer writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(abs + ": exists and is not a directory; refusing to replace it with one");
        }
        Path parent = createParent(abs);
        Path temp = uniqueSibling(parent, abs.getFileName().toString(), "tmp");
        deleteOnExit(temp);
        Files.createDirectory(temp);
        boolean committed = false;
        try {
            try {
                writer.writeTo(temp);
            } catch (IOException e) {
                throw naming(e, temp, target);
            } catch (RuntimeException e) {
                throw naming(e, temp, target);
            }
            syncTree(temp);
            if (!replace && Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                throw appeared(abs);
            }
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                Path old = uniqueSibling(parent, abs.getFileName().toString(), "old");
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                deleteOnExit(old);
                try {
                    Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    try {
                        Files.move(old, abs, StandardCopyOption.ATOMIC_MOVE);
                    } catch (IOException restore) {
                        e.addSuppressed(restore);
                    }
                    throw e;
                }
                committed = true;
                syncDirectory(parent);
                deleteRecursively(old);
                forgetOnExit(old);
            } else {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE);
                committed = true;
                syncDirectory(parent);
            }
        } finally {
            if (!committed) {
                deleteQuietly(temp);
            }
            forgetOnExit(temp);
        }
    }

    /**
     * Starts writing {@code target} (a regular file) by hand, for writers that stream and must finish
     * with a header rewrite: write {@link PendingFile#temporary()}, then {@link PendingFile#commit()}.
     * Closing without committing deletes the temporary, so use try-with-resources and an exception
     * leaves no trace.
     */
    public static PendingFile beginFile(Path target) throws IOException {
        return beginFile(target, true);
    }

    /**
     * {@link #beginFile(Path)}, whose commit replaces an existing target only when {@code replace}.
     */
    public static PendingFile beginFile(Path target, boolean replace) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(abs + ": is a directory; refusing to replace it with a file");
        }
        Path parent = createParent(abs);
        Path temp = uniqueSibling(parent, abs.getFileName().toString(), "tmp");
        deleteOnExit(temp);
        return new PendingFile(abs, temp, replace);
    }

    /** A file being written under a temporary name; see {@link #beginFile}. */
    public static final class PendingFile implements AutoCloseable {
        private final Path target;
        private final Path temporary;
        private final boolean replace;
        private boolean done;

        private PendingFile(Path target, Path temporary, boolean replace) {
            this.target = target;
            this.temporary = temporary;
            this.replace = replace;
        }

        /** Where the final file will be. */
        public Path target() {
            return target;
        }

        /** Where to write now; it does not exist yet. */
        public Path temporary() {
            return temporary;
        }

        /**
         * Flushes the temporary to disk and renames it onto the target (replacing an existing file only
         * when this file was begun with {@code replace}).
         *
         * @throws IOException if the temporary was never created, or the flush or rename fails, or the
         *                     target appeared meanwhile and may not be replaced (the temporary is then
         *                     deleted and the target untouched)
         */
        public void commit() throws IOException {
            if (done) {
                throw new IllegalStateException("already committed or aborted: " + target);
            }
            done = true;
            boolean moved = false;
            try {
                if (!Files.isRegularFile(temporary, LinkOption.NOFOLLOW_LINKS)) {
                    throw new NoSuchFileException(temporary.toString(), null, "the writer created no file to commit");
                }
                syncFile(temporary);
                if (replace) {
                    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    publishNew(temporary, target);
                }
                moved = true;
                syncDirectory(target.getParent());
            } finally {
                if (!moved) {
                    deleteQuietly(temporary);
                }
                forgetOnExit(temporary);
            }
        }

        /** Deletes the temporary unless {@link #commit()} succeeded. */
        @Override
        public void close() {
            if (!done) {
                done = true;
                deleteQuietly(temporary);
                forgetOnExit(temporary);
            }
        }
    }

    /**
     * {@code e} with every mention of {@code temp} (and of paths inside it) replaced by {@code target}:
     * a new exception of the same type, cause and stack trace when {@code e} is one of the types the
     * writers throw (the format exceptions, the file-system exceptions, plain {@link IOException},
     * {@link UncheckedIOException}, {@link IllegalArgumentException}, {@link IllegalStateException});
     * {@code e} itself when it does not name the temporary or is of another type.
     */
    static <E extends Exception> E naming(E e, Path temp, Path target) {
        Exception renamed = renamed(e, temp, target);
        if (renamed == e) {
            return e;
        }
        renamed.setStackTrace(e.getStackTrace());
        for (Throwable s : e.getSuppressed()) {
            renamed.addSuppressed(s);
        }
        @SuppressWarnings("unchecked") // renamed() returns the class of e
        E same = (E) renamed;
        return same;
    }

    private static Exception renamed(Exception e, Path temp, Path target) {
        String m = e.getMessage();
        String t = temp.toString();
        if (m == null || !m.contains(t) && !m.contains(temp.getFileName().toString())) {
            return e;
        }
        Class<?> c = e.getClass();
        Throwable cause = e.getCause();
        if (e instanceof FileFormatException f && (c == SaeFormatException.class || c == FileFormatException.class)) {
            Path file = renamed(f.file(), temp, target);
            String problem = renamed(f.problem(), temp, target);
            return c == SaeFormatException.class
                    ? new SaeFormatException(file, problem, cause)
                    : new FileFormatException(file, problem, cause);
        }
        if (e instanceof FileSystemException f) {
            String file = renamed(f.getFile(), temp, target);
            String other = renamed(f.getOtherFile(), temp, target);
            String reason = renamed(f.getReason(), temp, target);
            FileSystemException n;
            if (c == NoSuchFileException.class) {
                n = new NoSuchFileException(file, other, reason);
            } else if (c == FileAlreadyExistsException.class) {
                n = new FileAlreadyExistsException(file, other, reason);
            } else if (c == AccessDeniedException.class) {
                n = new AccessDeniedException(file, other, reason);
            } else if (c == NotDirectoryException.class) {
                n = new NotDirectoryException(file);
            } else if (c == DirectoryNotEmptyException.class) {
                n = new DirectoryNotEmptyException(file);
            } else if (c == FileSystemException.class) {
                n = new FileSystemException(file, other, reason);
            } else {
                return e;
            }
            n.initCause(cause);
            return n;
        }
        String message = renamed(m, temp, target);
        if (c == IOException.class) {
            return new IOException(message, cause);
        }
        if (c == UncheckedIOException.class) {
            return new UncheckedIOException(message, naming(((UncheckedIOException) e).getCause(), temp, target));
        }
        if (c == IllegalArgumentException.class) {
            return new IllegalArgumentException(message, cause);
        }
        if (c == IllegalStateException.class) {
            return new IllegalStateException(message, cause);
        }
        return e;
    }

    /** {@code text} with the temporary's path, then its bare name, replaced by the target's. */
    private static String renamed(String text, Path temp, Path target) {
        if (text == null) {
            return null;
        }
        return text.replace(temp.toString(), target.toString())
                .replace(temp.getFileName().toString(), target.getFileName().toString());
    }

    private static Path renamed(Path p, Path temp, Path target) {
        return p.startsWith(temp) ? target.resolve(temp.relativize(p)) : p;
    }

    /** Writes {@code bytes} to {@code target} atomically (see {@link #writeFile(Path, Writer)}). */
    public static void writeFile(Path target, byte[] bytes) throws IOException {
        writeFile(target, tmp -> Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW));
    }

    /**
     * Renames {@code from} (a finished file or directory the caller wrote and forced) onto {@code to},
     * replacing a file there, then forces {@code to}'s directory so the rename survives a power cut.
     * Falls back to a plain move where the file system has no atomic rename.
     */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(to.toAbsolutePath().getParent());
    }

    /**
     * Whether a directory entry named {@code name} is a temporary this class creates
     * ({@code .NAME.tmp-RANDOM}), i.e. debris of an interrupted write that may be deleted.
     */
    public static boolean isTemporary(String name) {
        return name.startsWith(".") && name.lastIndexOf(".tmp-") > 0;
    }

    private static Path createParent(Path abs) throws IOException {
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IOException(abs + ": has no parent directory");
        }
        Files.createDirectories(parent);
        return parent;
    }

    /** A name beside the target that does not exist yet: {@code .NAME.KIND-PID-RANDOM}. */
    private static Path uniqueSibling(Path parent, String name, String kind) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            String suffix = PID + "-"
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
            Path p = parent.resolve("." + name + "." + kind + "-" + suffix);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return p;
            }
        }
        throw new FileAlreadyExistsException(parent + "/." + name + "." + kind + "-*", null, "no free temporary name");
    }

    private static void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /**
     * fsync of a directory makes a rename inside it durable on Linux. Some platforms cannot open a
     * directory for reading at all; there the rename is still atomic, only its durability after a power
     * loss is left to the OS, so that failure is ignored.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // See the method comment: durability only, atomicity is unaffected.
        }
    }

    private static void syncTree(Path dir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    syncFile(p);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    dirs.add(p);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path d : dirs) {
            syncDirectory(d);
        }
    }

    /** Deletes {@code root} and everything under it; nothing when it does not exist. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException ignored) {
            // Best effort: the caller is already reporting the real failure.
        }
    }
}
