package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import java.util.Arrays;
import java.util.Objects;

/**
 * A model whose latents are taken from several source SAEs, each latent computing exactly the
 * activation it has inside its own source, decoded by one decoder: {@code x̂ = codes·W_dec + b_dec}.
 * This is the project's central object. A stitched hybrid of S and L ({@code stitch}: S's kept
 * latents plus moved latents of L, S's b_dec) is its two-source case; a Frankenstein
 * ({@code frankenstein}: latents of a whole family, a decoder that a refit may replace) is the general
 * case.
 *
 * <p><b>Sources and latents.</b> Latent {@code h} is latent {@code latent[h]} of {@code sources[source[h]]}.
 * Source entries may be null where no latent uses them; the given sources are the ones that count for
 * {@link #isComposite} and for the activation of {@link #toStandardSae}.
 *
 * <p><b>Running it.</b> {@link #runner} runs every used source SAE as it is and keeps the selected
 * latents' codes (exact for any activation; what a composite is). {@link #toStandardSae} folds the
 * model into one standard SAE, possible when no given source is topk: a topk latent is active only if
 * it is among its source's k largest, which depends on the whole source SAE ({@link #isComposite}).
 *
 * <p><b>Folding b_dec into b_enc</b> ({@link #foldedBias}, the one place this is done). A source X
 * computes latent j's pre-activation as {@code (x − β_X)·w_j + c_j} with {@code w_j = W_enc^X[:, j]},
 * {@code c_j = b_enc^X_j} and its input centre {@code β_X = b_dec^X} when X applies b_dec to its input
 * ({@code apply_b_dec_to_input}), else 0. The standard SAE T computes {@code (x − β_T)·w_j + c'_j}, so
 * the difference of centres goes into the bias:
 * <pre>
 *   c'_j = c_j − w_j·(β_X − β_T)        i.e. b_enc'_j = b_enc_j + W_enc[:,j]·(b_dec^T − b_dec^X)
 * </pre>
 * when both apply b_dec; {@code c_j − w_j·β_X} when only the source does, {@code c_j + w_j·β_T} when
 * only T does, {@code c_j} when neither does or both centres are equal. The dot product is taken in
 * double, each term {@code w·(β_X − β_T)} formed from the two float centres without rounding the
 * difference, and rounded to float once. The conventions in use: a stitched hybrid keeps S's
 * {@code apply_b_dec_to_input} and b_dec (so S's own latents are unchanged and moved latents of L get
 * {@code b_dec^S − b_dec^L} folded in); a Frankenstein applies no b_dec to its input (β_T = 0, every
 * source's centre folded in), which leaves its b_dec a free decoder bias for the refit. The only
 * difference from the sources is float rounding: {@code x·w + c'} instead of {@code (x − β)·w + c},
 * ≈ 1e-6 of {@code |x|·|w|}.
 *
 * <p><b>Activation</b> of the standard SAE: relu when every given source is relu; otherwise a
 * per-latent JumpReLU in SAELens's form {@code relu(pre)·[pre > θ_h]}, which expresses every non-topk
 * source exactly: θ = 0 for relu latents, θ_j for jumprelu latents, the global θ for batchtopk
 * latents (at inference: relu then {@code > θ}).
 *
 * <p>Immutable apart from the decoder matrix it is given (not copied; do not change it afterwards).
 */
public final class MultiSourceSae {
    private final Sae[] sources; // by index; null where not given
    private final int[] source; // [numLatents] source index of each latent
    private final int[] latent; // [numLatents] its latent index in that source
    private final FloatMatrix wDec; // [numLatents, dIn]
    private final float[] bDec; // [dIn]

