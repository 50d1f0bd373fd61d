package io.github.saestitch.stitch;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import java.util.Objects;

/**
 * {@code saestitch stitch}: builds the hybrid of a small SAE S and a larger SAE L as a real model —
 * S's latents minus the removed parents, plus the chosen latents of L, each computing exactly what it
 * computes in its source SAE (docs/definitions.md#adding-a-latent, #swap-groups). Evaluating it with
 * {@code eval.Evaluator} reproduces the mse that {@link StitchComparator} predicts for the same change.
 *
 * <p><b>One standard SAE</b> when no source is topk. The hybrid H keeps S's b_dec and S's
 * {@code apply_b_dec_to_input}; a latent j moved from L must keep its pre-activation
 * {@code pre_j^L(x) = (x − β_L)·w_j + c_j}, where {@code β_X = b_dec^X} if X applies b_dec to its input
 * and 0 otherwise, {@code w_j = W_enc^L[:, j]}, {@code c_j = b_enc^L_j}. In H it is computed as
 * {@code (x − β_S)·w_j + c'_j}, so the difference folds into its bias:
 * <pre>
 *   c'_j = c_j + w_j·(β_S − β_L)
 * </pre>
 * which is the folding rule's {@code b_enc'_j = b_enc_j + W_enc^L[:,j]·(b_dec^S − b_dec^L)} when both apply
 * b_dec, {@code c_j + w_j·b_dec^S} when only S does, {@code c_j − w_j·b_dec^L} when only L does, and
 * {@code c_j} when neither does. (The dot product is taken in double and rounded once.)
 *
 * <p><b>Activation.</b> All latents relu → relu. Otherwise a jumprelu ({@code relu(pre)·[pre > θ_i]})
 * with a threshold per latent, which expresses every non-topk source exactly: relu latents get θ = 0
 * (then it is relu), jumprelu latents keep their θ_i (same formula), and batchtopk latents (at
 * inference relu then {@code > θ} with one global θ ≥ 0) get that θ.
 *
 * <p><b>A composite</b> ({@link CompositeSae}) when S is topk and the plan changes S, or L is topk and
 * the plan adds latents of L: a topk latent's activation depends on its whole source SAE. The identity
 * plan returns S itself.
 */
public final class Stitcher {
    private final Kernels kernels;

