package io.github.saestitch.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The SAE architectures the trainer knows, each with its loss (see {@link SaeObjective} for the
 * formulas and gradients) and the activation it is saved with.
 *
 * <ul>
 *   <li>{@link #RELU}: {@code f = relu(pre)}, loss {@code ‖x − x̂‖² + λ Σ_i f_i ‖W_dec,i‖} (the stitching post's
 *       relu + L1 setup, Bussmann, Leask et al. 2024, with the decoder-norm weighting of Anthropic's April 2024
 *       update so the penalty cannot be dodged by shrinking f and growing W_dec); decoder rows are free, not
 *       normalized. Saved as {@code relu}.</li>
 *   <li>{@link #TOPK}: keep the k largest of {@code relu(pre)} per token, plus AuxK on dead latents
 *       (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"); unit-norm decoder rows. Saved
 *       as {@code topk}.</li>
 *   <li>{@link #BATCHTOPK}: keep the k·B largest of {@code relu(pre)} over the batch (Bussmann et al.
 *       2024), AuxK, unit-norm decoder rows; the inference threshold θ is estimated and saved, so the
 *       SAE loads as a JumpReLU-style {@code Activation.BatchTopK(k, θ)}.</li>
 *   <li>{@link #MATRYOSHKA}: BatchTopK whose reconstruction loss is averaged over nested prefixes of
 *       the latents (Bussmann et al. 2025, "Learning multi-level features with Matryoshka SAEs"); the
 *       random-prefix variant of Nabeshima 2024 is an option. Saved like BatchTopK.</li>
 *   <li>{@link #EXPANDER}: TopK + AuxK whose decoder is masked by a left-d-regular bipartite expander
 *       graph, storing {@code deg·F} decoder values instead of {@code d_in·F} (Mendoza-Smith 2026); saved with the
 *       masked decoder expanded to a dense {@code W_dec}, as a standard {@code topk} SAE.</li>
 * </ul>
 */
public enum Architecture {
    RELU("relu"),
    TOPK("topk"),
    BATCHTOPK("batchtopk"),
    MATRYOSHKA("matryoshka"),
    EXPANDER("expander");

    private final String id;

    Architecture(String id) {
        this.id = id;
    }

    /** The name used on the command line, in logs and in {@code cfg.json} metadata. */
    public String id() {
        return id;
    }

    /** Whether the codes come from a top-k selection (per token or per batch) and AuxK applies. */
    public boolean usesTopK() {
        return this != RELU;
    }

    /** Whether the codes come from a batch-level top-(k·B) and a global inference threshold is saved. */
    public boolean usesBatchTopK() {
        return this == BATCHTOPK || this == MATRYOSHKA;
    }

    /** Whether decoder rows are kept at unit norm (gradient's parallel component removed, then renormalized). */
    public boolean unitNormDecoder() {
        return this != RELU;
    }

    /** The architecture named {@code id} (case-insensitive). */
    public static Architecture parse(String id) {
        for (Architecture a : values()) {
            if (a.id.equalsIgnoreCase(id.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "'; choose one of "
                + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
