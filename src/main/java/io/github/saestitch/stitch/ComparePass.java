package io.github.saestitch.stitch;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.sae.ErrorChange;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MergeTree;
import io.github.saestitch.tensor.Moments;
import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.Vec;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One streaming pass over the tokens that yields, exactly, every quantity of a compare (the stitching
 * post's per-latent additions, group swaps and the interpolation path) without building any hybrid.
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
 * Each per-token change is {@link ErrorChange#ofLatent} (one latent) or {@link ErrorChange#ofResidualShift}
 * (several members of a group on one token), the one definition shared with the Frankenstein's greedy
 * selection. These hold because no hybrid changes any latent's activation: S's latents keep S's encoder and
 * moved latents keep L's (docs/definitions.md#adding-a-latent). The pass also gives both SAEs' own mse, fvu (variance
 * by the
 * same stable merge as {@code eval.Evaluator}), latent frequencies, and the activation sums and
 * co-activation sums for the correlation ({@link Coactivation}).
 *
 * <p><b>Cost per token</b> beyond the GEMMs: one fused pass over a decoder row of length {@code dIn}
 * ({@link Vec}) per active latent of S (its residual) and of L (its Δ, its path step and L's own
 * residual at once), plus one per active parent and two per group with several active members, i.e.
 * {@code O((l0_S + l0_L)·dIn)} against the GEMMs' {@code 2·(F_S + F_L)·dIn} (≈ 2% of the flops at
 * F = 3072 + 6144, l0 ≈ 40). Residuals are formed as {@code (x − b_dec) − Σ f d}, subtracting the
 * (large, mean-like) b_dec first so that float rounding is relative to the residual's size rather than
 * to x's. All sums over tokens are in double, per chunk of {@link #CHUNK_TOKENS} tokens, and chunks
 * are merged by the fixed tree of {@link MergeTree}: the sums do not depend on the thread count.
 *
 * <p>{@link #run} covers any range of tokens and returns its {@link Sums}, an immutable, serializable
 * record whose {@link Sums#merge} combines consecutive ranges: a distributed compare runs the pass per
 * shard and merges the shards' sums in token order ({@link Sums} says exactly what that guarantees).
 */
final class ComparePass {
    /**
     * Tokens per block of the sparse pass (rounded down to whole encoder blocks, at least one): each
     * block is encoded in encoder blocks of {@code blockTokens} (whose pre-activations stay in the
     * last-level cache), then the sparse pass walks the whole block step by step. Between blocks the
     * encoder GEMMs stream both W_enc through the cache and evict the decoder rows, so a longer pass
     * block fetches each decoder row from memory once for more tokens; its residual rows
     * ({@code 3·dIn} floats per token, split over the workers) and the decoders still fit the 32 MiB
     * last-level cache at d = 384.
     */
    static final int PASS_TOKENS = 2048;

    /**
     * Tokens per chunk, the unit of accumulation: chunk c holds tokens {@code [c·256, (c+1)·256)} of the
     * range, its sums are computed by one worker from zero, and chunks are merged by the fixed tree of
     * {@link MergeTree} keyed by chunk index. So the sums depend on the data only, never on the thread
     * count or on how a distributed compare cut the tokens into tasks. 256 tokens keep the step-major
     * walk's reuse of each decoder row (a row serves every token of the chunk where it is active) while a
     * 2048-token pass block still has 8 chunks to share between workers.
     */
    static final int CHUNK_TOKENS = 256;

    /**
     * The interpolation plan, fixed before the pass (it depends on decoder cosines only): novel latents by
     * ascending max_cos (ties: lower index), then swap groups by descending group cosine (ties: lower id).
     *
     * @param addOrder    the novel latents in step order (steps 0 … addOrder.length − 1)
     * @param swapOrder   the group ids in step order (the steps after the adds)
     * @param stepOfSmall [F_S] the step that removes S latent i (its group's swap), −1 if never removed
     * @param stepOfLarge [F_L] the step that brings L latent j in (add or its group's swap)
     * @param stepGroup   [numSteps] the group a step swaps, −1 for an add step
     * @param numGroups   number of swap groups
     * @param extendOrder  the joint-sweep extension: the reconstruction latents with max_cos ≤
     *                     {@link #JOINT_LIMIT}, ascending max_cos (ties: lower index), added one by one on
     *                     top of S + every novel latent (see {@link Sums#deltaExtend})
     * @param stepOfExtend [F_L] a latent's position in {@code extendOrder}, −1 if not in it
     */
    record Plan(
            int[] addOrder,
            int[] swapOrder,
            int[] stepOfSmall,
            int[] stepOfLarge,
            int[] stepGroup,
            int numGroups,
            int[] extendOrder,
            int[] stepOfExtend)
            implements Serializable {
        /**
         * The largest τ of the joint sweep: mse(S + every latent with max_cos ≤ τ) is exact for every τ up to
         * it (a prefix of the add steps up to the compare's τ, then a prefix of {@code extendOrder}).
         */
        static final double JOINT_LIMIT = ThresholdSweepRow.thresholds()[ThresholdSweepRow.thresholds().length - 1];

        int numSteps() {
            return stepGroup.length;
        }

        /** The plan of these decoder similarities and swap groups. */
        static Plan of(DecoderSimilarity sim, SwapGroups groups) {
            int fl = sim.maxCos().length;
            int fs = groups.groupOfSmall().length;
            float[] maxCos = sim.maxCos();
            int[] addOrder = IntStream.range(0, fl)
                    .filter(j -> groups.groupOfLarge()[j] < 0)
                    .boxed()
                    .sorted(Comparator.<Integer>comparingDouble(j -> maxCos[j]).thenComparingInt(j -> j))
                    .mapToInt(Integer::intValue)
                    .toArray();
            int[] swapOrder = groups.groups().stream()
                    .sorted(Comparator.comparingDouble((SwapGroups.Group g) -> -g.cosine())
                            .thenComparingInt(SwapGroups.Group::id))
                    .mapToInt(SwapGroups.Group::id)
                    .toArray();
            int steps = addOrder.length + swapOrder.length;
            int[] stepOfLarge = new int[fl];
            int[] stepOfSmall = new int[fs];
            int[] stepGroup = new int[steps];
            Arrays.fill(stepOfSmall, -1);
            for (int s = 0; s < addOrder.length; s++) {
                stepOfLarge[addOrder[s]] = s;
                stepGroup[s] = -1;
            }
            for (int q = 0; q < swapOrder.length; q++) {
                int s = addOrder.length + q;
                SwapGroups.Group g = groups.groups().get(swapOrder[q]);
                stepGroup[s] = g.id();
                for (int i : g.parents()) {
                    stepOfSmall[i] = s;
                }
                for (int j : g.children()) {
                    stepOfLarge[j] = s;
                }
            }
            int[] extendOrder = IntStream.range(0, fl)
                    .filter(j -> groups.groupOfLarge()[j] >= 0 && maxCos[j] <= JOINT_LIMIT)
                    .boxed()
                    .sorted(Comparator.<Integer>comparingDouble(j -> maxCos[j]).thenComparingInt(j -> j))
                    .mapToInt(Integer::intValue)
                    .toArray();
            int[] stepOfExtend = new int[fl];
            Arrays.fill(stepOfExtend, -1);
            for (int q = 0; q < extendOrder.length; q++) {
                stepOfExtend[extendOrder[q]] = q;
            }
            return new Plan(
                    addOrder, swapOrder, stepOfSmall, stepOfLarge, stepGroup, groups.size(), extendOrder, stepOfExtend);
        }
    }

    /**
     * The raw sums of a pass over a range of tokens (nothing divided by the token count yet; that is
     * {@link #perToken} and {@link #fvu}, the one place sums become metrics). Owns its arrays and is
     * never modified after construction: treat the arrays as read-only.
     *
     * <p><b>Merging shards.</b> {@link #merge} combines the sums of two consecutive token ranges
     * (this one first): counts are added exactly (long), every double sum is added once
     * ({@code this + later}, element by element), and the per-dim moments of x are combined by the
     * Chan–Golub–LeVeque update. It is a pure function of the two records, and not commutative bitwise.
     * The pass merges its chunks' sums by the fixed tree of {@link MergeTree} keyed by chunk index, so
     * what is guaranteed: the sums of a range are a deterministic function of its tokens and the encoder
     * block size (not of the thread count), and the merge-tree nodes of ranges starting at multiples of
     * {@link #passBlockTokens()} ({@link #nodes}), pushed in token order into one tree, give exactly the
     * bits of one pass over their union. What is not: folding whole ranges' sums left to right
     * ({@code ((s_0.merge(s_1)).merge(s_2))…}) groups differently, so it equals one pass only to within
     * double rounding, ≈ 1e-15 relative per merge for the sums of squares and a few ulps of the largest
     * partial sum for the Δ sums, which may cancel (the tests hold them to 1e-12 of the mse sum); counts
     * are exact.
     *
     * @param tokens      tokens the sums are over
     * @param sseSmall    Σ_t ‖x_t − x̂_S‖²
     * @param sseLarge    Σ_t ‖x_t − x̂_L‖²
     * @param mean        [dIn] mean of x over the tokens
     * @param m2          [dIn] Σ_t (x_t − mean)² per dim
     * @param countSmall  [F_S] tokens where S latent i is active
     * @param countLarge  [F_L]
     * @param sumSmall    [F_S] Σ f_i (zeros unless the correlation was computed)
     * @param sumSqSmall  [F_S] Σ f_i²
     * @param sumLarge    [F_L] Σ f_j
     * @param sumSqLarge  [F_L] Σ f_j²
     * @param deltaLatent [F_L] Σ_t error change of adding L latent j alone
     * @param deltaGroup  [numGroups] Σ_t error change of swapping group g alone
     * @param deltaStep   [numSteps] Σ_t error change of step s along the path, given the steps before it
     * @param deltaExtend [extendOrder.length] Σ_t error change of adding extension latent q to S + every
     *                    novel latent + extension latents 0 … q − 1 (the joint sweep above τ)
     */
    record Sums(
            long tokens,
            double sseSmall,
            double sseLarge,
            double[] mean,
            double[] m2,
            long[] countSmall,
            long[] countLarge,
            double[] sumSmall,
            double[] sumSqSmall,
            double[] sumLarge,
            double[] sumSqLarge,
            double[] deltaLatent,
            double[] deltaGroup,
            double[] deltaStep,
            double[] deltaExtend)
            implements Serializable {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        /** The sums of no tokens, for these sizes: the identity of {@link #merge}. */
        static Sums empty(int dIn, int fs, int fl, Plan plan) {
            return new Sums(
                    0,
                    0,
                    0,
                    new double[dIn],
                    new double[dIn],
                    new long[fs],
                    new long[fl],
                    new double[fs],
                    new double[fs],
                    new double[fl],
                    new double[fl],
                    new double[fl],
                    new double[plan.numGroups()],
                    new double[plan.numSteps()],
                    new double[plan.extendOrder().length]);
        }

        /**
         * The sums of this token range followed by {@code later}'s (see the class comment); neither is
         * changed.
         *
         * @throws IllegalArgumentException if the two are of different SAEs or plans (sizes differ)
         */
        Sums merge(Sums later) {
            if (later.mean.length != mean.length
                    || later.countSmall.length != countSmall.length
                    || later.countLarge.length != countLarge.length
                    || later.deltaGroup.length != deltaGroup.length
                    || later.deltaStep.length != deltaStep.length
                    || later.deltaExtend.length != deltaExtend.length) {
                throw new IllegalArgumentException("cannot merge the sums of different SAEs or plans");
            }
            if (later.tokens == 0) {
                return this;
            }
            if (tokens == 0) {
                return later;
            }
            double[] mergedMean = mean.clone();
            double[] mergedM2 = m2.clone();
            Moments.merge(mergedMean, mergedM2, tokens, later.mean, later.m2, later.tokens);
            return new Sums(
                    tokens + later.tokens,
                    sseSmall + later.sseSmall,
                    sseLarge + later.sseLarge,
                    mergedMean,
                    mergedM2,
                    plus(countSmall, later.countSmall),
                    plus(countLarge, later.countLarge),
                    plus(sumSmall, later.sumSmall),
                    plus(sumSqSmall, later.sumSqSmall),
                    plus(sumLarge, later.sumLarge),
                    plus(sumSqLarge, later.sumSqLarge),
                    plus(deltaLatent, later.deltaLatent),
                    plus(deltaGroup, later.deltaGroup),
                    plus(deltaStep, later.deltaStep),
                    plus(deltaExtend, later.deltaExtend));
        }

        /** {@code Σ_t ‖x_t − x̄‖²}, the denominator of fvu (the per-dim m2 summed in dim order). */
        double sst() {
            double sst = 0;
            for (double v : m2) {
                sst += v;
            }
            return sst;
        }

        /** A sum over the tokens as a mean per token (mse from a squared-error sum, l0 from a count, …). */
        double perToken(double sum) {
            return sum / (double) tokens;
        }

        /** fvu of a squared-error sum: {@code sse / sst}, NaN when x does not vary. */
        double fvu(double sse) {
            double sst = sst();
            return sst > 0 ? sse / sst : Double.NaN;
        }

        private static double[] plus(double[] a, double[] b) {
            double[] out = a.clone();
            for (int i = 0; i < out.length; i++) {
                out[i] += b[i];
            }
            return out;
        }

        private static long[] plus(long[] a, long[] b) {
            long[] out = a.clone();
            for (int i = 0; i < out.length; i++) {
                out[i] += b[i];
            }
            return out;
        }
    }

    /** Wall-clock nanoseconds of all runs of a pass so far, by part. */
    record Times(long readNanos, long encodeNanos, long tokenNanos, long correlationNanos) {}

    private final Sae small;
    private final Sae large;
    private final Kernels kernels;
    private final int blockTokens;
    private final int workers; // threads for the per-token work (chunks are fixed: CHUNK_TOKENS)
    private final int d;
    private final float[] wDecSmall; // [F_S, dIn] heap copy, row-major
    private final float[] wDecLarge; // [F_L, dIn]
    private final double[] normSqLarge; // [F_L] ‖W_dec^L[j]‖²
    private final double[] normSqSmall; // [F_S] ‖W_dec^S[i]‖²
    private long readNanos; // reading, copying and checking blocks
    private long encodeNanos; // both encoders
    private long tokenNanos; // per-token sparse work
    private long correlationNanos; // co-activation buffering and flushing

    ComparePass(Sae small, Sae large, Kernels kernels, int blockTokens, int workers) {
        small.requireRawInput("compare's exact Δmse");
        large.requireRawInput("compare's exact Δmse");
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
            normSqLarge[j] = Vec.dot(wDecLarge, j * d, wDecLarge, j * d, d);
        }
        this.normSqSmall = new double[small.numLatents()];
        for (int i = 0; i < normSqSmall.length; i++) {
            normSqSmall[i] = Vec.dot(wDecSmall, i * d, wDecSmall, i * d, d);
        }
    }

    /**
     * The sums of tokens [from, to) of {@code set} for {@code plan}, feeding {@code coact} (may be null)
     * with the same tokens' codes: the root of the merge tree over the range's chunks (counted from
     * {@code from}).
     */
    Sums run(ActivationSet set, long from, long to, Plan plan, Coactivation coact, CompareProgress progress) {
        MergeTree<Sums> tree = new MergeTree<>(Sums::merge);
        stream(set, from, to, java.util.Objects.requireNonNull(plan, "plan"), coact, progress, tree, 0);
        return tree.result(Sums.empty(d, small.numLatents(), large.numLatents(), plan));
    }

    /**
     * The complete merge-tree nodes of tokens [from, to), keyed by the global chunk index (token /
     * {@link #CHUNK_TOKENS}): what one task of a distributed compare returns. Pushing the nodes of
     * consecutive ranges into one {@link MergeTree} and taking its result gives the bits of {@link #run}
     * over their union from token 0, whatever the ranges.
     *
     * @param from a multiple of {@link #passBlockTokens()}
     */
    List<MergeTree.Node<Sums>> nodes(ActivationSet set, long from, long to, Plan plan, CompareProgress progress) {
        if (from % passBlockTokens() != 0) {
            throw new IllegalArgumentException(
                    "a range of the pass must start at a multiple of " + passBlockTokens() + " tokens, got " + from);
        }
        MergeTree<Sums> tree = new MergeTree<>(Sums::merge);
        stream(
                set,
                from,
                to,
                java.util.Objects.requireNonNull(plan, "plan"),
                null,
                progress,
                tree,
                from / CHUNK_TOKENS);
        return tree.nodes();
    }

    /** Only feeds {@code coact} with the codes of tokens [from, to): a further correlation tile. */
    void feedCorrelation(ActivationSet set, long from, long to, Coactivation coact, CompareProgress progress) {
        stream(set, from, to, null, java.util.Objects.requireNonNull(coact, "coact"), progress, null, 0);
    }

    /** Times of every run so far. */
    Times times() {
        return new Times(readNanos, encodeNanos, tokenNanos, correlationNanos);
    }

    /**
     * Tokens per pass block: several encoder blocks (so that the sparse pass fetches each decoder row once
     * for more tokens while the GEMMs stream both encoders through the cache between blocks), rounded up
     * to whole chunks. A function of the encoder block size only, never of the range or the thread count,
     * so that every range starting at a multiple of it encodes every token in the same GEMM block.
     */
    int passBlockTokens() {
        long b = (long) blockTokens * Math.max(1, PASS_TOKENS / blockTokens);
        return (int) Math.min(Integer.MAX_VALUE / 2, (b + CHUNK_TOKENS - 1) / CHUNK_TOKENS * CHUNK_TOKENS);
    }

    /**
     * The pass: with {@code plan} non-null everything (the chunks' sums go into {@code tree}, chunk
     * {@code c} of the range keyed {@code firstChunk + c}), else only {@code coact}.
     */
    private void stream(
            ActivationSet set,
            long from,
            long to,
            Plan plan,
            Coactivation coact,
            CompareProgress progress,
            MergeTree<Sums> tree,
            long firstChunk) {
        if (from < 0 || to < from || to > set.numTokens()) {
            throw new IllegalArgumentException(
                    "tokens [" + from + ", " + to + ") are outside the set's " + set.numTokens());
        }
        boolean main = plan != null;
        int fs = small.numLatents();
        int fl = large.numLatents();
        long numTokens = to - from;
        if (numTokens == 0) {
            return;
        }
        int block = passBlockTokens();
        // A range shorter than an encoder block is one GEMM block whatever the runner's size: the
        // smaller runner only saves memory.
        int encodeBlock = (int) Math.min(blockTokens, numTokens);
        SaeRunner runSmall = new SaeRunner(small, kernels, encodeBlock);
        SaeRunner runLarge = new SaeRunner(large, kernels, encodeBlock);
        int bufTokens = (int) Math.min(block, numTokens);
        float[] xBuf = new float[Math.multiplyExact(bufTokens, d)]; // [block, dIn]
        int slots = block / CHUNK_TOKENS; // chunks per pass block, each summed by one worker from zero
        Worker[] ws = new Worker[slots];
        Sums[] leaves = new Sums[slots];
        if (main) {
            for (int c = 0; c < slots; c++) {
                ws[c] = new Worker(fs, fl, plan, coact != null);
            }
        }
        for (long start = from; start < to; ) {
            long t0 = System.nanoTime();
            int n = (int) Math.min(block, to - start);
            FloatMatrix src = set.block(start, n);
            if (src.rows() != n || src.cols() != d) {
                throw new IllegalStateException("activation set " + set.describe() + " returned " + src
                        + " for tokens [" + start + ", " + (start + n) + "), expected [" + n + ", " + d + "]");
            }
            MemorySegment.copy(src.segment(), FloatMatrix.FLOAT, 0, xBuf, 0, n * d);
            requireFinite(xBuf, n, start, set);
            FloatMatrix x = FloatMatrix.of(MemorySegment.ofArray(xBuf), n, d);
            long t1 = System.nanoTime();
            SparseRows codesSmall = runSmall.encode(x);
            SparseRows codesLarge = runLarge.encode(x);
            long t2 = System.nanoTime();
            if (main) {
                progress.codes(start, codesSmall, codesLarge);
                int nn = n;
                int chunks = (n + CHUNK_TOKENS - 1) / CHUNK_TOKENS;
                Parallel.forEach(chunks, workers, c -> {
                    Worker w = ws[c];
                    w.block(xBuf, codesSmall, codesLarge, c * CHUNK_TOKENS, Math.min(nn, (c + 1) * CHUNK_TOKENS));
                    leaves[c] = drain(w, plan);
                });
                long firstOfBlock = firstChunk + (start - from) / CHUNK_TOKENS;
                for (int c = 0; c < chunks; c++) { // into the tree in chunk order
                    tree.add(firstOfBlock + c, leaves[c]);
                    leaves[c] = null;
                }
            }
            long t3 = System.nanoTime();
            if (coact != null && coact.add(codesSmall, codesLarge)) {
                coact.flush(workers);
            }
            long t4 = System.nanoTime();
            readNanos += t1 - t0;
            encodeNanos += t2 - t1;
            tokenNanos += t3 - t2;
            correlationNanos += t4 - t3;
            start += n;
            progress.tokens(start - from, numTokens);
        }
        if (coact != null) {
            long t0 = System.nanoTime();
            coact.flush(workers);
            correlationNanos += System.nanoTime() - t0;
        }
    }

    /**
     * The sums of the chunk {@code w} just walked (its accumulators, which start from zero for every
     * chunk), leaving them at zero for the next.
     */
    private Sums drain(Worker w, Plan plan) {
        int fs = small.numLatents();
        int fl = large.numLatents();
        Sums s = new Sums(
                w.chunkTokens,
                w.sseSmall,
                w.sseLarge,
                w.chunkMean.clone(),
                w.chunkM2.clone(),
                w.countSmall.clone(),
                w.countLarge.clone(),
                w.sumSmall != null ? w.sumSmall.clone() : new double[fs],
                w.sumSqSmall != null ? w.sumSqSmall.clone() : new double[fs],
                w.sumLarge != null ? w.sumLarge.clone() : new double[fl],
                w.sumSqLarge != null ? w.sumSqLarge.clone() : new double[fl],
                w.deltaLatent.clone(),
                w.deltaGroup.clone(),
                w.deltaStep.clone(),
                w.deltaExtend.clone());
        w.sseSmall = 0;
        w.sseLarge = 0;
        for (Object a : new Object[] {
            w.countSmall,
            w.countLarge,
            w.sumSmall,
            w.sumSqSmall,
            w.sumLarge,
            w.sumSqLarge,
            w.deltaLatent,
            w.deltaGroup,
            w.deltaStep,
            w.deltaExtend
        }) {
            if (a instanceof long[] l) {
                Arrays.fill(l, 0L);
            } else if (a instanceof double[] v) {
                Arrays.fill(v, 0.0);
            }
        }
        return s;
    }

    private void requireFinite(float[] x, int n, long firstToken, ActivationSet set) {
        for (int i = 0, size = n * d; i < size; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("activation set " + set.describe() + " has a non-finite value ("
                        + x[i] + ") at token " + (firstToken + i / d) + ", dim " + (i % d));
            }
        }
    }

    /**
     * One worker's share of every block (a fixed range of each block's tokens) and its sums.
     *
     * <p><b>Step-major order.</b> A decoder row is 1.5 KiB (d = 384) and the pass needs about
     * {@code l0_S + l0_L + parents} of them per token; visiting tokens one by one would fetch each row
     * from memory once per token where it is active (≈ 13 GB for 100k tokens at l0 ≈ 40). Instead the
     * worker keeps its tokens' residuals as rows of small matrices and walks latents (for S's
     * residual) and steps (for the path) in increasing order, visiting every token where each is
     * active: a row is fetched once per block and reused for all its tokens. Each token still sees
     * exactly the operations of a token-by-token walk in the same order (S latents ascending, then
     * steps ascending; within a group step S members before L members, each in code order). Each
     * step's row operations are fused: one pass over the row computes its dot products with r and ρ
     * and updates ρ and L's residual. (Splitting rows into chunks of dims, so that the residual rows of
     * a whole block stay in L2, was measured slower at d = 384: per-call overhead and horizontal
     * reductions triple while the rows are already L2/L3-resident.)
     */
    private final class Worker {
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
        final double[] deltaExtend;
        // per block: this range's token count and moments
        int chunkTokens;
        final double[] chunkMean = new double[d];
        final double[] chunkM2 = new double[d];
        // scratch, grown on demand: rows of this worker's tokens
        float[] r = new float[0]; // [tokens, dIn] S's residual x − x̂_S
        float[] rho = new float[0]; // [tokens, dIn] running residual along the path
        float[] rl = new float[0]; // [tokens, dIn] L's residual
        final float[] u = new float[d]; // [dIn] a group's residual change on one token
        final double[] dots = new double[3];
        // S's codes of the block bucketed by latent, and the path events bucketed by step
        final int[] startSmall; // [F_S + 1]
        final int[] startStep; // [numSteps + 1]
        int[] sTok = new int[0];
        float[] sVal = new float[0];
        int[] evTok = new int[0];
        int[] evLat = new int[0]; // latent of S, or −1 − latent of L
        float[] evVal = new float[0];
        // the joint-sweep extension: L's codes of the block bucketed by extension position, and its residual
        final int[] startExt; // [extendOrder.length + 1]
        int[] exTok = new int[0];
        float[] exVal = new float[0];
        float[] rhoExt = new float[0]; // [tokens, dIn] residual of S + every novel latent + extension so far
        int blockTokens; // tokens of the current block

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
            deltaExtend = new double[plan.extendOrder().length];
            startExt = new int[plan.extendOrder().length + 1];
            startSmall = new int[fs + 1];
            startStep = new int[plan.numSteps() + 1];
        }

        void block(float[] x, SparseRows cs, SparseRows cl, int t0, int t1) {
            int n = t1 - t0;
            chunkTokens = n;
            moments(x, t0, t1);
            if (n == 0) {
                return;
            }
            if (r.length < n * d) {
                r = new float[n * d];
                rho = new float[n * d];
                rl = new float[n * d];
            }
            bucketSmall(cs, t0, t1);
            bucketSteps(cs, cl, t0, t1);
            bucketExtend(cl, t0, t1);
            blockTokens = n;
            for (int t = t0; t < t1; t++) {
                Vec.sub(x, t * d, small.bDec(), 0, r, (t - t0) * d, d);
                Vec.sub(x, t * d, large.bDec(), 0, rl, (t - t0) * d, d);
            }
            residualSmall();
            for (int q = 0; q < n; q++) {
                sseSmall += Vec.dot(r, q * d, r, q * d, d);
            }
            System.arraycopy(r, 0, rho, 0, n * d);
            // Every latent of L belongs to exactly one step, so the path visits every active L latent once:
            // L's own residual is updated there, while the decoder row is in L1.
            path();
            for (int q = 0; q < n; q++) {
                sseLarge += Vec.dot(rl, q * d, rl, q * d, d);
            }
        }

        /** S's codes of tokens [t0, t1) bucketed by latent (stable: token order within a latent); counts and sums. */
        private void bucketSmall(SparseRows cs, int t0, int t1) {
            int[] ptr = cs.rowPtr();
            int[] col = cs.colIdx();
            float[] val = cs.values();
            int[] start = startSmall;
            int f = start.length - 1;
            int m = ptr[t1] - ptr[t0];
            if (sTok.length < m) {
                sTok = new int[m];
                sVal = new float[m];
            }
            Arrays.fill(start, 0);
            for (int e = ptr[t0]; e < ptr[t1]; e++) {
                start[col[e] + 1]++;
            }
            for (int i = 0; i < f; i++) {
                start[i + 1] += start[i];
            }
            for (int t = t0; t < t1; t++) {
                for (int e = ptr[t]; e < ptr[t + 1]; e++) {
                    int at = start[col[e]]++;
                    sTok[at] = t - t0;
                    sVal[at] = val[e];
                }
            }
            for (int i = f; i > 0; i--) { // the fill advanced each start to the next latent's: shift back
                start[i] = start[i - 1];
            }
            start[0] = 0;
            for (int i = 0; i < f; i++) {
                int e0 = start[i], e1 = start[i + 1];
                countSmall[i] += e1 - e0;
                if (sumSmall != null) {
                    for (int e = e0; e < e1; e++) {
                        double v = sVal[e];
                        sumSmall[i] += v;
                        sumSqSmall[i] += v * v;
                    }
                }
            }
        }

        /** {@code r[t] −= Σ_i f_i·W_dec^S[i]}, latent by latent in increasing order. */
        private void residualSmall() {
            int f = startSmall.length - 1;
            for (int i = 0; i < f; i++) {
                int row = i * d;
                for (int e = startSmall[i]; e < startSmall[i + 1]; e++) {
                    Vec.axpy(-sVal[e], wDecSmall, row, r, sTok[e] * d, d);
                }
            }
        }

        /**
         * The path events of tokens [t0, t1) bucketed by step (stable: token order within a step; per token
         * S members before L members, each in code order).
         */
        private void bucketSteps(SparseRows cs, SparseRows cl, int t0, int t1) {
            int[] stepOfSmall = plan.stepOfSmall();
            int[] stepOfLarge = plan.stepOfLarge();
            int[] sPtr = cs.rowPtr(), sCol = cs.colIdx();
            float[] sv = cs.values();
            int[] lPtr = cl.rowPtr(), lCol = cl.colIdx();
            float[] lVal = cl.values();
            int m = (sPtr[t1] - sPtr[t0]) + (lPtr[t1] - lPtr[t0]);
            if (evTok.length < m) {
                evTok = new int[m];
                evLat = new int[m];
                evVal = new float[m];
            }
            int steps = plan.numSteps();
            int[] start = startStep;
            Arrays.fill(start, 0);
            for (int e = sPtr[t0]; e < sPtr[t1]; e++) {
                start[stepOfSmall[sCol[e]] + 1]++; // step −1 (never removed) lands in bucket 0: cleared below
            }
            start[0] = 0;
            for (int e = lPtr[t0]; e < lPtr[t1]; e++) {
                start[stepOfLarge[lCol[e]] + 1]++;
            }
            for (int s = 0; s < steps; s++) {
                start[s + 1] += start[s];
            }
            for (int t = t0; t < t1; t++) {
                for (int e = sPtr[t]; e < sPtr[t + 1]; e++) {
                    int step = stepOfSmall[sCol[e]];
                    if (step >= 0) {
                        int at = start[step]++;
                        evTok[at] = t - t0;
                        evLat[at] = sCol[e];
                        evVal[at] = sv[e];
                    }
                }
                for (int e = lPtr[t]; e < lPtr[t + 1]; e++) {
                    int at = start[stepOfLarge[lCol[e]]]++;
                    evTok[at] = t - t0;
                    evLat[at] = -1 - lCol[e];
                    evVal[at] = lVal[e];
                }
            }
            for (int s = steps; s > 0; s--) {
                start[s] = start[s - 1];
            }
            start[0] = 0;
        }

        /** The path: every step in increasing order, over the tokens where it is active. */
        private void path() {
            int[] stepGroup = plan.stepGroup();
            int adds = plan.addOrder().length;
            for (int s = 0, steps = plan.numSteps(); s < steps; s++) {
                if (s == adds) {
                    extend(); // ρ is now the residual of S + every novel latent
                }
                int e0 = startStep[s], e1 = startStep[s + 1];
                if (e0 == e1) {
                    continue;
                }
                int g = stepGroup[s];
                if (g < 0) {
                    addStep(s, e0, e1);
                } else {
                    swapStep(s, g, e0, e1);
                }
            }
            if (plan.numSteps() == adds) {
                extend(); // no swap steps: after the last add
            }
        }

        /**
         * L's codes of tokens [t0, t1) of the extension latents, bucketed by extension position (stable:
         * token order within a latent).
         */
        private void bucketExtend(SparseRows cl, int t0, int t1) {
            int[] pos = plan.stepOfExtend();
            int[] ptr = cl.rowPtr(), col = cl.colIdx();
            float[] val = cl.values();
            int[] start = startExt;
            int q = start.length - 1;
            Arrays.fill(start, 0);
            int m = 0;
            for (int e = ptr[t0]; e < ptr[t1]; e++) {
                int p = pos[col[e]];
                if (p >= 0) {
                    start[p + 1]++;
                    m++;
                }
            }
            if (exTok.length < m) {
                exTok = new int[m];
                exVal = new float[m];
            }
            for (int i = 0; i < q; i++) {
                start[i + 1] += start[i];
            }
            for (int t = t0; t < t1; t++) {
                for (int e = ptr[t]; e < ptr[t + 1]; e++) {
                    int p = pos[col[e]];
                    if (p >= 0) {
                        int at = start[p]++;
                        exTok[at] = t - t0;
                        exVal[at] = val[e];
                    }
                }
            }
            for (int i = q; i > 0; i--) {
                start[i] = start[i - 1];
            }
            start[0] = 0;
        }

        /**
         * The joint sweep above τ: from ρ after every add step (S + all novel latents), adds the extension
         * latents in order on a copy of ρ, each change given the ones before it ({@link ErrorChange#ofLatent}).
         * Runs once per block, between the add and the swap steps (also when there are no swap steps).
         */
        private void extend() {
            int q = startExt.length - 1;
            if (q == 0) {
                return;
            }
            int size = blockTokens * d;
            if (rhoExt.length < size) {
                rhoExt = new float[size];
            }
            System.arraycopy(rho, 0, rhoExt, 0, size);
            int[] order = plan.extendOrder();
            for (int p = 0; p < q; p++) {
                int j = order[p];
                int row = j * d;
                double nj = normSqLarge[j];
                double acc = 0;
                for (int e = startExt[p]; e < startExt[p + 1]; e++) {
                    int o = exTok[e] * d;
                    float fv = exVal[e];
                    acc += ErrorChange.ofLatent(fv, nj, Vec.dot(rhoExt, o, wDecLarge, row, d));
                    Vec.axpy(-fv, wDecLarge, row, rhoExt, o, d);
                }
                deltaExtend[p] += acc;
            }
        }

        /** An add step: one latent j of L; on each token, u = −f d_j. Also updates L's residual. */
        private void addStep(int s, int e0, int e1) {
            int j = -1 - evLat[e0];
            int row = j * d;
            double nj = normSqLarge[j];
            double dl = 0;
            double ds = 0;
            for (int e = e0; e < e1; e++) {
                int o = evTok[e] * d;
                float fv = evVal[e];
                double f = fv;
                Vec.dot2Sub2(fv, wDecLarge, row, r, o, rho, o, rl, o, dots, d);
                dl += ErrorChange.ofLatent(f, nj, dots[0]);
                ds += ErrorChange.ofLatent(f, nj, dots[1]);
                countLarge(j, fv);
            }
            deltaLatent[j] += dl;
            deltaStep[s] += ds;
        }

        private void countLarge(int j, float v) {
            countLarge[j]++;
            if (sumLarge != null) {
                sumLarge[j] += v;
                sumSqLarge[j] += (double) v * v;
            }
        }

        /**
         * A swap step of group g: on each token, u = Σ_parents f_i d_i^S − Σ_children f_j d_j^L over active
         * members. Also updates L's residual with the children.
         */
        private void swapStep(int s, int g, int e0, int e1) {
            double dg = 0;
            double ds = 0;
            for (int e = e0; e < e1; ) {
                int tok = evTok[e];
                int o = tok * d;
                if (e + 1 == e1 || evTok[e + 1] != tok) {
                    // One active member on this token (the common case): u = ±f·d, one fused pass over d.
                    int lat = evLat[e];
                    float fv = evVal[e];
                    double f = fv;
                    if (lat >= 0) { // a parent leaves: the change of adding it with code −f
                        Vec.dot2Add(fv, wDecSmall, lat * d, r, o, rho, o, dots, d);
                        dg += ErrorChange.ofLatent(-f, normSqSmall[lat], dots[0]);
                        ds += ErrorChange.ofLatent(-f, normSqSmall[lat], dots[1]);
                    } else { // a child: u = −f d_j, the add step's formulas
                        int j = -1 - lat;
                        Vec.dot2Sub2(fv, wDecLarge, j * d, r, o, rho, o, rl, o, dots, d);
                        double dj = ErrorChange.ofLatent(f, normSqLarge[j], dots[0]);
                        deltaLatent[j] += dj;
                        dg += dj;
                        ds += ErrorChange.ofLatent(f, normSqLarge[j], dots[1]);
                        countLarge(j, fv);
                    }
                    e++;
                    continue;
                }
                Arrays.fill(u, 0f);
                for (; e < e1 && evTok[e] == tok; e++) {
                    int lat = evLat[e];
                    float fv = evVal[e];
                    if (lat >= 0) {
                        Vec.axpy(fv, wDecSmall, lat * d, u, 0, d);
                    } else {
                        int j = -1 - lat;
                        double f = fv;
                        double rd = Vec.subScaledDot2(fv, wDecLarge, j * d, r, o, u, rl, o, d);
                        deltaLatent[j] += ErrorChange.ofLatent(f, normSqLarge[j], rd);
                        countLarge(j, fv);
                    }
                }
                Vec.dot3AddTo(u, r, o, rho, o, dots, d);
                dg += ErrorChange.ofResidualShift(dots[0], dots[2]);
                ds += ErrorChange.ofResidualShift(dots[1], dots[2]);
            }
            deltaGroup[g] += dg;
            deltaStep[s] += ds;
        }

        /** Exact two-pass per-dim mean and Σ (x − mean)² of tokens [t0, t1). */
        private void moments(float[] x, int t0, int t1) {
            Moments.ofRows(x, t0, t1, d, chunkMean, chunkM2);
        }
    }
}
