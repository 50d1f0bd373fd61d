package io.github.saestitch.frankenstein;

import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;

/**
 * Jacobi-preconditioned conjugate gradients for the regularized normal equations
 * {@code (A + Λ)·Z = B} of the decoder refit ({@link NormalEquations}), all {@code d} right-hand
 * sides at once (each column has its own step sizes; they share the operator applications). For
 * widths whose dense Gram would not fit in memory: the matrix-free operator ({@link #codesOperator})
 * applies {@code A} straight from the sparse codes, {@code A·P = [1, F]ᵀ([1, F]·P)}, in two passes:
 * token-major {@code y_t = p_0 + Σ_i f_ti p_{1+i}} ({@code l0_t·d} each), then latent-major
 * {@code q_{1+i} = Σ_t f_ti y_t} over the CSC index — {@code 2·nnz·d} multiply-adds per iteration and
 * {@code N·d} doubles of scratch, whatever the width. {@link #denseOperator} applies a materialized
 * Gram ({@code m²·d}); the tests check both against the Cholesky solution.
 *
 * <p>Regularization is that of {@link DecoderRefit}: {@code Λ_ii = λ·A_ii} for latents that fire, and
 * a latent that never fires has the equation {@code z_i = w0_i} (its row of A is zero).
 */
final class ConjugateGradients {
    /** {@code Y = A·X} for {@code X, Y} row-major {@code [m, d]} (A without regularization). */
    interface Operator {
        void apply(double[] x, double[] y);
    }

    /** The outcome: iterations run and the largest relative residual {@code ‖b_c − A z_c‖ / ‖b_c‖} over columns. */
    record Outcome(int iterations, double relativeResidual) {}

    private ConjugateGradients() {}

    /**
     * The operator of a materialized Gram (upper triangle, row-major, leading {@code m × m} block of a
     * matrix with leading dimension {@code lda}).
     */
    static Operator denseOperator(double[] gram, int m, int lda, int d) {
        return (x, y) -> {
            Arrays.fill(y, 0, m * d, 0);
            for (int i = 0; i < m; i++) {
                int gi = i * lda;
                int xi = i * d;
                for (int j = i; j < m; j++) {
                    double a = gram[gi + j];
                    if (a == 0) {
                        continue;
                    }
                    int xj = j * d;
                    for (int c = 0; c < d; c++) {
                        y[xi + c] += a * x[xj + c];
                    }
                    if (j != i) {
                        for (int c = 0; c < d; c++) {
                            y[xj + c] += a * x[xi + c];
                        }
                    }
                }
            }
        };
    }

    /**
     * The matrix-free operator of codes {@code [N, n]} restricted to latents {@code [0, p)} (entries of
     * later latents are ignored), unknowns {@code m = p + 1}.
     */
    static Operator codesOperator(SparseRows codes, NormalEquations.Csc csc, int p, int d, int parts) {
        int nTok = codes.rows();
        int[] rowPtr = codes.rowPtr();
        int[] col = codes.colIdx();
        float[] val = codes.values();
        double[] ytok = new double[Math.multiplyExact(nTok, d)]; // [N, d] y_t
        int[] latentBounds = NormalEquations.balancedBounds(csc.colPtr(), p, parts);
        int tokenParts = Math.max(1, parts);
        return (x, y) -> {
            Parallel.forEach(tokenParts, part -> {
                int t0 = (int) ((long) nTok * part / tokenParts);
                int t1 = (int) ((long) nTok * (part + 1) / tokenParts);
                for (int t = t0; t < t1; t++) {
                    int o = t * d;
                    System.arraycopy(x, 0, ytok, o, d);
                    for (int e = rowPtr[t]; e < rowPtr[t + 1]; e++) {
                        int i = col[e];
                        if (i >= p) {
                            break; // columns increase within a row
                        }
                        double f = val[e];
                        int xi = (1 + i) * d;
                        for (int c = 0; c < d; c++) {
                            ytok[o + c] += f * x[xi + c];
                        }
                    }
                }
            });
            Arrays.fill(y, 0, (p + 1) * d, 0);
            for (int t = 0; t < nTok; t++) {
                for (int c = 0, o = t * d; c < d; c++) {
                    y[c] += ytok[o + c];
                }
            }
            Parallel.forEach(latentBounds.length - 1, part -> {
                for (int i = latentBounds[part]; i < latentBounds[part + 1]; i++) {
                    int yi = (1 + i) * d;
                    for (int k = csc.colPtr()[i]; k < csc.colPtr()[i + 1]; k++) {
                        double f = val[csc.entry()[k]];
                        int o = csc.token()[k] * d;
                        for (int c = 0; c < d; c++) {
                            y[yi + c] += f * ytok[o + c];
                        }
                    }
                }
            });
        };
    }

