package io.github.saestitch.stitch;

/**
 * How well "novel at threshold τ" predicts "improves" (Δmse does not depend on τ, so the sweep is free),
 * and what adding every latent novel at τ does jointly.
 *
 * @param threshold   τ
 * @param contingency the table at τ
 * @param jointMse    mse of S + every latent of L with max_cos ≤ τ, added together (exact, from the
 *                    compare pass: {@link JointSweep}); NaN when not computed
 * @param jointFvu    its fvu
 */
public record ThresholdSweepRow(double threshold, Contingency contingency, double jointMse, double jointFvu) {
    /** The sweep's thresholds: 0.50, 0.55, …, 0.90. */
    public static double[] thresholds() {
        double[] t = new double[9];
        for (int k = 0; k < t.length; k++) {
            t[k] = (50 + 5 * k) / 100.0; // exact decimals, not 0.5 + k·0.05 (which gives 0.6000000000000001)
        }
        return t;
    }
}
