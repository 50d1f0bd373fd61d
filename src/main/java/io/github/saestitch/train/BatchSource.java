package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationOrigin;
import io.github.saestitch.tensor.FloatMatrix;

/**
 * An endless, seekable stream of training tokens, delivered in batches. The trainer only ever sees
 * this interface (never a language model), so an activation store's shuffled reader, a {@code .npy}
 * ({@link ShuffledBatchSource}) or the toy model ({@link ToyModel#batchSource}) plug in alike.
 *
 * <p>The stream must be a pure function of how many tokens were delivered before: {@link #seek} to a
 * position and the tokens that follow are the same as in an uninterrupted run. That is what makes
 * {@code --resume} bit-identical.
 */
public interface BatchSource extends AutoCloseable {

    /** Width of each activation vector. */
    int dIn();

    /**
     * Writes the next {@code dst.rows()} tokens into {@code dst} ({@code [rows, dIn]}) and advances the
     * position by that many. Writes {@code dst}.
     */
    void next(FloatMatrix dst);

    /** Number of tokens delivered since position 0. */
    long position();

    /** Continues from {@code position} tokens after the start, as if that many had been delivered. */
    void seek(long position);

    /** Where the tokens come from, for messages and logs. */
    String describe();

    /**
     * For messages: where the token delivered at stream {@code position} lies in the data it was read
     * from (its row in the set that {@link #describe} names), e.g. {@code "token 1234"}, or null when the source cannot say (then the stream
     * position is named).
     */
    default String locate(long position) {
        return null;
    }

    /**
     * The model, hook and inputs the tokens were read from, when the source records them (an activation
     * store's); null otherwise. The trained SAE's {@code cfg.json} metadata is filled from it.
     */
    default ActivationOrigin origin() {
        return null;
    }

    @Override
    default void close() {}
}
