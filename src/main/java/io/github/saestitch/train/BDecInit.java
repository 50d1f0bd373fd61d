package io.github.saestitch.train;

/**
 * How the decoder bias b_dec is initialised, from a sample of the first training tokens.
 *
 * <ul>
 *   <li>{@link #GEOMETRIC_MEDIAN}: {@code argmin_b Σ_t ‖x_t − b‖} by Weiszfeld's iteration (Bricken
 *       et al. 2023, "Towards Monosemanticity"): robust to the heavy-tailed norms of residual streams.</li>
 *   <li>{@link #MEAN}: the sample mean.</li>
 *   <li>{@link #ZEROS}: zeros (for tests and ablations).</li>
 * </ul>
 */
public enum BDecInit {
    GEOMETRIC_MEDIAN,
    MEAN,
    ZEROS
}
