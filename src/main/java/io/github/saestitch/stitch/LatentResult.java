package io.github.saestitch.stitch;

/**
 * One latent j of the large SAE L: one row of {@code latents.csv}.
 *
 * @param latent         j
 * @param maxCos         max over S latents i of cos(W_dec^L[j], W_dec^S[i])
 * @param nearest        the S latent attaining maxCos
 * @param kind           novel (maxCos ≤ τ) or reconstruction
 * @param deltaMse       mse(S + {j}) − mse(S): the change from adding j to S with its own encoder and
 *                       activation exactly as in L, S keeping its b_dec (docs/definitions.md#adding-a-latent)
 * @param freq           fraction of tokens on which j is active
 * @param maxActCorr     max over S latents i of the Pearson correlation of f_j^L and f_i^S over the
 *                       tokens (inactive = 0); NaN when not computed or j never varies (e.g. dead)
 * @param actNearest     the S latent attaining maxActCorr, −1 when undefined
 * @param nearestActCorr the activation correlation of j with its decoder-nearest latent {@link #nearest}
 *                       (NaN when undefined): where it is low while maxCos is high, the decoder proxy
 *                       and behaviour disagree
 * @param group          j's swap group, −1 for novel latents
 * @param step           the interpolation step that brings j in (its add step, or its group's swap step)
 */
public record LatentResult(
        int latent,
        float maxCos,
        int nearest,
        LatentKind kind,
        double deltaMse,
        double freq,
        double maxActCorr,
        int actNearest,
        double nearestActCorr,
        int group,
        int step) {

    /** Adding this latent lowers mse (the stitching post's "∂MSE < 0"). */
    public boolean improves() {
        return deltaMse < 0;
    }
}
