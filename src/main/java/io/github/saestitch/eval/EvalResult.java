package io.github.saestitch.eval;

import java.util.Locale;

/**
 * The metrics of one model on one token set (docs/definitions.md#metrics). Every figure is over the same
 * {@link #tokens} tokens.
 *
 * @param tokens            number of tokens evaluated (n)
 * @param mse               mean over tokens of the squared error summed over dims:
 *                          {@code (1/n) Σ_t Σ_d (x_td − x̂_td)²} = {@code sumSquaredError / n}. Note that
 *                          SAELens logs the mean over tokens <em>and</em> dims, which is this divided by dIn
 * @param fvu               fraction of variance unexplained, {@code Σ_t ‖x_t − x̂_t‖² / Σ_t ‖x_t − x̄‖²}
 *                          with x̄ the mean activation over the set; NaN when the set has no variance
 *                          (e.g. one token), where it is undefined
 * @param l0                mean number of non-zero latents per token
 * @param dead              number of latents never non-zero on the set
 * @param freq              [numLatents] fraction of tokens on which latent i is non-zero
 * @param sumSquaredError   {@code Σ_t ‖x_t − x̂_t‖²}, the numerator of fvu
 * @param totalSumOfSquares {@code Σ_t ‖x_t − x̄‖²}, the denominator of fvu
 */
public record EvalResult(
        long tokens,
        double mse,
        double fvu,
        double l0,
        int dead,
        double[] freq,
        double sumSquaredError,
        double totalSumOfSquares) {

    /** Number of latents the result covers. */
    public int numLatents() {
        return freq.length;
    }

    /** One line with the scalar metrics (the per-latent frequencies are left out). */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "EvalResult[tokens=%d, mse=%.6g, fvu=%.6g, l0=%.4f, dead=%d/%d]",
                tokens,
                mse,
                fvu,
                l0,
                dead,
                freq.length);
    }
}
