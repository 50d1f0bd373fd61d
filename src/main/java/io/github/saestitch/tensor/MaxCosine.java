package io.github.saestitch.tensor;

import java.util.Arrays;

/**
 * Row-wise maximum cosine similarity of one matrix's rows against another's, and its argmax.
 *
 * @param max   [n] largest cosine of row i of A to any row of B
 * @param index [n] the row of B that attains it (lowest on ties), -1 when B is empty
 */
public record MaxCosine(float[] max, int[] index) {
    /** Rows of A per block. Blocks of 1024 × 4096 floats = 16 MiB keep the GEMM efficient and memory bounded. */
    public static final int DEFAULT_BLOCK_A = 1024;
    /** Rows of B per block. */
    public static final int DEFAULT_BLOCK_B = 4096;

    /**
     * The blocked computation shared by every backend: normalize block rows, one sgemm per
     * (A block, B block) pair, reduce the block of similarities into the running max.
     */
    public static MaxCosine compute(Kernels kernels, FloatMatrix a, FloatMatrix b, int blockA, int blockB) {
        if (a.cols() != b.cols()) {
            throw new IllegalArgumentException("maxCosine needs rows of equal length: " + a + " vs " + b);
        }
        int n = a.rows();
        int m = b.rows();
        float[] max = new float[n];
        int[] index = new int[n];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(index, -1);
        if (n == 0 || m == 0) {
            return new MaxCosine(max, index);
        }
        FloatMatrix bn = normalizedRows(kernels, b, 0, Math.min(blockB, m));
        FloatMatrix sims = FloatMatrix.zeros(Math.min(blockA, n), Math.min(blockB, m));
        for (int j0 = 0; j0 < m; j0 += blockB) {
            int j1 = Math.min(m, j0 + blockB);
            FloatMatrix bBlock = j0 == 0 ? bn : normalizedRows(kernels, b, j0, j1);
            for (int i0 = 0; i0 < n; i0 += blockA) {
                int i1 = Math.min(n, i0 + blockA);
                FloatMatrix aBlock = normalizedRows(kernels, a, i0, i1);
                FloatMatrix s = FloatMatrix.of(sims.segment(), i1 - i0, j1 - j0);
                kernels.multTransB(aBlock, bBlock, s);
                float[] sv = s.toArray();
                int w = j1 - j0;
                for (int i = 0; i < i1 - i0; i++) {
                    float best = max[i0 + i];
                    int bestJ = index[i0 + i];
                    int base = i * w;
                    for (int j = 0; j < w; j++) {
                        float v = sv[base + j];
                        if (v > best || bestJ < 0) {
                            best = v;
                            bestJ = j0 + j;
                        }
                    }
                    max[i0 + i] = best;
                    index[i0 + i] = bestJ;
                }
            }
        }
        return new MaxCosine(max, index);
    }

    /** Rows [from, to) of {@code x}, each divided by its norm (zero rows stay zero), as a new heap matrix. */
    static FloatMatrix normalizedRows(Kernels kernels, FloatMatrix x, int from, int to) {
        FloatMatrix block = x.rowSlice(from, to).copy();
        float[] norms = new float[to - from];
        kernels.rowNorms(block, norms);
        float[] v = block.heapArrayOrNull();
        int d = x.cols();
        for (int r = 0; r < norms.length; r++) {
            if (norms[r] > 0f) {
                float inv = 1f / norms[r];
                for (int c = 0; c < d; c++) {
                    v[r * d + c] *= inv;
                }
            }
        }
        return block;
    }
}
