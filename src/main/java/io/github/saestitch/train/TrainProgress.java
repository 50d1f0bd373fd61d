package io.github.saestitch.train;

/**
 * Live figures after one training step, for progress bars. Reconstruction figures are in the units
 * of the raw activations (the input normalisation is undone).
 *
 * @param step            steps done (1-based)
 * @param totalSteps      steps of the whole run
 * @param tokens          training tokens consumed so far
 * @param learningRate    learning rate used at this step
 * @param loss            total loss of this batch (normalised units: reconstruction + sparsity + AuxK)
 * @param mse             this batch's mse: mean over tokens of Σ_dims (x − x̂)², raw units
 * @param l0              mean active latents per token in this batch (training selection)
 * @param dead            latents that have not fired on the last {@link TrainOptions#deadTokens} tokens
 * @param tokensPerSecond training throughput since the run (or resume) started
 */
public record TrainProgress(
        int step,
        int totalSteps,
        long tokens,
        double learningRate,
        double loss,
        double mse,
        double l0,
        int dead,
        double tokensPerSecond) {}
