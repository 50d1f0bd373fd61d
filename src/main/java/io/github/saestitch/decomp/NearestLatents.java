package io.github.saestitch.decomp;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;

/**
 * For every query row, the {@code n} target rows of largest cosine similarity (e.g. a meta-latent's
 * decoder row against an SAE's decoder rows), largest first, the lower target index on ties.
 *
 * <p>Blocked like {@link io.github.saestitch.stitch.DecoderSimilarity}: rows are normalised once (a zero
 * row stays zero and has cosine 0 with everything), then one {@link Kernels#multTransB} per tile of
 * {@value #BLOCK_QUERIES} × {@value #BLOCK_TARGETS} cosines, reduced at once into each query's running
 * top n; the full queries × targets matrix never exists. The tests compare it with a double-precision
 * brute force.
 *
 * @param index [queries][≤ n] target indices, best first (fewer than n only when there are fewer targets)
 * @param cos   [queries][≤ n] their cosines
 */
public record NearestLatents(int[][] index, float[][] cos) {
    static final int BLOCK_QUERIES = 256;
    static final int BLOCK_TARGETS = 4096;

    /**
     * @param queries [q, d]
     * @param targets [m, d]
     * @param n       neighbours per query, ≥ 1
     */
    public static NearestLatents compute(Kernels kernels, FloatMatrix queries, FloatMatrix targets, int n) {
        if (queries.cols() != targets.cols()) {
            throw new IllegalArgumentException(
                    "queries have d = " + queries.cols() + " but targets d = " + targets.cols());
        }
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        int q = queries.rows();
        int m = targets.rows();
        int keep = Math.min(n, m);
        FloatMatrix qn = normalized(kernels, queries);
        FloatMatrix tn = normalized(kernels, targets);
        int[][] idx = new int[q][keep];
        float[][] cos = new float[q][keep];
        int[] count = new int[q];
        for (int q0 = 0; q0 < q; q0 += BLOCK_QUERIES) {
            int q1 = Math.min(q, q0 + BLOCK_QUERIES);
            FloatMatrix qb = qn.rowSlice(q0, q1);
            for (int t0 = 0; t0 < m; t0 += BLOCK_TARGETS) {
                int t1 = Math.min(m, t0 + BLOCK_TARGETS);
                FloatMatrix tile = FloatMatrix.zeros(q1 - q0, t1 - t0);
                kernels.multTransB(qb, tn.rowSlice(t0, t1), tile);
                for (int i = 0; i < q1 - q0; i++) {
                    int qi = q0 + i;
                    float[] row = tile.row(i);
                    for (int j = 0; j < row.length; j++) {
                        insert(idx[qi], cos[qi], count, qi, keep, t0 + j, row[j]);
                    }
                }
            }
        }
        return new NearestLatents(idx, cos);
    }

    /** Inserts (target, c) into the sorted top list if it belongs there (targets arrive in increasing order). */
    private static void insert(int[] idx, float[] cos, int[] count, int qi, int keep, int target, float c) {
        int n = count[qi];
        if (n == keep && !(c > cos[n - 1])) {
            return; // not better than the worst kept (an equal cosine keeps the earlier, lower target)
        }
        int at = n < keep ? n : n - 1;
        while (at > 0 && cos[at - 1] < c) {
            cos[at] = cos[at - 1];
            idx[at] = idx[at - 1];
            at--;
        }
        cos[at] = c;
        idx[at] = target;
        if (n < keep) {
            count[qi] = n + 1;
        }
    }

    /** A heap copy of {@code x} with unit-norm rows (zero rows stay zero). */
    static FloatMatrix normalized(Kernels kernels, FloatMatrix x) {
        float[] norms = new float[x.rows()];
        kernels.rowNorms(x, norms);
        FloatMatrix out = FloatMatrix.zeros(x.rows(), x.cols());
        for (int r = 0; r < x.rows(); r++) {
            float[] row = x.row(r);
            if (norms[r] > 0f) {
                float inv = 1f / norms[r];
                for (int c = 0; c < row.length; c++) {
                    row[c] *= inv;
                }
                out.setRow(r, row);
            }
        }
        return out;
    }
}
