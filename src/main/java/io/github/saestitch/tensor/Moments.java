package io.github.saestitch.tensor;

import java.util.Arrays;

/**
 * Per-dim means and centred sums of squares ({@code M2 = Σ (x − mean)²}) of float rows, computed
 * block by block and merged: the project's one variance accumulation (eval's FVU denominator, the
 * compare pass's total variance).
 *
 * <p>Why not one running {@code Σx, Σx²}: {@code Σx² − n·mean²} cancels catastrophically when a dim's
 * mean is much larger than its spread, and residual streams have such dims. Each block (in memory)
 * gets an exact two-pass mean and M2 ({@link #ofRows}), and blocks are merged with the pairwise update
 * of Chan, Golub and LeVeque (1979) ({@link #merge}), which is stable whatever the mean; the result
 * differs between block sizes only by double rounding (≈1e-15 relative).
 */
public final class Moments {
    private Moments() {}

    /**
     * Exact two-pass per-dim mean and Σ (x − mean)² of rows {@code [t0, t1)} of the {@code [*, d]} block
     * {@code x}. Writes {@code mean} and {@code m2} ({@code [d]}; zeros for an empty range).
     */
    public static void ofRows(float[] x, int t0, int t1, int d, double[] mean, double[] m2) {
        Arrays.fill(mean, 0, d, 0);
        Arrays.fill(m2, 0, d, 0);
        int n = t1 - t0;
        if (n == 0) {
            return;
        }
        for (int t = t0; t < t1; t++) {
            for (int k = 0, o = t * d; k < d; k++) {
                mean[k] += x[o + k];
            }
        }
        for (int k = 0; k < d; k++) {
            mean[k] /= n;
        }
        for (int t = t0; t < t1; t++) {
            for (int k = 0, o = t * d; k < d; k++) {
                double c = x[o + k] - mean[k];
                m2[k] += c * c;
            }
        }
    }

    /**
     * Merges block B ({@code nB} rows, {@code meanB}, {@code m2B}) into the running A ({@code nA} rows,
     * {@code mean}, {@code m2}), in place (Chan, Golub and LeVeque 1979): {@code δ = mean_B − mean_A},
     * {@code M2 = M2_A + M2_B + δ²·n_A·n_B/n}, {@code mean = mean_A + δ·n_B/n} with {@code n = n_A + n_B}.
     * An empty B changes nothing. ({@code n_A·n_B} is a double product: exact below 2⁵³.)
     */
    public static void merge(double[] mean, double[] m2, long nA, double[] meanB, double[] m2B, long nB) {
        if (nB == 0) {
            return;
        }
        double nAB = nA + nB;
        double wB = nB / nAB;
        double cross = (double) nA * nB / nAB;
        for (int k = 0; k < mean.length; k++) {
            double delta = meanB[k] - mean[k];
            mean[k] += delta * wB;
            m2[k] += m2B[k] + delta * delta * cross;
        }
    }
}
