package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationOrigin;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SplitMix64;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Seeded, block-wise shuffled batches over a token range of an {@link ActivationSet}, repeating in
 * epochs: the one shuffled reader for training, over an activation store or any other set.
 *
 * <p><b>How it shuffles.</b> The range is cut into chunks of {@link #CHUNK_TOKENS} consecutive tokens.
 * Each epoch {@code e} permutes the chunks (Fisher–Yates seeded by {@code (seed, e)}); consecutive
 * groups of {@link #WINDOW_CHUNKS} permuted chunks form windows, each read into memory with
 * sequential block reads and its tokens permuted again (seeded by {@code (seed, e, window)}). So a
 * batch mixes tokens of up to 16 random stretches of the set, every token is seen once per epoch, and
 * reads stay sequential (sets larger than memory stream from disk); memory is one window,
 * {@code 32768 × dIn} floats. Block-wise rather than fully token-wise: tokens of one context stay more
 * likely to share a batch than under a full permutation, which for SAE training on 10⁶ tokens makes no
 * measurable difference but keeps reads sequential.
 *
 * <p>The stream is a pure function of {@code (set, range, seed, position)}: {@link #seek} reloads the
 * window that holds the position, so resuming yields exactly the batches of an uninterrupted run.
 */
public final class ShuffledBatchSource implements BatchSource {
    /** Consecutive tokens per chunk. */
    public static final int CHUNK_TOKENS = 2048;
    /** Chunks per in-memory window. */
    public static final int WINDOW_CHUNKS = 16;

    private final ActivationSet set;
    private final long first; // first token of the range in the set
    private final long n; // tokens in the range
    private final long seed;
    private final int d;
    private final int numChunks;
    private final long lastChunkTokens;

    private long position;
    private long loadedEpoch = -1;
    private int loadedWindow = -1;
    private int[] chunkOrder; // [numChunks] permuted chunk ids of loadedEpoch
    private float[] window; // [windowTokens, d] tokens of the loaded window, in permuted order
    private int windowTokens;
    private int offset; // next token within the loaded window

    /**
     * Shuffled batches over tokens {@code [first, first + numTokens)} of {@code set}.
     *
     * @throws IllegalArgumentException if the range is empty or outside the set
     */
    public ShuffledBatchSource(ActivationSet set, long first, long numTokens, long seed) {
        this.set = Objects.requireNonNull(set, "set");
        if (numTokens <= 0) {
            throw new IllegalArgumentException("no training tokens in " + set.describe() + " (range of " + numTokens
                    + " tokens): nothing to train on");
        }
        if (first < 0 || first + numTokens > set.numTokens()) {
            throw new IllegalArgumentException(
                    "tokens [" + first + ", " + (first + numTokens) + ") outside " + set.describe());
        }
        this.first = first;
        this.n = numTokens;
        this.seed = seed;
        this.d = set.dIn();
        long chunks = (numTokens + CHUNK_TOKENS - 1) / CHUNK_TOKENS;
        if (chunks > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many tokens: " + numTokens);
        }
        this.numChunks = (int) chunks;
        this.lastChunkTokens = numTokens - (long) (numChunks - 1) * CHUNK_TOKENS;
    }

    /** Shuffled batches over every token of {@code set}. */
    public ShuffledBatchSource(ActivationSet set, long seed) {
        this(set, 0, set.numTokens(), seed);
    }

    @Override
    public int dIn() {
        return d;
    }

    /** Tokens per epoch. */
    public long tokensPerEpoch() {
        return n;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void seek(long pos) {
        if (pos < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + pos);
        }
        long epoch = pos / n;
        long rem = pos % n;
        int[] order = orderFor(epoch);
        int numWindows = (numChunks + WINDOW_CHUNKS - 1) / WINDOW_CHUNKS;
        for (int w = 0; w < numWindows; w++) {
            long size = windowSize(order, w);
            if (rem < size) {
                load(epoch, w, order);
                offset = (int) rem;
                position = pos;
                return;
            }
            rem -= size;
        }
        throw new IllegalStateException("position " + pos + " not found in epoch " + epoch);
    }

    @Override
    public void next(FloatMatrix dst) {
        if (dst.cols() != d) {
            throw new IllegalArgumentException("batch " + dst + " must have dIn = " + d + " columns");
        }
        if (window == null) {
            seek(position);
        }
        MemorySegment out = dst.segment();
        int rows = dst.rows();
        int r = 0;
        while (r < rows) {
            if (offset == windowTokens) {
                advanceWindow();
            }
            int take = Math.min(rows - r, windowTokens - offset);
            MemorySegment.copy(window, offset * d, out, FloatMatrix.FLOAT, (long) r * d * Float.BYTES, take * d);
            offset += take;
            r += take;
            position += take;
        }
    }

    @Override
    public String describe() {
        return "shuffled batches (seed " + seed + ") over tokens [" + first + ", " + (first + n) + ") of "
                + set.describe();
    }

    /** The row of the set behind stream position {@code pos}: undoes the chunk order and the window's shuffle. */
    @Override
    public String locate(long pos) {
        long epoch = pos / n;
        long rem = pos % n;
        int[] order = orderFor(epoch);
        int numWindows = (numChunks + WINDOW_CHUNKS - 1) / WINDOW_CHUNKS;
        for (int w = 0; w < numWindows; w++) {
            int size = (int) windowSize(order, w);
            if (rem >= size) {
                rem -= size;
                continue;
            }
            long raw = windowPermutation(epoch, w, size)[(int) rem];
            for (int i = w * WINDOW_CHUNKS; ; i++) {
                long len = chunkSize(order[i]);
                if (raw < len) {
                    return "token " + set.sourceRow(first + (long) order[i] * CHUNK_TOKENS + raw);
                }
                raw -= len;
            }
        }
        return null;
    }

    /** The set's origin: shuffling changes the order, not where the tokens come from. */
    @Override
    public ActivationOrigin origin() {
        return set.origin();
    }

    private void advanceWindow() {
        int numWindows = (numChunks + WINDOW_CHUNKS - 1) / WINDOW_CHUNKS;
        if (loadedWindow + 1 < numWindows) {
            load(loadedEpoch, loadedWindow + 1, chunkOrder);
        } else {
            load(loadedEpoch + 1, 0, orderFor(loadedEpoch + 1));
        }
        offset = 0;
    }

    private int[] orderFor(long epoch) {
        if (epoch == loadedEpoch && chunkOrder != null) {
            return chunkOrder;
        }
        int[] order = new int[numChunks];
        for (int i = 0; i < numChunks; i++) {
            order[i] = i;
        }
        SplitMix64.stream(seed, 0x5_0000_0000L + epoch).shuffle(order);
        return order;
    }

    private long chunkSize(int chunk) {
        return chunk == numChunks - 1 ? lastChunkTokens : CHUNK_TOKENS;
    }

    private long windowSize(int[] order, int w) {
        long s = 0;
        for (int i = w * WINDOW_CHUNKS, end = Math.min(numChunks, (w + 1) * WINDOW_CHUNKS); i < end; i++) {
            s += chunkSize(order[i]);
        }
        return s;
    }

    /** The order of the {@code size} tokens of window {@code w} of {@code epoch}: stream (seed, epoch, window). */
    private int[] windowPermutation(long epoch, int w, int size) {
        int[] perm = new int[size];
        for (int i = 0; i < size; i++) {
            perm[i] = i;
        }
        SplitMix64.stream(seed, (epoch << 32) ^ (0x7_0000L + w)).shuffle(perm);
        return perm;
    }

    /** Reads window {@code w} of {@code epoch} and permutes its tokens. */
    private void load(long epoch, int w, int[] order) {
        int size = (int) windowSize(order, w);
        float[] raw = new float[size * d];
        int at = 0;
        for (int i = w * WINDOW_CHUNKS, end = Math.min(numChunks, (w + 1) * WINDOW_CHUNKS); i < end; i++) {
            int c = order[i];
            int len = (int) chunkSize(c);
            FloatMatrix block = set.block(first + (long) c * CHUNK_TOKENS, len);
            MemorySegment.copy(block.segment(), FloatMatrix.FLOAT, 0, raw, at * d, len * d);
            at += len;
        }
        int[] perm = windowPermutation(epoch, w, size);
        float[] shuffled = window != null && window.length == raw.length ? window : new float[raw.length];
        for (int i = 0; i < size; i++) {
            System.arraycopy(raw, perm[i] * d, shuffled, i * d, d);
        }
        window = shuffled;
        windowTokens = size;
        chunkOrder = order;
        loadedEpoch = epoch;
        loadedWindow = w;
    }
}
