package io.github.saestitch.activations;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The one exception for bad input to the activations package: an unknown model, layer or site, a missing
 * or empty corpus, a store written for another model/layer/corpus, a store whose manifest and shards
 * disagree. The message says what is wrong and, when a file is involved, names its path; callers (the
 * CLI) map it to a usage error. Nothing on disk is changed by the operation that throws it, except what
 * the message says.
 */
public final class ActivationsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    /** An error not tied to one file (e.g. an unknown model name). */
    public ActivationsException(String message) {
        super(message);
        this.path = null;
    }

    /** An error about {@code path}; the message is prefixed with the path. */
    public ActivationsException(Path path, String message) {
        super(path + ": " + message);
        this.path = path;
    }

    /** An error about {@code path} caused by {@code cause} (typically an I/O error). */
    public ActivationsException(Path path, String message, Throwable cause) {
        super(path + ": " + message + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
        this.path = path;
    }

    /** The file or directory the error is about, when there is one. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }
}
