package io.github.saestitch.activations;

import io.github.saestitch.tensor.FloatMatrix;
import java.util.Objects;

/**
 * An in-memory {@link ActivationSet} over one heap matrix {@code [tokens, dIn]}: the held-out tokens of
 * the toy model, synthetic benchmark data, small test sets. Blocks are zero-copy row views.
 */
public final class MatrixActivationSet implements ActivationSet {
    private final FloatMatrix data; // [tokens, dIn]
    private final String description;

    public MatrixActivationSet(FloatMatrix data, String description) {
        this.data = Objects.requireNonNull(data, "data");
        this.description = Objects.requireNonNull(description, "description");
    }

    /** The backing matrix (not a copy). */
    public FloatMatrix matrix() {
        return data;
    }

    @Override
    public int dIn() {
        return data.cols();
    }

    @Override
    public long numTokens() {
        return data.rows();
    }

    @Override
    public FloatMatrix block(long start, int n) {
        if (start < 0 || n < 0 || start + n > data.rows()) {
            throw new IndexOutOfBoundsException(
                    "tokens [" + start + ", " + (start + n) + ") outside [0, " + data.rows() + ")");
        }
        return data.rowSlice((int) start, (int) start + n);
    }

    @Override
    public String describe() {
        return description + " (" + data.rows() + " tokens × " + data.cols() + ", in memory)";
    }
}
