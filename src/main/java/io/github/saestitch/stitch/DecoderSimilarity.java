package io.github.saestitch.stitch;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.Vec;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decoder cosine similarity between the latents of a larger SAE L and a smaller SAE S
 * (docs/definitions.md#max_cos-and-nearest): for every latent j of L,
 * {@code max_cos_j = max_i cos(W_dec^L[j], W_dec^S[i])} and its argmax {@code nearest_j}, plus every
 * parent/child edge {@code (j, i)} with {@code cos(W_dec^L[j], W_dec^S[i]) > τ} (Bussmann, Leask et
 * al. 2024: "If the cosine similarity between a large SAE
 * feature and a small SAE feature is greater than 0.7, we consider the large SAE feature to be a child
 * of the small SAE feature").
 *
 * <p><b>Blocked, one sweep.</b> Rows are normalized once (a zero row stays zero and has cosine 0 with
 * everything, as in {@link Kernels#maxCosine}); then for each block of {@code blockLarge} rows of L and
 * {@code blockSmall} rows of S one {@link Kernels#multTransB} gives a {@code [blockLarge, blockSmall]}
 * tile of cosines, reduced at once into the running max/argmax and the edge list. The
 * {@code F_L × F_S} matrix never exists: memory is the tile plus the edges found. The max and the
 * edges come from the same float cosines, so {@code kind = novel ⇔ max_cos ≤ τ ⇔ no edge} holds
 * exactly (two separate sweeps, e.g. {@code Kernels.maxCosine} and a second pair search, could round a
 * cosine near τ differently and leave a "reconstruction" latent without a parent). Cost:
 * {@code 2·F_L·F_S·d} flops, ≈ 2% of the encoder GEMMs of a 100k-token compare.
 *
 * @param maxCos  [F_L] largest cosine of L latent j to any S latent
 * @param nearest [F_L] the S latent attaining it (the lowest index on ties)
 * @param edges   every (child j of L, parent i of S) pair with cosine > threshold
 * @param threshold the τ the edges were found with
 */
public record DecoderSimilarity(float[] maxCos, int[] nearest, Edges edges, double threshold) {
    /** Rows of L per tile. */
    public static final int DEFAULT_BLOCK_LARGE = 1024;
    /** Rows of S per tile; a 1024 × 4096 tile is 16 MiB. */
    public static final int DEFAULT_BLOCK_SMALL = 4096;

    /**
     * The parent/child edges, in order of increasing child then parent.
     *
     * @param child  [numEdges] latent of L
     * @param parent [numEdges] latent of S
     * @param cos    [numEdges] their decoder cosine (> threshold)
     */
    public record Edges(int[] child, int[] parent, float[] cos) {
        public int size() {
            return child.length;
        }
    }

    /** The similarity of {@code wDecLarge} [F_L, d] against {@code wDecSmall} [F_S, d] with the default tiles. */
    public static DecoderSimilarity compute(
            Kernels kernels, FloatMatrix wDecLarge, FloatMatrix wDecSmall, double threshold) {
        return compute(kernels, wDecLarge, wDecSmall, threshold, DEFAULT_BLOCK_LARGE, DEFAULT_BLOCK_SMALL);
    }

    /**
     * The similarity of {@code wDecLarge} [F_L, d] against {@code wDecSmall} [F_S, d], in tiles of
     * {@code blockLarge × blockSmall} cosines.
     */
    public static DecoderSimilarity compute(
            Kernels kernels,
            FloatMatrix wDecLarge,
            FloatMatrix wDecSmall,
            double threshold,
            int blockLarge,
            int blockSmall) {
        Objects.requireNonNull(kernels, "kernels");
        if (wDecLarge.cols() != wDecSmall.cols()) {
            throw new IllegalArgumentException(
                    "decoder rows differ in length: large " + wDecLarge + ", small " + wDecSmall);
        }
        if (blockLarge < 1 || blockSmall < 1) {
            throw new IllegalArgumentException("blocks must be >= 1, got " + blockLarge + " × " + blockSmall);
        }
        int fl = wDecLarge.rows();
        int fs = wDecSmall.rows();
        float[] max = new float[fl];
        int[] arg = new int[fl];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(arg, -1);
        EdgeBuffer edges = new EdgeBuffer();
        if (fl == 0 || fs == 0) {
            return new DecoderSimilarity(max, arg, edges.toEdges(), threshold);
        }
        FloatMatrix small = normalizedRows(kernels, wDecSmall); // [F_S, d]
        int bl = Math.min(blockLarge, fl);
        int bs = Math.min(blockSmall, fs);
        float[] tile = new float[bl * bs]; // [bl, bs] cosines of one tile
        EdgeBuffer[] parts = new EdgeBuffer[0]; // per row chunk of a tile, reused
        for (int j0 = 0; j0 < fl; j0 += bl) {
            int j1 = Math.min(fl, j0 + bl);
            FloatMatrix large = normalizedRows(kernels, wDecLarge.rowSlice(j0, j1)); // [j1 − j0, d]
            for (int i0 = 0; i0 < fs; i0 += bs) {
                int i1 = Math.min(fs, i0 + bs);
                int w = i1 - i0;
                FloatMatrix t = FloatMatrix.wrap(tile, bl, bs);
                FloatMatrix sims = FloatMatrix.of(t.segment(), j1 - j0, w);
                kernels.multTransB(large, small.rowSlice(i0, i1), sims);
                int h = j1 - j0, top = j0, left = i0;
                if (parts.length != Parallel.chunks(h, w)) {
                    parts = new EdgeBuffer[Parallel.chunks(h, w)];
                }
                EdgeBuffer[] found = parts;
                for (int p = 0; p < found.length; p++) {
                    found[p] = found[p] == null ? new EdgeBuffer() : found[p].cleared();
                }
                // Row-parallel (rows are independent; each chunk's edges are appended in chunk order, so
                // the edge list is the serial one). Measured at 12,288 × 24,576, d = 768 on 2 cores: the
                // serial reduce held the sweep to half the sgemm rate.
                Parallel.forEach(found.length, p -> {
                    int from = Parallel.chunkStart(h, found.length, p),
                            to = Parallel.chunkStart(h, found.length, p + 1);
                    for (int j = from; j < to; j++) {
                        reduceRow(tile, j * w, w, left, top + j, max, arg, threshold, found[p]);
                    }
                });
                for (EdgeBuffer part : found) {
                    edges.addAll(part);
                }
            }
        }
        return new DecoderSimilarity(max, arg, edges.toEdges(), threshold);
    }

    /**
     * Folds one row of a tile, {@code tile[base, base + w)} (the cosines of L latent {@code j} with S latents
     * {@code i0 …}), into the running max/argmax of j and its edges. Exact screen: the row is scanned only
     * where some cosine exceeds {@code min(max_j, τ')} with τ' the float just below τ (every float above τ
     * is above τ'), i.e. where it can raise the max or be an edge; for decoders that are far from each
     * other most rows of most tiles are passed over by one vectorized compare. The scan itself is
     * {@link #reduceRowReference}, so the result is that of scanning every row.
     */
    static void reduceRow(
            float[] tile, int base, int w, int i0, int j, float[] max, int[] arg, double threshold, EdgeBuffer edges) {
        float best = max[j];
        if (arg[j] >= 0
                && !Float.isNaN(best)
                && !Vec.anyGreater(tile, base, w, Math.min(best, Math.nextDown((float) threshold)))) {
            return;
        }
        reduceRowReference(tile, base, w, i0, j, max, arg, threshold, edges);
    }

    /** {@link #reduceRow} without the screen: every cosine of the row, in order (the lowest index wins ties). */
    static void reduceRowReference(
            float[] tile, int base, int w, int i0, int j, float[] max, int[] arg, double threshold, EdgeBuffer edges) {
        float best = max[j];
        int bestI = arg[j];
        for (int i = 0; i < w; i++) {
            float c = tile[base + i];
            if (c > best || bestI < 0) {
                best = c;
                bestI = i0 + i;
            }
            if (c > threshold) {
                edges.add(j, i0 + i, c);
            }
        }
        max[j] = best;
        arg[j] = bestI;
    }

    /** Each row divided by its Euclidean norm (zero rows stay zero), as a new heap matrix. */
    static FloatMatrix normalizedRows(Kernels kernels, FloatMatrix x) {
        FloatMatrix out = x.copy();
        float[] norms = new float[x.rows()];
        kernels.rowNorms(out, norms);
        float[] v = out.heapArrayOrNull();
        int d = x.cols();
        for (int r = 0; r < norms.length; r++) {
            if (norms[r] > 0f) {
                float inv = 1f / norms[r];
                for (int c = 0; c < d; c++) {
                    v[r * d + c] *= inv;
                }
            }
        }
        return out;
    }

    /** A growable edge list. */
    static final class EdgeBuffer {
        private int[] child = new int[256];
        private int[] parent = new int[256];
        private float[] cos = new float[256];
        private int n;

        void add(int j, int i, float c) {
            if (n == child.length) {
                int cap = Math.multiplyExact(n, 2);
                child = Arrays.copyOf(child, cap);
                parent = Arrays.copyOf(parent, cap);
                cos = Arrays.copyOf(cos, cap);
            }
            child[n] = j;
            parent[n] = i;
            cos[n++] = c;
        }

        /** This buffer, emptied. */
        EdgeBuffer cleared() {
            n = 0;
            return this;
        }

        /** Appends {@code other}'s edges in their order. */
        void addAll(EdgeBuffer other) {
            for (int e = 0; e < other.n; e++) {
                add(other.child[e], other.parent[e], other.cos[e]);
            }
        }

        /**
         * The edges sorted by (child, parent). Tiles are visited L-block by L-block and, within one, S
         * block by S block, so the buffer is already sorted unless S spans several blocks.
         */
        Edges toEdges() {
            boolean sorted = true;
            for (int e = 1; e < n && sorted; e++) {
                sorted = child[e - 1] < child[e] || (child[e - 1] == child[e] && parent[e - 1] < parent[e]);
            }
            if (sorted) {
                return new Edges(Arrays.copyOf(child, n), Arrays.copyOf(parent, n), Arrays.copyOf(cos, n));
            }
            long[] keyed = new long[n]; // child·F + parent would overflow int; (child << 32 | parent) sorts the same
            for (int e = 0; e < n; e++) {
                keyed[e] = ((long) child[e] << 32) | parent[e];
            }
            Integer[] order = new Integer[n];
            for (int e = 0; e < n; e++) {
                order[e] = e;
            }
            Arrays.sort(order, (a, b) -> Long.compare(keyed[a], keyed[b]));
            int[] c2 = new int[n];
            int[] p2 = new int[n];
            float[] v2 = new float[n];
            for (int e = 0; e < n; e++) {
                c2[e] = child[order[e]];
                p2[e] = parent[order[e]];
                v2[e] = cos[order[e]];
            }
            return new Edges(c2, p2, v2);
        }
    }
}
