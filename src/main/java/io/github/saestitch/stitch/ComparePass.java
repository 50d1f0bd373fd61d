package io.github.saestitch.stitch;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One streaming pass over the tokens that yields, exactly, every quantity of a compare (seed 003's
 * per-latent additions, group swaps and the interpolation path) without building any hybrid.
 *
 * <p>Per block of tokens: read x, encode it with S and with L (the two encoder GEMMs, the only dense
 * work), then per token t, with S's residual {@code r = x − x̂_S} and the sparse codes:
 * <ul>
 *   <li><b>Adding latent j of L</b> changes x̂ by {@code f_j d_j} ({@code d_j = W_dec^L[j]}), so the
 *       squared error changes by {@code ‖r − f_j d_j‖² − ‖r‖² = f_j²‖d_j‖² − 2 f_j (r·d_j)}, and only on
 *       tokens where j is active: {@code Δ_j = (1/N) Σ_{t: f_j(t) ≠ 0} [f_j²‖d_j‖² − 2 f_j (r_t·d_j)]}.</li>
 *   <li><b>Swapping group g</b> (parents P ⊂ S, children C ⊂ L) changes the residual by
 *       {@code u_t = Σ_{i∈P} f_i^S d_i^S − Σ_{j∈C} f_j^L d_j^L}, so
 *       {@code Δ_g = (1/N) Σ_t (2 r_t·u_t + ‖u_t‖²)} over tokens where a member is active.</li>
 *   <li><b>The interpolation path</b> applies steps in order; per token, walk its active steps in step
 *       order keeping the running residual ρ (starting at r): step s adds {@code 2 ρ·u_s + ‖u_s‖²} to
 *       its accumulator, then {@code ρ += u_s}. Steps touch disjoint latents, so this is exactly the
 *       error change of step s given all earlier steps, and prefix sums of the accumulators give every
 *       row's mse.</li>
 * </ul>
 * These hold because no hybrid changes any latent's activation: S's latents keep S's encoder and
 * moved latents keep L's (MISSION.md). The pass also gives both SAEs' own mse, fvu (variance by the
 * same stable merge as {@code eval.Evaluator}), latent frequencies, and the activation sums and
 * co-activation sums for the correlation ({@link Coactivation}).
 *
 * <p><b>Cost per token</b> beyond the GEMMs: about {@code (l0_S + 4·l0_L)} row operations of length
 * {@code dIn} ({@link VecOps}), i.e. {@code O((l0_S + l0_L)·dIn)} against the GEMMs'
 * {@code 2·(F_S + F_L)·dIn}. Residuals are formed as {@code (x − b_dec) − Σ f d}, subtracting the
 * (large, mean-like) b_dec first so that float rounding is relative to the residual's size rather than
 * to x's. All sums over tokens are in double; token chunks are fixed per worker and merged in order.
 */
final class ComparePass {

    /**
     * The interpolation plan, fixed before the pass (it depends on decoder cosines only).
     *
     * @param stepOfSmall [F_S] the step that removes S latent i (its group's swap), −1 if never removed
     * @param stepOfLarge [F_L] the step that brings L latent j in (add or its group's swap)
     * @param stepGroup   [numSteps] the group a step swaps, −1 for an add step
     * @param numGroups   number of swap groups
     */
    record Plan(int[] stepOfSmall, int[] stepOfLarge, int[] stepGroup, int numGroups) {
        int numSteps() {
            return stepGroup.length;
        }
    }

    /** Raw sums over all tokens of the pass (not yet divided by N). */
    static final class Sums {
        long tokens;
        double sseSmall;
        double sseLarge;
        double sst;
        long[] countSmall; // [F_S] tokens where i is active
        long[] countLarge; // [F_L]
        double[] sumSmall; // [F_S] Σ f_i
        double[] sumSqSmall; // [F_S] Σ f_i²
        double[] sumLarge; // [F_L]
        double[] sumSqLarge; // [F_L]
        double[] deltaLatent; // [F_L] Σ_t error change of adding j alone
        double[] deltaGroup; // [G] Σ_t error change of swapping g alone
        double[] deltaStep; // [numSteps] Σ_t error change of step s along the path
    }

