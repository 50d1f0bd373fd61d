package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.SplitMix64;
import org.junit.jupiter.api.Test;

/** {@link DenseReluMask#apply} (lanes) against {@link DenseReluMask#applyReference}: bit for bit, odd ranges, seeded. */
class DenseReluMaskTest {
    @Test
    void lanesAreBitIdenticalToTheReference() {
        SplitMix64 r = new SplitMix64(31);
        for (int[] shape : new int[][] {{1, 1}, {3, 17}, {7, 33}, {20, 100}, {64, 515}}) {
            int b = shape[0], f = shape[1];
            for (int trial = 0; trial < 4; trial++) {
                int i0 = r.nextInt(f);
                int i1 = i0 + r.nextInt(f - i0 + 1);
                float[] pre = new float[b * f];
                float[] dense = new float[b * f];
                for (int q = 0; q < pre.length; q++) {
                    float v = (float) r.nextGaussian();
                    pre[q] = v > 0 ? v : (q % 7 == 0 ? -0f : 0f);
                    dense[q] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 3));
                }
                if (trial == 3) {
                    pre[r.nextInt(pre.length)] = Float.NaN;
                }
                float[] penalty = new float[f];
                for (int i = 0; i < f; i++) {
                    penalty[i] = (float) Math.abs(r.nextGaussian() * 1e-3);
                }
                float[] dense2 = dense.clone();
                float[] db = new float[f], db2 = new float[f];
                double[] sumF = new double[f], sumF2 = new double[f];
                DenseReluMask.apply(pre, dense, penalty, db, sumF, b, f, i0, i1);
                DenseReluMask.applyReference(pre, dense2, penalty, db2, sumF2, b, f, i0, i1);
                String what = b + "x" + f + " [" + i0 + ", " + i1 + ")";
                for (int q = 0; q < dense.length; q++) {
                    assertThat(Float.floatToRawIntBits(dense[q]))
                            .as("%s dpre %d", what, q)
                            .isEqualTo(Float.floatToRawIntBits(dense2[q]));
                }
                for (int i = 0; i < f; i++) {
                    assertThat(Float.floatToRawIntBits(db[i]))
                            .as("%s db %d", what, i)
                            .isEqualTo(Float.floatToRawIntBits(db2[i]));
                    assertThat(Double.doubleToRawLongBits(sumF[i]))
                            .as("%s sumF %d", what, i)
                            .isEqualTo(Double.doubleToRawLongBits(sumF2[i]));
                }
            }
        }
    }
}