    /**
     * Solves {@code (A + Λ)·Z = B} for the leading {@code m} unknowns, starting from {@code z}
     * (row-major {@code [m, d]}, overwritten by the solution).
     *
     * @param b        [m, d] right-hand sides (already including the regularization's {@code λ·A_ii·w0_i})
     * @param diag     [≥ m] {@code A_ii}
     * @param ridge    {@code λ} (relative to the diagonal)
     * @param fires    [≥ m − 1] tokens per latent (0: never fires, fixed at its start value)
     * @param tol      stop when every column's relative residual is at most this
     * @param maxIters stop after this many iterations
     */
    static Outcome solve(
            Operator op,
            int m,
            int d,
            double[] b,
            double[] diag,
            double ridge,
            int[] fires,
            double[] z,
            double tol,
            int maxIters) {
        int size = m * d;
        double[] r = new double[size];
        double[] pv = new double[size];
        double[] q = new double[size];
        double[] zr = new double[size];
        double[] inv = new double[m]; // Jacobi preconditioner: 1 / diag(A + Λ)
        for (int i = 0; i < m; i++) {
            inv[i] = 1 / effectiveDiag(i, diag, ridge, fires);
        }
        applyRegularized(op, m, d, diag, ridge, fires, z, q);
        for (int k = 0; k < size; k++) {
            r[k] = b[k] - q[k];
        }
        double[] bNorm = columnNorms(b, m, d);
        double[] rz = new double[d];
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < d; c++) {
                int k = i * d + c;
                zr[k] = r[k] * inv[i];
                pv[k] = zr[k];
                rz[c] += r[k] * zr[k];
            }
        }
        int it = 0;
        double worst = worstRelative(r, bNorm, m, d);
        while (it < maxIters && worst > tol) {
            applyRegularized(op, m, d, diag, ridge, fires, pv, q);
            double[] pq = new double[d];
            for (int k = 0; k < size; k++) {
                pq[k % d] += pv[k] * q[k];
            }
            double[] alpha = new double[d];
            for (int c = 0; c < d; c++) {
                alpha[c] = pq[c] > 0 ? rz[c] / pq[c] : 0;
            }
            double[] rzNew = new double[d];
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < d; c++) {
                    int k = i * d + c;
                    z[k] += alpha[c] * pv[k];
                    r[k] -= alpha[c] * q[k];
                    zr[k] = r[k] * inv[i];
                    rzNew[c] += r[k] * zr[k];
                }
            }
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < d; c++) {
                    int k = i * d + c;
                    double beta = rz[c] > 0 ? rzNew[c] / rz[c] : 0;
                    pv[k] = zr[k] + beta * pv[k];
                }
            }
            rz = rzNew;
            it++;
            worst = worstRelative(r, bNorm, m, d);
        }
        return new Outcome(it, worst);
    }

    /** The diagonal of {@code A + Λ} at unknown i. */
    static double effectiveDiag(int i, double[] diag, double ridge, int[] fires) {
        if (i == 0) {
            return diag[0];
        }
        return fires[i - 1] == 0 ? 1 : diag[i] * (1 + ridge);
    }

    /** {@code y = (A + Λ)·x}, with a never-firing latent's row being the identity. */
    private static void applyRegularized(
            Operator op, int m, int d, double[] diag, double ridge, int[] fires, double[] x, double[] y) {
        op.apply(x, y);
        for (int i = 1; i < m; i++) {
            double extra = fires[i - 1] == 0 ? 1 : ridge * diag[i];
            if (extra != 0) {
                for (int c = 0, k = i * d; c < d; c++, k++) {
                    y[k] += extra * x[k];
                }
            }
        }
    }

    private static double[] columnNorms(double[] b, int m, int d) {
        double[] s = new double[d];
        for (int k = 0; k < m * d; k++) {
            s[k % d] += b[k] * b[k];
        }
        for (int c = 0; c < d; c++) {
            s[c] = Math.sqrt(s[c]);
        }
        return s;
    }

    private static double worstRelative(double[] r, double[] bNorm, int m, int d) {
        double[] rn = columnNorms(r, m, d);
        double worst = 0;
        for (int c = 0; c < d; c++) {
            worst = Math.max(worst, bNorm[c] > 0 ? rn[c] / bNorm[c] : rn[c]);
        }
        return worst;
    }
}
