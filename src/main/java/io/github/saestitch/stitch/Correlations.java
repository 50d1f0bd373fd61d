package io.github.saestitch.stitch;

import io.github.saestitch.tensor.Parallel;

/**
 * The activation correlation of L latents with S latents from the pass's sums: for latents j of L and
 * i of S over the N tokens (inactive = 0),
 * <pre>
 *   corr(j, i) = (C[j][i]/N − μ_j μ_i) / (σ_j σ_i),   μ = Σf/N,   σ² = Σf²/N − μ²
 * </pre>
 * with {@code C[j][i] = Σ_t f_j(t) f_i(t)} ({@link Coactivation}). A latent whose activation does not
 * vary on the tokens (dead, or σ² ≤ {@link #CONSTANT_REL}·Σf²/N, where the subtraction above has lost
 * its digits) has no defined correlation and is skipped. Values are clamped to [−1, 1] against
 * rounding.
 */
final class Correlations {
    /** σ² below this fraction of the mean square counts as "does not vary" (double has ~16 digits; keep 6). */
    static final double CONSTANT_REL = 1e-10;

    private Correlations() {}

    /**
     * Fills, for the tile's latents j, {@code maxActCorr[j]} and {@code actNearest[j]} (the max over S
     * latents and its argmax, lowest index on ties) and {@code nearestActCorr[j]} (the correlation with
     * {@code nearest[j]}); NaN / −1 where undefined.
     */
    static void fill(
            Coactivation tile,
            ComparePass.Sums s,
            int[] nearest,
            double[] maxActCorr,
            int[] actNearest,
            double[] nearestActCorr,
            int workers) {
        double n = s.tokens();
        int fs = tile.smallLatents();
        double[] meanS = new double[fs];
        double[] invSdS = new double[fs]; // 0 where S latent i does not vary
        for (int i = 0; i < fs; i++) {
            meanS[i] = s.sumSmall()[i] / n;
            invSdS[i] = invSd(s.sumSqSmall()[i] / n, meanS[i]);
        }
        int chunks = workers;
        int from = tile.from();
        int width = tile.to() - from;
        Parallel.forEach(chunks, workers, c -> {
            for (int j = from + width * c / chunks, end = from + width * (c + 1) / chunks; j < end; j++) {
                row(tile, s, nearest, maxActCorr, actNearest, nearestActCorr, meanS, invSdS, j);
            }
        });
    }

    /** One L latent j of the tile (rows are independent, so the tile is split over workers). */
    private static void row(
            Coactivation tile,
            ComparePass.Sums s,
            int[] nearest,
            double[] maxActCorr,
            int[] actNearest,
            double[] nearestActCorr,
            double[] meanS,
            double[] invSdS,
            int j) {
        double n = s.tokens();
        double meanL = s.sumLarge()[j] / n;
        double invSdL = invSd(s.sumSqLarge()[j] / n, meanL);
        if (invSdL == 0) {
            return;
        }
        double[] row = tile.row(j);
        double best = Double.NEGATIVE_INFINITY;
        int bestI = -1;
        for (int i = 0; i < meanS.length; i++) {
            if (invSdS[i] == 0) {
                continue;
            }
            double c = clamp((row[i] / n - meanL * meanS[i]) * invSdL * invSdS[i]);
            if (c > best) {
                best = c;
                bestI = i;
            }
        }
        if (bestI >= 0) {
            maxActCorr[j] = best;
            actNearest[j] = bestI;
        }
        int i = nearest[j];
        if (i >= 0 && invSdS[i] != 0) {
            nearestActCorr[j] = clamp((row[i] / n - meanL * meanS[i]) * invSdL * invSdS[i]);
        }
    }

    /** 1/σ from the mean square and mean, or 0 when the latent does not vary. */
    private static double invSd(double meanSq, double mean) {
        double var = meanSq - mean * mean;
        return var > CONSTANT_REL * meanSq && var > 0 ? 1 / Math.sqrt(var) : 0;
    }

    private static double clamp(double c) {
        return Math.max(-1, Math.min(1, c));
    }
}
