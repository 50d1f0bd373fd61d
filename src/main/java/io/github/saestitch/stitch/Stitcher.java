package io.github.saestitch.stitch;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.MultiSourceSae;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.Kernels;
import java.util.Objects;

/**
 * {@code saestitch stitch}: builds the hybrid of a small SAE S and a larger SAE L as a real model —
 * S's latents minus the removed parents, plus the chosen latents of L, each computing exactly what it
 * computes in its source SAE (docs/definitions.md#adding-a-latent, #swap-groups). Evaluating it with
 * {@code eval.Evaluator} reproduces the mse that {@link StitchComparator} predicts for the same change.
 *
 * <p>The hybrid is the two-source case of {@link MultiSourceSae} ({@link #hybrid}): source 0 is S,
 * source 1 is L, the decoder is S's kept rows followed by L's added rows, b_dec is S's.
 *
 * <p><b>One standard SAE</b> when no source is topk: {@link MultiSourceSae#toStandardSae} with S's
 * {@code apply_b_dec_to_input}, so S's latents are unchanged and a latent j moved from L gets
 * {@code b_enc'_j = b_enc_j + W_enc^L[:,j]·(β_S − β_L)} ({@code β_X = b_dec^X} if X applies b_dec to its
 * input, else 0; the folding is {@link MultiSourceSae#foldedBias}); relu when every source is relu,
 * else a per-latent jumprelu (relu θ = 0, jumprelu θ_i, batchtopk its global θ).
 *
 * <p><b>A composite</b> ({@link MultiSourceSae#runner}) when S is topk and the plan changes S, or L is
 * topk and the plan adds latents of L: a topk latent's activation depends on its whole source SAE. The
 * identity plan returns S itself.
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
        MultiSourceSae hybrid = hybrid(small, large, plan);
        if (hybrid.isComposite()) {
            return new StitchedModel(
                    hybrid.runner(kernels), null, hybrid, plan, compositeDescription(small, large, plan));
        }
        Sae h = hybrid.toStandardSae(
                small.applyBDecToInput(),
                new Sae.SaeMetadata(
                        small.metadata().hookName(), small.metadata().modelName(), null));
        String text = "standard " + h.activation().name() + " SAE of " + plan.keptSmall().length + " latents of S and "
                + plan.addedLarge().length + " latents of L (b_dec of L folded into b_enc); " + plan.description();
        return new StitchedModel(new SaeRunner(h, kernels), h, null, plan, text);
    }

    /**
     * The hybrid of {@code plan} as a two-source model: S (source 0; its kept latents, in order) and L
     * (source 1, given only when the plan adds latents of L; its added latents), decoder rows from
     * their sources, b_dec S's.
     */
    public static MultiSourceSae hybrid(Sae small, Sae large, StitchPlan plan) {
        checkPair(small, large);
        checkPlanFits(small, large, plan);
        int[] kept = plan.keptSmall();
        int[] added = plan.addedLarge();
        int[] source = new int[plan.numLatents()];
        int[] latent = new int[plan.numLatents()];
        System.arraycopy(kept, 0, latent, 0, kept.length);
        for (int q = 0; q < added.length; q++) {
            source[kept.length + q] = 1;
            latent[kept.length + q] = added[q];
        }
        Sae[] sources = {small, added.length == 0 ? null : large};
        return MultiSourceSae.withSourceRows(sources, source, latent, small.bDec());
    }

    /** What a composite hybrid is, in words, for outputs and manifests. */
    private static String compositeDescription(Sae small, Sae large, StitchPlan plan) {
        return "composite SAE of " + plan.keptSmall().length + " latents of S (" + describe(small.activation()) + ", "
                + "computed by S's own encoder) and " + plan.addedLarge().length + " latents of L ("
                + describe(large.activation())
                + ", computed by L's own encoder, each with the activation it has inside L); "
                + "decoder rows concatenated, b_dec from S. Not one standard SAE: a topk latent's activation depends on its "
                + "whole source SAE. " + plan.description();
    }

    private static String describe(Activation a) {
        return switch (a) {
            case Activation.TopK t -> "topk k=" + t.k();
            case Activation.BatchTopK b -> "batchtopk θ=" + b.threshold();
            default -> a.name();
        };
    }

    static void checkPair(Sae small, Sae large) {
        Objects.requireNonNull(small, "small");
        Objects.requireNonNull(large, "large");
        small.requireRawInput("comparing or stitching two SAEs");
        large.requireRawInput("comparing or stitching two SAEs");
        if (small.dIn() != large.dIn()) {
            throw new IllegalArgumentException("the small SAE has d_in = " + small.dIn()
                    + " but the large SAE has d_in = " + large.dIn() + "; both must read the same activation site");
        }
    }

    static void checkPlanFits(Sae small, Sae large, StitchPlan plan) {
        if (plan.smallLatents() != small.numLatents() || plan.largeLatents() != large.numLatents()) {
            throw new IllegalArgumentException("the plan is for SAEs of " + plan.smallLatents() + " and "
                    + plan.largeLatents() + " latents, not " + small.numLatents() + " and " + large.numLatents());
        }
    }
}
