package io.github.saestitch.frankenstein;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Lapack;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exact refit against a dense reference solve, the optimality conditions, and the fast paths
 * (LAPACK, tiled FᵀX, conjugate gradients, prefixes) against the plain ones, on seeded random sparse
 * problems of odd sizes.
 */
class DecoderRefitTest {
    /** Solutions of the same well-conditioned problem by two exact methods in double (then rounded to float). */
    static final double SOLVE_RELATIVE = 1e-5;
    /** The gradient at the optimum relative to the gradient at zero: double sums, float-rounded solution. */
    static final double GRADIENT_RELATIVE = 1e-5;
    /** CG to a relative residual of 1e-10 against Cholesky. */
    static final double CG_RELATIVE = 1e-5;

    /** A random problem: N tokens, n latents firing with probability p (latent n − 1 never fires). */
    record Problem(SparseRows codes, float[] x, int d, FloatMatrix w0, float[] b0) {
        static Problem random(int nTok, int n, int d, double p, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            int[] ptr = new int[nTok + 1];
            int[] idx = new int[nTok * n];
            float[] val = new float[nTok * n];
            int k = 0;
            for (int t = 0; t < nTok; t++) {
                for (int i = 0; i < n - 1; i++) {
                    if (r.nextDouble() < p) {
                        idx[k] = i;
                        val[k++] = (float) (0.1 - Math.log(1 - r.nextDouble()));
                    }
                }
                ptr[t + 1] = k;
            }
            float[] x = new float[nTok * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() + 0.5);
            }
            FloatMatrix w0 = FloatMatrix.zeros(n, d);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    w0.set(i, c, (float) r.nextGaussian());
                }
            }
            float[] b0 = new float[d];
            return new Problem(
                    new SparseRows(nTok, n, ptr, Arrays.copyOf(idx, k), Arrays.copyOf(val, k)), x, d, w0, b0);
        }

        /** Σ_t ‖f_t·W + b − x_t‖² in double. */
        double loss(FloatMatrix w, float[] b) {
            double s = 0;
            for (int t = 0; t < codes.rows(); t++) {
                for (int c = 0; c < d; c++) {
                    double e = b[c] - x[t * d + c];
                    for (int q = codes.rowPtr()[t]; q < codes.rowPtr()[t + 1]; q++) {
                        e += (double) codes.values()[q] * w.get(codes.colIdx()[q], c);
                    }
                    s += e * e;
                }
            }
            return s;
        }

        /** The gradient [n + 1, d] (row 0: b) of the loss, in double. */
        double[] gradient(FloatMatrix w, float[] b) {
            int n = codes.cols();
            double[] g = new double[(n + 1) * d];
            for (int t = 0; t < codes.rows(); t++) {
                double[] e = new double[d];
                for (int c = 0; c < d; c++) {
                    e[c] = b[c] - x[t * d + c];
                    for (int q = codes.rowPtr()[t]; q < codes.rowPtr()[t + 1]; q++) {
                        e[c] += (double) codes.values()[q] * w.get(codes.colIdx()[q], c);
                    }
                    g[c] += 2 * e[c];
                }
                for (int q = codes.rowPtr()[t]; q < codes.rowPtr()[t + 1]; q++) {
                    for (int c = 0; c < d; c++) {
                        g[(1 + codes.colIdx()[q]) * d + c] += 2 * codes.values()[q] * e[c];
                    }
                }
            }
            return g;
        }

        /**
         * The reference: the dense design matrix [1, F] built explicitly, its normal equations formed
         * entry by entry and solved by Gaussian elimination with partial pivoting (no code shared with
         * the refit). Latents that never fire are left out and keep w0. Returns [n + 1, d].
         */
        double[] denseReference() {
            int n = codes.cols();
            boolean[] fires = new boolean[n];
            for (int q = 0; q < codes.nnz(); q++) {
                fires[codes.colIdx()[q]] = true;
            }
            int[] cols =
                    java.util.stream.IntStream.range(0, n).filter(i -> fires[i]).toArray();
            int m = cols.length + 1;
            double[][] a = new double[codes.rows()][m];
            for (int t = 0; t < codes.rows(); t++) {
                a[t][0] = 1;
                for (int q = codes.rowPtr()[t]; q < codes.rowPtr()[t + 1]; q++) {
                    a[t][1 + Arrays.binarySearch(cols, codes.colIdx()[q])] = codes.values()[q];
                }
            }
            double[][] g = new double[m][m + d];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    for (int t = 0; t < codes.rows(); t++) {
                        g[i][j] += a[t][i] * a[t][j];
                    }
                }
                for (int c = 0; c < d; c++) {
                    for (int t = 0; t < codes.rows(); t++) {
                        g[i][m + c] += a[t][i] * x[t * d + c];
                    }
                }
            }
            for (int k = 0; k < m; k++) {
                int piv = k;
                for (int i = k + 1; i < m; i++) {
                    if (Math.abs(g[i][k]) > Math.abs(g[piv][k])) {
                        piv = i;
                    }
                }
                double[] tmp = g[k];
                g[k] = g[piv];
                g[piv] = tmp;
                for (int i = 0; i < m; i++) {
                    if (i != k) {
                        double f = g[i][k] / g[k][k];
                        for (int j = k; j < m + d; j++) {
                            g[i][j] -= f * g[k][j];
                        }
                    }
                }
            }
            double[] z = new double[(n + 1) * d];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    z[(1 + i) * d + c] = w0.get(i, c);
                }
            }
            for (int c = 0; c < d; c++) {
                z[c] = g[0][m + c] / g[0][0];
            }
            for (int k = 1; k < m; k++) {
                for (int c = 0; c < d; c++) {
                    z[(1 + cols[k - 1]) * d + c] = g[k][m + c] / g[k][k];
                }
            }
            return z;
        }
    }

    private static DecoderRefit.Options options(DecoderRefit.Solver s, boolean lapack) {
        return DecoderRefit.Options.defaults()
                .withSolver(s)
                .withLapack(lapack)
                .withRidge(0)
                .withCg(1e-10, 5000);
    }

    private static void assertSolution(DecoderRefit.Solution s, double[] ref, int d, double tol) {
        double scale = 0;
        for (double v : ref) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int c = 0; c < d; c++) {
            assertThat((double) s.bDec()[c]).isCloseTo(ref[c], org.assertj.core.data.Offset.offset(tol * scale));
        }
        for (int i = 0; i < s.numLatents(); i++) {
            for (int c = 0; c < d; c++) {
                assertThat((double) s.wDec().get(i, c))
                        .as("W[%d][%d]", i, c)
                        .isCloseTo(ref[(1 + i) * d + c], org.assertj.core.data.Offset.offset(tol * scale));
            }
        }
    }

    @ParameterizedTest(name = "N={0} n={1} d={2} p={3}")
    @CsvSource({"60, 5, 3, 0.5", "200, 17, 7, 0.3", "311, 40, 13, 0.15", "97, 1, 5, 0.9"})
    void everySolverMatchesTheDenseReference(int nTok, int n, int d, double p) {
        Problem pr = Problem.random(nTok, n, d, p, 1000L * n + d);
        double[] ref = pr.denseReference();
        assertSolution(
                DecoderRefit.exact(
                                pr.codes(),
                                pr.x(),
                                pr.w0(),
                                pr.b0(),
                                new int[] {n},
                                options(DecoderRefit.Solver.CHOLESKY, false))
                        .solutions()
                        .get(0),
                ref,
                d,
                SOLVE_RELATIVE);
        assertSolution(
                DecoderRefit.exact(
                                pr.codes(),
                                pr.x(),
                                pr.w0(),
                                pr.b0(),
                                new int[] {n},
                                options(DecoderRefit.Solver.CG, false))
                        .solutions()
                        .get(0),
                ref,
                d,
                CG_RELATIVE);
        if (Lapack.available()) {
            assertSolution(
                    DecoderRefit.exact(
                                    pr.codes(),
                                    pr.x(),
                                    pr.w0(),
                                    pr.b0(),
                                    new int[] {n},
                                    options(DecoderRefit.Solver.CHOLESKY, true))
                            .solutions()
                            .get(0),
                    ref,
                    d,
                    SOLVE_RELATIVE);
        }
    }

    @Test
    void theExactRefitIsTheLeastSquaresOptimum() {
        Problem pr = Problem.random(400, 23, 9, 0.25, 7);
        DecoderRefit.Solution s = DecoderRefit.exact(
                        pr.codes(), pr.x(), pr.w0(), pr.b0(), new int[] {23}, DecoderRefit.Options.defaults())
                .solutions()
                .get(0);
        // Gradient ≈ 0 (relative to the gradient at W = 0, b = 0) for every firing latent and b.
        double[] g = pr.gradient(s.wDec(), s.bDec());
        double[] g0 = pr.gradient(FloatMatrix.zeros(23, 9), new float[9]);
        double n0 = 0;
        double n1 = 0;
        for (int k = 0; k < g.length; k++) {
            n0 += g0[k] * g0[k];
            n1 += g[k] * g[k];
        }
        assertThat(Math.sqrt(n1 / n0)).isLessThan(GRADIENT_RELATIVE);
        // No random perturbation does better.
        double best = pr.loss(s.wDec(), s.bDec());
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 20; trial++) {
            double eps = Math.pow(10, -1 - r.nextInt(4));
            FloatMatrix w = s.wDec().copy();
            float[] b = s.bDec().clone();
            for (int i = 0; i < 22; i++) {
                for (int c = 0; c < 9; c++) {
                    w.set(i, c, (float) (w.get(i, c) + eps * r.nextGaussian()));
                }
            }
            b[r.nextInt(9)] += (float) eps;
            assertThat(pr.loss(w, b)).isGreaterThan(best);
        }
        // The latent that never fires keeps its row exactly.
        assertThat(s.wDec().row(22)).containsExactly(pr.w0().row(22));
    }

    @Test
    void everyPrefixEqualsItsOwnRefit() {
        Problem pr = Problem.random(300, 31, 6, 0.2, 11);
        int[] prefixes = {0, 5, 17, 31};
        for (boolean lapack : Lapack.available() ? new boolean[] {false, true} : new boolean[] {false}) {
            DecoderRefit.Result all = DecoderRefit.exact(
                    pr.codes(), pr.x(), pr.w0(), pr.b0(), prefixes, options(DecoderRefit.Solver.CHOLESKY, lapack));
            for (int k = 0; k < prefixes.length; k++) {
                int p = prefixes[k];
                SparseRows cp = DecoderRefit.leadingColumns(pr.codes(), p);
                FloatMatrix w0 = FloatMatrix.wrap(Arrays.copyOf(pr.w0().toArray(), p * 6), p, 6);
                Problem sub = new Problem(cp, pr.x(), 6, w0, pr.b0());
                assertSolution(all.solutions().get(k), sub.denseReference(), 6, SOLVE_RELATIVE);
            }
        }
    }

    @Test
    void lapackAndJavaCholeskyAgree() {
        assumeThat(Lapack.available()).isTrue();
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[] {1, 2, 7, 33, 130}) {
            int lda = n + 3; // a leading dimension larger than n, as for prefixes
            double[] m = new double[n * (n + 2)];
            for (int i = 0; i < m.length; i++) {
                m[i] = r.nextGaussian();
            }
            double[] a = new double[n * lda];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double s = i == j ? n : 0; // AᵀA + n·I: symmetric positive definite
                    for (int k = 0; k < n + 2; k++) {
                        s += m[k * n + i] * m[k * n + j];
                    }
                    a[i * lda + j] = s;
                }
            }
            double[] java = a.clone();
            double[] lapack = a.clone();
            assertThat(Cholesky.factorJava(java, n, lda)).isZero();
            assertThat(Lapack.load().dpotrf(lapack, n, lda)).isZero();
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    assertThat(lapack[i * lda + j])
                            .as("U[%d][%d] n=%d", i, j, n)
                            .isCloseTo(java[i * lda + j], org.assertj.core.data.Offset.offset(1e-12 * n));
                }
            }
            double[] b = new double[n * 4];
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextGaussian();
            }
            double[] xj = b.clone();
            double[] xl = b.clone();
            Cholesky.solve(java, n, lda, xj, 4, false);
            Cholesky.solve(lapack, n, lda, xl, 4, true);
            for (int i = 0; i < b.length; i++) {
                assertThat(xl[i]).isCloseTo(xj[i], org.assertj.core.data.Offset.offset(1e-10));
            }
        }
        double[] notPd = {1, 2, 0, 1}; // [[1, 2], [2, 1]] has a negative eigenvalue
        assertThat(Cholesky.factorJava(notPd.clone(), 2, 2)).isEqualTo(2);
        assertThat(Lapack.load().dpotrf(notPd.clone(), 2, 2)).isEqualTo(2);
    }

    @Test
    void tiledTransposeTimesEqualsTheLatentMajorSum() {
        Problem pr = Problem.random(257, 700, 11, 0.05, 13); // several tiles of latents
        NormalEquations latentMajor = NormalEquations.accumulate(pr.codes(), pr.x(), 11, false, 3);
        double[] tiled = NormalEquations.transposeTimes(pr.codes(), pr.x(), 11, 2, 37); // 19 tiles over 2 threads
        assertThat(NormalEquations.transposeTimes(pr.codes(), pr.x(), 11, 1)).containsExactly(tiled);
        // Both sum each row in token order with the same operations: equal bit for bit.
        assertThat(Arrays.copyOfRange(latentMajor.rhs, 11, latentMajor.rhs.length))
                .containsExactly(tiled);
        NormalEquations one = NormalEquations.accumulate(pr.codes(), pr.x(), 11, true, 1);
        NormalEquations many = NormalEquations.accumulate(pr.codes(), pr.x(), 11, true, 5, tiled);
        assertThat(many.gram).containsExactly(one.gram);
        assertThat(many.rhs).containsExactly(one.rhs);
        assertThat(one.gramUpdates).isEqualTo(expectedGramUpdates(pr.codes()));
    }

    private static long expectedGramUpdates(SparseRows c) {
        long s = 0;
        for (int t = 0; t < c.rows(); t++) {
            long l = c.rowNnz(t);
            s += l * (l + 1) / 2;
        }
        return s;
    }

    @Test
    void denseAndMatrixFreeConjugateGradientsAgree() {
        Problem pr = Problem.random(150, 12, 4, 0.3, 17);
        NormalEquations eq = NormalEquations.accumulate(pr.codes(), pr.x(), 4, true, 2);
        double[] b = DecoderRefit.regularizedRhs(eq, pr.w0().toArray(), 1e-3);
        double[] z1 = new double[13 * 4];
        double[] z2 = new double[13 * 4];
        var dense = ConjugateGradients.denseOperator(eq.gram, 13, 13, 4);
        var free = ConjugateGradients.codesOperator(pr.codes(), NormalEquations.Csc.of(pr.codes()), 12, 4, 3);
        var o1 = ConjugateGradients.solve(dense, 13, 4, b, eq.diag, 1e-3, eq.fires, z1, 1e-12, 1000);
        var o2 = ConjugateGradients.solve(free, 13, 4, b, eq.diag, 1e-3, eq.fires, z2, 1e-12, 1000);
        assertThat(o1.relativeResidual()).isLessThanOrEqualTo(1e-12);
        assertThat(o2.relativeResidual()).isLessThanOrEqualTo(1e-12);
        for (int k = 0; k < z1.length; k++) {
            assertThat(z2[k]).isCloseTo(z1[k], org.assertj.core.data.Offset.offset(1e-8 * (1 + Math.abs(z1[k]))));
        }
    }

    @Test
    void adamApproachesTheExactOptimum() {
        Problem pr = Problem.random(2000, 15, 8, 0.3, 19);
        double exact = pr.loss(
                DecoderRefit.exact(
                                pr.codes(), pr.x(), pr.w0(), pr.b0(), new int[] {15}, DecoderRefit.Options.defaults())
                        .solutions()
                        .get(0)
                        .wDec(),
                DecoderRefit.exact(
                                pr.codes(), pr.x(), pr.w0(), pr.b0(), new int[] {15}, DecoderRefit.Options.defaults())
                        .solutions()
                        .get(0)
                        .bDec());
        double start = pr.loss(pr.w0(), pr.b0());
        DecoderRefit.Solution a = DecoderRefit.adam(
                        pr.codes(), pr.x(), pr.w0(), pr.b0(), new DecoderRefit.AdamOptions(200, 3e-2, 256, 1), 2)
                .solutions()
                .get(0);
        double adam = pr.loss(a.wDec(), a.bDec());
        assertThat(adam).isLessThan(start).isGreaterThanOrEqualTo(exact * (1 - 1e-6));
        assertThat((adam - exact) / exact).isLessThan(0.01);
        // Same seed, same parts: the same weights.
        DecoderRefit.Solution again = DecoderRefit.adam(
                        pr.codes(), pr.x(), pr.w0(), pr.b0(), new DecoderRefit.AdamOptions(200, 3e-2, 256, 1), 2)
                .solutions()
                .get(0);
        assertThat(again.wDec().toArray()).containsExactly(a.wDec().toArray());
    }

    /**
     * The Adam refit against the plain reference (one sequential pass over each batch's tokens, the
     * gradient summed in token order): the same bits for any number of parts, odd sizes, a short last batch.
     */
    @Test
    void adamGivesTheBitsOfTheSequentialReferenceForAnyParts() {
        for (long seed : new long[] {3, 4}) {
            Problem pr = Problem.random(613, 23, 13, 0.27, seed);
            DecoderRefit.AdamOptions o = new DecoderRefit.AdamOptions(3, 1e-2, 97, seed);
            float[][] ref = adamReference(pr, o);
            for (int parts : new int[] {1, 2, 3, 5}) {
                DecoderRefit.Solution a = DecoderRefit.adam(pr.codes(), pr.x(), pr.w0(), pr.b0(), o, parts)
                        .solutions()
                        .get(0);
                assertThat(a.wDec().toArray()).as("W_dec, %d parts", parts).containsExactly(ref[0]);
                assertThat(a.bDec()).as("b_dec, %d parts", parts).containsExactly(ref[1]);
            }
        }
    }

    /** Adam with each batch's gradient from one loop over its tokens in order (the reference). */
    private static float[][] adamReference(Problem pr, DecoderRefit.AdamOptions o) {
        SparseRows codes = pr.codes();
        int d = pr.d();
        int n = codes.cols();
        float[] w = pr.w0().toArray();
        float[] bias = pr.b0().clone();
        float[] mw = new float[w.length];
        float[] vw = new float[w.length];
        float[] mb = new float[d];
        float[] vb = new float[d];
        int nTok = codes.rows();
        int batches = (nTok + o.batch() - 1) / o.batch();
        io.github.saestitch.tensor.SplitMix64 rng = new io.github.saestitch.tensor.SplitMix64(o.seed());
        long step = 0;
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            for (int bi : DecoderRefit.batchOrder(rng, batches)) {
                int tb0 = bi * o.batch();
                int tb1 = Math.min(nTok, tb0 + o.batch());
                float scale = 2f / (tb1 - tb0);
                float[] gw = new float[n * d];
                float[] gb = new float[d];
                float[] err = new float[d];
                for (int t = tb0; t < tb1; t++) {
                    DecoderRefit.tokenError(codes, pr.x(), w, bias, t, err, 0);
                    io.github.saestitch.tensor.Vec.axpy(scale, err, 0, gb, 0, d);
                    for (int e = codes.rowPtr()[t]; e < codes.rowPtr()[t + 1]; e++) {
                        io.github.saestitch.tensor.Vec.axpy(
                                scale * codes.values()[e], err, 0, gw, codes.colIdx()[e] * d, d);
                    }
                }
                step++;
                DecoderRefit.adamStep(w, gw, mw, vw, step, o.lr(), 1);
                DecoderRefit.adamStep(bias, gb, mb, vb, step, o.lr(), 1);
            }
        }
        return new float[][] {w, bias};
    }
}
