package io.github.saestitch.frankenstein;

import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.MultiSourceSae;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Frankenstein SAE: the latents of a {@link Selection} of a {@link Family}, each computing exactly
 * the activation it has inside its own source SAE, decoded by one decoder {@code W_dec [F, d]},
 * {@code b_dec [d]} (initially the sources' decoder rows and the smallest SAE's b_dec,
 * docs/definitions.md#adding-a-latent:
 * S keeps its own b_dec; a decoder refit replaces both). It is a {@link MultiSourceSae} whose
 * sources are the family members it uses ({@link #multiSource}), with the family and selection beside it.
 *
 * <p><b>One standard SAE when no used source is topk</b> ({@link #standardSae}): the Frankenstein
 * applies no b_dec to its input ({@code apply_b_dec_to_input = false}), so every source's centre is
 * folded into its latents' b_enc ({@link MultiSourceSae#foldedBias} with no target centre:
 * {@code b_enc'_h = c_j − β_s·w_j}) and its b_dec is a free decoder bias: a refit may change it without
 * moving any encoder input. The activation is a per-latent JumpReLU (relu when every latent is relu).
 * The only difference from the sources is rounding: {@code x·w + (c − β·w)} instead of
 * {@code (x − β)·w + c} in float32 (see {@code sae.SaeRunner} on why that order is the default there),
 * ≈ 1e-6 of {@code |x|·|w|}; a code within that of a threshold may flip (measured and tested in
 * {@code FrankensteinModelTest}).
 *
 * <p><b>A composite when some used source is topk</b>: a topk latent is active only if it is among
 * its source's k largest, which depends on the whole source SAE. Then {@link #autoencoder} runs each
 * used source SAE as it is ({@link io.github.saestitch.sae.MultiSourceRunner}); written as
 * {@code io.CompositeManifest} ({@link FrankensteinWriter}).
 */
public final class FrankensteinModel {
    private final Family family;
    private final Selection selection;
    private final MultiSourceSae model;

    private FrankensteinModel(Family family, Selection selection, MultiSourceSae model) {
        this.family = Objects.requireNonNull(family, "family");
        this.selection = Objects.requireNonNull(selection, "selection");
        this.model = Objects.requireNonNull(model, "model");
    }

    /** The used family members by index (the others null): the sources of the multi-source model. */
    private static Sae[] usedSources(Family family, Selection selection) {
        Sae[] sources = new Sae[family.size()];
        for (int s : selection.source()) {
            if (s < 0 || s >= family.size()) {
                throw new IllegalArgumentException("a latent refers to family member " + s + ", which does not exist");
            }
            sources[s] = family.sae(s);
        }
        return sources;
    }

    /** The Frankenstein with its sources' decoder rows and the smallest SAE's b_dec. */
    public static FrankensteinModel fromSources(Family family, Selection selection) {
        MultiSourceSae m = MultiSourceSae.withSourceRows(
                usedSources(family, selection),
                selection.source(),
                selection.latent(),
                family.sae(0).bDec());
        return new FrankensteinModel(family, selection, m);
    }

    /** All latents of member {@code s} with its own decoder: the original SAE, as a Frankenstein. */
    public static FrankensteinModel original(Family family, int s) {
        int f = family.member(s).width();
        int[] src = new int[f];
        int[] lat = new int[f];
        Arrays.fill(src, s);
        for (int j = 0; j < f; j++) {
            lat[j] = j;
        }
        double[] nan = new double[f];
        Arrays.fill(nan, Double.NaN);
        Selection sel = new Selection("original", src, lat, new int[f], nan, nan.clone());
        return new FrankensteinModel(
                family,
                sel,
                new MultiSourceSae(
                        usedSources(family, sel),
                        src,
                        lat,
                        family.sae(s).wDec(),
                        family.sae(s).bDec()));
    }

    /** The same latents with another decoder (e.g. refit). */
    public FrankensteinModel withDecoder(FloatMatrix newWDec, float[] newBDec) {
        return new FrankensteinModel(family, selection, model.withDecoder(newWDec, newBDec));
    }

    public Family family() {
        return family;
    }

    public Selection selection() {
        return selection;
    }

    /** The model itself: the used family members as sources, this decoder. */
    public MultiSourceSae multiSource() {
        return model;
    }

    public int numLatents() {
        return selection.numLatents();
    }

    /** [F, d] (not a copy). */
    public FloatMatrix wDec() {
        return model.wDec();
    }

    /** [d] (a copy). */
    public float[] bDec() {
        return model.bDec();
    }

    /** Whether some latent comes from a topk SAE (then this is a composite, not one standard SAE). */
    public boolean isComposite() {
        return model.isComposite();
    }

    /** The family members this Frankenstein uses, ascending. */
    public int[] distinctSources() {
        return model.usedSources();
    }

    /**
     * The one standard SAE that computes this Frankenstein (see the class comment).
     *
     * @throws IllegalStateException for a composite
     */
    public Sae standardSae() {
        Sae.SaeMetadata meta =
                new Sae.SaeMetadata(family.hookName(), family.sae(0).metadata().modelName(), null);
        return model.toStandardSae(false, meta);
    }

    /** A runnable model: the standard SAE's runner, or the composite. */
    public Autoencoder autoencoder(Kernels kernels) {
        return isComposite() ? model.runner(kernels) : new SaeRunner(standardSae(), kernels);
    }

    /** What this model is, in words. */
    public String description() {
        StringBuilder sb = new StringBuilder();
        sb.append(isComposite() ? "composite " : "standard ")
                .append(numLatents())
                .append("-latent Frankenstein (")
                .append(selection.name())
                .append("): ");
        int[] used = distinctSources();
        for (int k = 0; k < used.length; k++) {
            sb.append(k == 0 ? "" : " + ")
                    .append(selection.countFrom(used[k]))
                    .append(" of ")
                    .append(family.member(used[k]).width());
        }
        return sb.toString();
    }
}
