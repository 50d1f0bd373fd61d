package io.github.saestitch.train;

/**
 * The SAE's metrics on the held-out tokens at one point of training (docs/definitions.md#metrics, raw units).
 *
 * @param step   steps done when evaluated
 * @param tokens training tokens consumed when evaluated
 * @param mse    mean over held-out tokens of Σ_dims (x − x̂)²
 * @param fvu    Σ‖x − x̂‖² / Σ‖x − x̄‖² over the held-out tokens
 * @param l0     mean active latents per held-out token, with the inference activation (for batchtopk the
 *               current threshold estimate)
 * @param dead   latents never active on the held-out tokens
 */
public record EvalPoint(int step, long tokens, double mse, double fvu, double l0, int dead) {}
