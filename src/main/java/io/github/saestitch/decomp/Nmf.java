package io.github.saestitch.decomp;

import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.SplitMix64;
import java.util.Arrays;
import java.util.Objects;

/**
 * Non-negative matrix factorisation of a sparse tokens × latents activation matrix, {@code V ≈ W·H}
 * with {@code W ≥ 0} [n, K] and {@code H ≥ 0} [K, F], minimising {@code ‖V − W·H‖²_F} (as Goodfire's
 * "Painting with concepts", 2025: SAE latents grouped into a few high-level factors; each row of H is
 * a factor's weights on the latents; docs/definitions.md#related-decompositions).
 *
 * <h2>Sparse-aware</h2>
 * V is never densified (n·F would be 77M doubles for 100k tokens × 768 latents; V holds ~4M non-zeros).
 * Each iteration needs only
 * <ul>
 *   <li>{@code A = V·Hᵀ} [n, K] and {@code C = Wᵀ·V} [K, F] through V's stored entries: {@code nnz·K}
 *       multiply-adds each;</li>
 *   <li>the Gram matrices {@code HHᵀ} and {@code WᵀW} [K, K]: {@code (F + n)·K²};</li>
 *   <li>the error without forming W·H: {@code ‖V − WH‖² = ‖V‖² − 2⟨V, WH⟩ + ⟨WᵀW, HHᵀ⟩}, where
 *       {@code ⟨V, WH⟩ = ⟨C, H⟩} reuses the C of the H update (W does not change during it).</li>
 * </ul>
 * So an iteration costs {@code O(nnz·K + (n + F)·K²)} and memory is V plus {@code (n + F)·K} doubles.
 * Everything is accumulated in double. The error formula subtracts large numbers; its absolute rounding
 * is ~1e-16·‖V‖², so a relative error is exact to about {@code sqrt(1e-16) = 1e-8} in absolute terms
 * (an exact fit reads ~1e-8, not 0), far below anything reported.
 *
 * <h2>Updates</h2>
 * {@link NmfOptions.Algorithm#HALS} (default): for each column k of W in turn,
 * {@code W[:, k] ← max(0, W[:, k] + (A[:, k] − W·B[:, k]) / B[k, k])} with {@code B = HHᵀ}, which is the
 * exact minimiser over that column with the others fixed; then the same for the rows of H with
 * {@code C} and {@code D = WᵀW}. Because column k's update of row t reads only row t, the column sweep is
 * done row by row (cache-friendly, identical result). A factor whose {@code B[k, k]} (or
 * {@code D[k, k]}) is 0 is left as it is for that half-step. {@link NmfOptions.Algorithm#MU}: Lee &amp;
 * Seung's {@code W ← W ∘ A / (W·B)}, {@code H ← H ∘ C / (D·H)} with denominators floored at
 * {@value #MU_FLOOR}. Both never increase the error (up to rounding); HALS converges far faster at the
 * same cost per iteration (README "nmf": the measurement).
 *
 * <h2>Initialisation</h2>
 * Seeded uniform [0, 1) entries (W first, row by row, then Hᵀ row by row, from
 * {@link SplitMix64}{@code (seed)}), then both scaled by {@code sqrt(α)} with
 * {@code α = ⟨V, WH⟩ / ‖WH‖²}, the best single scale of the product (so the first error is already
 * below 1, and MU does not spend its first iterations fixing the scale).
 *
 * <p>{@link DenseNmf} is the plain dense reference the tests compare this class with.
 */
public final class Nmf {
    /** MU's denominator floor: keeps 0/0 at 0 (a zero numerator then always gives 0). */
    static final double MU_FLOOR = 1e-300;

    /** Called after the initialisation (iteration 0) and after every iteration; cheap. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (iteration, maxIterations, relativeError) -> {};

        void iteration(int iteration, int maxIterations, double relativeError);
    }

    private Nmf() {}

    /**
     * Factorises {@code v} (all stored values must be finite and ≥ 0).
     *
     * @throws IllegalArgumentException for a negative or non-finite value (naming its row and column), or
     *                                  when V has no non-zero entry
     */
    public static NmfResult factorize(SparseRows v, NmfOptions options, Listener listener) {
        Objects.requireNonNull(options, "options");
        int k = options.factors();
        if (k > v.cols()) {
            throw new IllegalArgumentException(
                    "--factors " + k + " exceeds the " + v.cols() + " latents being factorized");
        }
        if ((long) v.rows() * k > Integer.MAX_VALUE - 8 || (long) v.cols() * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("W [" + v.rows() + " tokens x " + k
                    + " factors] does not fit one array; " + "use fewer tokens or factors");
        }
        double[][] init = initialFactors(v, k, options.seed());
        return iterate(v, init[0], init[1], options, listener);
    }