    private final Sae small;
    private final Sae large;
    private final Kernels kernels;
    private final int blockTokens;
    private final Workers workers;
    private final int d;
    private final float[] wDecSmall; // [F_S, dIn] heap copy, row-major
    private final float[] wDecLarge; // [F_L, dIn]
    private final double[] normSqLarge; // [F_L] ‖W_dec^L[j]‖²

    ComparePass(Sae small, Sae large, Kernels kernels, int blockTokens, Workers workers) {
        this.small = small;
        this.large = large;
        this.kernels = kernels;
        this.blockTokens = blockTokens;
        this.workers = workers;
        this.d = small.dIn();
        this.wDecSmall = small.wDec().toArray();
        this.wDecLarge = large.wDec().toArray();
        this.normSqLarge = new double[large.numLatents()];
        for (int j = 0; j < normSqLarge.length; j++) {
            normSqLarge[j] = VecOps.dot(wDecLarge, j * d, wDecLarge, j * d, d);
        }
    }

    /**
     * Streams tokens [0, numTokens) of {@code set}. With {@code plan} non-null this is the main pass
     * (everything); with it null, only {@code coact} is fed (a further correlation tile).
     */
    Sums run(ActivationSet set, long numTokens, Plan plan, Coactivation coact, CompareProgress progress) {
        boolean main = plan != null;
        int fs = small.numLatents();
        int fl = large.numLatents();
        int block = (int) Math.min(blockTokens, numTokens);
        SaeRunner runSmall = new SaeRunner(small, kernels, block);
        SaeRunner runLarge = new SaeRunner(large, kernels, block);
        float[] xBuf = new float[Math.multiplyExact(block, d)]; // [block, dIn]
        int chunks = workers.size();
        Worker[] ws = new Worker[chunks];
        if (main) {
            for (int c = 0; c < chunks; c++) {
                ws[c] = new Worker(fs, fl, plan, coact != null);
            }
        }
        double[] mean = new double[d]; // [dIn] running mean of x
        double[] m2 = new double[d]; // [dIn] running Σ (x − mean)²
        for (long start = 0; start < numTokens; ) {
            int n = (int) Math.min(block, numTokens - start);
            FloatMatrix src = set.block(start, n);
            if (src.rows() != n || src.cols() != d) {
                throw new IllegalStateException("activation set " + set.describe() + " returned " + src + " for tokens ["
                        + start + ", " + (start + n) + "), expected [" + n + ", " + d + "]");
            }
            MemorySegment.copy(src.segment(), FloatMatrix.FLOAT, 0, xBuf, 0, n * d);
            requireFinite(xBuf, n, start, set);
            FloatMatrix x = FloatMatrix.of(MemorySegment.ofArray(xBuf), n, d);
            SparseRows codesSmall = runSmall.encode(x);
            SparseRows codesLarge = runLarge.encode(x);
            if (main) {
                int nn = n;
                workers.run(chunks, c -> ws[c].block(xBuf, codesSmall, codesLarge, nn * c / chunks, nn * (c + 1) / chunks));
                long nA = start;
                for (int c = 0; c < chunks; c++) { // Chan–Golub–LeVeque merge, chunk by chunk in order
                    Worker w = ws[c];
                    int nB = w.chunkTokens;
                    if (nB == 0) {
                        continue;
                    }
                    double nAB = nA + nB;
                    for (int k = 0; k < d; k++) {
                        double delta = w.chunkMean[k] - mean[k];
                        mean[k] += delta * (nB / nAB);
                        m2[k] += w.chunkM2[k] + delta * delta * (nA * nB / nAB);
                    }
                    nA += nB;
                }
            }
            if (coact != null && coact.add(codesSmall, codesLarge)) {
                coact.flush(workers);
            }
            start += n;
            progress.tokens(start, numTokens);
        }
        if (coact != null) {
            coact.flush(workers);
        }
        Sums s = new Sums();
        s.tokens = numTokens;
        if (!main) {
            return s;
        }
        s.countSmall = new long[fs];
        s.countLarge = new long[fl];
        s.sumSmall = new double[fs];
        s.sumSqSmall = new double[fs];
        s.sumLarge = new double[fl];
        s.sumSqLarge = new double[fl];
        s.deltaLatent = new double[fl];
        s.deltaGroup = new double[plan.numGroups()];
        s.deltaStep = new double[plan.numSteps()];
        for (Worker w : ws) { // merged in chunk order: deterministic for a given thread count
            s.sseSmall += w.sseSmall;
            s.sseLarge += w.sseLarge;
            addInto(s.countSmall, w.countSmall);
            addInto(s.countLarge, w.countLarge);
            addInto(s.deltaLatent, w.deltaLatent);
            addInto(s.deltaGroup, w.deltaGroup);
            addInto(s.deltaStep, w.deltaStep);
            if (w.sumSmall != null) {
                addInto(s.sumSmall, w.sumSmall);
                addInto(s.sumSqSmall, w.sumSqSmall);
                addInto(s.sumLarge, w.sumLarge);
                addInto(s.sumSqLarge, w.sumSqLarge);
            }
        }
        for (int k = 0; k < d; k++) {
            s.sst += m2[k];
        }
        return s;
    }

