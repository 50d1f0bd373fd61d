package io.github.saestitch.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A dense, row-major float32 matrix {@code [rows, cols]} over a {@link MemorySegment}.
 *
 * <p>The segment may be a heap {@code float[]} (the usual case: {@link #zeros}, {@link #wrap}), native
 * memory, or a memory-mapped file region (zero-copy views of safetensors / .npy data). Element
 * {@code (r, c)} lives at float index {@code r * cols + c}; floats are in native (little-endian) order
 * and need not be 4-byte aligned in mapped files, so all access uses the unaligned layout.
 *
 * <p>Matrices are mutable; kernels document which arguments they write.
 */
public final class FloatMatrix {
    /** Unaligned native-order float: safetensors data offsets carry no alignment guarantee. */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final MemorySegment data; // [rows, cols] row-major
    private final int rows;
    private final int cols;

    private FloatMatrix(MemorySegment data, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape [" + rows + ", " + cols + "]");
        }
        long need = (long) rows * cols * Float.BYTES;
        if (data.byteSize() < need) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for [" + rows
                    + ", " + cols + "] float32 (" + need + " bytes)");
        }
        this.data = data.asSlice(0, need);
        this.rows = rows;
        this.cols = cols;
    }

    /** A new zero-filled heap matrix. */
    public static FloatMatrix zeros(int rows, int cols) {
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "[" + rows + ", " + cols + "] is too large for one heap array; stream it in blocks");
        }
        return new FloatMatrix(MemorySegment.ofArray(new float[(int) n]), rows, cols);
    }

    /** Wraps (does not copy) a heap array holding {@code rows * cols} floats, row-major. */
    public static FloatMatrix wrap(float[] values, int rows, int cols) {
        Objects.requireNonNull(values, "values");
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(
                    "array of " + values.length + " floats does not have shape [" + rows + ", " + cols + "]");
        }
        return new FloatMatrix(MemorySegment.ofArray(values), rows, cols);
    }

    /** Wraps (does not copy) a segment (heap, native or mapped) holding at least {@code rows * cols} floats. */
    public static FloatMatrix of(MemorySegment data, int rows, int cols) {
        return new FloatMatrix(Objects.requireNonNull(data, "data"), rows, cols);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of elements, {@code rows * cols}. */
    public long size() {
        return (long) rows * cols;
    }

    /** The backing segment, exactly {@code rows * cols * 4} bytes. */
    public MemorySegment segment() {
        return data;
    }

    /**
     * The backing heap array when this matrix is exactly a whole {@code float[]} starting at element 0,
     * else {@code null} (native, mapped, or a row-slice view). Fast paths may use it; they must fall
     * back to {@link #segment()}.
     */
    public float[] heapArrayOrNull() {
        if (data.heapBase().orElse(null) instanceof float[] a && a.length == size() && data.address() == 0) {
            return a;
        }
        return null;
    }

    public float get(int r, int c) {
        return data.getAtIndex(FLOAT, index(r, c));
    }

    public void set(int r, int c, float v) {
        data.setAtIndex(FLOAT, index(r, c), v);
    }

    private long index(int r, int c) {
        if (r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") outside [" + rows + ", " + cols + "]");
        }
        return (long) r * cols + c;
    }

    /** A view (no copy) of rows {@code [from, to)}. */
    public FloatMatrix rowSlice(int from, int to) {
        if (from < 0 || to < from || to > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") outside [0, " + rows + ")");
        }
        long start = (long) from * cols * Float.BYTES;
        return new FloatMatrix(data.asSlice(start, (long) (to - from) * cols * Float.BYTES), to - from, cols);
    }

    /** Row {@code r} copied into a new array. */
    public float[] row(int r) {
        float[] out = new float[cols];
        MemorySegment.copy(data, FLOAT, (long) r * cols * Float.BYTES, out, 0, cols);
        return out;
    }

    /** Copies {@code values} into row {@code r}. */
    public void setRow(int r, float[] values) {
        if (values.length != cols) {
            throw new IllegalArgumentException("row of " + values.length + " values for " + cols + " columns");
        }
        MemorySegment.copy(values, 0, data, FLOAT, (long) r * cols * Float.BYTES, cols);
    }

    /** A heap copy of the whole matrix as a new row-major array. */
    public float[] toArray() {
        // The unaligned layout: an aligned one throws for mapped tensors at odd byte offsets.
        return data.toArray(FLOAT);
    }

    /** A new heap matrix with the same values. */
    public FloatMatrix copy() {
        return wrap(toArray(), rows, cols);
    }

    /** A new heap matrix {@code [cols, rows]} with {@code out(c, r) = this(r, c)}. */
    public FloatMatrix transpose() {
        FloatMatrix t = zeros(cols, rows);
        float[] dst = t.heapArrayOrNull();
        for (int r = 0; r < rows; r++) {
            float[] row = row(r);
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = row[c];
            }
        }
        return t;
    }

    /** Sets every element to {@code v}. */
    public void fill(float v) {
        for (long i = 0, n = size(); i < n; i++) {
            data.setAtIndex(FLOAT, i, v);
        }
    }

    @Override
    public String toString() {
        return "FloatMatrix[" + rows + ", " + cols + "]";
    }
}
