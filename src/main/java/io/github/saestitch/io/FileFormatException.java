package io.github.saestitch.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file exists and can be read but its content breaks the format it claims (safetensors, .npy, an SAE
 * directory's {@code cfg.json}...). The message always starts with the offending file's path and then
 * says what is wrong, so a command-line front end can print it as is.
 */
public class FileFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Path file;
    private final String problem;

    public FileFormatException(Path file, String problem) {
        super(Objects.requireNonNull(file, "file") + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public FileFormatException(Path file, String problem, Throwable cause) {
        super(Objects.requireNonNull(file, "file") + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }

    /** The file (or directory) whose content is wrong. */
    public Path file() {
        return file;
    }
}
