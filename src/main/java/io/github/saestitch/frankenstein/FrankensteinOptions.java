package io.github.saestitch.frankenstein;

import java.util.Objects;

/**
 * What {@link Frankenstein#run} builds and on which tokens.
 *
 * @param threshold     τ of the cosine rule (a latent is added when its max decoder cosine is below it)
 * @param cosine        build the cosine Frankenstein (its selection is always computed: it sets the
 *                      greedy targets)
 * @param greedy        build the greedy (marginal-aware) Frankenstein
 * @param refitExact    refit decoders exactly (least squares)
 * @param refitAdam     refit final decoders with a few epochs of Adam, for comparison
 * @param trainTokens   selection/refit tokens: the first {@code min(trainTokens, N − heldOutTokens)}
 * @param heldOutTokens evaluation tokens: the last {@code heldOutTokens} of the set (the trainer's
 *                      held-out tail: 16,384 by default)
 * @param width         greedy target width; 0 = the cosine Frankenstein's
 * @param refit         the exact refit's solver settings
 * @param adam          the Adam refit's settings
 * @param parts         threads for the sparse passes
 */
public record FrankensteinOptions(
        double threshold,
        boolean cosine,
        boolean greedy,
        boolean refitExact,
        boolean refitAdam,
        long trainTokens,
        long heldOutTokens,
        int width,
        DecoderRefit.Options refit,
        DecoderRefit.AdamOptions adam,
        int parts) {
    /**
     * The default τ (docs/definitions.md#frankenstein): the stitching post's threshold (Bussmann, Leask et al. 2024), also compare's default
     * ({@code stitch.CompareOptions.DEFAULT_THRESHOLD} refers here: {@code stitch} builds on
     * {@code frankenstein}'s greedy selection, so the constant lives in the lower package).
     */
    public static final double DEFAULT_THRESHOLD = 0.7;
    /** Default selection/refit tokens. */
    public static final long DEFAULT_TRAIN_TOKENS = 100_000;
    /** Default held-out tail: the trainer's ({@code train.TrainOptions} evalTokens). */
    public static final long DEFAULT_HELD_OUT = 16_384;

    public FrankensteinOptions {
        Objects.requireNonNull(refit, "refit");
        Objects.requireNonNull(adam, "adam");
        if (!(threshold > -1 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must lie in (-1, 1], got " + threshold);
        }
        if (!cosine && !greedy) {
            throw new IllegalArgumentException("select at least one of cosine and greedy");
        }
        if (trainTokens < 1) {
            throw new IllegalArgumentException("--train-tokens must be >= 1, got " + trainTokens);
        }
        if (heldOutTokens < 1) {
            throw new IllegalArgumentException("--held-out must be >= 1, got " + heldOutTokens);
        }
        if (width < 0) {
            throw new IllegalArgumentException("--width must be >= 0 (0: the cosine Frankenstein's), got " + width);
        }
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be >= 1");
        }
    }

    /** Both selections, both refits, τ = 0.7, 100,000 selection tokens, 16,384 held out. */
    public static FrankensteinOptions defaults() {
        return new FrankensteinOptions(
                DEFAULT_THRESHOLD,
                true,
                true,
                true,
                true,
                DEFAULT_TRAIN_TOKENS,
                DEFAULT_HELD_OUT,
                0,
                DecoderRefit.Options.defaults(),
                DecoderRefit.AdamOptions.defaults(),
                Runtime.getRuntime().availableProcessors());
    }

    public FrankensteinOptions withThreshold(double t) {
        return new FrankensteinOptions(
                t, cosine, greedy, refitExact, refitAdam, trainTokens, heldOutTokens, width, refit, adam, parts);
    }

    public FrankensteinOptions withSelect(boolean c, boolean g) {
        return new FrankensteinOptions(
                threshold, c, g, refitExact, refitAdam, trainTokens, heldOutTokens, width, refit, adam, parts);
    }

    public FrankensteinOptions withRefit(boolean exact, boolean adamRefit) {
        return new FrankensteinOptions(
                threshold, cosine, greedy, exact, adamRefit, trainTokens, heldOutTokens, width, refit, adam, parts);
    }

    public FrankensteinOptions withTokens(long train, long heldOut) {
        return new FrankensteinOptions(
                threshold, cosine, greedy, refitExact, refitAdam, train, heldOut, width, refit, adam, parts);
    }

    public FrankensteinOptions withWidth(int w) {
        return new FrankensteinOptions(
                threshold, cosine, greedy, refitExact, refitAdam, trainTokens, heldOutTokens, w, refit, adam, parts);
    }

    public FrankensteinOptions withRefitOptions(DecoderRefit.Options r) {
        return new FrankensteinOptions(
                threshold, cosine, greedy, refitExact, refitAdam, trainTokens, heldOutTokens, width, r, adam, parts);
    }

    public FrankensteinOptions withAdam(DecoderRefit.AdamOptions a) {
        return new FrankensteinOptions(
                threshold, cosine, greedy, refitExact, refitAdam, trainTokens, heldOutTokens, width, refit, a, parts);
    }
}
