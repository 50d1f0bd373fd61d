package io.github.saestitch.stitch;

/**
 * The stitching post's table (docs/definitions.md#adding-a-latent): latents of L by kind (novel / reconstruction)
 * and by the sign of their Δmse (improves: Δmse < 0; worsens: Δmse > 0). Latents with Δmse exactly 0 (in practice:
 * never active on the tokens) are counted apart as unchanged, so they neither confirm nor contradict the split.
 */
public record Contingency(
        int novelImproves,
        int novelWorsens,
        int novelUnchanged,
        int reconstructionImproves,
        int reconstructionWorsens,
        int reconstructionUnchanged) {

    /** Number of novel latents. */
    public int novel() {
        return novelImproves + novelWorsens + novelUnchanged;
    }

    /** Number of reconstruction latents. */
    public int reconstruction() {
        return reconstructionImproves + reconstructionWorsens + reconstructionUnchanged;
    }

    /**
     * How often "novel" predicts "improves": {@code (novel_improves + reconstruction_worsens) /
     * (latents with Δmse ≠ 0)}; NaN when every latent is unchanged.
     */
    public double agreement() {
        int decided = novelImproves + novelWorsens + reconstructionImproves + reconstructionWorsens;
        return decided == 0 ? Double.NaN : (double) (novelImproves + reconstructionWorsens) / decided;
    }

    /** The table for kinds decided by {@code maxCos[j] ≤ threshold} and the given Δmse. */
    static Contingency of(float[] maxCos, double[] deltaMse, double threshold) {
        boolean[] novel = new boolean[maxCos.length];
        for (int j = 0; j < maxCos.length; j++) {
            novel[j] = maxCos[j] <= threshold;
        }
        return count(novel, deltaMse);
    }

    /**
     * The table of the given kinds ({@code novel[j]}: latent j is novel) and Δmse; a Δmse that is 0 or
     * undefined (NaN) counts as unchanged. The report uses it for compare outputs whose summary.json
     * predates the {@code contingency} key.
     */
    public static Contingency count(boolean[] novel, double[] deltaMse) {
        int ni = 0, nw = 0, nu = 0, ri = 0, rw = 0, ru = 0;
        for (int j = 0; j < novel.length; j++) {
            double d = deltaMse[j];
            if (novel[j]) {
                if (d < 0) {
                    ni++;
                } else if (d > 0) {
                    nw++;
                } else {
                    nu++;
                }
            } else if (d < 0) {
                ri++;
            } else if (d > 0) {
                rw++;
            } else {
                ru++;
            }
        }
        return new Contingency(ni, nw, nu, ri, rw, ru);
    }
}
