package io.github.saestitch.stitch;

/**
 * Options of {@link StitchComparator#compare}: what {@code saestitch compare} exposes, plus the knobs
 * that trade memory for passes.
 *
 * @param threshold              τ: a latent of L is novel when its max decoder cosine to S is ≤ τ, and
 *                               a child of S latent i when their cosine is > τ (docs/definitions.md#stitching;
 *                               the stitching post's 0.7, "close to 1/√2"). In (0, 1].
 * @param maxTokens              compare on the first {@code min(maxTokens, numTokens)} tokens of the set
 *                               ({@link #ALL_TOKENS}: all of them); ≥ 1
 * @param blockTokens            tokens read and encoded per block; 0 picks
 *                               {@link #autoBlockTokens(int)} for the large SAE's width
 * @param activationCorrelation  also compute the activation-based similarity (Pearson correlation of
 *                               latent activations over the token set) beside the decoder cosine
 * @param correlationMemoryBytes memory for the co-activation sums: {@code 8·F_S} bytes per latent of
 *                               L. When {@code 8·F_L·F_S} exceeds it, L's latents are covered in tiles
 *                               and each tile after the first costs one more pass over the set
 * @param maxCorrelationPasses   the most passes over the set the correlation may take; when it would
 *                               need more, it is skipped and the result says why (raise the memory or
 *                               this limit). ≥ 1
 * @param threads                worker threads for the per-token sparse work; 0 = every available
 *                               processor. Results depend on it only through double rounding (≲ 1e-13
 *                               relative): tokens are split into fixed chunks per thread and the
 *                               per-thread sums are merged in order
 * @param greedyPath             also compute the greedy (marginal-aware) order of the novel latents
 *                               ({@link GreedyPath}): needs the tokens and both SAEs' codes in memory
 *                               ({@code N·(d + 2·(l0_S + l0_L))} floats and ints, plus an F_L × F_L decoder
 *                               Gram up to 512 MiB), so it is off by default
 */
