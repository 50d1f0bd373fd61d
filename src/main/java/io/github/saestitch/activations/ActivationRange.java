package io.github.saestitch.activations;

import io.github.saestitch.tensor.FloatMatrix;

/**
 * A contiguous token range {@code [first, first + n)} of another set, as a set: the trainer's held-out
 * tail, the Frankenstein's training head. Blocks are those of the underlying set (no copy); closing
 * the range does not close the underlying set.
 */
public final class ActivationRange implements ActivationSet {
    private final ActivationSet set;
    private final long first;
    private final long n;
    private final String note; // appended to describe(), e.g. "9 whole documents"; "" for none

    /**
     * Tokens {@code [first, first + n)} of {@code set}.
     *
     * @throws IllegalArgumentException when the range does not lie within the set
     */
    public ActivationRange(ActivationSet set, long first, long n) {
        this(set, first, n, "");
    }

    /** Tokens {@code [first, first + n)} of {@code set}, described with {@code note} (e.g. what the range holds). */
    public ActivationRange(ActivationSet set, long first, long n, String note) {
        if (first < 0 || n < 0 || first + n > set.numTokens()) {
            throw new IllegalArgumentException("tokens [" + first + ", " + (first + n) + ") outside " + set.describe());
        }
        this.set = set;
        this.first = first;
        this.n = n;
        this.note = note == null ? "" : note;
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
            throw new IndexOutOfBoundsException(
                    "tokens [" + start + ", " + (start + count) + ") outside [0, " + n + ")");
        }
        return set.block(first + start, count);
    }

    @Override
    public long sourceRow(long index) {
        return set.sourceRow(first + index);
    }

    @Override
    public String describe() {
        return "tokens [" + first + ", " + (first + n) + ") of " + set.describe() + (note.isEmpty() ? "" : ", " + note);
    }

    @Override
    public ActivationOrigin origin() {
        return set.origin();
    }
}