    /** {@code ‖V‖²_F} in double, after checking every value is finite and ≥ 0. */
    static double squaredNorm(SparseRows v) {
        double s = 0;
        for (int r = 0; r < v.rows(); r++) {
            for (int p = v.rowPtr()[r]; p < v.rowPtr()[r + 1]; p++) {
                float x = v.values()[p];
                if (!(x >= 0f) || !Float.isFinite(x)) {
                    throw new IllegalArgumentException("NMF needs a non-negative matrix, but row " + r + ", column "
                            + v.colIdx()[p] + " holds " + x);
                }
                s += (double) x * x;
            }
        }
        return s;
    }

    /**
     * The seeded starting point {@code {W [n·K], Hᵀ [F·K]}} described in the class comment (shared with
     * {@link DenseNmf} so both start from the same matrices).
     */
    static double[][] initialFactors(SparseRows v, int k, long seed) {
        int n = v.rows();
        int f = v.cols();
        SplitMix64 rng = new SplitMix64(seed);
        double[] w = new double[Math.multiplyExact(n, k)];
        double[] ht = new double[Math.multiplyExact(f, k)];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextDouble();
        }
        for (int i = 0; i < ht.length; i++) {
            ht[i] = rng.nextDouble();
        }
        double cross = 0; // ⟨V, WH⟩
        for (int t = 0; t < n; t++) {
            for (int p = v.rowPtr()[t]; p < v.rowPtr()[t + 1]; p++) {
                cross += v.values()[p] * dot(w, t * k, ht, v.colIdx()[p] * k, k);
            }
        }
        double quad = frobeniusInner(gram(w, n, k), gram(ht, f, k)); // ‖WH‖²
        if (cross > 0 && quad > 0) {
            double s = Math.sqrt(cross / quad); // each factor takes sqrt(α), the product α
            for (int i = 0; i < w.length; i++) {
                w[i] *= s;
            }
            for (int i = 0; i < ht.length; i++) {
                ht[i] *= s;
            }
        }
        return new double[][] {w, ht};
    }

    /** Runs the iterations from the given factors (updated in place and returned in the result). */
    static NmfResult iterate(SparseRows v, double[] w, double[] ht, NmfOptions options, Listener listener) {
        Listener l = listener == null ? Listener.NONE : listener;
        int n = v.rows();
        int f = v.cols();
        int k = options.factors();
        double normV2 = squaredNorm(v);
        if (!(normV2 > 0)) {
            throw new IllegalArgumentException("the activation matrix has no non-zero entry: nothing to factorise");
        }
        double normV = Math.sqrt(normV2);
        int max = options.maxIterations();
        double[] errors = new double[max + 1];
        double[] a = new double[Math.multiplyExact(n, k)]; // [n, K] V·Hᵀ
        double[] ct = new double[Math.multiplyExact(f, k)]; // [F, K] (WᵀV)ᵀ
        double[] tmp = new double[k];

        transposeVTimesW(v, w, k, ct);
        errors[0] = relative(normV2, ct, ht, gram(w, n, k), gram(ht, f, k), normV);
        l.iteration(0, max, errors[0]);
        int it = 0;
        boolean converged = false;
        while (it < max) {
            // W half-step.
            vTimesHt(v, ht, k, a);
            double[] b = gram(ht, f, k);
            if (options.algorithm() == NmfOptions.Algorithm.HALS) {
                halsRows(w, n, k, a, b);
            } else {
                muRows(w, n, k, a, b, tmp);
            }
            // H half-step.
            transposeVTimesW(v, w, k, ct);
            double[] d = gram(w, n, k);
            if (options.algorithm() == NmfOptions.Algorithm.HALS) {
                halsRows(ht, f, k, ct, d);
            } else {
                muRows(ht, f, k, ct, d, tmp);
            }
            it++;
            errors[it] = relative(normV2, ct, ht, d, gram(ht, f, k), normV);
            l.iteration(it, max, errors[it]);
            double prev = errors[it - 1];
            if (options.tolerance() > 0 && (errors[it] == 0 || (prev - errors[it]) < options.tolerance() * prev)) {
                converged = true;
                break;
            }
        }
        double[] errs = Arrays.copyOf(errors, it + 1);
        return new NmfResult(n, f, k, w, ht, errs, it, converged, normV, options);
    }

    /**
     * HALS over the rows of X [rows, K] (W, or Hᵀ) given {@code num} [rows, K] (V·Hᵀ, or (WᵀV)ᵀ) and the
     * symmetric Gram {@code g} [K, K] (HHᵀ, or WᵀW): for k = 0..K−1,
     * {@code x_k ← max(0, x_k + (num_k − Σ_i x_i g_ik) / g_kk)}, using the x_i already updated.
     */
    static void halsRows(double[] x, int rows, int k, double[] num, double[] g) {
        for (int r = 0; r < rows; r++) {
            int o = r * k;
            for (int c = 0; c < k; c++) {
                double gcc = g[c * k + c];
                if (!(gcc > 0)) {
                    continue;
                }
                double s = num[o + c];
                for (int i = 0; i < k; i++) {
                    s -= x[o + i] * g[i * k + c];
                }
                double next = x[o + c] + s / gcc;
                x[o + c] = next > 0 ? next : 0;
            }
        }
    }

    /** MU over the rows of X: {@code x_c ← x_c · num_c / max(floor, Σ_i x_i g_ic)}, all c from the old row. */
    static void muRows(double[] x, int rows, int k, double[] num, double[] g, double[] denom) {
        for (int r = 0; r < rows; r++) {
            int o = r * k;
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    s += x[o + i] * g[i * k + c];
                }
                denom[c] = s;
            }
            for (int c = 0; c < k; c++) {
                x[o + c] *= num[o + c] / Math.max(MU_FLOOR, denom[c]);
            }
        }
    }

    /** {@code a = V·Hᵀ} [n, K] from Hᵀ [F, K]: every stored entry (t, j, x) adds {@code x·Hᵀ[j, :]} to row t. */
    static void vTimesHt(SparseRows v, double[] ht, int k, double[] a) {
        accumulate(v, ht, k, a, true);
    }

    /** {@code ct = (Wᵀ·V)ᵀ} [F, K]: every stored entry (t, j, x) adds {@code x·W[t, :]} to row j. */
    static void transposeVTimesW(SparseRows v, double[] w, int k, double[] ct) {
        accumulate(v, w, k, ct, false);
    }

    /**
     * One pass over V's stored entries (t, j, x) in storage order: {@code out[t, :] += x·in[j, :]} when
     * {@code intoRowOfToken}, else {@code out[j, :] += x·in[t, :]}; {@code out} is zeroed first. Both
     * products of an iteration share it (same order of additions as two separate loops).
     */
    private static void accumulate(SparseRows v, double[] in, int k, double[] out, boolean intoRowOfToken) {
        Arrays.fill(out, 0);
        int[] ptr = v.rowPtr();
        int[] idx = v.colIdx();
        float[] val = v.values();
        for (int t = 0; t < v.rows(); t++) {
            for (int p = ptr[t]; p < ptr[t + 1]; p++) {
                double x = val[p];
                int o = (intoRowOfToken ? t : idx[p]) * k;
                int i = (intoRowOfToken ? idx[p] : t) * k;
                for (int c = 0; c < k; c++) {
                    out[o + c] += x * in[i + c];
                }
            }
        }
    }

    /** {@code XᵀX} [K, K] of X [rows, K] (symmetric; both halves filled). */
    static double[] gram(double[] x, int rows, int k) {
        double[] g = new double[k * k];
        for (int r = 0; r < rows; r++) {
            int o = r * k;
            for (int i = 0; i < k; i++) {
                double xi = x[o + i];
                if (xi == 0) {
                    continue;
                }
                for (int j = i; j < k; j++) {
                    g[i * k + j] += xi * x[o + j];
                }
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < i; j++) {
                g[i * k + j] = g[j * k + i];
            }
        }
        return g;
    }

    /** {@code sqrt(max(0, ‖V‖² − 2⟨C, H⟩ + ⟨WᵀW, HHᵀ⟩)) / ‖V‖}. */
    private static double relative(double normV2, double[] ct, double[] ht, double[] wtw, double[] hht, double normV) {
        double cross = 0;
        for (int i = 0; i < ct.length; i++) {
            cross += ct[i] * ht[i];
        }
        double e2 = normV2 - 2 * cross + frobeniusInner(wtw, hht);
        return Math.sqrt(Math.max(0, e2)) / normV;
    }

    private static double frobeniusInner(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double dot(double[] a, int ao, double[] b, int bo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }
}
