package io.github.saestitch.frankenstein;

import io.github.saestitch.sae.ErrorChange;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.Vec;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * Marginal-aware selection (the source's own limitation: "select latents by their marginal effect
 * given the latents already added"): start from the smallest SAE; the candidates are every latent of
 * every wider SAE; repeatedly add the candidate with the most negative exact Δmse given the current
 * set, each with its own encoder fixed and its source's decoder row, until the target width (and, for
 * the equal-l0 series, the target l0) is reached.
 *
 * <p><b>Exact Δmse.</b> With the current residual {@code r_t = x_t − x̂_t} over the N selection tokens
 * and candidate k's codes {@code f_tk} and decoder row {@code d_k}:
 * <pre>
 *   Δ_k = (1/N) Σ_{t: f_tk > 0} (f_tk²·‖d_k‖² − 2·f_tk·⟨r_t, d_k⟩)
 * </pre>
 * (each term is {@link ErrorChange#ofLatent}, the definition {@code compare} uses too).
 * Adding k* changes the residual on the tokens where k* fires, {@code r_t −= f_tk*·d_k*}, and so every
 * other candidate's Δ by exactly
 * <pre>
 *   Δ_k += (2/N)·⟨d_k*, d_k⟩·C_k*k,    C_k*k = Σ_{t: both fire} f_tk*·f_tk   (co-activation)
 * </pre>
 * and not at all for a candidate that never fires together with k*.
 *
 * <p><b>Why not lazy greedy.</b> Lazy evaluation (pop the best stale value, recompute, accept if it is
 * still the best) is exact only when a candidate's gain can only shrink as the set grows
 * (submodularity). Here the change {@code (2/N)·⟨d_k*, d_k⟩·C_k*k} has either sign — a latent whose
 * decoder row points away from k*'s becomes <em>more</em> useful — so a stale value is no bound and
 * lazy greedy would pick other latents than greedy does. Instead every affected Δ is updated exactly
 * from the co-activation, which also says which candidates are affected. Each step costs
 * <pre>
 *   nnz_k*·d (recompute Δ_k* from the residual; update the residual)
 *   + nnz_k*·l0_cand (co-activation sums over the candidates' codes on k*'s tokens)
 *   + touched·d (decoder dot products of the co-active candidates; a lookup when the C × C
 *     decoder Gram fits the budget) + touched·log C (priority updates)
 * </pre>
 * instead of {@code Σ_k nnz_k·d} (all candidates re-evaluated: the {@link #naive} reference); the
 * counts are returned in {@link Stats}. The values are exact (not bounds): the best candidate is
 * always the top of the priority tree (a tournament tree over all candidates, ties to the lower
 * index). The popped candidate's Δ is also recomputed from the residual, which is what is recorded;
 * the largest disagreement between the two is reported ({@link Stats#maxDiscrepancy}: float rounding).
 *
 * <p>When no candidate improves the mse any more (the best Δ ≥ 0) the selection goes on to the target
 * width with the least harmful candidates, as asked (a refit may still make use of them); the step
 * where that began is {@link Stats#firstNonImproving}.
 */
public final class GreedySelection {

    /**
     * Counts and times of a selection.
     *
     * @param candidates          candidate latents (every latent of every wider SAE)
     * @param steps               latents added
     * @param initialMultiplyAdds the first evaluation of every candidate: {@code Σ_k nnz_k·d}
     * @param stepMultiplyAdds    all steps together: recompute + residual + co-activation + dot products
     * @param coactivationEntries candidate code entries read for co-activation sums, all steps
     * @param touched             co-active candidates updated, all steps
     * @param initialSeconds      time of the first evaluation
     * @param stepSeconds         time of all steps
     * @param maxDiscrepancy      largest |maintained Δ − Δ recomputed from the residual| over the steps,
     *                            relative to the current mse (float rounding of the residual and of the
     *                            decoder dot products)
     * @param firstNonImproving   the first step (1-based) whose best Δ was ≥ 0, or 0 if every step improved
     */
    public record Stats(
            int candidates,
            int steps,
            long initialMultiplyAdds,
            long stepMultiplyAdds,
            long coactivationEntries,
            long touched,
            double initialSeconds,
            double stepSeconds,
            double maxDiscrepancy,
            int firstNonImproving) {}

    /**
     * A greedy order with the state after each step.
     *
     * @param selection the base latents (stage 0) followed by the added ones in order (stage = step)
     * @param l0After   [steps + 1] l0 on the selection tokens after k additions (k = 0: the smallest SAE)
     * @param mseAfter  [steps + 1] mse on the selection tokens after k additions
     */
    public record Result(Selection selection, double[] l0After, double[] mseAfter, Stats stats) {
        /** The number of base + added latents of the shortest prefix whose l0 reaches {@code target} (all if none). */
        public int prefixReachingL0(double target) {
            int base = selection.numLatents() - (l0After.length - 1);
            for (int k = 0; k < l0After.length; k++) {
                if (l0After[k] >= target) {
                    return base + k;
                }
            }
            return selection.numLatents();
        }
    }

    /** A step's co-activation pass is split between threads from this many tokens of the added latent on. */
    static final int MIN_PARALLEL_TOKENS = 256;

    /**
     * Pieces a step's co-activation sums are split into (from {@link #MIN_PARALLEL_TOKENS} tokens of the added
     * latent on), summed in piece order: the {@code parts} to pass for results that do not depend on the
     * machine's thread count (the threads only decide who sums which piece). {@code frankenstein} and
     * {@code compare --greedy-path} both use it.
     */
    public static final int COACTIVATION_PIECES = 8;

    private GreedySelection() {}

    /**
     * The greedy order: adds latents until at least {@code minAdded} are added and the l0 on the
     * selection tokens is at least {@code l0Target} (or no candidate is left or improves).
     */
    public static Result select(Family family, SourceCodes codes, int minAdded, double l0Target, int parts) {
        return select(family, codes, minAdded, l0Target, parts, null, 0);
    }

    /**
     * As {@link #select(Family, SourceCodes, int, double, int)}; with {@code kernels} and a budget of at
     * least {@code 4·C²} bytes, the candidates' decoder dot products {@code ⟨d_k*, d_k⟩} are computed
     * once as one {@code C × C} float matrix ({@code 2·C²·d} flops of GEMM) instead of per step for
     * every co-active candidate ({@code touched·d} per step).
     */
    public static Result select(
            Family family,
            SourceCodes codes,
            int minAdded,
            double l0Target,
            int parts,
            Kernels kernels,
            long decoderGramBytes) {
        return select(family, codes, minAdded, l0Target, parts, kernels, decoderGramBytes, MIN_PARALLEL_TOKENS);
    }

    /**
     * As {@link #select(Family, SourceCodes, int, double, int, Kernels, long)} with only the candidates
     * {@code eligible[k]} (candidate k: the member's latents in member order, as {@link Family#candidateCount}
     * counts them; null: all): the others are never added. {@code compare}'s greedy path uses it on the
     * family (S, L) with L's novel latents.
     */
    public static Result select(
            Family family,
            SourceCodes codes,
            int minAdded,
            double l0Target,
            int parts,
            Kernels kernels,
            long decoderGramBytes,
            boolean[] eligible) {
        return select(
                family, codes, minAdded, l0Target, parts, kernels, decoderGramBytes, MIN_PARALLEL_TOKENS, eligible);
    }

    /** The selection with the threshold of parallel co-activation passes given (tests lower it). */
    static Result select(
            Family family,
            SourceCodes codes,
            int minAdded,
            double l0Target,
            int parts,
            Kernels kernels,
            long decoderGramBytes,
            int minParallelTokens) {
        return select(family, codes, minAdded, l0Target, parts, kernels, decoderGramBytes, minParallelTokens, null);
    }

    private static Result select(
            Family family,
            SourceCodes codes,
            int minAdded,
            double l0Target,
            int parts,
            Kernels kernels,
            long decoderGramBytes,
            int minParallelTokens,
            boolean[] eligible) {
        Problem pr = new Problem(family, codes);
        if (eligible != null && eligible.length != pr.c) {
            throw new IllegalArgumentException(
                    "eligible has " + eligible.length + " entries for " + pr.c + " candidates");
        }
        long t0 = System.nanoTime();
        double[] delta = pr.initialDeltas(parts);
        for (int k = 0; eligible != null && k < pr.c; k++) {
            if (!eligible[k]) {
                delta[k] = Double.POSITIVE_INFINITY; // never the argmin; co-activation updates keep it +∞
            }
        }
        float[] dd =
                kernels != null && 4L * pr.c * pr.c <= decoderGramBytes && (long) pr.c * pr.c < Integer.MAX_VALUE - 8
                        ? pr.decoderGram(kernels)
                        : null; // [C, C]
        long t1 = System.nanoTime();
        Tournament tree = new Tournament(delta);
        boolean[] selected = new boolean[pr.c];
        double[][] acc = new double[parts][pr.c]; // per part: co-activation sums of the current step
        int[][] lists = new int[parts][pr.c]; // per part: candidates whose sum became non-zero
        int[] counts = new int[parts];
        long[] partEntries = new long[parts];
        int[] touchedList = new int[pr.c];
        double[] coSum = new double[pr.c];
        Trace trace = new Trace(pr, family);
        long stepWork = 0;
        long coEntries = 0;
        long touchedTotal = 0;
        double maxDisc = 0;
        int firstNonImproving = 0;
        int n = pr.n;
        int d = pr.d;
        while (trace.steps < pr.c && (trace.steps < minAdded || trace.l0 < l0Target)) {
            int k = tree.argmin();
            if (k < 0) {
                break;
            }
            if (!(delta[k] < 0) && firstNonImproving == 0) {
                firstNonImproving = trace.steps + 1;
            }
            double exact = pr.exactDelta(k);
            maxDisc = Math.max(maxDisc, Math.abs(exact - delta[k]) / trace.mse);
            trace.add(k, exact);
            selected[k] = true;
            tree.remove(k);
            int nnzK = pr.colPtr[k + 1] - pr.colPtr[k];
            pr.subtractFromResidual(k);
            stepWork += 2L * nnzK * d;
            // Co-activation sums C_k*j over the tokens where k fires, the tokens split between parts (each
            // with its own sums; a candidate's parts are added in part order). The inner loop has no
            // unpredictable branch: a sum is 0 exactly until the candidate's first co-firing (codes > 0).
            int q0 = pr.colPtr[k];
            int np = nnzK >= minParallelTokens ? parts : 1;
            Parallel.forEach(np, part -> {
                double[] a = acc[part];
                int[] list = lists[part];
                int cnt = 0;
                long entries = 0;
                for (int q = q0 + (int) ((long) nnzK * part / np), end = q0 + (int) ((long) nnzK * (part + 1) / np);
                        q < end;
                        q++) {
                    int t = pr.cTok[q];
                    double f = pr.cVal[q];
                    int r1 = pr.rowPtr[t + 1];
                    for (int e = pr.rowPtr[t]; e < r1; e++) {
                        int j = pr.rowCand[e];
                        double v = a[j];
                        if (v == 0) {
                            list[cnt++] = j;
                        }
                        a[j] = v + f * pr.rowVal[e];
                    }
                    entries += r1 - pr.rowPtr[t];
                }
                counts[part] = cnt;
                partEntries[part] = entries;
            });
            int touched = 0;
            for (int part = 0; part < np; part++) {
                coEntries += partEntries[part];
                for (int a = 0; a < counts[part]; a++) {
                    int j = lists[part][a];
                    boolean first = true; // handled by the first part that saw j
                    for (int q = 0; q < part && first; q++) {
                        first = acc[q][j] == 0;
                    }
                    if (first && !selected[j]) {
                        double sum = 0;
                        for (int q = part; q < np; q++) {
                            sum += acc[q][j];
                        }
                        coSum[touched] = sum;
                        touchedList[touched++] = j;
                    }
                }
            }
            for (int part = 0; part < np; part++) {
                for (int a = 0; a < counts[part]; a++) {
                    acc[part][lists[part][a]] = 0;
                }
            }
            int touchedCount = touched;
            double scale = 2.0 / n;
            int kd = k * d;
            if (dd != null) {
                long kc = (long) k * pr.c;
                for (int a = 0; a < touchedCount; a++) {
                    int j = touchedList[a];
                    delta[j] += scale * coSum[a] * dd[(int) (kc + j)];
                }
            } else {
                int p = touchedCount * (long) d > 1 << 16 ? parts : 1;
                Parallel.forEach(p, part -> {
                    int a0 = (int) ((long) touchedCount * part / p);
                    int a1 = (int) ((long) touchedCount * (part + 1) / p);
                    for (int a = a0; a < a1; a++) {
                        int j = touchedList[a];
                        delta[j] += scale * coSum[a] * Vec.dot(pr.dec, kd, pr.dec, j * d, d);
                    }
                });
                stepWork += (long) touchedCount * d;
            }
            for (int a = 0; a < touchedCount; a++) {
                tree.update(touchedList[a]);
            }
            stepWork += (long) nnzK * d;
            touchedTotal += touchedCount;
        }
        long t2 = System.nanoTime();
        Stats stats = new Stats(
                pr.c,
                trace.steps,
                pr.totalNnz * (long) d,
                stepWork + coEntries,
                coEntries,
                touchedTotal,
                (t1 - t0) / 1e9,
                (t2 - t1) / 1e9,
                maxDisc,
                firstNonImproving);
        return trace.result(stats);
    }

    /**
     * The reference: the same rule, re-evaluating every remaining candidate exactly from the residual
     * at every step ({@code Σ_k nnz_k·d} per step). For tests on small problems.
     */
    static Result naive(Family family, SourceCodes codes, int minAdded, double l0Target) {
        Problem pr = new Problem(family, codes);
        boolean[] selected = new boolean[pr.c];
        Trace trace = new Trace(pr, family);
        int firstNonImproving = 0;
        while (trace.steps < pr.c && (trace.steps < minAdded || trace.l0 < l0Target)) {
            int best = -1;
            double bestDelta = Double.POSITIVE_INFINITY;
            for (int k = 0; k < pr.c; k++) {
                if (!selected[k]) {
                    double dk = pr.exactDelta(k);
                    if (dk < bestDelta) {
                        bestDelta = dk;
                        best = k;
                    }
                }
            }
            if (best < 0) {
                break;
            }
            if (!(bestDelta < 0) && firstNonImproving == 0) {
                firstNonImproving = trace.steps + 1;
            }
            trace.add(best, bestDelta);
            selected[best] = true;
            pr.subtractFromResidual(best);
        }
        return trace.result(new Stats(pr.c, trace.steps, 0, 0, 0, 0, 0, 0, 0, firstNonImproving));
    }

    /** The order and the running l0 and mse. */
    private static final class Trace {
        final Problem pr;
        final Family family;
        final int[] order;
        final double[] deltas;
        final double[] l0After;
        final double[] mseAfter;
        int steps;
        double l0;
        double mse;

        Trace(Problem pr, Family family) {
            this.pr = pr;
            this.family = family;
            order = new int[pr.c];
            deltas = new double[pr.c];
            l0After = new double[pr.c + 1];
            mseAfter = new double[pr.c + 1];
            l0 = pr.baseL0;
            mse = pr.baseMse;
            l0After[0] = l0;
            mseAfter[0] = mse;
        }

        void add(int k, double delta) {
            order[steps] = k;
            deltas[steps] = delta;
            steps++;
            l0 += (double) (pr.colPtr[k + 1] - pr.colPtr[k]) / pr.n;
            mse += delta;
            l0After[steps] = l0;
            mseAfter[steps] = mse;
        }

        Result result(Stats stats) {
            int f0 = family.member(0).width();
            int f = f0 + steps;
            int[] src = new int[f];
            int[] lat = new int[f];
            int[] stage = new int[f];
            double[] cos = new double[f];
            double[] dm = new double[f];
            Arrays.fill(cos, Double.NaN);
            Arrays.fill(dm, Double.NaN);
            for (int i = 0; i < f0; i++) {
                lat[i] = i;
            }
            for (int s = 0; s < steps; s++) {
                int k = order[s];
                src[f0 + s] = pr.sourceOf(k);
                lat[f0 + s] = k - pr.offset[src[f0 + s]];
                stage[f0 + s] = s + 1;
                dm[f0 + s] = deltas[s];
            }
            return new Result(
                    new Selection("greedy", src, lat, stage, cos, dm),
                    Arrays.copyOf(l0After, steps + 1),
                    Arrays.copyOf(mseAfter, steps + 1),
                    stats);
        }
    }

    /** The candidates' codes (CSR and CSC), decoder rows and the residual over the selection tokens. */
    private static final class Problem {
        final int n; // tokens
        final int d;
        final int c; // candidates
        final int[] offset; // [members] first candidate of each member (member 0: unused)
        final float[] dec; // [C, d] candidate decoder rows
        final double[] norm2; // [C] ‖d_k‖²
        final int[] rowPtr; // [N + 1] candidate CSR
        final int[] rowCand;
        final float[] rowVal;
        final int[] colPtr; // [C + 1] candidate CSC
        final int[] cTok;
        final float[] cVal;
        final float[] r; // [N, d] residual of the current set
        final long totalNnz;
        final double baseL0;
        final double baseMse;

        Problem(Family family, SourceCodes codes) {
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(codes, "codes");
            n = codes.numTokens();
            d = codes.dIn();
            offset = new int[family.size() + 1];
            for (int s = 1; s < family.size(); s++) {
                offset[s + 1] = offset[s] + family.member(s).width();
            }
            c = offset[family.size()];
            dec = new float[Math.multiplyExact(c, d)];
            norm2 = new double[c];
            for (int s = 1; s < family.size(); s++) {
                float[] w = family.sae(s).wDec().toArray();
                System.arraycopy(w, 0, dec, offset[s] * d, w.length);
            }
            for (int k = 0; k < c; k++) {
                norm2[k] = Vec.dot(dec, k * d, dec, k * d, d);
            }
            long nnz = 0;
            for (int s = 1; s < family.size(); s++) {
                nnz += codes.codes()[s].nnz();
            }
            totalNnz = nnz;
            rowPtr = new int[n + 1];
            rowCand = new int[Math.toIntExact(nnz)];
            rowVal = new float[rowCand.length];
            int m = 0;
            for (int t = 0; t < n; t++) {
                for (int s = 1; s < family.size(); s++) {
                    SparseRows cs = codes.codes()[s];
                    for (int e = cs.rowPtr()[t]; e < cs.rowPtr()[t + 1]; e++) {
                        rowCand[m] = offset[s] + cs.colIdx()[e];
                        rowVal[m++] = cs.values()[e];
                    }
                }
                rowPtr[t + 1] = m;
            }
            SparseRows cand = new SparseRows(n, c, rowPtr, rowCand, rowVal);
            NormalEquations.Csc csc = NormalEquations.Csc.of(cand);
            colPtr = csc.colPtr();
            cTok = csc.token();
            cVal = new float[rowCand.length];
            for (int q = 0; q < cVal.length; q++) {
                cVal[q] = rowVal[csc.entry()[q]];
            }
            // Residual of the smallest SAE: x − (f·W_dec + b_dec).
            Sae base = family.sae(0);
            SparseRows c0 = codes.codes()[0];
            r = codes.x().clone();
            float[] w0 = base.wDec().toArray();
            float[] b0 = base.bDec();
            double sse = 0;
            for (int t = 0; t < n; t++) {
                int o = t * d;
                for (int q = 0; q < d; q++) {
                    r[o + q] -= b0[q];
                }
                for (int e = c0.rowPtr()[t]; e < c0.rowPtr()[t + 1]; e++) {
                    Vec.axpy(-c0.values()[e], w0, c0.colIdx()[e] * d, r, o, d);
                }
                sse += Vec.dot(r, o, r, o, d);
            }
            baseMse = sse / n;
            baseL0 = (double) c0.nnz() / n;
        }

        int sourceOf(int k) {
            int s = 1;
            while (offset[s + 1] <= k) {
                s++;
            }
            return s;
        }

        /** Δ_k from the current residual (see the class comment). */
        double exactDelta(int k) {
            double acc = 0;
            int kd = k * d;
            for (int q = colPtr[k]; q < colPtr[k + 1]; q++) {
                double f = cVal[q];
                acc += ErrorChange.ofLatent(f, norm2[k], Vec.dot(r, cTok[q] * d, dec, kd, d));
            }
            return acc / n;
        }

        /** Every candidate's Δ from the base residual, candidates split over {@code parts} threads. */
        double[] initialDeltas(int parts) {
            double[] delta = new double[c];
            int[] bounds = NormalEquations.balancedBounds(colPtr, c, parts);
            Parallel.forEach(bounds.length - 1, p -> {
                for (int k = bounds[p]; k < bounds[p + 1]; k++) {
                    delta[k] = exactDelta(k);
                }
            });
            return delta;
        }

        /** {@code D·Dᵀ} [C, C] of the candidates' decoder rows, in row blocks. */
        float[] decoderGram(Kernels kernels) {
            float[] g = new float[c * c];
            FloatMatrix all = FloatMatrix.wrap(dec, c, d);
            int block = Math.max(1, Math.min(c, (16 << 20) / Math.max(1, c))); // ≤ 16 M floats of output per GEMM
            for (int r0 = 0; r0 < c; r0 += block) {
                int r1 = Math.min(c, r0 + block);
                FloatMatrix out = FloatMatrix.of(
                        MemorySegment.ofArray(g)
                                .asSlice((long) r0 * c * Float.BYTES, (long) (r1 - r0) * c * Float.BYTES),
                        r1 - r0,
                        c);
                kernels.multTransB(all.rowSlice(r0, r1), all, out);
            }
            return g;
        }

        /** {@code r_t −= f_tk·d_k} on the tokens where k fires. */
        void subtractFromResidual(int k) {
            for (int q = colPtr[k]; q < colPtr[k + 1]; q++) {
                Vec.axpy(-cVal[q], dec, k * d, r, cTok[q] * d, d);
            }
        }
    }

    /**
     * A tournament tree over candidate values: the leaf of candidate k holds its value (+∞ once
     * removed), every inner node the index of the smaller of its children (ties to the lower index),
     * so the argmin is the root; an update walks one leaf-to-root path ({@code log₂ C} comparisons).
     */
    static final class Tournament {
        private final double[] value;
        private final int size; // leaves, a power of two
        private final int[] node; // [2·size] candidate index at each node, −1 for empty leaves

        Tournament(double[] value) {
            this.value = value;
            int s = 1;
            while (s < value.length) {
                s <<= 1;
            }
            size = s;
            node = new int[2 * s];
            for (int i = 0; i < s; i++) {
                node[s + i] = i < value.length ? i : -1;
            }
            for (int i = s - 1; i >= 1; i--) {
                node[i] = better(node[2 * i], node[2 * i + 1]);
            }
        }

        private int better(int a, int b) {
            if (a < 0) {
                return b;
            }
            if (b < 0) {
                return a;
            }
            double va = value[a];
            double vb = value[b];
            return vb < va || (vb == va && b < a) ? b : a;
        }

        int argmin() {
            int k = node[1];
            return k >= 0 && value[k] != Double.POSITIVE_INFINITY ? k : -1;
        }

        void update(int k) {
            for (int i = (size + k) >> 1; i >= 1; i >>= 1) {
                node[i] = better(node[2 * i], node[2 * i + 1]);
            }
        }

        void remove(int k) {
            value[k] = Double.POSITIVE_INFINITY;
            update(k);
        }
    }
}
