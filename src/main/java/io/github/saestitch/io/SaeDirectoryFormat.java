package io.github.saestitch.io;

import io.github.saestitch.sae.Sae;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One family of SAE directory layouts. Implementations are registered in {@link SaeFormats#FORMATS}, the
 * one place that knows them all.
 */
interface SaeDirectoryFormat {

    /**
     * What a directory holds, gathered once before detection.
     *
     * @param dir             the SAE directory
     * @param explicitWeights a weights file the user named directly, or null
     * @param cfg             the parsed {@code cfg.json}, or null when there is none
     */
    record Probe(Path dir, Path explicitWeights, CfgJson cfg) {
        /** The weights file: the one the user named, else {@code dir/defaultName}. */
        Path weights(String defaultName) {
            return explicitWeights != null ? explicitWeights : dir.resolve(defaultName);
        }
    }

    /**
     * The layout this probe shows, if it is one of this family's; null otherwise. Must not throw on foreign layouts.
     */
    SaeFormat detect(Probe probe) throws IOException;

    /** Loads the SAE of a probe {@link #detect} accepted (or the user forced {@code format} on). */
    LoadedSae load(Probe probe, SaeFormat format) throws IOException;

    /** Whether this family can write {@code format}; read-only families keep this default. */
    default boolean writes(SaeFormat format) {
        return false;
    }

    /**
     * Writes {@code sae} into the empty directory {@code dir} (a temporary one {@link AtomicOutput}
     * renames into place).
     *
     * @throws SaeFormatException if the format cannot hold this SAE exactly
     */
    default void write(Sae sae, Path dir) throws IOException {
        throw new SaeFormatException(dir, "saestitch does not write this format (save as saelens)");
    }
}
