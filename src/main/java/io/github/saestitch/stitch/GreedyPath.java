package io.github.saestitch.stitch;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.frankenstein.Family;
import io.github.saestitch.frankenstein.GreedySelection;
import io.github.saestitch.frankenstein.SourceCodes;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * The marginal-aware order of the novel latents (docs/definitions.md#joint-effects): from S, repeatedly
 * add the novel latent of L with the most negative exact Δmse given those already added. This is the
 * Frankenstein's greedy selection ({@link GreedySelection}, the same code) on the family (S, L) with the
 * candidates restricted to the novel latents, on the compare's tokens and with the compare pass's own
 * codes; it ends, like the cosine order's add steps, at S + every novel latent, so the two paths join
 * the same two models and differ only in order.
 *
 * @param steps             row 0 = S, row k = after the k-th greedy addition ({@code target} the latent,
 *                          {@code cosine} its max_cos, {@code deltaMse} its exact Δ given the rows before)
 * @param firstNonImproving the first row (1-based step) whose best Δ was ≥ 0, 0 if every step improved
 * @param maxDiscrepancy    largest disagreement between the maintained and recomputed Δ, relative to the mse
 * @param seconds           wall time of the selection (not written: outputs stay deterministic)
 */
public record GreedyPath(List<InterpolationStep> steps, int firstNonImproving, double maxDiscrepancy, double seconds) {
    /** Decoder Gram budget of the greedy selection (a C × C float matrix: 151 MB for 6,144 latents). */
    static final long DECODER_GRAM_BYTES = 512L << 20;

    /**
     * The greedy selection's co-activation sums are split into this many parts, added in part order: a
     * fixed number, not the thread count, so the path (its order and its last bits) is the same on every
     * machine, as compare's other outputs are (the parts run on however many threads there are).
     */
    static final int PARTS = 8;

    public GreedyPath {
        steps = List.copyOf(steps);
    }

    /** Is the greedy path monotone, and where is its minimum? */
    public PathShape shape() {
        return PathShape.of(steps, steps.size());
    }

    /**
     * The greedy order of the latents {@code novel} of {@code large} added to {@code small}, on tokens
     * {@code [0, n)} of {@code set} whose codes are {@code codesSmall} and {@code codesLarge} (the pass's).
     *
     * @param maxCos [F_L] each latent's max_cos, for the rows
     * @param fvu    the fvu of an mse on these tokens
     */
    static GreedyPath compute(
            Sae small,
            Sae large,
            ActivationSet set,
            int n,
            SparseRows codesSmall,
            SparseRows codesLarge,
            boolean[] novel,
            float[] maxCos,
            DoubleUnaryOperator fvu,
            Kernels kernels) {
        long t0 = System.nanoTime();
        int count = 0;
        for (boolean b : novel) {
            count += b ? 1 : 0;
        }
        // The hook names play no part here (the compare has checked d_in); a family refuses mixed names.
        Family family = new Family(List.of(
                new Family.Member(small.withMetadata(Sae.SaeMetadata.empty()), "S"),
                new Family.Member(large.withMetadata(Sae.SaeMetadata.empty()), "L")));
        if (family.sae(0).numLatents() != small.numLatents()) { // equal widths: the family keeps the given order
            throw new IllegalStateException("the family reordered S and L");
        }
        SourceCodes codes = SourceCodes.of(set, n, new SparseRows[] {codesSmall, codesLarge});
        GreedySelection.Result g =
                GreedySelection.select(family, codes, count, 0, PARTS, kernels, DECODER_GRAM_BYTES, novel);
        int base = small.numLatents();
        int added = g.mseAfter().length - 1;
        List<InterpolationStep> rows = new ArrayList<>(added + 1);
        rows.add(new InterpolationStep(
                0,
                InterpolationStep.Action.START,
                -1,
                Float.NaN,
                base,
                g.mseAfter()[0],
                fvu.applyAsDouble(g.mseAfter()[0]),
                g.l0After()[0],
                0.0));
        for (int k = 1; k <= added; k++) {
            int j = g.selection().latent()[base + k - 1];
            rows.add(new InterpolationStep(
                    k,
                    InterpolationStep.Action.ADD,
                    j,
                    maxCos[j],
                    base + k,
                    g.mseAfter()[k],
                    fvu.applyAsDouble(g.mseAfter()[k]),
                    g.l0After()[k],
                    g.selection().deltaMse()[base + k - 1]));
        }
        return new GreedyPath(
                rows, g.stats().firstNonImproving(), g.stats().maxDiscrepancy(), (System.nanoTime() - t0) / 1e9);
    }
}
