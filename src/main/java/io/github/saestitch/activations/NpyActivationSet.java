package io.github.saestitch.activations;

import io.github.saestitch.io.FileFormatException;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.NpyArray;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * An {@link ActivationSet} over a {@code .npy} file of activations {@code [tokens, d]} (or
 * {@code [batch, seq, d]} in C order, whose leading dimensions are flattened into tokens). The file is
 * memory-mapped, so sets larger than memory stream from disk; C-order {@code <f4} blocks are zero-copy
 * views, other dtypes and Fortran order are converted per block.
 */
public final class NpyActivationSet implements ActivationSet {
    private final NpyArray array;
    private final long numTokens;
    private final int dIn;

    private NpyActivationSet(NpyArray array, long numTokens, int dIn) {
        this.array = array;
        this.numTokens = numTokens;
        this.dIn = dIn;
    }

    /**
     * Opens {@code file}.
     *
     * @throws FileFormatException if it is not a float .npy of rank ≥ 2 (rank 2 in Fortran order)
     */
    public static NpyActivationSet open(Path file) throws IOException {
        NpyArray a = Npy.open(file);
        try {
            long[] rc = a.rowsAndCols();
            if (rc[1] > Integer.MAX_VALUE) {
                throw new FileFormatException(file, "activation width " + rc[1] + " does not fit an int");
            }
            return new NpyActivationSet(a, rc[0], (int) rc[1]);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    @Override
    public int dIn() {
        return dIn;
    }

    @Override
    public long numTokens() {
        return numTokens;
    }

    /** The parsed file header (dtype, order, original shape). */
    public Npy.Header header() {
        return array.header();
    }

    @Override
    public FloatMatrix block(long start, int n) {
        try {
            return array.rows(start, n);
        } catch (FileFormatException e) {
            // rowsAndCols() already succeeded in open(), so this cannot happen for a valid set.
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String describe() {
        return array.path() + " (" + numTokens + " tokens × " + dIn + ", "
                + array.dtype().descr() + (array.header().fortranOrder() ? ", Fortran order" : "") + ")";
    }

    /** Unmaps the file; blocks handed out before become invalid. */
    @Override
    public void close() {
        array.close();
    }
}
