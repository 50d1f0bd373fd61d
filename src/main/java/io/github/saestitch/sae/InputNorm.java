package io.github.saestitch.sae;

/**
 * How an SAE normalises each input token before encoding and un-normalises its reconstruction after
 * decoding (docs/definitions.md#input-normalisation).
 *
 * <ul>
 *   <li>{@link #NONE}: the SAE reads raw activations.</li>
 *   <li>{@link #LAYER_NORM}: per token, {@code μ = mean_j x_j}, {@code σ = sqrt(Σ_j (x_j − μ)² / (d − 1))}
 *       (the unbiased estimator: {@code torch.std}'s default), the encoder reads
 *       {@code x_n = (x − μ) / (σ + ε)} with {@code ε = 1e-5}, and the output is {@code x̂ = x̂_n·σ + μ}
 *       (σ without ε). This is openai/sparse_autoencoder's {@code LN} / {@code decode(latents, info)}
 *       (model.py) and SAELens's {@code normalize_activations: "layer_norm"}
 *       ({@code run_time_activation_ln_in} / {@code _out}), which agree term for term.</li>
 * </ul>
 */
public enum InputNorm {
    NONE("none"),
    LAYER_NORM("layer_norm");

    /** ε added to σ on the way in only, as both sources do. */
    public static final float EPS = 1e-5f;

    private final String id;

    InputNorm(String id) {
        this.id = id;
    }

    /** The name SAELens's {@code normalize_activations} uses. */
    public String id() {
        return id;
    }

    /**
     * Normalises {@code n} rows of width {@code d} of {@code x} in place (from {@code offset}) and
     * records each row's {@code μ} and {@code σ} at {@code stats[statRow + r]}: {@code mu} and
     * {@code sigma}. μ and σ are accumulated in double and rounded to float once; the division is in
     * float32, as torch computes it.
     *
     * @param x     [n, d] rows from {@code offset}
     * @param mu    [≥ statRow + n] written
     * @param sigma [≥ statRow + n] written
     */
    static void layerNormRows(float[] x, int offset, int n, int d, float[] mu, float[] sigma, int statRow) {
        for (int r = 0; r < n; r++) {
            int base = offset + r * d;
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += x[base + j];
            }
            float m = (float) (s / d);
            double ss = 0;
            for (int j = 0; j < d; j++) {
                float c = x[base + j] - m;
                x[base + j] = c;
                ss += (double) c * c;
            }
            float sd = (float) Math.sqrt(ss / (d - 1));
            float div = sd + EPS;
            for (int j = 0; j < d; j++) {
                x[base + j] /= div;
            }
            mu[statRow + r] = m;
            sigma[statRow + r] = sd;
        }
    }
}
