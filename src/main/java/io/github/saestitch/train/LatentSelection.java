package io.github.saestitch.train;

import io.github.saestitch.tensor.Quickselect;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;

/**
 * The selections that turn {@code relu(pre)} into sparse codes: all positives (relu), BatchTopK's k·B
 * largest of a batch, and AuxK's largest among dead latents, each resting on the deterministic
 * {@code tensor.Quickselect}. Every tie is resolved in row-major order, so codes never depend on scheduling.
 */
final class LatentSelection {
    private LatentSelection() {}

    /**
     * The {@code K} largest positive values of {@code a[0, n)} (all positive ones when fewer), in no
     * particular order; {@code smallest[0]} receives the smallest of them (0 when there are none).
     */
    static float[] largest(float[] a, int n, long K, float[] smallest) {
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] > 0f) {
                pos++;
            }
        }
        float[] vals = new float[pos];
        int at = 0;
        float min = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (a[i] > 0f) {
                vals[at++] = a[i];
                min = Math.min(min, a[i]);
            }
        }
        if (pos <= K) {
            smallest[0] = pos == 0 ? 0f : min;
            return vals;
        }
        float t = Quickselect.kthSmallest(Arrays.copyOf(vals, pos), pos, (int) (pos - K));
        float[] out = new float[(int) K];
        int greater = 0;
        for (float v : vals) {
            if (v > t) {
                out[greater++] = v;
            }
        }
        for (int i = greater; i < K; i++) {
            out[i] = t;
        }
        smallest[0] = t;
        return out;
    }

    /** The number of positive entries of {@code a}. */
    static long countPositive(float[] a) {
        long n = 0;
        for (float v : a) {
            if (v > 0f) {
                n++;
            }
        }
        return n;
    }

    /**
     * BatchTopK's training selection: the {@code K} largest positive entries of the whole
     * {@code [rows, cols]} block (all positive ones when there are fewer), ties at the threshold
     * resolved in row-major order. {@code hint > 0} (the previous threshold) prunes the candidates
     * to values above {@code hint/2} when at least K of them are there, else all positives are
     * searched. Writes the smallest kept value into {@code minKept[0]} (0 when nothing is kept).
     */
    static SparseRows batchTopK(float[] a, int rows, int cols, long K, float hint, float[] minKept) {
        int size = rows * cols;
        float floor = hint > 0f ? hint * 0.5f : 0f;
        long count = countAbove(a, size, floor);
        if (floor > 0f && count < K) {
            floor = 0f;
            count = countAbove(a, size, 0f);
        }
        float t;
        long ties;
        boolean keepAll = count <= K;
        if (keepAll) {
            t = floor;
            ties = 0; // keep every value > floor
        } else {
            float[] cand = new float[(int) count];
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (a[i] > floor) {
                    cand[n++] = a[i];
                }
            }
            t = Quickselect.kthSmallest(cand, n, (int) (count - K)); // the K-th largest
            long greater = 0;
            for (int i = 0; i < n; i++) {
                if (cand[i] > t) {
                    greater++;
                }
            }
            ties = K - greater;
        }
        int[] ptr = new int[rows + 1];
        int[] idx = new int[(int) Math.min(count, K)];
        float[] val = new float[idx.length];
        int at = 0;
        float smallest = Float.POSITIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = a[o + c];
                if (keepAll ? v > t : (v > t || (v == t && ties-- > 0))) {
                    idx[at] = c;
                    val[at++] = v;
                    smallest = Math.min(smallest, v);
                }
            }
            ptr[r + 1] = at;
        }
        minKept[0] = at == 0 ? 0f : smallest;
        return new SparseRows(
                rows,
                cols,
                ptr,
                at == idx.length ? idx : Arrays.copyOf(idx, at),
                at == val.length ? val : Arrays.copyOf(val, at));
    }

    private static long countAbove(float[] a, int size, float floor) {
        long n = 0;
        for (int i = 0; i < size; i++) {
            if (a[i] > floor) {
                n++;
            }
        }
        return n;
    }

    /**
     * AuxK codes: for each row, the {@code kAux} largest positive entries among the dead latents
     * (ties towards the lower index), as CSR with increasing columns.
     */
    static SparseRows auxTopK(float[] a, int rows, int cols, int[] deadIdx, int kAux) {
        int nd = deadIdx.length;
        int[] ptr = new int[rows + 1];
        int[] idx = new int[Math.multiplyExact(rows, Math.min(kAux, nd))];
        float[] val = new float[idx.length];
        float[] tmp = new float[nd];
        int at = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            int pos = 0;
            for (int q = 0; q < nd; q++) {
                float v = a[o + deadIdx[q]];
                if (v > 0f) {
                    tmp[pos++] = v;
                }
            }
            float t = 0f;
            int ties = 0;
            boolean all = pos <= kAux;
            if (!all) {
                float[] copy = Arrays.copyOf(tmp, pos);
                t = Quickselect.kthSmallest(copy, pos, pos - kAux);
                int greater = 0;
                for (int q = 0; q < pos; q++) {
                    if (tmp[q] > t) {
                        greater++;
                    }
                }
                ties = kAux - greater;
            }
            for (int q = 0; q < nd; q++) {
                float v = a[o + deadIdx[q]];
                if (v > 0f && (all || v > t || (v == t && ties-- > 0))) {
                    idx[at] = deadIdx[q];
                    val[at++] = v;
                }
            }
            ptr[r + 1] = at;
        }
        return new SparseRows(rows, cols, ptr, Arrays.copyOf(idx, at), Arrays.copyOf(val, at));
    }
}
