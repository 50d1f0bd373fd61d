package io.github.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
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
 * {@code format_version} 1). Within one JVM a second {@code tryLock} on the same file throws
 * {@link OverlappingFileLockException}, which counts as held too, so two runs in one process exclude each
 * other as two processes do.
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

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean released;

    private OutputLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
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
                byte[] me = description(command);
                ch.truncate(0);
                ByteBuffer b = ByteBuffer.wrap(me);
                while (b.hasRemaining()) {
                    ch.write(b, b.position());
                }
                ch.force(true);
                if (stillNamed(lockFile, me)) {
                    keep = true;
                    OutputLock lock = new OutputLock(lockFile, ch, l);
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

    private static boolean stillNamed(Path lockFile, byte[] me) throws IOException {
        try {
            return Arrays.equals(Files.readAllBytes(lockFile), me);
        } catch (NoSuchFileException e) {
            return false;
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
            JsonNode n = MAPPER.readTree(Files.readAllBytes(lockFile));
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
        } catch (IOException ignored) {
            // the OS releases the lock with the descriptor
        }
    }

    /** Whether {@code name} is an output lock file ({@code .NAME.lock}). */
    public static boolean isLockFile(String name) {
        return name.startsWith(".") && name.endsWith(".lock");
    }
}
