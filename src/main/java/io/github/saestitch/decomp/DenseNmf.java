package io.github.saestitch.decomp;

import io.github.saestitch.tensor.SparseRows;

/**
 * The plain dense reference for {@link Nmf}: V as a dense {@code double[n][F]}, the textbook update
 * order (HALS: whole columns of W, then whole rows of H; MU: all of W, then all of H), and the error
 * computed directly as {@code ‖V − W·H‖_F} from the dense product. No sparsity, no Gram tricks, no
 * error formula: the tests compare {@link Nmf} with this on small random matrices. {@code O(n·F·K)}
 * time and {@code n·F} memory per iteration, so only for small matrices.
 */
final class DenseNmf {
    private DenseNmf() {}

    /**
     * Runs {@code options.maxIterations()} iterations (stopping on the same tolerance rule as {@link Nmf})
     * from W [n][K] and H [K][F] (copied).
     */
    static NmfResult run(SparseRows sparse, double[][] w0, double[][] h0, NmfOptions options) {
        double[][] v = dense(sparse);
        int n = v.length;
        int f = sparse.cols();
        int k = options.factors();
        double[][] w = copy(w0);
        double[][] h = copy(h0);
        double normV = frobenius(v, new double[n][f]);
        double[] errors = new double[options.maxIterations() + 1];
        errors[0] = frobenius(v, product(w, h, f)) / normV;
        int it = 0;
        boolean converged = false;
        while (it < options.maxIterations()) {
            if (options.algorithm() == NmfOptions.Algorithm.HALS) {
                for (int c = 0; c < k; c++) {
                    // W[:, c] ← max(0, (V − Σ_{i≠c} W[:, i] H[i, :]) · H[c, :]ᵀ / ‖H[c, :]‖²)
                    double hh = 0;
                    for (int j = 0; j < f; j++) {
                        hh += h[c][j] * h[c][j];
                    }
                    if (hh == 0) {
                        continue;
                    }
                    for (int t = 0; t < n; t++) {
                        double s = 0;
                        for (int j = 0; j < f; j++) {
                            double r = v[t][j];
                            for (int i = 0; i < k; i++) {
                                if (i != c) {
                                    r -= w[t][i] * h[i][j];
                                }
                            }
                            s += r * h[c][j];
                        }
                        w[t][c] = Math.max(0, s / hh);
                    }
                }
                for (int c = 0; c < k; c++) {
                    double ww = 0;
                    for (int t = 0; t < n; t++) {
                        ww += w[t][c] * w[t][c];
                    }
                    if (ww == 0) {
                        continue;
                    }
                    for (int j = 0; j < f; j++) {
                        double s = 0;
                        for (int t = 0; t < n; t++) {
                            double r = v[t][j];
                            for (int i = 0; i < k; i++) {
                                if (i != c) {
                                    r -= w[t][i] * h[i][j];
                                }
                            }
                            s += w[t][c] * r;
                        }
                        h[c][j] = Math.max(0, s / ww);
                    }
                }
            } else {
                // W ← W ∘ (V Hᵀ) / (W H Hᵀ)
                double[][] wh = product(w, h, f);
                double[][] nw = new double[n][k];
                for (int t = 0; t < n; t++) {
                    for (int c = 0; c < k; c++) {
                        double num = 0;
                        double den = 0;
                        for (int j = 0; j < f; j++) {
                            num += v[t][j] * h[c][j];
                            den += wh[t][j] * h[c][j];
                        }
                        nw[t][c] = w[t][c] * num / Math.max(Nmf.MU_FLOOR, den);
                    }
                }
                w = nw;
                // H ← H ∘ (Wᵀ V) / (Wᵀ W H)
                wh = product(w, h, f);
                double[][] nh = new double[k][f];
                for (int c = 0; c < k; c++) {
                    for (int j = 0; j < f; j++) {
                        double num = 0;
                        double den = 0;
                        for (int t = 0; t < n; t++) {
                            num += w[t][c] * v[t][j];
                            den += w[t][c] * wh[t][j];
                        }
                        nh[c][j] = h[c][j] * num / Math.max(Nmf.MU_FLOOR, den);
                    }
                }
                h = nh;
            }
            it++;
            errors[it] = frobenius(v, product(w, h, f)) / normV;
            double prev = errors[it - 1];
            if (options.tolerance() > 0 && (errors[it] == 0 || (prev - errors[it]) < options.tolerance() * prev)) {
                converged = true;
                break;
            }
        }
        double[] wf = new double[n * k];
        double[] htf = new double[f * k];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < k; c++) {
                wf[t * k + c] = w[t][c];
            }
        }
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < f; j++) {
                htf[j * k + c] = h[c][j];
            }
        }
        return new NmfResult(n, f, k, wf, htf, java.util.Arrays.copyOf(errors, it + 1), it, converged, normV, options);
    }

    static double[][] dense(SparseRows s) {
        double[][] v = new double[s.rows()][s.cols()];
        for (int r = 0; r < s.rows(); r++) {
            for (int p = s.rowPtr()[r]; p < s.rowPtr()[r + 1]; p++) {
                v[r][s.colIdx()[p]] = s.values()[p];
            }
        }
        return v;
    }

    static double[][] product(double[][] w, double[][] h, int f) {
        double[][] out = new double[w.length][f];
        for (int t = 0; t < w.length; t++) {
            for (int i = 0; i < h.length; i++) {
                for (int j = 0; j < f; j++) {
                    out[t][j] += w[t][i] * h[i][j];
                }
            }
        }
        return out;
    }

    /** {@code ‖a − b‖_F}. */
    static double frobenius(double[][] a, double[][] b) {
        double s = 0;
        for (int t = 0; t < a.length; t++) {
            for (int j = 0; j < a[t].length; j++) {
                double e = a[t][j] - b[t][j];
                s += e * e;
            }
        }
        return Math.sqrt(s);
    }

    private static double[][] copy(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }
}
