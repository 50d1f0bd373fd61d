package io.github.saestitch.tensor;

import java.util.Arrays;

/**
 * Sparse rows in CSR form: the non-zero latent activations of a block of tokens.
 *
 * <p>Row {@code r} holds the entries {@code k} in {@code [rowPtr[r], rowPtr[r+1])}: column
 * {@code colIdx[k]} with value {@code values[k]}. Within a row, columns are strictly increasing.
 * This is how SAE codes travel between kernels: an SAE with l0 ≈ 50 of 12,288 latents stores 0.4%
 * of the dense codes, and decoding costs l0·d instead of F·d per token.
 *
 * @param rows   number of rows (tokens)
 * @param cols   number of columns (latents)
 * @param rowPtr [rows + 1] offsets into colIdx/values; rowPtr[0] = 0
 * @param colIdx [nnz] column of each entry, increasing within a row
 * @param values [nnz] value of each entry
 */
public record SparseRows(int rows, int cols, int[] rowPtr, int[] colIdx, float[] values) {
    public SparseRows {
        if (rowPtr.length != rows + 1 || rowPtr[0] != 0) {
            throw new IllegalArgumentException("rowPtr must have rows + 1 = " + (rows + 1) + " entries starting at 0");
        }
        if (colIdx.length < rowPtr[rows] || values.length < rowPtr[rows]) {
            throw new IllegalArgumentException("colIdx/values shorter than nnz = " + rowPtr[rows]);
        }
    }

    /** Number of stored entries. */
    public int nnz() {
        return rowPtr[rows];
    }

    /** Number of stored entries in row {@code r}. */
    public int rowNnz(int r) {
        return rowPtr[r + 1] - rowPtr[r];
    }

    /** The dense {@code [rows, cols]} matrix these rows represent (for tests and small blocks). */
    public FloatMatrix toDense() {
        FloatMatrix m = FloatMatrix.zeros(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                m.set(r, colIdx[k], values[k]);
            }
        }
        return m;
    }

    /** The non-zero entries of a dense matrix, as CSR (exact zeros are dropped, NaN is kept). */
    public static SparseRows fromDense(FloatMatrix m) {
        int[] ptr = new int[m.rows() + 1];
        int[] idx = new int[16];
        float[] val = new float[16];
        int n = 0;
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                float v = m.get(r, c);
                if (v != 0f) {
                    if (n == idx.length) {
                        idx = Arrays.copyOf(idx, n * 2);
                        val = Arrays.copyOf(val, n * 2);
                    }
                    idx[n] = c;
                    val[n++] = v;
                }
            }
            ptr[r + 1] = n;
        }
        return new SparseRows(m.rows(), m.cols(), ptr, Arrays.copyOf(idx, n), Arrays.copyOf(val, n));
    }
}