    public Stitcher(Kernels kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * The plan for {@code options}: computes the decoder similarity and swap groups of L against S at
     * {@code options.threshold()} (no activations needed), then resolves add/swap.
     */
    public StitchPlan plan(Sae small, Sae large, StitchOptions options) {
        checkPair(small, large);
        DecoderSimilarity sim = DecoderSimilarity.compute(kernels, large.wDec(), small.wDec(), options.threshold());
        return StitchPlan.of(sim, SwapGroups.build(small.numLatents(), large.numLatents(), sim.edges()), options);
    }

    /** The hybrid of {@code plan}: one standard SAE when possible (see the class comment), else a composite. */
    public StitchedModel build(Sae small, Sae large, StitchPlan plan) {
        checkPair(small, large);
        checkPlanFits(small, large, plan);
        if (plan.isIdentity()) {
            return new StitchedModel(new SaeRunner(small, kernels), small, null, plan, "S unchanged");
        }
        boolean smallTopK = small.activation() instanceof Activation.TopK;
        boolean largeTopK = large.activation() instanceof Activation.TopK;
        if (smallTopK || (largeTopK && plan.addedLarge().length > 0)) {
            CompositeSae c = new CompositeSae(small, large, plan, kernels);
            return new StitchedModel(c, null, c, plan, c.description());
        }
        Sae h = standard(small, large, plan);
        String text = "standard " + h.activation().name() + " SAE of " + plan.keptSmall().length + " latents of S and "
                + plan.addedLarge().length + " latents of L (b_dec of L folded into b_enc); " + plan.description();
        return new StitchedModel(new SaeRunner(h, kernels), h, null, plan, text);
    }

    /** The standard SAE for a plan whose sources are not topk (see the class comment). */
    static Sae standard(Sae small, Sae large, StitchPlan plan) {
        int d = small.dIn();
        int[] kept = plan.keptSmall();
        int[] added = plan.addedLarge();
        int k = kept.length;
        int f = plan.numLatents();
        float[] betaS = small.applyBDecToInput() ? small.bDec() : new float[d];
        float[] betaL = large.applyBDecToInput() ? large.bDec() : new float[d];
        FloatMatrix wEnc = FloatMatrix.zeros(d, f); // [dIn, F_H]
        float[] bEnc = new float[f];
        for (int h = 0; h < k; h++) {
            int i = kept[h];
            for (int c = 0; c < d; c++) {
                wEnc.set(c, h, small.wEnc().get(c, i));
            }
            bEnc[h] = small.bEnc()[i];
        }
        for (int q = 0; q < added.length; q++) {
            int j = added[q];
            double fold = large.bEnc()[j];
            for (int c = 0; c < d; c++) {
                float w = large.wEnc().get(c, j);
                wEnc.set(c, k + q, w);
                // β_S − β_L is formed in double from the two float biases: no rounding of the difference.
                fold += (double) w * ((double) betaS[c] - betaL[c]);
            }
            bEnc[k + q] = (float) fold;
        }
        boolean allRelu = small.activation() instanceof Activation.Relu
                && (added.length == 0 || large.activation() instanceof Activation.Relu);
        Activation act;
        if (allRelu) {
            act = new Activation.Relu();
        } else {
            float[] theta = new float[f];
            for (int h = 0; h < k; h++) {
                theta[h] = threshold(small.activation(), kept[h]);
            }
            for (int q = 0; q < added.length; q++) {
                theta[k + q] = threshold(large.activation(), added[q]);
            }
            act = new Activation.JumpRelu(theta);
        }
        FloatMatrix wDec = stackRows(small.wDec(), kept, large.wDec(), added);
        Sae.SaeMetadata meta = new Sae.SaeMetadata(small.metadata().hookName(), small.metadata().modelName(), null);
        return new Sae(act, small.applyBDecToInput(), wEnc, bEnc, wDec, small.bDec().clone(), meta);
    }

    /** The per-latent jumprelu threshold that reproduces latent {@code i} of a non-topk activation. */
    private static float threshold(Activation a, int i) {
        return switch (a) {
            case Activation.Relu r -> 0f;
            case Activation.JumpRelu j -> j.threshold()[i];
            case Activation.BatchTopK b -> b.threshold();
            case Activation.TopK t -> throw new IllegalStateException("topk latents have no threshold; use a composite");
        };
    }

    /** Rows {@code rowsA} of {@code a} followed by rows {@code rowsB} of {@code b}, as a new heap matrix. */
    static FloatMatrix stackRows(FloatMatrix a, int[] rowsA, FloatMatrix b, int[] rowsB) {
        FloatMatrix out = FloatMatrix.zeros(rowsA.length + rowsB.length, a.cols()); // [|rowsA| + |rowsB|, dIn]
        for (int h = 0; h < rowsA.length; h++) {
            out.setRow(h, a.row(rowsA[h]));
        }
        for (int q = 0; q < rowsB.length; q++) {
            out.setRow(rowsA.length + q, b.row(rowsB[q]));
        }
        return out;
    }

    static void checkPair(Sae small, Sae large) {
        Objects.requireNonNull(small, "small");
        Objects.requireNonNull(large, "large");
        if (small.dIn() != large.dIn()) {
            throw new IllegalArgumentException("the small SAE has d_in = " + small.dIn() + " but the large SAE has d_in = "
                    + large.dIn() + "; both must read the same activation site");
        }
    }

    static void checkPlanFits(Sae small, Sae large, StitchPlan plan) {
        if (plan.smallLatents() != small.numLatents() || plan.largeLatents() != large.numLatents()) {
            throw new IllegalArgumentException("the plan is for SAEs of " + plan.smallLatents() + " and " + plan.largeLatents()
                    + " latents, not " + small.numLatents() + " and " + large.numLatents());
        }
    }
}
