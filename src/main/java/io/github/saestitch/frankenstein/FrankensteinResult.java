package io.github.saestitch.frankenstein;

import java.util.List;
import java.util.Map;

/**
 * Everything {@link Frankenstein#run} measured and built; {@link FrankensteinWriter} writes it.
 *
 * @param family        the family, smallest first
 * @param acts          the activation set, in words
 * @param totalTokens   tokens in the set
 * @param trainTokens   selection/refit tokens (the first ones)
 * @param heldOutTokens evaluation tokens (the last ones)
 * @param options       the options used
 * @param kernels       the numeric backend's name
 * @param rows          the table: one row per evaluated model (originals first), all on the held-out tokens
 * @param cosine        the cosine selection, or null when not selected
 * @param greedy        the greedy selection (the whole order), or null
 * @param greedyStats   the greedy selection's counts, or null
 * @param refits        what each refit did, by series name
 * @param saved         the models to write as SAE directories, by directory name
 * @param savedChecks   per saved model: its metrics from the precomputed codes (as in the table) and
 *                      run as saved (the folded standard SAE), by directory name
 * @param timings       seconds per stage, in order
 */
public record FrankensteinResult(
        Family family,
        String acts,
        long totalTokens,
        long trainTokens,
        long heldOutTokens,
        FrankensteinOptions options,
        String kernels,
        List<Row> rows,
        Selection cosine,
        Selection greedy,
        GreedySelection.Stats greedyStats,
        Map<String, DecoderRefit.Stats> refits,
        Map<String, FrankensteinModel> saved,
        Map<String, SavedCheck> savedChecks,
        Map<String, Double> timings) {

    /**
     * A saved model's held-out mse and l0 as the table computed them (from its sources' codes) and as
     * the written SAE computes them (folded biases: float rounding only).
     */
    public record SavedCheck(double tableMse, double savedMse, double tableL0, double savedL0) {
        /** |saved − table| / table for the mse. */
        public double relativeMseDifference() {
            return Math.abs(savedMse - tableMse) / Math.max(Math.abs(tableMse), Double.MIN_NORMAL);
        }
    }

    /**
     * One evaluated model.
     *
     * @param series     which line of the figure: {@code original}, {@code cosine}, {@code cosine + refit}, ...
     * @param numLatents its width
     * @param mse        held-out mse (squared error per token summed over dims)
     * @param fvu        held-out fraction of variance unexplained
     * @param l0         held-out mean active latents per token
     * @param trainL0    l0 on the selection tokens (what the equal-l0 series matched)
     * @param embeddingRecovered the downstream score on the held-out tokens ({@code eval.DownstreamEvaluator}),
     *                   NaN when not measured
     * @param note       what it is, in words
     */
    public record Row(
            String series,
            int numLatents,
            double mse,
            double fvu,
            double l0,
            double trainL0,
            double embeddingRecovered,
            String note) {}
}
