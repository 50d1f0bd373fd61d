package io.github.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An exclusive lock on one output, held for a whole run, so that two runs never write the same output:
 * the second one is refused at once with {@link OutputLockedException}, which names the holder (pid,
 * command, start time).
 *
 * <p>The lock is an OS file lock ({@link FileChannel#tryLock()}: {@code fcntl} on Linux) on a small lock
 * file, {@code .NAME.lock} beside the output for {@link #acquire(Path, String)}, or a file the caller
 * names (an activation store keeps {@code .lock} inside itself). The OS releases it when the process
 * ends, however it ends, so a killed run never leaves a lock that blocks the next one; a stale lock file
 * is simply locked again. While held, the file holds the holder's description (JSON,
 * {@code format_version} 1).
 *
 * <p>POSIX record locks belong to the process and are dropped when the process closes <em>any</em>
 * descriptor of the file (fcntl(2), "the lock is released when any file descriptor is closed"), so this
 * class never opens a lock file the JVM already holds: a table of the lock files held here refuses a
 * second run in the same process at once (two runs in one JVM exclude each other as two processes do),
 * and the holder's read-back below keeps its descriptor open until the lock is released.
 *
 * <p>The lock file is deleted on {@link #close()} so no debris is left beside the output. Deleting a lock
 * file another process may be about to lock is safe here because a new holder checks, after locking, that
 * the path still names the file it locked (it reads back its own random nonce through the path); one that
 * locked a file already deleted retries on the current one. Only a checked holder deletes the path.
 */
public final class OutputLock implements AutoCloseable {
    /** Version of the lock file's JSON. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant STARTED = Instant.now();

    /** The lock files this JVM holds (absolute), with each holder's description. */
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final FileChannel readBack;
    private boolean released;

    private OutputLock(Path file, FileChannel channel, FileLock lock, FileChannel readBack) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.readBack = readBack;
    }

    /** The lock file of {@code target}: {@code .NAME.lock} in the same directory. */
    public static Path lockFileOf(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + ".lock");
    }

    /**
     * Locks {@code target} through its sibling lock file {@link #lockFileOf} (the parent directory must
     * exist).
     *
     * @param command what the holder runs, for the message a refused writer prints (e.g. {@code compare})
     * @throws OutputLockedException when another run holds it
     * @throws IOException           when the lock file cannot be created or written (read-only, full or
     *                               forbidden directory)
     */
    public static OutputLock acquire(Path target, String command) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        return acquire(lockFileOf(abs), abs, command);
    }

    /**
     * Locks {@code guarded} through the lock file {@code lockFile} (its directory must exist).
     *
     * @throws OutputLockedException when another run holds it
     */
    public static OutputLock acquire(Path lockFile, Path guarded, String command) throws IOException {
        Objects.requireNonNull(command, "command");
        Path key = lockFile.toAbsolutePath().normalize();
        byte[] me = description(command);
        String mine = new String(me, StandardCharsets.UTF_8);
        String other = HELD.putIfAbsent(key, mine);
        if (other != null) {
            throw new OutputLockedException(guarded, holder(other.getBytes(StandardCharsets.UTF_8)));
        }
        boolean held = false;
        try {
            OutputLock lock = acquireFile(key, guarded, me);
            held = true;
            return lock;
        } finally {
            if (!held) {
                HELD.remove(key, mine);
            }
        }
    }

    private static OutputLock acquireFile(Path lockFile, Path guarded, byte[] me) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            FileChannel ch = FileChannel.open(
                    lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            boolean keep = false;
            try {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l == null) {
                    throw new OutputLockedException(guarded, holder(lockFile));
                }
                ch.truncate(0);
                ByteBuffer b = ByteBuffer.wrap(me);
                while (b.hasRemaining()) {
                    ch.write(b, b.position());
                }
                ch.force(true);
                FileChannel readBack = stillNamed(lockFile, me);
                if (readBack != null) {
                    keep = true;
                    OutputLock lock = new OutputLock(lockFile, ch, l, readBack);
                    AtomicOutput.deleteOnExit(lockFile);
                    return lock;
                }
                // We locked a lock file its holder deleted meanwhile: lock the current one instead.
            } finally {
                if (!keep) {
                    ch.close();
                }
            }
        }
        throw new OutputLockedException(guarded, holder(lockFile));
    }

    /**
     * The file now at {@code lockFile}, opened, when it holds {@code me} (it is the file this process
     * locked and must stay open, see the class comment); null when it is another file or none (that
     * one is closed: it is not the file this process locked, so closing it drops nothing).
     */
    private static FileChannel stillNamed(Path lockFile, byte[] me) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
        boolean same = false;
        try {
            ByteBuffer b = ByteBuffer.allocate(me.length + 1);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // read up to one byte more than ours, to see a longer content
            }
            same = b.position() == me.length && Arrays.equals(Arrays.copyOf(b.array(), me.length), me);
            return same ? ch : null;
        } finally {
            if (!same) {
                ch.close();
            }
        }
    }

    private static byte[] description(String command) throws IOException {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("format_version", FORMAT_VERSION);
        o.put("kind", "saestitch-output-lock");
        o.put("pid", ProcessHandle.current().pid());
        o.put("command", command);
        o.put("started", STARTED.toString());
        o.put("nonce", Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        return MAPPER.writeValueAsBytes(o);
    }

    /** The holder's description read from {@code lockFile}, for messages; a placeholder when unreadable. */
    static String holder(Path lockFile) {
        try {
            return holder(Files.readAllBytes(lockFile));
        } catch (IOException e) {
            return holder(new byte[0]);
        }
    }

    private static String holder(byte[] json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            return "pid " + n.path("pid").asText("?") + ", 'saestitch "
                    + n.path("command").asText("?") + "', started "
                    + n.path("started").asText("?");
        } catch (IOException | RuntimeException e) {
            return "a run that has not yet said who it is";
        }
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Deletes the lock file and releases the lock (in that order, see the class comment). */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a lock file left behind is locked again by the next run, never blocks it
        }
        AtomicOutput.forgetOnExit(file);
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
            readBack.close();
        } catch (IOException ignored) {
            // the OS releases the lock with the descriptor
        }
        HELD.remove(file);
    }

    /** Whether {@code name} is an output lock file ({@code .NAME.lock}). */
    public static boolean isLockFile(String name) {
        return name.startsWith(".") && name.endsWith(".lock");
    }
}
