package io.github.saestitch.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --overwrite} option of every command that writes an output: without it an existing OUT is refused. */
final class OverwriteOption {
    @Option(names = "--overwrite", description = "Replace OUT if it exists (default: refuse).")
    boolean on;

    /** Refuses an existing {@code out} unless {@code --overwrite} was given, before any work is done. */
    void requireNewOutput(Path out) {
        Inputs.requireNewOutput(out, on);
    }
}
