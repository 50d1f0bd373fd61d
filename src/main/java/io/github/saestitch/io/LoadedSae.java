package io.github.saestitch.io;

import io.github.saestitch.sae.Sae;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An SAE read from disk, with where it came from and anything loading had to change.
 *
 * <p>Float32 weight matrices stored in the SAE's own orientation are read-only views of the
 * memory-mapped weights file (writing to them throws; they are unmapped by the garbage collector once
 * the {@code Sae} is unreachable); everything converted (transposed, upcast from F16/BF16/F64, folded)
 * is on the heap. {@code matrix.copy()} gives a writable heap copy.
 *
 * @param sae         the weights in saestitch (SAELens) orientation
 * @param format      the detected (or requested) layout
 * @param directory   the SAE directory
 * @param weightsFile the safetensors file the weights came from
 * @param notes       human-readable notes on conversions that were applied (dtype upcasts, folded
 *                    normalisations, clamped thresholds, legacy config upgrades); empty if none
 */
public record LoadedSae(Sae sae, SaeFormat format, Path directory, Path weightsFile, List<String> notes) {
    public LoadedSae {
        Objects.requireNonNull(sae, "sae");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(weightsFile, "weightsFile");
        notes = List.copyOf(notes);
    }
}