    private static void addInto(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    private static void addInto(long[] acc, long[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    private void requireFinite(float[] x, int n, long firstToken, ActivationSet set) {
        for (int i = 0, size = n * d; i < size; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("activation set " + set.describe() + " has a non-finite value ("
                        + x[i] + ") at token " + (firstToken + i / d) + ", dim " + (i % d));
            }
        }
    }

    /** One worker's share of every block (a fixed chunk of each block's tokens) and its sums. */
    private final class Worker {
        private static final long LARGE_BIT = 1L << 31;
        private static final long INDEX_MASK = LARGE_BIT - 1;

        final Plan plan;
        double sseSmall;
        double sseLarge;
        final long[] countSmall;
        final long[] countLarge;
        final double[] sumSmall; // null unless the correlation is computed
        final double[] sumSqSmall;
        final double[] sumLarge;
        final double[] sumSqLarge;
        final double[] deltaLatent;
        final double[] deltaGroup;
        final double[] deltaStep;
        // per block: this chunk's token count and moments
        int chunkTokens;
        final double[] chunkMean = new double[d];
        final double[] chunkM2 = new double[d];
        // scratch
        final float[] r = new float[d]; // S's residual x − x̂_S
        final float[] rho = new float[d]; // running residual along the path
        final float[] u = new float[d]; // a group's residual change
        final float[] rl = new float[d]; // L's residual
        final double[] dots = new double[3];
        long[] keys = new long[64]; // a token's active path events: step << 32 | source bit | index in its row

        Worker(int fs, int fl, Plan plan, boolean moments) {
            this.plan = plan;
            countSmall = new long[fs];
            countLarge = new long[fl];
            sumSmall = moments ? new double[fs] : null;
            sumSqSmall = moments ? new double[fs] : null;
            sumLarge = moments ? new double[fl] : null;
            sumSqLarge = moments ? new double[fl] : null;
            deltaLatent = new double[fl];
            deltaGroup = new double[plan.numGroups()];
            deltaStep = new double[plan.numSteps()];
        }

        void block(float[] x, SparseRows cs, SparseRows cl, int t0, int t1) {
            chunkTokens = t1 - t0;
            moments(x, t0, t1);
            for (int t = t0; t < t1; t++) {
                token(x, t, cs, cl);
            }
        }

        /** Exact two-pass per-dim mean and Σ (x − mean)² of tokens [t0, t1). */
        private void moments(float[] x, int t0, int t1) {
            Arrays.fill(chunkMean, 0);
            Arrays.fill(chunkM2, 0);
            int n = t1 - t0;
            if (n == 0) {
                return;
            }
            for (int t = t0; t < t1; t++) {
                for (int k = 0, o = t * d; k < d; k++) {
                    chunkMean[k] += x[o + k];
                }
            }
            for (int k = 0; k < d; k++) {
                chunkMean[k] /= n;
            }
            for (int t = t0; t < t1; t++) {
                for (int k = 0, o = t * d; k < d; k++) {
                    double c = x[o + k] - chunkMean[k];
                    chunkM2[k] += c * c;
                }
            }
        }

        private void token(float[] x, int t, SparseRows cs, SparseRows cl) {
            int xo = t * d;
            int[] sPtr = cs.rowPtr();
            int[] sCol = cs.colIdx();
            float[] sVal = cs.values();
            int[] lPtr = cl.rowPtr();
            int[] lCol = cl.colIdx();
            float[] lVal = cl.values();
            int s0 = sPtr[t], s1 = sPtr[t + 1];
            int l0 = lPtr[t], l1 = lPtr[t + 1];

            // r = (x − b_dec^S) − Σ_i f_i d_i^S ; same for L.
            VecOps.sub(x, xo, small.bDec(), r, 0, d);
            for (int e = s0; e < s1; e++) {
                int i = sCol[e];
                float f = sVal[e];
                VecOps.axpy(-f, wDecSmall, i * d, r, 0, d);
                countSmall[i]++;
                if (sumSmall != null) {
                    sumSmall[i] += f;
                    sumSqSmall[i] += (double) f * f;
                }
            }
            sseSmall += VecOps.dot(r, 0, r, 0, d);
            VecOps.sub(x, xo, large.bDec(), rl, 0, d);
            for (int e = l0; e < l1; e++) {
                int j = lCol[e];
                float f = lVal[e];
                VecOps.axpy(-f, wDecLarge, j * d, rl, 0, d);
                countLarge[j]++;
                if (sumLarge != null) {
                    sumLarge[j] += f;
                    sumSqLarge[j] += (double) f * f;
                }
            }
            sseLarge += VecOps.dot(rl, 0, rl, 0, d);

            // This token's path events, sorted by step (S before L within a step, then row order).
            int m = 0;
            int need = (s1 - s0) + (l1 - l0);
            if (keys.length < need) {
                keys = new long[Math.max(need, keys.length * 2)];
            }
            int[] stepOfSmall = plan.stepOfSmall();
            int[] stepOfLarge = plan.stepOfLarge();
            for (int e = s0; e < s1; e++) {
                int step = stepOfSmall[sCol[e]];
                if (step >= 0) {
                    keys[m++] = ((long) step << 32) | (e - s0);
                }
            }
            for (int e = l0; e < l1; e++) {
                keys[m++] = ((long) stepOfLarge[lCol[e]] << 32) | LARGE_BIT | (e - l0);
            }
            if (m == 0) {
                return;
            }
            Arrays.sort(keys, 0, m);
            System.arraycopy(r, 0, rho, 0, d);
            int[] stepGroup = plan.stepGroup();
            for (int k = 0; k < m; ) {
                int step = (int) (keys[k] >>> 32);
                int end = k + 1;
                while (end < m && (int) (keys[end] >>> 32) == step) {
                    end++;
                }
                int g = stepGroup[step];
                if (g < 0) {
                    // Add step: exactly one L latent j; u = −f d_j.
                    int e = l0 + (int) (keys[k] & INDEX_MASK);
                    int j = lCol[e];
                    double f = lVal[e];
                    VecOps.dot2(wDecLarge, j * d, r, 0, rho, dots, d);
                    double ff = f * f * normSqLarge[j];
                    deltaLatent[j] += ff - 2 * f * dots[0];
                    deltaStep[step] += ff - 2 * f * dots[1];
                    VecOps.axpy(-lVal[e], wDecLarge, j * d, rho, 0, d);
                } else {
                    // Swap step: u = Σ_parents f_i d_i^S − Σ_children f_j d_j^L over active members.
                    Arrays.fill(u, 0f);
                    for (int q = k; q < end; q++) {
                        long key = keys[q];
                        int idx = (int) (key & INDEX_MASK);
                        if ((key & LARGE_BIT) != 0) {
                            int e = l0 + idx;
                            int j = lCol[e];
                            double f = lVal[e];
                            double rd = VecOps.subScaledDot(lVal[e], wDecLarge, j * d, r, 0, u, d);
                            deltaLatent[j] += f * f * normSqLarge[j] - 2 * f * rd;
                        } else {
                            int e = s0 + idx;
                            VecOps.axpy(sVal[e], wDecSmall, sCol[e] * d, u, 0, d);
                        }
                    }
                    VecOps.dot3(u, r, 0, rho, dots, d);
                    deltaGroup[g] += 2 * dots[0] + dots[2];
                    deltaStep[step] += 2 * dots[1] + dots[2];
                    VecOps.axpy(1f, u, 0, rho, 0, d);
                }
                k = end;
            }
        }
    }
}