    /**
     * @param sources by index; entries no latent uses may be null
     * @param source  [F] the source index of each latent
     * @param latent  [F] its latent index in that source; each (source, latent) at most once
     * @param wDec    [F, dIn] the decoder (not copied)
     * @param bDec    [dIn] (copied)
     * @throws IllegalArgumentException if a latent refers to a missing source or latent, a source latent
     *                                  appears twice, or shapes differ
     */
    public MultiSourceSae(Sae[] sources, int[] source, int[] latent, FloatMatrix wDec, float[] bDec) {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(wDec, "wDec");
        Objects.requireNonNull(bDec, "bDec");
        for (Sae s : sources) {
            if (s != null) { // a source no latent uses may be null
                s.requireRawInput("a model mixing latents of several SAEs");
            }
        }
        int f = source.length;
        if (latent.length != f || wDec.rows() != f || wDec.cols() != bDec.length) {
            throw new IllegalArgumentException("a model of " + f + " latents needs " + f + " source latents and W_dec ["
                    + f + ", d_in] with b_dec [d_in]; got " + latent.length + " latents, W_dec " + wDec + ", b_dec["
                    + bDec.length + "]");
        }
        int d = bDec.length;
        for (int s = 0; s < sources.length; s++) {
            if (sources[s] != null && sources[s].dIn() != d) {
                throw new IllegalArgumentException(
                        "source " + s + " has d_in = " + sources[s].dIn() + " but the decoder " + d);
            }
        }
        boolean[][] seen = new boolean[sources.length][];
        for (int h = 0; h < f; h++) {
            int s = source[h];
            if (s < 0 || s >= sources.length || sources[s] == null) {
                throw new IllegalArgumentException("latents refer to source " + s + ", which is not given");
            }
            if (latent[h] < 0 || latent[h] >= sources[s].numLatents()) {
                throw new IllegalArgumentException("latent " + h + " refers to latent " + latent[h] + " of source " + s
                        + ", which has " + sources[s].numLatents());
            }
            if (seen[s] == null) {
                seen[s] = new boolean[sources[s].numLatents()];
            }
            if (seen[s][latent[h]]) {
                throw new IllegalArgumentException("latent " + latent[h] + " of source " + s
                        + " appears twice; each source latent may appear once");
            }
            seen[s][latent[h]] = true;
        }
        this.sources = sources.clone();
        this.source = source.clone();
        this.latent = latent.clone();
        this.wDec = wDec;
        this.bDec = bDec.clone();
    }

    /** The model whose decoder rows are the sources' own rows of its latents, with the b_dec given. */
    public static MultiSourceSae withSourceRows(Sae[] sources, int[] source, int[] latent, float[] bDec) {
        int d = bDec.length;
        FloatMatrix w = FloatMatrix.zeros(source.length, d); // [F, dIn]
        for (int h = 0; h < source.length; h++) {
            if (source[h] < 0 || source[h] >= sources.length || sources[source[h]] == null) {
                throw new IllegalArgumentException("latents refer to source " + source[h] + ", which is not given");
            }
            w.setRow(h, sources[source[h]].wDec().row(latent[h]));
        }
        return new MultiSourceSae(sources, source, latent, w, bDec);
    }

    /** The same latents with another decoder (e.g. refit). */
    public MultiSourceSae withDecoder(FloatMatrix newWDec, float[] newBDec) {
        return new MultiSourceSae(sources, source, latent, newWDec, newBDec);
    }

    public int dIn() {
        return bDec.length;
    }

    public int numLatents() {
        return source.length;
    }

    /** Number of source slots (given or not). */
    public int numSources() {
        return sources.length;
    }

    /** Source {@code s}, or null if not given. */
    public Sae source(int s) {
        return sources[s];
    }

    /** [numLatents] the source index of each latent (a copy). */
    public int[] sourceOfLatents() {
        return source.clone();
    }

    /** [numLatents] each latent's index in its source (a copy). */
    public int[] latentInSource() {
        return latent.clone();
    }

    /** The source indices some latent uses, ascending. */
    public int[] usedSources() {
        return Arrays.stream(source).distinct().sorted().toArray();
    }

