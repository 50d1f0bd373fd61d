package io.github.saestitch.eval;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.RangeTask;
import io.github.saestitch.cluster.SetSource;
import io.github.saestitch.cluster.Shared;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.sae.SaeSnapshot;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MergeTree;
import io.github.saestitch.tensor.Moments;
import io.github.saestitch.tensor.SparseRows;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Computes {@link EvalResult} (mse, fvu, l0, dead, freq) of an SAE or any {@link Autoencoder} over an
 * {@link ActivationSet}, in one streamed pass: the set is read in blocks of {@code blockTokens} tokens,
 * so it may be larger than memory, and only {@code O(blockTokens · (dIn + F))} floats are live at
 * once. All sums are accumulated in double.
 *
 * <p><b>Summation.</b> Per-token squared errors are summed per block; each block's sums
 * ({@link EvalSums}) are a leaf of the fixed pairwise tree of {@link MergeTree} keyed by block index
 * (the rounding error grows with the block size plus log of the block count, and the result is the
 * same bits however the blocks are cut between tasks: {@link #nodes}).
 *
 * <p><b>Variance for fvu, in the same pass.</b> The denominator {@code Σ_t ‖x_t − x̄‖²} needs the
 * mean x̄ of the whole set, which is only known at the end. The textbook one-pass form
 * {@code Σ x² − n·x̄²} (sums and sums of squares per dim) cancels catastrophically when a dim's mean is
 * much larger than its spread, and residual streams have such dims ("massive activations", Sun et al.
 * 2024: a few dims with values in the hundreds on most tokens), losing about
 * {@code log10(mean² / variance)} of double's 16 digits. Instead each block, which is in memory, gets
 * an exact two-pass mean and centered sum of squares per dim, and blocks are merged with the pairwise
 * update of Chan, Golub and LeVeque (1979): {@code δ = mean_B − mean_A},
 * {@code M2 = M2_A + M2_B + δ²·n_A·n_B/n}, {@code mean = mean_A + δ·n_B/n}. This is stable whatever
 * the mean, costs one extra pass over a block that is already in cache, and the result differs between
 * block sizes only by double rounding (≈1e-15 relative).
 *
 * <p><b>Checks.</b> A set whose dIn differs from the model's, an empty set, and a non-finite activation
 * (named by its token index in the set and its dim) are {@link IllegalArgumentException}s.
 *
 * <p>The evaluator never prints: pass a {@link LongConsumer} to see progress (it receives the number of
 * tokens done after each block). An Evaluator holds no state between calls; calls for a {@link Sae}
 * make their own {@link SaeRunner}, so they may run concurrently, while calls for the same
 * {@link Autoencoder} instance are as thread-safe as that model (a {@link SaeRunner} is not).
 */
public final class Evaluator {
    private final Kernels kernels;
    private final int blockTokens; // tokens per block read from the set; 0 = SaeRunner.autoBlockTokens(F)

    /** An evaluator with the block size {@link SaeRunner#autoBlockTokens(int)} for each model's width. */
    public Evaluator(Kernels kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.blockTokens = 0;
    }

    /**
     * An evaluator that reads and encodes {@code blockTokens} tokens at a time.
     *
     * @param blockTokens ≥ 1
     */
    public Evaluator(Kernels kernels, int blockTokens) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        if (blockTokens < 1) {
            throw new IllegalArgumentException("blockTokens must be >= 1, got " + blockTokens);
        }
        this.blockTokens = blockTokens;
    }

    /** The metrics of {@code sae} on every token of {@code set}. */
    public EvalResult evaluate(Sae sae, ActivationSet set) {
        return evaluate(sae, set, null);
    }

    /**
     * The metrics of {@code sae} on every token of {@code set}, reporting progress.
     *
     * @param progress receives the number of tokens done after each block; may be null
     */
    public EvalResult evaluate(Sae sae, ActivationSet set, LongConsumer progress) {
        Objects.requireNonNull(sae, "sae");
        Objects.requireNonNull(set, "set");
        checkDIn(sae.dIn(), set);
        return evaluate(new SaeRunner(sae, kernels, blockFor(sae.numLatents())), set, progress);
    }

    /**
     * The metrics of any {@link Autoencoder} on every token of {@code set}, reporting progress. The
     * model is called with blocks of this evaluator's block size.
     *
     * @param progress receives the number of tokens done after each block; may be null
     */
    public EvalResult evaluate(Autoencoder model, ActivationSet set, LongConsumer progress) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(set, "set");
        checkDIn(model.dIn(), set);
        long total = set.numTokens();
        if (total <= 0) {
            throw new IllegalArgumentException(
                    "activation set " + set.describe() + " is empty: nothing to evaluate on");
        }
        MergeTree<EvalSums> tree = new MergeTree<>(EvalSums::merge);
        stream(model, set, 0, total, tree, progress);
        return tree.result(null).result();
    }

    /**
     * The metrics of {@code sae} on the first {@code tokens} tokens of a set, evaluated as tasks over ranges
     * of whole blocks ({@link RangeRunner}; Spark in the {@code saestitch-spark} module): the bits of
     * {@link #evaluate} for any number of ranges.
     *
     * @param set     opens the set on an executor
     * @param ranges  tasks; 0 = the runner's default
     * @param kernelsName the kernels on the executors ({@link io.github.saestitch.tensor.KernelsProvider#byName})
     */
    public EvalResult evaluate(Sae sae, long tokens, RangeRunner runner, SetSource set, int ranges, String kernelsName)
            throws Exception {
        Objects.requireNonNull(sae, "sae");
        if (tokens <= 0) {
            throw new IllegalArgumentException("nothing to evaluate on: " + tokens + " tokens");
        }
        int block = blockFor(sae.numLatents());
        Shared<SaeSnapshot> shared = runner.share(SaeSnapshot.of(sae));
        RangeTask<EvalSums> task = (from, to) -> {
            try (ActivationSet s = set.open()) {
                return new Evaluator(io.github.saestitch.tensor.KernelsProvider.byName(kernelsName), block)
                        .nodes(shared.get().sae(), s, from, to, null);
            }
        };
        long[] bounds = RangeRunner.bounds(tokens, block, ranges > 0 ? ranges : runner.defaultRanges());
        return RangeRunner.merge(runner.run("eval", bounds, task), EvalSums::merge, null)
                .result();
    }

    /** Tokens per block (the unit of accumulation) for a model with {@code numLatents} latents. */
    public int blockTokens(int numLatents) {
        return blockFor(numLatents);
    }

    /**
     * The merge-tree nodes of tokens [from, to) of {@code set}, keyed by the global block index (token /
     * {@link #blockTokens}): what one task of a distributed eval returns. Pushing the nodes of
     * consecutive ranges into one {@link MergeTree} in token order and taking
     * {@link EvalSums#result} of its result gives exactly the bits of {@link #evaluate}.
     *
     * @param from a multiple of {@link #blockTokens}{@code (sae.numLatents())}
     * @param progress receives the number of tokens of the range done after each block; may be null
     */
    public List<MergeTree.Node<EvalSums>> nodes(Sae sae, ActivationSet set, long from, long to, LongConsumer progress) {
        Objects.requireNonNull(sae, "sae");
        Objects.requireNonNull(set, "set");
        checkDIn(sae.dIn(), set);
        int block = blockFor(sae.numLatents());
        if (from < 0 || to < from || to > set.numTokens() || from % block != 0) {
            throw new IllegalArgumentException("tokens [" + from + ", " + to + ") are not a range of whole blocks of "
                    + block + " tokens of the set's " + set.numTokens());
        }
        MergeTree<EvalSums> tree = new MergeTree<>(EvalSums::merge);
        stream(new SaeRunner(sae, kernels, block), set, from, to, tree, progress);
        return tree.nodes();
    }

    /**
     * Streams tokens [from, to) in blocks of the block size counted from token 0 of the set, each block's
     * {@link EvalSums} a leaf of {@code tree} keyed by its block index.
     */
    private void stream(
            Autoencoder model, ActivationSet set, long from, long to, MergeTree<EvalSums> tree, LongConsumer progress) {
        int d = model.dIn();
        int f = model.numLatents();
        int blockSize = blockFor(f);
        int block = (int) Math.max(1, Math.min(blockSize, to - from));
        float[] xBuf = new float[Math.multiplyExact(block, d)]; // [block, dIn] heap copy of the set's block
        float[] xHatBuf = new float[xBuf.length]; // [block, dIn] reconstruction
        for (long start = from; start < to; ) {
            int n = (int) Math.min(block, to - start);
            FloatMatrix src = set.block(start, n);
            if (src.rows() != n || src.cols() != d) {
                throw new IllegalStateException("activation set " + set.describe() + " returned " + src
                        + " for tokens [" + start + ", " + (start + n) + "), expected [" + n + ", " + d + "]");
            }
            MemorySegment.copy(src.segment(), FloatMatrix.FLOAT, 0, xBuf, 0, n * d);
            requireFinite(xBuf, n, d, start, set);
            FloatMatrix x = FloatMatrix.of(MemorySegment.ofArray(xBuf), n, d);
            FloatMatrix xHat = FloatMatrix.of(MemorySegment.ofArray(xHatBuf), n, d);
            SparseRows codes = model.forward(x, xHat);
            if (codes.rows() != n || codes.cols() != f) {
                throw new IllegalStateException("model returned codes [" + codes.rows() + ", " + codes.cols() + "] for "
                        + n + " tokens and " + f + " latents");
            }

            double blockSse = 0;
            for (int i = 0, size = n * d; i < size; i++) {
                double e = (double) xBuf[i] - xHatBuf[i];
                blockSse += e * e;
            }
            long[] activeCount = new long[f]; // [F] tokens of the block on which latent i is non-zero
            int[] cols = codes.colIdx();
            for (int k = 0, end = codes.nnz(); k < end; k++) {
                activeCount[cols[k]]++;
            }
            double[] blockMean = new double[d]; // [dIn]
            double[] blockM2 = new double[d]; // [dIn]
            Moments.ofRows(xBuf, 0, n, d, blockMean, blockM2);
            tree.add(start / blockSize, new EvalSums(n, blockSse, codes.nnz(), blockMean, blockM2, activeCount));

            start += n;
            if (progress != null) {
                progress.accept(start - from);
            }
        }
    }

    private int blockFor(int numLatents) {
        return blockTokens > 0 ? blockTokens : SaeRunner.autoBlockTokens(numLatents);
    }

    private static void checkDIn(int modelDIn, ActivationSet set) {
        if (set.dIn() != modelDIn) {
            throw new IllegalArgumentException("the SAE reads activations of width " + modelDIn + " but activation set "
                    + set.describe() + " has width " + set.dIn());
        }
    }

    private static void requireFinite(float[] x, int n, int d, long firstToken, ActivationSet set) {
        for (int i = 0, size = n * d; i < size; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("activation set " + set.describe() + " has a non-finite value ("
                        + x[i] + ") at token " + set.sourceRow(firstToken + i / d) + ", dim " + (i % d));
            }
        }
    }
}
