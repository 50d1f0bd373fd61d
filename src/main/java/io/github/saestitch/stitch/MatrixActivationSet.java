package io.github.saestitch.stitch;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.tensor.FloatMatrix;
import java.util.Objects;

/** An {@link ActivationSet} over a matrix already in memory (e.g. {@link SyntheticPair}'s tokens); blocks are zero-copy views. */
public final class MatrixActivationSet implements ActivationSet {
    private final FloatMatrix data; // [numTokens, dIn]
    private final String name;

    public MatrixActivationSet(FloatMatrix data, String name) {
        this.data = Objects.requireNonNull(data, "data");
        this.name = Objects.requireNonNull(name, "name");
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
            throw new IndexOutOfBoundsException("tokens [" + start + ", " + (start + n) + ") outside [0, " + data.rows() + ")");
        }
        return data.rowSlice((int) start, (int) start + n);
    }

    @Override
    public String describe() {
        return name;
    }
}
