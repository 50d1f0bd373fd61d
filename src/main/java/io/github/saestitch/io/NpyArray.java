package io.github.saestitch.io;

import io.github.saestitch.tensor.FloatMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An opened, memory-mapped {@code .npy} array (see {@link Npy}). Views it hands out live as long as the
 * arena that mapped it: {@link #close()} ends them when {@link Npy#open(Path)} created the arena.
 */
public final class NpyArray implements AutoCloseable {
    private final Path path;
    private final Npy.Header header;
    private final MemorySegment data; // exactly header.dataBytes() bytes, little-endian
    private final Arena ownedArena; // null when the caller's arena maps the file

    NpyArray(Path path, Npy.Header header, MemorySegment data, Arena ownedArena) {
        this.path = path;
        this.header = header;
        this.data = data;
        this.ownedArena = ownedArena;
    }

    public Path path() {
        return path;
    }

    public Npy.Header header() {
        return header;
    }

    public long[] shape() {
        return header.shape();
    }

    public Npy.DType dtype() {
        return header.dtype();
    }

    /** The raw little-endian data bytes (read-only view). */
    public MemorySegment bytes() {
        return data;
    }

    /**
     * A 2-D array as float32 {@code [rows, cols]}: a read-only zero-copy view for C-order {@code <f4}
     * (4-byte aligned, as numpy writes it), else a converted heap copy (Fortran order is transposed into
     * C order, {@code <f2} and {@code <f8} are converted).
     */
    public FloatMatrix matrix() throws FileFormatException {
        if (header.rank() != 2) {
            throw new FileFormatException(
                    path, "array has shape " + Arrays.toString(header.shape()) + "; expected a 2-D array");
        }
        long[] s = header.shape();
        return rows(0, toInt(s[0], "rows"));
    }

    /** A 1-D array copied into a new float32 array. */
    public float[] vector() throws FileFormatException {
        if (header.rank() != 1) {
            throw new FileFormatException(
                    path, "array has shape " + Arrays.toString(header.shape()) + "; expected a 1-D array");
        }
        long n = header.numElements();
        float[] out = new float[toInt(n, "elements")];
        FloatConversions.convert(data, header.dtype().encoding(), 0, out, 0, out.length);
        return out;
    }

    /**
     * Rows {@code [start, start + n)} of the array viewed as {@code [R, C]}: a 2-D array as is, or a C-order
     * array of rank ≥ 3 with its leading dimensions flattened ({@code [batch, seq, d]} → {@code [batch·seq, d]}).
     * Zero-copy for C-order {@code <f4}; otherwise a new heap matrix.
     */
    public FloatMatrix rows(long start, int n) throws FileFormatException {
        long[] rc = rowsAndCols();
        int cols = toInt(rc[1], "columns");
        if (start < 0 || n < 0 || start + n > rc[0]) {
            throw new IndexOutOfBoundsException("rows [" + start + ", " + (start + n) + ") outside [0, " + rc[0] + ")");
        }
        if (!header.fortranOrder()) {
            long elemStart = start * cols;
            long count = (long) n * cols;
            if (header.dtype() == Npy.DType.F4) {
                MemorySegment slice = data.asSlice(elemStart * Float.BYTES, count * Float.BYTES);
                if (FloatConversions.zeroCopyOk(slice)) {
                    return FloatMatrix.of(slice, n, cols);
                }
            }
            FloatMatrix out = FloatMatrix.zeros(n, cols);
            FloatConversions.convert(
                    data, header.dtype().encoding(), elemStart, out.heapArrayOrNull(), 0, Math.toIntExact(count));
            return out;
        }
        // Fortran order: element (r, c) of an [R, C] array lives at c * R + r.
        FloatMatrix out = FloatMatrix.zeros(n, cols);
        float[] dst = out.heapArrayOrNull();
        long rowsTotal = rc[0];
        for (int c = 0; c < cols; c++) {
            long base = c * rowsTotal + start;
            for (int r = 0; r < n; r++) {
                dst[r * cols + c] = FloatConversions.read(data, header.dtype().encoding(), base + r);
            }
        }
        return out;
    }

    /** {@code [R, C]} as seen by {@link #rows}; refuses ranks it cannot view that way. */
    public long[] rowsAndCols() throws FileFormatException {
        long[] s = header.shape();
        if (s.length == 2) {
            return s;
        }
        if (s.length > 2 && !header.fortranOrder()) {
            long r = 1;
            for (int i = 0; i < s.length - 1; i++) {
                r *= s[i];
            }
            return new long[] {r, s[s.length - 1]};
        }
        throw new FileFormatException(
                path,
                "array has shape " + Arrays.toString(s) + (header.fortranOrder() ? " in Fortran order" : "")
                        + "; expected [rows, cols]");
    }

    private int toInt(long v, String what) throws FileFormatException {
        if (v > Integer.MAX_VALUE - 8) {
            throw new FileFormatException(path, v + " " + what + " do not fit one heap array; read it in blocks");
        }
        return (int) v;
    }

    @Override
    public void close() {
        if (ownedArena != null) {
            ownedArena.close();
        }
    }

    @Override
    public String toString() {
        return path + " (" + header + ")";
    }
}