public record CompareOptions(
        double threshold,
        long maxTokens,
        int blockTokens,
        boolean activationCorrelation,
        long correlationMemoryBytes,
        int maxCorrelationPasses,
        int threads,
        boolean greedyPath) {
    /** The stitching post's threshold (Bussmann, Leask et al. 2024), defined with the Frankenstein's. */
    public static final double DEFAULT_THRESHOLD =
            io.github.saestitch.frankenstein.FrankensteinOptions.DEFAULT_THRESHOLD;
    /** {@link #maxTokens} meaning "every token of the set". */
    public static final long ALL_TOKENS = Long.MAX_VALUE;
    /**
     * 512 MiB of co-activation sums: one pass covers F_L·F_S ≤ 67 M pairs (e.g. 6144 × 3072 needs
     * 151 MB; 16384 × 8192 needs two passes).
     */
    public static final long DEFAULT_CORRELATION_MEMORY_BYTES = 512L << 20;
    /** At most 4 passes for the correlation by default: up to F_L·F_S ≈ 268 M pairs (e.g. 24576 × 12288). */
    public static final int DEFAULT_MAX_CORRELATION_PASSES = 4;
    /**
     * Cap on the large SAE's pre-activation block, in floats (8 MiB). The GEMM writes this block and
     * the activation and compression read it right back; it must stay in the last-level cache (32 MiB
     * on the 2-core machines we target, shared with both encoders' weights and the decoder rows the
     * sparse pass reads), else every block round-trips through DRAM several times.
     */
    public static final long MAX_BLOCK_FLOATS = 2L << 20;
    /** Upper bound of the automatic block size. */
    public static final int MAX_AUTO_BLOCK_TOKENS = 2048;
    /**
     * Lower bound of the automatic block size. Below it the encoder GEMM re-reads all of W_enc for too
     * few rows: at n = 98,304, k = 768 (2-core EPYC, OpenBLAS) m = 21 ran at 0.3–0.5× the rate of
     * m = 256–512, so for wide SAEs (F_L > 8192) the block exceeds the cache cap instead; its
     * pre-activations ({@code 256·(F_S + F_L)} floats, 151 MB at 49,152 + 98,304) then round-trip
     * through memory once, ≈ 5% of the GEMM's time per token.
     */
    public static final int MIN_AUTO_BLOCK_TOKENS = 256;

    public CompareOptions {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("the number of tokens must be >= 1, got " + maxTokens);
        }
        if (blockTokens < 0) {
            throw new IllegalArgumentException("blockTokens must be >= 0 (0 = automatic), got " + blockTokens);
        }
        if (correlationMemoryBytes < 1) {
            throw new IllegalArgumentException("correlationMemoryBytes must be >= 1, got " + correlationMemoryBytes);
        }
        if (maxCorrelationPasses < 1) {
            throw new IllegalArgumentException("maxCorrelationPasses must be >= 1, got " + maxCorrelationPasses);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), got " + threads);
        }
    }

    /**
     * τ = 0.7, every token, automatic blocks, activation correlation on with 512 MiB and at most 4 passes,
     * all processors.
     */
    public static CompareOptions defaults() {
        return new CompareOptions(
                DEFAULT_THRESHOLD,
                ALL_TOKENS,
                0,
                true,
                DEFAULT_CORRELATION_MEMORY_BYTES,
                DEFAULT_MAX_CORRELATION_PASSES,
                0,
                false);
    }

    public CompareOptions withThreshold(double t) {
        return new CompareOptions(
                t,
                maxTokens,
                blockTokens,
                activationCorrelation,
                correlationMemoryBytes,
                maxCorrelationPasses,
                threads,
                greedyPath);
    }

    public CompareOptions withMaxTokens(long n) {
        return new CompareOptions(
                threshold,
                n,
                blockTokens,
                activationCorrelation,
                correlationMemoryBytes,
                maxCorrelationPasses,
                threads,
                greedyPath);
    }

    public CompareOptions withBlockTokens(int n) {
        return new CompareOptions(
                threshold,
                maxTokens,
                n,
                activationCorrelation,
                correlationMemoryBytes,
                maxCorrelationPasses,
                threads,
                greedyPath);
    }

    public CompareOptions withActivationCorrelation(boolean on) {
        return new CompareOptions(
                threshold,
                maxTokens,
                blockTokens,
                on,
                correlationMemoryBytes,
                maxCorrelationPasses,
                threads,
                greedyPath);
    }

    public CompareOptions withCorrelationMemoryBytes(long bytes) {
        return new CompareOptions(
                threshold,
                maxTokens,
                blockTokens,
                activationCorrelation,
                bytes,
                maxCorrelationPasses,
                threads,
                greedyPath);
    }

    public CompareOptions withMaxCorrelationPasses(int n) {
        return new CompareOptions(
                threshold,
                maxTokens,
                blockTokens,
                activationCorrelation,
                correlationMemoryBytes,
                n,
                threads,
                greedyPath);
    }

    public CompareOptions withThreads(int n) {
        return new CompareOptions(
                threshold,
                maxTokens,
                blockTokens,
                activationCorrelation,
                correlationMemoryBytes,
                maxCorrelationPasses,
                n,
                greedyPath);
    }

    public CompareOptions withGreedyPath(boolean on) {
        return new CompareOptions(
                threshold,
                maxTokens,
                blockTokens,
                activationCorrelation,
                correlationMemoryBytes,
                maxCorrelationPasses,
                threads,
                on);
    }

    /** The block size used for a large SAE with {@code largeLatents} latents. */
    public int effectiveBlockTokens(int largeLatents) {
        return blockTokens > 0 ? blockTokens : autoBlockTokens(largeLatents);
    }

    /** The thread count used. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /**
     * {@code clamp(MAX_BLOCK_FLOATS / F_L, MIN_AUTO_BLOCK_TOKENS, MAX_AUTO_BLOCK_TOKENS)}: 341 tokens for F_L = 6144, so the
     * {@code [block, F_L]} pre-activations (8 MiB) are read back by the activation while still in the
     * last-level cache, and each sparse worker's residual rows (half a block) stay in its L2.
     */
    public static int autoBlockTokens(int largeLatents) {
        return (int) Math.max(
                MIN_AUTO_BLOCK_TOKENS, Math.min(MAX_AUTO_BLOCK_TOKENS, MAX_BLOCK_FLOATS / Math.max(1, largeLatents)));
    }
}
