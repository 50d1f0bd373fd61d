package io.github.saestitch.eval;

/**
 * An SAE's downstream score ({@link DownstreamEvaluator}).
 *
 * @param tokens                stored positions whose x was replaced
 * @param windows               model input windows (sentences) the cosines are averaged over
 * @param documents             documents the windows come from
 * @param cosSae                mean over windows of cos(embedding with x̂, embedding with x)
 * @param cosAblated            the same with x replaced by its mean over the evaluated tokens
 * @param embeddingRecovered    {@code (cosSae − cosAblated) / (1 − cosAblated)}: 1 unchanged, 0 as bad as the mean
 * @param mse                   the SAE's mse on the recomputed x of these tokens (per token, summed over dims)
 * @param storeMaxAbsDifference max |recomputed x − stored x|: float rounding when the store is this model's
 */
public record DownstreamResult(
        long tokens,
        int windows,
        int documents,
        double cosSae,
        double cosAblated,
        double embeddingRecovered,
        double mse,
        double storeMaxAbsDifference) {}
