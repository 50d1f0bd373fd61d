package io.github.saestitch.sae;

/**
 * The exact change of one token's squared reconstruction error when latents are moved into (or out
 * of) a model: the Δmse of {@code compare} (adding a latent of L to S, swapping a group, every step of
 * the interpolation path) and of the Frankenstein's greedy selection are sums over tokens of these
 * values, divided by the token count. No hybrid is built: a moved latent keeps its own encoder, so its
 * code on a token is what its source SAE computes there, and only the decoder side changes.
 *
 * <p>With the current residual {@code r = x − x̂} of a token, adding latents with codes {@code a_j}
 * and decoder rows {@code d_j} changes the reconstruction by {@code v = Σ_j a_j d_j} and the squared
 * error by
 * <pre>
 *   ‖r − v‖² − ‖r‖² = ‖v‖² − 2 r·v
 * </pre>
 * Removing latents is adding them with codes {@code −a_j}. Two forms of this one formula:
 * <ul>
 *   <li>{@link #ofLatent}: one latent, {@code v = a d}:
 *       {@code a²‖d‖² − 2a (r·d)} — from the precomputed {@code ‖d‖²} and the dot product
 *       {@code r·d}, one pass over the row.</li>
 *   <li>{@link #ofResidualShift}: several latents on one token, given the residual change
 *       {@code u = −v} (so {@code r → r + u}): {@code 2 r·u + ‖u‖²}.</li>
 * </ul>
 * The arithmetic is in double, in exactly the order written, so callers that sum these values in a
 * fixed order get the same bits every time.
 */
public final class ErrorChange {
    private ErrorChange() {}

    /**
     * {@code ‖r − a d‖² − ‖r‖² = a²‖d‖² − 2a (r·d)}: the change of a token's squared error when a
     * latent with code {@code a} and decoder row {@code d} is added to the reconstruction (pass
     * {@code −a} to remove it). Computed as {@code a·a·dNormSq − 2·a·rDotD}.
     *
     * @param a       the latent's code on the token (0 gives 0)
     * @param dNormSq {@code ‖d‖²}
     * @param rDotD   {@code r·d}, with {@code r} the residual before the change
     */
    public static double ofLatent(double a, double dNormSq, double rDotD) {
        return a * a * dNormSq - 2 * a * rDotD;
    }

    /**
     * {@code ‖r + u‖² − ‖r‖² = 2 r·u + ‖u‖²}: the change of a token's squared error when its
     * residual changes by {@code u} (for latents added with codes {@code a_j}, {@code u = −Σ a_j d_j}).
     * Computed as {@code 2·rDotU + uNormSq}.
     *
     * @param rDotU   {@code r·u}, with {@code r} the residual before the change
     * @param uNormSq {@code ‖u‖²}
     */
    public static double ofResidualShift(double rDotU, double uNormSq) {
        return 2 * rDotU + uNormSq;
    }
}
