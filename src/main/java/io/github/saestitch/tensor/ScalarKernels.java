package io.github.saestitch.tensor;

import java.util.Arrays;

/**
 * The reference backend: plain loops with double accumulation, no blocking, no threads. Slow on
 * purpose and easy to read; every other backend is tested against it.
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void sgemm(
            boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c) {
        int[] mnk = Kernels.gemmShape(transA, transB, a, b, c);
        int m = mnk[0], n = mnk[1], k = mnk[2];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a.get(p, i) : a.get(i, p);
                    float bv = transB ? b.get(j, p) : b.get(p, j);
                    s += (double) av * bv;
                }
                double v = alpha * s;
                if (beta != 0f) {
                    v += (double) beta * c.get(i, j);
                }
                c.set(i, j, (float) v);
            }
        }
    }

    @Override
    public void addBiasActivate(FloatMatrix pre, float[] bias, float[] threshold) {
        checkVector("bias", bias, pre.cols());
        if (threshold != null) {
            checkVector("threshold", threshold, pre.cols());
        }
        for (int r = 0; r < pre.rows(); r++) {
            for (int j = 0; j < pre.cols(); j++) {
                float v = pre.get(r, j) + bias[j];
                float t = threshold == null ? 0f : threshold[j];
                pre.set(r, j, v > t && v > 0f ? v : 0f);
            }
        }
    }

    @Override
    public SparseRows topK(FloatMatrix acts, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        int rows = acts.rows(), cols = acts.cols();
        int[] ptr = new int[rows + 1];
        int[] idx = new int[Math.multiplyExact(rows, Math.min(k, cols))];
        float[] val = new float[idx.length];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            // Selection by repeated scans: O(k·F) per row, obviously correct.
            boolean[] taken = new boolean[cols];
            int kept = 0;
            for (int t = 0; t < k; t++) {
                int best = -1;
                for (int c = 0; c < cols; c++) {
                    float v = acts.get(r, c);
                    if (!taken[c] && v > 0f && (best < 0 || v > acts.get(r, best))) {
                        best = c;
                    }
                }
                if (best < 0) {
                    break;
                }
                taken[best] = true;
                kept++;
            }
            for (int c = 0; c < cols && kept > 0; c++) {
                if (taken[c]) {
                    idx[n] = c;
                    val[n++] = acts.get(r, c);
                    kept--;
                }
            }
            ptr[r + 1] = n;
        }
        return new SparseRows(rows, cols, ptr, Arrays.copyOf(idx, n), Arrays.copyOf(val, n));
    }

    @Override
    public void sparseMult(SparseRows codes, FloatMatrix dec, FloatMatrix out, boolean accumulate) {
        checkSparseMult(codes, dec, out);
        int d = dec.cols();
        for (int r = 0; r < codes.rows(); r++) {
            for (int c = 0; c < d; c++) {
                double s = accumulate ? out.get(r, c) : 0.0;
                for (int p = codes.rowPtr()[r]; p < codes.rowPtr()[r + 1]; p++) {
                    s += (double) codes.values()[p] * dec.get(codes.colIdx()[p], c);
                }
                out.set(r, c, (float) s);
            }
        }
    }

    @Override
    public void rowNorms(FloatMatrix a, float[] out) {
        checkVector("out", out, a.rows());
        for (int r = 0; r < a.rows(); r++) {
            double s = 0;
            for (int c = 0; c < a.cols(); c++) {
                double v = a.get(r, c);
                s += v * v;
            }
            out[r] = (float) Math.sqrt(s);
        }
    }

    /** Throws unless {@code v.length == expected}. */
    static void checkVector(String what, float[] v, int expected) {
        if (v == null || v.length != expected) {
            throw new IllegalArgumentException(
                    what + " must have " + expected + " entries, got " + (v == null ? "null" : v.length));
        }
    }

    /** Throws unless codes [t, F] · dec [F, d] -> out [t, d]. */
    static void checkSparseMult(SparseRows codes, FloatMatrix dec, FloatMatrix out) {
        if (codes.cols() != dec.rows() || out.rows() != codes.rows() || out.cols() != dec.cols()) {
            throw new IllegalArgumentException("sparseMult shapes do not match: codes [" + codes.rows() + ", "
                    + codes.cols() + "] · dec " + dec + " -> out " + out);
        }
    }
}
