package io.github.saestitch.frankenstein;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Frankenstein SAE: the latents of a {@link Selection} of a {@link Family}, each computing exactly
 * the activation it has inside its own source SAE, decoded by one decoder {@code W_dec [F, d]},
 * {@code b_dec [d]} (initially the sources' decoder rows and the smallest SAE's b_dec, as S keeps its
 * own b_dec when latents are added, docs/definitions.md#adding-a-latent; a decoder refit replaces both).
 *
 * <p><b>One standard SAE when no used source is topk.</b> Latent h from source s (latent j of s) has
 * {@code pre_h(x) = (x − β_s)·w_j + c_j} in s ({@code β_s = b_dec^s} when s applies b_dec to its
 * input, else 0). The Frankenstein applies no b_dec to its input ({@code apply_b_dec_to_input =
 * false}) and folds each source's centre into the latent's bias:
 * <pre>
 *   b_enc'_h = c_j − β_s·w_j          (the dot product in double, rounded once)
 * </pre>
 * so its b_dec is a free decoder bias: a refit may change it without moving any encoder input. The
 * activation is a per-latent JumpReLU in SAELens's form {@code relu(pre)·[pre > θ_h]}
 * ({@link Activation.JumpRelu}): θ = 0 for relu latents (then it is relu exactly), θ_j for jumprelu
 * latents, the global θ for batchtopk latents at inference; when every latent is relu it is written
 * as a plain relu SAE. The only difference from the sources is rounding: {@code x·w + (c − β·w)}
 * instead of {@code (x − β)·w + c} in float32 (see {@code sae.SaeRunner} on why that order is the
 * default there), ≈ 1e-6 of {@code |x|·|w|}; a code within that of a threshold may flip (measured
 * and tested in {@code FrankensteinModelTest}).
 *
 * <p><b>A composite when some used source is topk</b>: a topk latent is active only if it is among
 * its source's k largest, which depends on the whole source SAE. Then {@link #autoencoder} runs each
 * used source SAE as it is (one run per source) and keeps the selected latents' codes; written as a
 * manifest ({@link FrankensteinWriter}).
 */
public final class FrankensteinModel {
    private final Family family;
    private final Selection selection;
    private final FloatMatrix wDec; // [F, d]
    private final float[] bDec; // [d]

    private FrankensteinModel(Family family, Selection selection, FloatMatrix wDec, float[] bDec) {
        this.family = Objects.requireNonNull(family, "family");
        this.selection = Objects.requireNonNull(selection, "selection");
        this.wDec = Objects.requireNonNull(wDec, "wDec");
        this.bDec = Objects.requireNonNull(bDec, "bDec");
        int d = family.dIn();
        if (wDec.rows() != selection.numLatents() || wDec.cols() != d || bDec.length != d) {
            throw new IllegalArgumentException("decoder " + wDec + " + b_dec[" + bDec.length + "] does not fit "
                    + selection.numLatents() + " latents of d_in " + d);
        }
        for (int s = 0; s < selection.numLatents(); s++) {
            int src = selection.source()[s];
            if (src < 0 || src >= family.size() || selection.latent()[s] < 0
                    || selection.latent()[s] >= family.member(src).width()) {
                throw new IllegalArgumentException("latent " + s + " refers to latent " + selection.latent()[s]
                        + " of family member " + src + ", which does not exist");
            }
        }
    }

    /** The Frankenstein with its sources' decoder rows and the smallest SAE's b_dec. */
    public static FrankensteinModel fromSources(Family family, Selection selection) {
        int d = family.dIn();
        int f = selection.numLatents();
        FloatMatrix w = FloatMatrix.zeros(f, d);
        for (int h = 0; h < f; h++) {
            w.setRow(h, family.sae(selection.source()[h]).wDec().row(selection.latent()[h]));
        }
        return new FrankensteinModel(family, selection, w, family.sae(0).bDec().clone());
    }

    /** All latents of member {@code s} with its own decoder: the original SAE, as a Frankenstein. */
    public static FrankensteinModel original(Family family, int s) {
        int f = family.member(s).width();
        int[] src = new int[f];
        int[] lat = new int[f];
        java.util.Arrays.fill(src, s);
        for (int j = 0; j < f; j++) {
            lat[j] = j;
        }
        double[] nan = new double[f];
        java.util.Arrays.fill(nan, Double.NaN);
        Selection sel = new Selection("original", src, lat, new int[f], nan, nan.clone());
        return new FrankensteinModel(family, sel, family.sae(s).wDec(), family.sae(s).bDec().clone());
    }

    /** The same latents with another decoder (e.g. refit). */
    public FrankensteinModel withDecoder(FloatMatrix newWDec, float[] newBDec) {
        return new FrankensteinModel(family, selection, newWDec, newBDec);
    }

    public Family family() {
        return family;
    }

    public Selection selection() {
        return selection;
    }

    public int numLatents() {
        return selection.numLatents();
    }

    /** [F, d] (not a copy). */
    public FloatMatrix wDec() {
        return wDec;
    }

    /** [d] (a copy). */
    public float[] bDec() {
        return bDec.clone();
    }

    /** Whether some latent comes from a topk SAE (then this is a composite, not one standard SAE). */
    public boolean isComposite() {
        for (int s : distinctSources()) {
            if (family.sae(s).activation() instanceof Activation.TopK) {
                return true;
            }
        }
        return false;
    }

    /** The family members this Frankenstein uses, ascending. */
    public int[] distinctSources() {
        return Arrays.stream(selection.source()).distinct().sorted().toArray();
    }

    /**
     * The one standard SAE that computes this Frankenstein (see the class comment).
     *
     * @throws IllegalStateException for a composite
     */
    public Sae standardSae() {
        if (isComposite()) {
            throw new IllegalStateException("a Frankenstein with topk latents is a composite, not one standard SAE");
        }
        int d = family.dIn();
        int f = numLatents();
        float[] wEnc = new float[Math.multiplyExact(f, d)]; // [d, F] row-major
        float[] bEnc = new float[f];
        float[] theta = new float[f];
        boolean allRelu = true;
        for (int h = 0; h < f; h++) {
            Sae src = family.sae(selection.source()[h]);
            int j = selection.latent()[h];
            FloatMatrix we = src.wEnc();
            float[] beta = src.applyBDecToInput() ? src.bDec() : null;
            double fold = src.bEnc()[j];
            for (int c = 0; c < d; c++) {
                float w = we.get(c, j);
                wEnc[c * f + h] = w;
                if (beta != null) {
                    fold -= (double) w * beta[c];
                }
            }
            bEnc[h] = (float) fold;
            theta[h] = switch (src.activation()) {
                case Activation.Relu r -> 0f;
                case Activation.JumpRelu jr -> jr.threshold()[j];
                case Activation.BatchTopK b -> b.threshold();
                case Activation.TopK t -> throw new IllegalStateException("unreachable: topk source in a standard Frankenstein");
            };
            allRelu &= src.activation() instanceof Activation.Relu;
        }
        Activation act = allRelu ? new Activation.Relu() : new Activation.JumpRelu(theta);
        Sae first = family.sae(0);
        Sae.SaeMetadata meta = new Sae.SaeMetadata(family.hookName(), first.metadata().modelName(), null);
        return new Sae(act, false, FloatMatrix.wrap(wEnc, d, f), bEnc, wDec.copy(), bDec.clone(), meta);
    }

    /** A runnable model: the standard SAE's runner, or the composite. */
    public Autoencoder autoencoder(Kernels kernels) {
        if (!isComposite()) {
            return new SaeRunner(standardSae(), kernels);
        }
        Sae[] sources = new Sae[family.size()];
        for (int u : distinctSources()) {
            sources[u] = family.sae(u);
        }
        return new CompositeFrankenstein(sources, selection.source(), selection.latent(), wDec, bDec, kernels);
    }

    /** What this model is, in words. */
    public String description() {
        StringBuilder sb = new StringBuilder();
        sb.append(isComposite() ? "composite " : "standard ").append(numLatents()).append("-latent Frankenstein (")
                .append(selection.name()).append("): ");
        int[] used = distinctSources();
        for (int k = 0; k < used.length; k++) {
            sb.append(k == 0 ? "" : " + ").append(selection.countFrom(used[k])).append(" of ")
                    .append(family.member(used[k]).width());
        }
        return sb.toString();
    }

    /**
     * {@code out = codes·wDec + bDec} (rows set to b_dec, then the sparse product added). Writes {@code out}.
     *
     * @param codes [t, F]
     * @param wDec  [F, d]
     * @param out   [t, d]
     */
    static void decodeWith(SparseRows codes, FloatMatrix wDec, float[] bDec, Kernels kernels, FloatMatrix out) {
        if (codes.cols() != wDec.rows() || out.rows() != codes.rows() || out.cols() != wDec.cols()) {
            throw new IllegalArgumentException("decode needs codes [t, " + wDec.rows() + "] and out [t, " + wDec.cols()
                    + "], got codes [" + codes.rows() + ", " + codes.cols() + "] and out " + out);
        }
        for (int r = 0; r < out.rows(); r++) {
            out.setRow(r, bDec);
        }
        kernels.sparseMult(codes, wDec, out, true);
    }

    /** Insertion sort of the entries {@code [from, to)} by column (rows hold a few dozen entries). */
    static void sortRow(int[] idx, float[] val, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int k = idx[i];
            float v = val[i];
            int j = i - 1;
            while (j >= from && idx[j] > k) {
                idx[j + 1] = idx[j];
                val[j + 1] = val[j];
                j--;
            }
            idx[j + 1] = k;
            val[j + 1] = v;
        }
    }
}
