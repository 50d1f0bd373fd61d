package io.github.saestitch.frankenstein;

import io.github.saestitch.tensor.Lapack;

/**
 * Cholesky factorization {@code A = UᵀU} and solves, in the storage {@link NormalEquations} uses: the
 * symmetric matrix row-major with its upper triangle filled ({@code a[i·lda + j]}, {@code j ≥ i}),
 * overwritten by U in the same place. That is bit for bit the layout of LAPACK's column-major lower
 * factor L = Uᵀ, so {@link #factor} with LAPACK ({@code dpotrf}) and {@link #factorJava} produce
 * comparable arrays.
 *
 * <p>{@link #factorJava} is the plain reference (right-looking, row-oriented so the inner loop runs
 * along contiguous rows; {@code n³/3} multiply-adds, single-threaded) and the fallback when the native
 * library is unavailable; LAPACK's blocked, multi-threaded {@code dpotrf} is the fast path. Both leave
 * the leading {@code p × p} block of U equal to the factor of the leading {@code p × p} block of A, so
 * one factorization solves every prefix of the unknowns.
 */
final class Cholesky {
    private Cholesky() {}

    /**
     * Factors the leading {@code n × n} block in place, with LAPACK when {@code useLapack}, else in Java.
     *
     * @return 0, or {@code k > 0} when the leading minor of order k is not positive definite
     */
    static int factor(double[] a, int n, int lda, boolean useLapack) {
        return useLapack ? Lapack.load().dpotrf(a, n, lda) : factorJava(a, n, lda);
    }

    /**
     * The reference factorization (see the class comment). Writes the upper triangle of {@code a}.
     *
     * @return 0, or {@code k > 0} when the leading minor of order k is not positive definite (LAPACK's convention)
     */
    static int factorJava(double[] a, int n, int lda) {
        for (int k = 0; k < n; k++) {
            int rk = k * lda;
            double akk = a[rk + k];
            if (!(akk > 0) || !Double.isFinite(akk)) {
                return k + 1;
            }
            double ukk = Math.sqrt(akk);
            a[rk + k] = ukk;
            double inv = 1 / ukk;
            for (int j = k + 1; j < n; j++) {
                a[rk + j] *= inv;
            }
            for (int i = k + 1; i < n; i++) {
                double uki = a[rk + i];
                if (uki != 0) {
                    int ri = i * lda;
                    for (int j = i; j < n; j++) {
                        a[ri + j] -= uki * a[rk + j];
                    }
                }
            }
        }
        return 0;
    }

    /**
     * Solves {@code (UᵀU)·X = B} with the leading {@code p × p} block of the factor, for {@code B}
     * row-major {@code [p, nrhs]} (one row per unknown), overwritten by X. Writes {@code b}.
     */
    static void solveJava(double[] u, int p, int lda, double[] b, int nrhs) {
        // Uᵀ·Y = B: row k of Y is final once the earlier rows are subtracted; then push it down.
        for (int k = 0; k < p; k++) {
            int rk = k * lda;
            double inv = 1 / u[rk + k];
            int bk = k * nrhs;
            for (int c = 0; c < nrhs; c++) {
                b[bk + c] *= inv;
            }
            for (int j = k + 1; j < p; j++) {
                double ukj = u[rk + j];
                if (ukj != 0) {
                    int bj = j * nrhs;
                    for (int c = 0; c < nrhs; c++) {
                        b[bj + c] -= ukj * b[bk + c];
                    }
                }
            }
        }
        // U·X = Y, from the last row up.
        for (int i = p - 1; i >= 0; i--) {
            int ri = i * lda;
            int bi = i * nrhs;
            for (int j = i + 1; j < p; j++) {
                double uij = u[ri + j];
                if (uij != 0) {
                    int bj = j * nrhs;
                    for (int c = 0; c < nrhs; c++) {
                        b[bi + c] -= uij * b[bj + c];
                    }
                }
            }
            double inv = 1 / u[ri + i];
            for (int c = 0; c < nrhs; c++) {
                b[bi + c] *= inv;
            }
        }
    }

    /**
     * Solves with the leading {@code p × p} block, LAPACK ({@code dpotrs}) or Java, for {@code B}
     * row-major {@code [p, nrhs]}, overwritten by X. Writes {@code b}.
     */
    static void solve(double[] u, int p, int lda, double[] b, int nrhs, boolean useLapack) {
        if (!useLapack) {
            solveJava(u, p, lda, b, nrhs);
            return;
        }
        // LAPACK wants each right-hand side contiguous (column-major [p, nrhs]): transpose in and out.
        double[] bt = new double[p * nrhs];
        for (int i = 0; i < p; i++) {
            for (int c = 0; c < nrhs; c++) {
                bt[c * p + i] = b[i * nrhs + c];
            }
        }
        int info = Lapack.load().dpotrs(u, p, lda, bt, nrhs, p);
        if (info != 0) {
            throw new IllegalStateException("LAPACKE_dpotrs returned info = " + info);
        }
        for (int i = 0; i < p; i++) {
            for (int c = 0; c < nrhs; c++) {
                b[i * nrhs + c] = bt[c * p + i];
            }
        }
    }
}
