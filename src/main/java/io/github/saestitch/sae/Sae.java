package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The weights and configuration of one sparse autoencoder, in SAELens orientation (docs/definitions.md#sae):
 * {@code pre(x) = (x − b_dec)·W_enc + b_enc} (the subtraction only when {@code applyBDecToInput}),
 * {@code f = activation(pre)}, {@code x̂ = f·W_dec + b_dec}; with an {@link InputNorm} other than
 * {@code NONE}, {@code x} is first normalised per token and {@code x̂} un-normalised with the same token's
 * statistics.
 *
 * <p>Immutable by convention: code that builds a new SAE (stitching, training) makes new matrices.
 * Construction checks shapes and that every weight is finite.
 */
public final class Sae {
    private final Activation activation;
    private final boolean applyBDecToInput;
    private final FloatMatrix wEnc; // [dIn, numLatents]
    private final float[] bEnc; // [numLatents]
    private final FloatMatrix wDec; // [numLatents, dIn]
    private final float[] bDec; // [dIn]
    private final SaeMetadata metadata;
    private final InputNorm inputNorm;

    /** An SAE that reads raw activations ({@link InputNorm#NONE}); {@link #withInputNorm} sets another. */
    public Sae(
            Activation activation,
            boolean applyBDecToInput,
            FloatMatrix wEnc,
            float[] bEnc,
            FloatMatrix wDec,
            float[] bDec,
            SaeMetadata metadata) {
        this.activation = Objects.requireNonNull(activation, "activation");
        this.applyBDecToInput = applyBDecToInput;
        this.wEnc = Objects.requireNonNull(wEnc, "W_enc");
        this.bEnc = Objects.requireNonNull(bEnc, "b_enc");
        this.wDec = Objects.requireNonNull(wDec, "W_dec");
        this.bDec = Objects.requireNonNull(bDec, "b_dec");
        this.metadata = metadata == null ? SaeMetadata.empty() : metadata;
        this.inputNorm = InputNorm.NONE;
        int d = wEnc.rows();
        int f = wEnc.cols();
        require(bEnc.length == f, "b_enc has " + bEnc.length + " entries, W_enc " + wEnc + " has " + f + " latents");
        require(
                wDec.rows() == f && wDec.cols() == d,
                "W_dec is " + wDec + ", expected [" + f + ", " + d + "] from W_enc " + wEnc);
        require(bDec.length == d, "b_dec has " + bDec.length + " entries, expected d_in = " + d);
        if (activation instanceof Activation.JumpRelu j) {
            require(j.threshold().length == f, "threshold has " + j.threshold().length + " entries, expected " + f);
            requireFinite("threshold", j.threshold());
        }
        if (activation instanceof Activation.TopK t) {
            require(t.k() <= f, "topk k = " + t.k() + " exceeds num_latents = " + f);
        }
        requireFinite("W_enc", wEnc);
        requireFinite("b_enc", bEnc);
        requireFinite("W_dec", wDec);
        requireFinite("b_dec", bDec);
    }

    /** {@code base}'s (already checked) weights with other metadata and normalisation. */
    private Sae(Sae base, SaeMetadata metadata, InputNorm inputNorm) {
        this.activation = base.activation;
        this.applyBDecToInput = base.applyBDecToInput;
        this.wEnc = base.wEnc;
        this.bEnc = base.bEnc;
        this.wDec = base.wDec;
        this.bDec = base.bDec;
        this.metadata = metadata == null ? SaeMetadata.empty() : metadata;
        this.inputNorm = Objects.requireNonNull(inputNorm, "inputNorm");
        require(
                inputNorm == InputNorm.NONE || dIn() >= 2,
                "layer_norm needs d_in >= 2 (the unbiased std of one value is undefined), got " + dIn());
    }

    public Activation activation() {
        return activation;
    }

    public boolean applyBDecToInput() {
        return applyBDecToInput;
    }

    /** [dIn, numLatents] */
    public FloatMatrix wEnc() {
        return wEnc;
    }

    /** [numLatents] */
    public float[] bEnc() {
        return bEnc;
    }

    /** [numLatents, dIn] */
    public FloatMatrix wDec() {
        return wDec;
    }

    /** [dIn] */
    public float[] bDec() {
        return bDec;
    }

    public SaeMetadata metadata() {
        return metadata;
    }

    /** The per-token input normalisation that encode applies and decode undoes. */
    public InputNorm inputNorm() {
        return inputNorm;
    }

    /**
     * Refuses an SAE with an input normalisation for a computation that assumes the raw-activation model
     * (a linear decoder into the activations' own space; docs/definitions.md#input-normalisation).
     *
     * @param use what the caller computes, for the message
     * @throws IllegalArgumentException when {@link #inputNorm()} is not {@link InputNorm#NONE}
     */
    public void requireRawInput(String use) {
        if (inputNorm != InputNorm.NONE) {
            throw new IllegalArgumentException(use + " needs SAEs that read raw activations; this one normalises"
                    + " each input token (" + inputNorm.id() + ")");
        }
    }

    /** A copy with another input normalisation (the same weights). */
    public Sae withInputNorm(InputNorm n) {
        return new Sae(this, metadata, n);
    }

    public int dIn() {
        return wEnc.rows();
    }

    public int numLatents() {
        return wEnc.cols();
    }

    /** A copy with other metadata. */
    public Sae withMetadata(SaeMetadata m) {
        return new Sae(this, m, inputNorm);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void requireFinite(String name, float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(name + " has a non-finite value (" + v[i] + ") at index " + i);
            }
        }
    }

    private static void requireFinite(String name, FloatMatrix m) {
        for (int r = 0; r < m.rows(); r++) {
            float[] row = m.row(r);
            for (int c = 0; c < row.length; c++) {
                if (!Float.isFinite(row[c])) {
                    throw new IllegalArgumentException(
                            name + " has a non-finite value (" + row[c] + ") at [" + r + ", " + c + "]");
                }
            }
        }
    }

    /**
     * Where an SAE comes from and what it was trained on; carried through load → save so nothing the
     * user's file said is lost.
     *
     * @param hookName    the activation site, e.g. {@code blocks.8.hook_resid_pre} (may be empty)
     * @param modelName   the language model (may be empty)
     * @param extraConfig every other {@code cfg.json} key, in file order, re-emitted on save
     */
    public record SaeMetadata(String hookName, String modelName, Map<String, Object> extraConfig) {
        public SaeMetadata {
            hookName = hookName == null ? "" : hookName;
            modelName = modelName == null ? "" : modelName;
            extraConfig = extraConfig == null
                    ? Map.of()
                    : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraConfig));
        }

        public static SaeMetadata empty() {
            return new SaeMetadata("", "", Map.of());
        }
    }
}
