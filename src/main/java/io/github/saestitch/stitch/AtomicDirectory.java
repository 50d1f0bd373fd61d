package io.github.saestitch.stitch;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Writes an output directory all at once: the files go into a fresh temporary sibling directory, which
 * is renamed to the destination only when every file is complete, so a failure (or a kill) never
 * leaves a partial output under the destination's name. The temporary directory is removed on
 * failure.
 */
final class AtomicDirectory {
    /** Writes the files of an output directory. */
    @FunctionalInterface
    interface Body {
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    /**
     * Runs {@code body} on a temporary directory beside {@code out}, then renames it to {@code out}.
     *
     * @param replace whether an existing non-empty {@code out} may be replaced; when false it is an
     *                {@link IllegalArgumentException} (an existing empty directory is always fine)
     */
    static void write(Path out, boolean replace, Body body) throws IOException {
        Path dest = out.toAbsolutePath().normalize();
        Path parent = dest.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("cannot write the output into the file-system root " + dest);
        }
        boolean exists = Files.exists(dest);
        if (exists && !Files.isDirectory(dest)) {
            throw new IllegalArgumentException("output " + out + " exists and is not a directory");
        }
        if (exists && !replace && !isEmpty(dest)) {
            throw new IllegalArgumentException("output directory " + out + " exists and is not empty; choose another "
                    + "path or remove it");
        }
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + dest.getFileName() + ".tmp-");
        try {
            body.write(tmp);
            if (Files.exists(dest) && !isEmpty(dest)) {
                Path old = Files.createTempDirectory(parent, "." + dest.getFileName() + ".old-");
                Files.delete(old);
                Files.move(dest, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.deleteIfExists(dest); // an empty directory
                try {
                    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dest);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
