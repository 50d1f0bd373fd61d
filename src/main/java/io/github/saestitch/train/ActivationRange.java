package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.tensor.FloatMatrix;

/** A contiguous token range {@code [first, first + n)} of another set, as a set (the held-out tail). */
final class ActivationRange implements ActivationSet {
    private final ActivationSet set;
    private final long first;
    private final long n;

    ActivationRange(ActivationSet set, long first, long n) {
        if (first < 0 || n < 0 || first + n > set.numTokens()) {
            throw new IllegalArgumentException("tokens [" + first + ", " + (first + n) + ") outside " + set.describe());
        }
        this.set = set;
        this.first = first;
        this.n = n;
    }

    @Override
    public int dIn() {
        return set.dIn();
    }

    @Override
    public long numTokens() {
        return n;
    }

    @Override
    public FloatMatrix block(long start, int count) {
        if (start < 0 || count < 0 || start + count > n) {
            throw new IndexOutOfBoundsException("tokens [" + start + ", " + (start + count) + ") outside [0, " + n + ")");
        }
        return set.block(first + start, count);
    }

    @Override
    public String describe() {
        return "tokens [" + first + ", " + (first + n) + ") of " + set.describe();
    }
}
