package io.github.saestitch.stitch;

/**
 * The metrics of one source SAE on the compared tokens (docs/definitions.md#metrics).
 *
 * @param numLatents       F
 * @param activation       relu, jumprelu, topk or batchtopk
 * @param applyBDecToInput whether the encoder subtracts b_dec
 * @param mse              mean over tokens of Σ_dims (x − x̂)²
 * @param fvu              Σ‖x − x̂‖² / Σ‖x − x̄‖² (NaN when the set has no variance)
 * @param l0               mean number of active latents per token
 * @param dead             latents never active on the tokens
 */
public record ModelSummary(
        int numLatents, String activation, boolean applyBDecToInput, double mse, double fvu, double l0, int dead) {}
