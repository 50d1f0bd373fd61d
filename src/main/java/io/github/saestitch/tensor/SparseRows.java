package io.github.saestitch.tensor;

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
        return fromDense(m.toArray(), m.rows(), m.cols());
    }

    /**
     * The non-zero entries of the dense heap block {@code a} {@code [rows, cols]}, as CSR (exact zeros
     * are dropped, NaN is kept): the project's one scalar dense-to-CSR conversion, next to the
     * vectorized {@link Kernels#compress}. Two passes: count per row, then fill.
     */
    public static SparseRows fromDense(float[] a, int rows, int cols) {
        int[] ptr = new int[rows + 1];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0, o = r * cols; c < cols; c++) {
                if (a[o + c] != 0f) {
                    n++;
                }
            }
            ptr[r + 1] = n;
        }
        int[] idx = new int[n];
        float[] val = new float[n];
        int at = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0, o = r * cols; c < cols; c++) {
                float v = a[o + c];
                if (v != 0f) {
                    idx[at] = c;
                    val[at++] = v;
                }
            }
        }
        return new SparseRows(rows, cols, ptr, idx, val);
    }
}
