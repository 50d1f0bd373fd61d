package io.github.saestitch.decomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SparseRows;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The sparse NMF against the dense reference, monotonicity, planted recovery, bad input. */
class NmfTest {
    /**
     * Sparse vs dense iterates: the same updates in another summation order (and the error from the
     * formula vs the dense product), in double; 40 iterations amplify rounding mildly.
     */
    static final double MATCH_TOLERANCE = 1e-8;
    /**
     * Relative errors: Nmf's formula {@code ‖V‖² − 2⟨V,WH⟩ + ⟨WᵀW,HHᵀ⟩} cancels, so its absolute floor
     * is {@code sqrt(1e-16) ≈ 1e-8} (an exact fit reads ~1e-8 where the dense product gives 1e-17).
     */
    static final double ERROR_TOLERANCE = 1e-7;
    /** Allowed rise of the error between iterations: rounding only (the updates are monotone). */
    static final double MONOTONE_SLACK = 1e-12;

    /** A random non-negative sparse matrix; row {@code emptyRow} and column {@code emptyCol} stay empty (-1: none). */
    static SparseRows random(int n, int f, double density, long seed, int emptyRow, int emptyCol) {
        SplittableRandom rng = new SplittableRandom(seed);
        FloatMatrix m = FloatMatrix.zeros(n, f);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < f; j++) {
                if (t != emptyRow && j != emptyCol && rng.nextDouble() < density) {
                    m.set(t, j, (float) (0.1 + 3 * rng.nextDouble()));
                }
            }
        }
        return SparseRows.fromDense(m);
    }

    static double[][] w2d(double[] w, int n, int k) {
        double[][] out = new double[n][k];
        for (int t = 0; t < n; t++) {
            System.arraycopy(w, t * k, out[t], 0, k);
        }
        return out;
    }

    static double[][] h2d(double[] ht, int f, int k) {
        double[][] out = new double[k][f];
        for (int j = 0; j < f; j++) {
            for (int c = 0; c < k; c++) {
                out[c][j] = ht[j * k + c];
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({
        "hals, 37, 23, 4, 0.2, 1, 5, 7",
        "mu, 37, 23, 4, 0.2, 2, 5, 7",
        "hals, 50, 9, 1, 0.3, 3, -1, -1",
        "mu, 11, 40, 6, 0.1, 4, 0, 39",
        "hals, 64, 31, 7, 0.05, 5, 63, 0",
        "hals, 1, 5, 2, 1.0, 6, -1, -1"
    })
    void sparseMatchesDenseReference(
            String algo, int n, int f, int k, double density, long seed, int emptyRow, int emptyCol) {
        SparseRows v = random(n, f, density, seed, emptyRow, emptyCol);
        NmfOptions o = new NmfOptions(k, 40, 0, seed, NmfOptions.Algorithm.parse(algo));
        double[][] init = Nmf.initialFactors(v, k, seed);
        NmfResult ref = DenseNmf.run(v, w2d(init[0], n, k), h2d(init[1], f, k), o);
        NmfResult fast = Nmf.iterate(v, init[0].clone(), init[1].clone(), o, null);
        assertThat(fast.iterations()).isEqualTo(ref.iterations()).isEqualTo(40);
        for (int i = 0; i < ref.errors().length; i++) {
            assertThat(fast.errors()[i])
                    .as("error after iteration %d", i)
                    .isCloseTo(ref.errors()[i], within(ERROR_TOLERANCE));
        }
        double scale = 0;
        for (double x : ref.w()) {
            scale = Math.max(scale, x);
        }
        for (int i = 0; i < ref.w().length; i++) {
            assertThat(fast.w()[i]).isCloseTo(ref.w()[i], within(MATCH_TOLERANCE * Math.max(1, scale)));
        }
        scale = 0;
        for (double x : ref.ht()) {
            scale = Math.max(scale, x);
        }
        for (int i = 0; i < ref.ht().length; i++) {
            assertThat(fast.ht()[i]).isCloseTo(ref.ht()[i], within(MATCH_TOLERANCE * Math.max(1, scale)));
        }
    }

    @ParameterizedTest
    @CsvSource({"hals, 11", "mu, 12", "hals, 13", "mu, 14"})
    void errorNeverIncreases(String algo, long seed) {
        SparseRows v = random(203, 57, 0.08, seed, 17, 3);
        NmfResult r = Nmf.factorize(v, new NmfOptions(6, 150, 0, seed, NmfOptions.Algorithm.parse(algo)), null);
        assertThat(r.iterations()).isEqualTo(150);
        assertThat(r.errors()[0]).isLessThan(1.0); // the α-scaled start already beats W·H = 0
        for (int i = 1; i < r.errors().length; i++) {
            assertThat(r.errors()[i])
                    .as("iteration %d", i)
                    .isLessThanOrEqualTo(r.errors()[i - 1] * (1 + MONOTONE_SLACK));
        }
        for (double x : r.w()) {
            assertThat(x).isGreaterThanOrEqualTo(0);
        }
        for (double x : r.ht()) {
            assertThat(x).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void halsRecoversAPlantedLowRankMatrix() {
        int n = 300;
        int f = 40;
        int k = 3;
        SplittableRandom rng = new SplittableRandom(99);
        // Planted H: factor c loads on latents [c·12, c·12 + 16) (overlapping by 4), random weights.
        double[][] h0 = new double[k][f];
        for (int c = 0; c < k; c++) {
            for (int j = c * 12; j < c * 12 + 16; j++) {
                h0[c][j] = 0.5 + rng.nextDouble();
            }
        }
        FloatMatrix m = FloatMatrix.zeros(n, f);
        for (int t = 0; t < n; t++) {
            double[] w = new double[k];
            w[t % k] = 0.5 + 2 * rng.nextDouble(); // every token has one dominant factor
            if (rng.nextDouble() < 0.3) {
                w[(t + 1) % k] = rng.nextDouble();
            }
            for (int j = 0; j < f; j++) {
                double x = 0;
                for (int c = 0; c < k; c++) {
                    x += w[c] * h0[c][j];
                }
                m.set(t, j, (float) x);
            }
        }
        SparseRows v = SparseRows.fromDense(m);
        assertThat(v.nnz()).isLessThan(n * f); // genuinely sparse
        NmfResult r = Nmf.factorize(v, new NmfOptions(k, 2000, 1e-12, 5, NmfOptions.Algorithm.HALS), null)
                .normalized();
        assertThat(r.relativeError()).isLessThan(1e-4);
        for (int c = 0; c < k; c++) {
            double best = 0;
            for (int q = 0; q < k; q++) {
                double dot = 0;
                double a = 0;
                double b = 0;
                for (int j = 0; j < f; j++) {
                    dot += h0[c][j] * r.h(q, j);
                    a += h0[c][j] * h0[c][j];
                    b += r.h(q, j) * r.h(q, j);
                }
                best = Math.max(best, dot / Math.sqrt(a * b));
            }
            assertThat(best).as("planted factor %d", c).isGreaterThan(0.999);
        }
    }

    @Test
    void halsConvergesFasterThanMu() {
        SparseRows v = random(400, 60, 0.1, 21, -1, -1);
        NmfResult hals = Nmf.factorize(v, new NmfOptions(5, 50, 0, 1, NmfOptions.Algorithm.HALS), null);
        NmfResult mu = Nmf.factorize(v, new NmfOptions(5, 50, 0, 1, NmfOptions.Algorithm.MU), null);
        assertThat(hals.relativeError()).isLessThan(mu.relativeError());
    }

    @Test
    void seededAndNormalizationKeepsTheProduct() {
        SparseRows v = random(40, 12, 0.3, 8, -1, -1);
        NmfResult a = Nmf.factorize(v, NmfOptions.defaults(3, 42), null);
        NmfResult b = Nmf.factorize(v, NmfOptions.defaults(3, 42), null);
        NmfResult c = Nmf.factorize(v, NmfOptions.defaults(3, 43), null);
        assertThat(a.w()).isEqualTo(b.w());
        assertThat(a.ht()).isEqualTo(b.ht());
        assertThat(a.w()).isNotEqualTo(c.w());
        NmfResult nr = a.normalized();
        double[] hn = nr.hRowNorms();
        for (int q = 0; q < 3; q++) {
            if (hn[q] > 0) {
                assertThat(hn[q]).isCloseTo(1.0, within(1e-12));
            }
        }
        for (int t = 0; t < 40; t++) {
            for (int j = 0; j < 12; j++) {
                double x = 0;
                double y = 0;
                for (int q = 0; q < 3; q++) {
                    x += a.w(t, q) * a.h(q, j);
                    y += nr.w(t, q) * nr.h(q, j);
                }
                assertThat(y).isCloseTo(x, within(1e-12 * Math.max(1, x)));
            }
        }
    }

    @Test
    void toleranceStopsEarly() {
        SparseRows v = random(100, 20, 0.2, 3, -1, -1);
        NmfResult r = Nmf.factorize(v, new NmfOptions(4, 1000, 1e-3, 1, NmfOptions.Algorithm.HALS), null);
        assertThat(r.converged()).isTrue();
        assertThat(r.iterations()).isLessThan(1000);
        assertThat(r.errors()).hasSize(r.iterations() + 1);
    }

    @Test
    void refusesNegativeAndEmptyMatrices() {
        FloatMatrix m = FloatMatrix.zeros(3, 4);
        m.set(1, 2, -0.5f);
        assertThatThrownBy(() -> Nmf.factorize(SparseRows.fromDense(m), NmfOptions.defaults(2, 0), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 1, column 2");
        assertThatThrownBy(() ->
                        Nmf.factorize(SparseRows.fromDense(FloatMatrix.zeros(3, 4)), NmfOptions.defaults(2, 0), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no non-zero");
        assertThatThrownBy(() -> new NmfOptions(0, 10, 0, 0, NmfOptions.Algorithm.HALS))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
