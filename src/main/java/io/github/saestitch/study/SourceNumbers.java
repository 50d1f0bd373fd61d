package io.github.saestitch.study;

/**
 * The stitching write-up's numbers for one pair (Bussmann, Leask, Nanda et al. 2024, "Stitching SAEs of
 * different sizes"): its contingency table of GPT-2 small's 768- and 1536-latent SAEs at τ = 0.7 and the
 * joint effect of adding its 657 novel latents ("we can decrease the MSE of GPT2-768 by almost 10%").
 *
 * @param smallWidth             S's latents
 * @param largeWidth             L's latents
 * @param novelImproves          novel latents with Δmse &lt; 0
 * @param novelWorsens           novel latents with Δmse &gt; 0
 * @param reconstructionImproves reconstruction latents with Δmse &lt; 0
 * @param reconstructionWorsens  reconstruction latents with Δmse &gt; 0
 * @param novelAddedChange       (mse(S + every novel latent) − mse(S)) / mse(S), "almost 10%" lower: −0.10
 * @param citation               where the numbers come from
 */
public record SourceNumbers(
        int smallWidth,
        int largeWidth,
        int novelImproves,
        int novelWorsens,
        int reconstructionImproves,
        int reconstructionWorsens,
        double novelAddedChange,
        String citation) {
    /** GPT-2 small, residual stream, 768 → 1536 latents. */
    public static final SourceNumbers GPT2_SMALL_768_1536 = new SourceNumbers(
            768, 1536, 628, 29, 281, 598, -0.10, "Bussmann, Leask, Nanda et al. 2024 (GPT-2 small 768 -> 1536)");

    /** (novel improves + reconstruction worsens) / all: 79.8%. */
    public double agreement() {
        return (double) (novelImproves + reconstructionWorsens)
                / (novelImproves + novelWorsens + reconstructionImproves + reconstructionWorsens);
    }
}
