package io.github.saestitch.decomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The blocked top-n cosine search against a double-precision brute force. */
class NearestLatentsTest {
    /** Float32 cosines from a float GEMM vs double: d ≤ 64 terms of unit rows. */
    static final double COS_TOLERANCE = 1e-5;

    static FloatMatrix random(int rows, int d, long seed, int zeroRow) {
        SplittableRandom rng = new SplittableRandom(seed);
        FloatMatrix m = FloatMatrix.zeros(rows, d);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < d; c++) {
                m.set(r, c, r == zeroRow ? 0f : (float) rng.nextGaussian());
            }
        }
        return m;
    }

    static double cos(FloatMatrix a, int i, FloatMatrix b, int j) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int c = 0; c < a.cols(); c++) {
            dot += (double) a.get(i, c) * b.get(j, c);
            na += (double) a.get(i, c) * a.get(i, c);
            nb += (double) b.get(j, c) * b.get(j, c);
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    @ParameterizedTest
    @CsvSource({
        "7, 13, 5, 5, scalar",
        "300, 4100, 17, 5, vector",
        "1, 3, 4, 5, scalar",
        "257, 50, 9, 1, scalar",
        "20, 4097, 3, 8, vector"
    })
    void matchesBruteForce(int q, int m, int d, int n, String kernels) {
        Kernels k = kernels.equals("scalar") ? new ScalarKernels() : KernelsProvider.byName(kernels);
        FloatMatrix queries = random(q, d, q * 31L + m, q > 2 ? 2 : -1);
        FloatMatrix targets = random(m, d, m * 17L + d, m > 5 ? 5 : -1);
        NearestLatents r = NearestLatents.compute(k, queries, targets, n);
        for (int i = 0; i < q; i++) {
            int qi = i;
            double[] c = IntStream.range(0, m)
                    .mapToDouble(j -> cos(queries, qi, targets, j))
                    .toArray();
            Integer[] order = IntStream.range(0, m)
                    .boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> -c[j]))
                    .toArray(Integer[]::new);
            assertThat(r.index()[i]).hasSize(Math.min(n, m));
            for (int t = 0; t < r.index()[i].length; t++) {
                // The same cosine at each rank (indices may swap only between near-equal cosines).
                assertThat((double) r.cos()[i][t]).isCloseTo(c[order[t]], within(COS_TOLERANCE));
                assertThat(c[r.index()[i][t]]).isCloseTo(c[order[t]], within(COS_TOLERANCE));
            }
            for (int t = 1; t < r.index()[i].length; t++) {
                assertThat(r.cos()[i][t]).isLessThanOrEqualTo(r.cos()[i][t - 1]);
            }
        }
    }

    @Test
    void tiesGoToTheLowerTargetAndZeroRowsHaveCosineZero() {
        FloatMatrix q = FloatMatrix.wrap(new float[] {1, 0, 0, 0}, 2, 2);
        FloatMatrix t = FloatMatrix.wrap(new float[] {0, 1, 2, 0, 3, 0, 0, 0}, 4, 2);
        NearestLatents r = NearestLatents.compute(new ScalarKernels(), q, t, 3);
        assertThat(r.index()[0]).containsExactly(1, 2, 0);
        assertThat(r.cos()[0]).containsExactly(1f, 1f, 0f);
        assertThat(r.index()[1]).containsExactly(0, 1, 2); // a zero query: every cosine is 0
        assertThat(Arrays.equals(r.cos()[1], new float[] {0, 0, 0})).isTrue();
    }
}
