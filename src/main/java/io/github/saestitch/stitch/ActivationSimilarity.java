package io.github.saestitch.stitch;

/**
 * Summary of the activation-based similarity (Pearson correlation of latent activations over the
 * tokens), the second similarity reported beside the decoder cosine: the stitching post names the choice of
 * similarity as its main open question and notes that Towards Monosemanticity used co-occurrence.
 *
 * @param computed            whether it was computed (see {@link CompareOptions#activationCorrelation})
 * @param passes              passes over the tokens it needed (1 = it shared the streaming pass)
 * @param sameNearestFraction fraction of L latents with a defined correlation whose activation-nearest S
 *                            latent is their decoder-nearest one
 * @param meanNearestActCorr  mean over those latents of the correlation with the decoder-nearest latent
 * @param note                why it was not computed, or empty
 */
public record ActivationSimilarity(
        boolean computed, int passes, double sameNearestFraction, double meanNearestActCorr, String note) {
    /** The value when it was not computed, saying why. */
    public static ActivationSimilarity notComputed(String why) {
        return new ActivationSimilarity(false, 0, Double.NaN, Double.NaN, why);
    }
}
