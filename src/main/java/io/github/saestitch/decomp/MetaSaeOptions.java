package io.github.saestitch.decomp;

/**
 * How {@link MetaSae} trains.
 *
 * @param metaLatents  M, the meta-SAE's width; 0 = {@link #autoMetaLatents(int)} (about 1/20 of the
 *                     decomposed SAE's width, as Bussmann et al. 2024)
 * @param k            mean active meta-latents per decoder row (BatchTopK k; the paper's 4)
 * @param epochs       passes over the decoder rows. Default {@value #DEFAULT_EPOCHS}: there are only as
 *                     many training vectors as latents, so the meta-SAE needs many passes (README
 *                     "meta-sae": fvu against epochs, measured)
 * @param batchSize    rows per step (capped at the number of rows). Default {@value #DEFAULT_BATCH_SIZE}
 * @param learningRate Adam's peak learning rate. Default {@value #DEFAULT_LEARNING_RATE}
 * @param seed         seed of the initialisation and the shuffling
 */
public record MetaSaeOptions(int metaLatents, int k, int epochs, int batchSize, double learningRate, long seed) {
    public static final int DEFAULT_K = 4;
    public static final int DEFAULT_EPOCHS = 500;
    public static final int DEFAULT_BATCH_SIZE = 256;
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    public MetaSaeOptions {
        if (metaLatents < 0) {
            throw new IllegalArgumentException(
                    "the number of meta-latents must be >= 0 (0 = width/20), got " + metaLatents);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new IllegalArgumentException("learning rate must be in (0, 1), got " + learningRate);
        }
    }

    /** The defaults with the given width (0 = auto) and seed. */
    public static MetaSaeOptions defaults(int metaLatents, long seed) {
        return new MetaSaeOptions(
                metaLatents, DEFAULT_K, DEFAULT_EPOCHS, DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE, seed);
    }

    /** {@code max(1, round(numLatents / 20))}: the companion paper's ratio (2,304 meta-latents for 49,152). */
    public static int autoMetaLatents(int numLatents) {
        return Math.max(1, Math.round(numLatents / 20f));
    }

    /**
     * The width for an SAE of {@code numLatents} latents: as given, or automatic. The automatic width is
     * raised to {@code 2k} (at most {@code numLatents}), so an SAE of fewer than {@code 40·k} latents still
     * gets a meta-SAE with room for k active meta-latents out of more than k.
     */
    public int resolvedMetaLatents(int numLatents) {
        return metaLatents > 0 ? metaLatents : Math.max(autoMetaLatents(numLatents), Math.min(numLatents, 2 * k));
    }
}