    /** Number of latents taken from source {@code s}. */
    public int countFrom(int s) {
        int c = 0;
        for (int x : source) {
            if (x == s) {
                c++;
            }
        }
        return c;
    }

    /** [numLatents, dIn] the decoder (not a copy). */
    public FloatMatrix wDec() {
        return wDec;
    }

    /** [dIn] (a copy). */
    public float[] bDec() {
        return bDec.clone();
    }

    /** Whether some given source is topk: then the model is a composite, not one standard SAE. */
    public boolean isComposite() {
        for (Sae s : sources) {
            if (s != null && s.activation() instanceof Activation.TopK) {
                return true;
            }
        }
        return false;
    }

    /** Runs the model as a composite: each used source SAE as it is, then this decoder (any activation). */
    public MultiSourceRunner runner(Kernels kernels) {
        return new MultiSourceRunner(this, kernels);
    }

    /**
     * The one standard SAE that computes this model (see the class comment), with this decoder.
     *
     * @param applyBDecToInput whether the standard SAE subtracts its b_dec (this model's) from the input;
     *                         the sources' centres are folded into b_enc either way
     * @param metadata         its metadata
     * @throws IllegalStateException for a composite
     */
    public Sae toStandardSae(boolean applyBDecToInput, Sae.SaeMetadata metadata) {
        if (isComposite()) {
            throw new IllegalStateException("a model with topk latents is a composite, not one standard SAE");
        }
        int d = dIn();
        int f = numLatents();
        float[] target = applyBDecToInput ? bDec : null;
        FloatMatrix wEnc = FloatMatrix.zeros(d, f); // [dIn, F]
        float[] bEnc = new float[f];
        float[] theta = new float[f];
        for (int h = 0; h < f; h++) {
            Sae src = sources[source[h]];
            int j = latent[h];
            for (int c = 0; c < d; c++) {
                wEnc.set(c, h, src.wEnc().get(c, j));
            }
            bEnc[h] = foldedBias(src, j, target);
            theta[h] = threshold(src.activation(), j);
        }
        boolean allRelu = true;
        for (Sae s : sources) {
            allRelu &= s == null || s.activation() instanceof Activation.Relu;
        }
        Activation act = allRelu ? new Activation.Relu() : new Activation.JumpRelu(theta);
        return new Sae(act, applyBDecToInput, wEnc, bEnc, wDec.copy(), bDec.clone(), metadata);
    }

    /**
     * b_enc of latent {@code j} of {@code source} in a model whose input centre is {@code targetCentre}
     * (null: it applies no b_dec to its input): {@code c_j − W_enc[:,j]·(β_source − β_target)}, see the
     * class comment. Exactly {@code c_j} when the two centres are equal.
     */
    public static float foldedBias(Sae source, int j, float[] targetCentre) {
        float[] sourceCentre = source.applyBDecToInput() ? source.bDec() : null;
        float c0 = source.bEnc()[j];
        if (sourceCentre == null ? targetCentre == null : Arrays.equals(sourceCentre, targetCentre)) {
            return c0;
        }
        FloatMatrix w = source.wEnc();
        double fold = c0;
        for (int c = 0; c < w.rows(); c++) {
            double bs = sourceCentre == null ? 0.0 : sourceCentre[c];
            double bt = targetCentre == null ? 0.0 : targetCentre[c];
            fold -= (double) w.get(c, j) * (bs - bt);
        }
        return (float) fold;
    }

    /** The per-latent jumprelu threshold that reproduces latent {@code j} of a non-topk activation. */
    private static float threshold(Activation a, int j) {
        return switch (a) {
            case Activation.Relu r -> 0f;
            case Activation.JumpRelu jr -> jr.threshold()[j];
            case Activation.BatchTopK b -> b.threshold();
            case Activation.TopK t ->
                throw new IllegalStateException("topk latents have no threshold; use a composite");
        };
    }
}
