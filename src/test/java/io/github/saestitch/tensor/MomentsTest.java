package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Block moments merged with Chan–Golub–LeVeque against one two-pass over all rows, even with a large mean. */
class MomentsTest {
    /** Merging changes only double rounding: relative to M2. */
    static final double MERGE_REL_TOL = 1e-10;

    @Test
    void mergedBlocksMatchOneTwoPassOverAllRows() {
        SplitMix64 r = new SplitMix64(4);
        int d = 7;
        for (int n : new int[] {1, 7, 33, 1000}) {
            float[] x = new float[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (1000 * (i % d) + r.nextGaussian()); // means ≫ spread on most dims
            }
            double[] mean = new double[d];
            double[] m2 = new double[d];
            Moments.ofRows(x, 0, n, d, mean, m2);

            double[] runMean = new double[d];
            double[] runM2 = new double[d];
            double[] bMean = new double[d];
            double[] bM2 = new double[d];
            long seen = 0;
            for (int t0 = 0; t0 < n; ) {
                int t1 = Math.min(n, t0 + 1 + r.nextInt(40));
                Moments.ofRows(x, t0, t1, d, bMean, bM2);
                Moments.merge(runMean, runM2, seen, bMean, bM2, t1 - t0);
                seen += t1 - t0;
                t0 = t1;
            }
            Moments.ofRows(x, 0, 0, d, bMean, bM2); // an empty block: zeros, and merging it changes nothing
            assertThat(bMean).containsOnly(0.0);
            Moments.merge(runMean, runM2, seen, bMean, bM2, 0);
            for (int k = 0; k < d; k++) {
                double plainMean = 0;
                for (int t = 0; t < n; t++) {
                    plainMean += x[t * d + k];
                }
                plainMean /= n;
                double plainM2 = 0;
                for (int t = 0; t < n; t++) {
                    double c = x[t * d + k] - plainMean;
                    plainM2 += c * c;
                }
                assertThat(mean[k]).isEqualTo(plainMean);
                assertThat(m2[k]).isEqualTo(plainM2);
                assertThat(runMean[k]).isCloseTo(plainMean, within(MERGE_REL_TOL * Math.abs(plainMean) + 1e-300));
                assertThat(runM2[k]).isCloseTo(plainM2, within(MERGE_REL_TOL * plainM2 + 1e-300));
            }
        }
    }
}
