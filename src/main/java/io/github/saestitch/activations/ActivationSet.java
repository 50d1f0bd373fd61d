package io.github.saestitch.activations;

import io.github.saestitch.tensor.FloatMatrix;

/**
 * A set of activation vectors {@code [numTokens, dIn]} (one row per token), read in ordered blocks so
 * the whole set never has to fit in memory. Implementations: {@code .npy} files and activation stores.
 */
public interface ActivationSet extends AutoCloseable {

    /** Width of each activation vector. */
    int dIn();

    /** Number of tokens (rows). */
    long numTokens();

    /**
     * Tokens {@code [start, start + n)} as a {@code [n, dIn]} float32 matrix. May be a zero-copy view of
     * a mapped file or a freshly converted copy: callers must not write to it and must not keep it past
     * the next call or {@link #close()}.
     */
    FloatMatrix block(long start, int n);

    /** Where the set comes from, for messages (e.g. the file path). */
    String describe();

    /**
     * The row of the underlying file or store that token {@code index} of this set is, for messages: the
     * same bad value is then named by the same row whichever command, range or order reads it.
     */
    default long sourceRow(long index) {
        return index;
    }

    /**
     * The model, hook and inputs the activations were read from, as far as the set records them (an
     * activation store's manifest); null when it records nothing (a {@code .npy} file, a matrix).
     */
    default ActivationOrigin origin() {
        return null;
    }

    @Override
    default void close() {}
}
