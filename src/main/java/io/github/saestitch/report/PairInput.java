package io.github.saestitch.report;

import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One compared pair of SAEs: the output directory of {@code saestitch compare} (its
 * {@code latents.csv}, {@code groups.csv}, {@code interpolation.csv} and {@code summary.json}; optionally
 * {@code contexts.jsonl} and {@code contexts_small.jsonl}).
 *
 * @param compareDir the compare output directory
 * @param label      how the report names the pair; null for the default "S → L" from the widths
 * @param contexts   top-activating contexts per latent of the larger SAE for the explorer; null to read
 *                   {@code compareDir/contexts.jsonl} when it exists ({@link LatentContexts}), an empty
 *                   map for none
 * @param small      contexts (and frequencies) per latent of the smaller SAE; null to read
 *                   {@code compareDir/contexts_small.jsonl} ({@link LatentContexts#SMALL_FILE}) when it
 *                   exists, {@link LatentContexts.Entries#NONE} for none. The explorer opens the smaller
 *                   SAE's latents itself only when no other pair has it as its larger SAE (the smallest
 *                   SAE of a chain); without this file they open with their children but no contexts.
 */
public record PairInput(
        Path compareDir, String label, Map<Integer, List<LatentContext>> contexts, LatentContexts.Entries small) {
    public PairInput {
        Objects.requireNonNull(compareDir, "compareDir");
        contexts = contexts == null ? null : Map.copyOf(contexts);
    }

    /** A pair whose smaller SAE's contexts are read from the directory when present. */
    public PairInput(Path compareDir, String label, Map<Integer, List<LatentContext>> contexts) {
        this(compareDir, label, contexts, null);
    }

    /** A pair with the default label and contexts read from the directory when present. */
    public static PairInput of(Path compareDir) {
        return new PairInput(compareDir, null, null, null);
    }

    /** A pair with a label and contexts read from the directory when present. */
    public static PairInput of(Path compareDir, String label) {
        return new PairInput(compareDir, label, null, null);
    }
}
