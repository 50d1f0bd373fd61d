package io.github.saestitch.stitch;

/**
 * Where a compare spent its time, in seconds (wall clock on the calling thread; phases that run on
 * worker threads are timed from start to join).
 *
 * @param similarity  decoder cosines, edges and swap groups
 * @param read        reading token blocks from the set, copying and checking them
 * @param encode      the two encoders (GEMMs, activations, compression to sparse codes)
 * @param tokens      the per-token sparse work: residuals, every Δmse, the interpolation path
 * @param correlation buffering and adding co-activation sums, and the correlations themselves
 * @param total       the whole compare
 */
public record CompareTimings(
        double similarity, double read, double encode, double tokens, double correlation, double total) {}
