package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.SplitMix64;
import io.github.saestitch.tensor.VectorKernels;
import org.junit.jupiter.api.Test;

/**
 * {@link BiasTopK} against its references, bit for bit: {@code addBiasActivate} then {@code topK} (the
 * scalar and the vector kernels) and {@link LatentSelection#countPositive}; odd sizes, ties, rows with
 * fewer positives than k, NaN and ±0 pre-activations, seeded.
 */
class BiasTopKTest {
    private static final Kernels[] REFERENCES = {new ScalarKernels(), new VectorKernels(1)};

    @Test
    void activateTopKEqualsBiasActivateThenTopK() {
        SplitMix64 r = new SplitMix64(23);
        int[][] shapes = {{1, 1}, {3, 17}, {5, 64}, {7, 100}, {9, 257}, {33, 1031}, {4, 6144}};
        for (int[] shape : shapes) {
            for (int k : new int[] {0, 1, 3, 8, 32, 40}) {
                for (int trial = 0; trial < 3; trial++) {
                    check(r, shape[0], shape[1], k, trial);
                }
            }
        }
    }

    @Test
    void activateCountEqualsBiasActivateThenCount() {
        SplitMix64 r = new SplitMix64(29);
        for (int[] shape : new int[][] {{1, 1}, {3, 17}, {65, 259}, {300, 515}}) {
            for (int trial = 0; trial < 3; trial++) {
                float[] pre = preActivations(r, shape[0], shape[1], trial);
                float[] bias = bias(r, shape[1]);
                float[] expected = pre.clone();
                new ScalarKernels().addBiasActivate(FloatMatrix.wrap(expected, shape[0], shape[1]), bias, null);
                long n = BiasTopK.activateCount(pre, shape[0], shape[1], bias);
                assertBits(pre, expected, "count " + shape[0] + "x" + shape[1]);
                assertThat(n).isEqualTo(LatentSelection.countPositive(expected));
            }
        }
    }

    private static void check(SplitMix64 r, int rows, int cols, int k, int trial) {
        float[] pre = preActivations(r, rows, cols, trial);
        float[] bias = bias(r, cols);
        for (Kernels ref : REFERENCES) {
            float[] expected = pre.clone();
            FloatMatrix em = FloatMatrix.wrap(expected, rows, cols);
            ref.addBiasActivate(em, bias, null);
            SparseRows want = ref.topK(em, k);
            float[] actual = pre.clone();
            SparseRows got = BiasTopK.activateTopK(actual, rows, cols, bias, k);
            String what = rows + "x" + cols + " k=" + k + " trial=" + trial + " vs " + ref.name();
            assertBits(actual, expected, what);
            assertThat(got.rowPtr()).as(what).containsExactly(want.rowPtr());
            assertThat(got.colIdx()).as(what).containsExactly(want.colIdx());
            assertBits(got.values(), want.values(), what);
        }
    }

    /** Gaussian rows at varied scales; trial 1 has many ties (few distinct values), trial 2 NaN, ±0 and sparse rows. */
    private static float[] preActivations(SplitMix64 r, int rows, int cols, int trial) {
        float[] a = new float[rows * cols];
        for (int t = 0; t < rows; t++) {
            double scale = Math.exp(r.nextGaussian());
            for (int i = 0; i < cols; i++) {
                double v = r.nextGaussian() * scale;
                if (trial == 1) {
                    v = Math.rint(v * 2) / 2; // ties
                }
                a[t * cols + i] = (float) v;
            }
            if (trial == 2) {
                a[t * cols + r.nextInt(cols)] = Float.NaN;
                a[t * cols + r.nextInt(cols)] = -0f;
                if (t % 3 == 0) {
                    for (int i = 0; i < cols; i++) {
                        a[t * cols + i] = -Math.abs(a[t * cols + i]) - 10f; // below any bias: few or no positives
                    }
                    a[t * cols + r.nextInt(cols)] = 20f;
                }
            }
        }
        return a;
    }

    private static float[] bias(SplitMix64 r, int cols) {
        float[] b = new float[cols];
        for (int i = 0; i < cols; i++) {
            b[i] = (float) (r.nextGaussian() * 0.3);
        }
        return b;
    }

    private static void assertBits(float[] actual, float[] expected, String what) {
        assertThat(actual.length).as(what).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i]))
                    .as("%s index %d", what, i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }
}
