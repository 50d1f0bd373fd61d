package io.github.saestitch.stitch;

import io.github.saestitch.tensor.SparseRows;

/**
 * Receives progress from {@link StitchComparator#compare}; the library never prints. Methods are called
 * on the thread that runs the compare. All have empty defaults: implement what you show.
 */
public interface CompareProgress {
    /** Ignores everything. */
    CompareProgress NONE = new CompareProgress() {};

    /** The stages of a compare, in order. */
    enum Phase {
        /** Blocked decoder cosines: max_cos, nearest and the parent/child edges. */
        DECODER_SIMILARITY,
        /** The streaming pass over the tokens: residuals, every Δmse, the interpolation, frequencies. */
        STREAMING_PASS,
        /** An extra pass for a further tile of co-activation sums (only when they exceed their memory). */
        CORRELATION_PASS,
        /** Assembling the per-latent, per-group and per-step results. */
        RESULTS
    }

    /**
     * A stage begins. For the two pass phases {@code pass} counts passes over the set from 1 to
     * {@code passes}; otherwise both are 0.
     */
    default void phase(Phase phase, int pass, int passes) {}

    /** Within a pass: {@code done} of {@code total} tokens are processed (called after each block). */
    default void tokens(long done, long total) {}

    /**
     * The streaming pass encoded the tokens {@code firstToken, firstToken + 1, …}: S's and L's sparse
     * codes, one row per token (called once per block, in token order, before {@link #tokens}). Lets a
     * caller collect per-latent statistics, such as the top contexts, from the pass's own encoding instead
     * of encoding the set again. The codes are only valid during the call.
     */
    default void codes(long firstToken, SparseRows small, SparseRows large) {}
}
