package io.github.saestitch.io;

import java.nio.file.Path;

/**
 * An SAE directory cannot be loaded or saved in the requested format: a missing or mistyped
 * {@code cfg.json} key, a missing tensor, shapes that disagree between the config and the weights,
 * non-finite weights, an architecture saestitch cannot represent exactly, or an unrecognised layout.
 * {@link #file()} is the file at fault ({@code cfg.json}, the weights file, or the directory itself).
 */
public class SaeFormatException extends FileFormatException {
    private static final long serialVersionUID = 1L;

    public SaeFormatException(Path file, String problem) {
        super(file, problem);
    }

    public SaeFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
