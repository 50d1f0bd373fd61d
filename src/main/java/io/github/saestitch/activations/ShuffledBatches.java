package io.github.saestitch.activations;

import io.github.saestitch.tensor.FloatMatrix;

/**
 * Shuffled training batches from an {@link ActivationStore}: epoch {@code e} visits the tokens in the order
 * of a pseudo-random permutation keyed by {@code (seed, e)} ({@link IndexPermutation}), so every token
 * appears exactly once per epoch, the order is reproducible from the seed, and no index array is held.
 * The last batch of an epoch holds the remaining {@code numTokens % batchSize} tokens (when not zero);
 * then the next epoch starts. Rows are gathered from the mapped shards (random reads: a store much
 * larger than the page cache is read at disk speed).
 *
 * <p>Not thread-safe.
 */
public final class ShuffledBatches {
    private final ActivationStore store;
    private final int batchSize;
    private final long seed;
    private final long n;
    private int epoch;
    private long position;
    private IndexPermutation perm;

    /**
     * One batch.
     *
     * @param epoch   0-based epoch the batch belongs to
     * @param indices [rows] store indices of the rows, in batch order
     * @param acts    [rows, d] the activations (a fresh heap matrix)
     */
    public record Batch(int epoch, long[] indices, FloatMatrix acts) {
    }

    ShuffledBatches(ActivationStore store, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (store.numTokens() == 0) {
            throw new ActivationsException(store.dir(), "the store holds no tokens");
        }
        this.store = store;
        this.batchSize = batchSize;
        this.seed = seed;
        this.n = store.numTokens();
        this.perm = permutation(0);
    }

    private IndexPermutation permutation(int e) {
        return new IndexPermutation(n, SplitMix64.mix(seed) ^ SplitMix64.mix(0x5EED_0000L + e));
    }

    /** The epoch of the next batch. */
    public int epoch() {
        return epoch;
    }

    /** Batches per epoch ({@code ceil(numTokens / batchSize)}). */
    public long batchesPerEpoch() {
        return (n + batchSize - 1) / batchSize;
    }

    /** The next batch; never ends (epochs follow one another). */
    public Batch next() {
        int rows = (int) Math.min(batchSize, n - position);
        int d = store.dIn();
        long[] idx = new long[rows];
        float[] data = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            long i = perm.apply(position + r);
            idx[r] = i;
            store.copyRow(i, data, r * d);
        }
        Batch b = new Batch(epoch, idx, FloatMatrix.wrap(data, rows, d));
        position += rows;
        if (position == n) {
            position = 0;
            epoch++;
            perm = permutation(epoch);
        }
        return b;
    }
}
