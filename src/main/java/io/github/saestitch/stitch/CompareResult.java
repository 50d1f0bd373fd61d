package io.github.saestitch.stitch;

import java.util.List;

/**
 * Everything {@code saestitch compare} reports for a small SAE S and a larger SAE L on one token set;
 * {@link CompareWriter} writes it as {@code latents.csv}, {@code groups.csv}, {@code interpolation.csv}
 * and {@code summary.json}.
 *
 * @param options              the options used (threshold τ included)
 * @param tokens               the number of tokens every figure is over
 * @param kernels              the kernels backend name
 * @param small                S on the tokens
 * @param large                L on the tokens
 * @param latents              one entry per latent of L, index = latent
 * @param groups               one entry per swap group, index = group id
 * @param interpolation        the path: row 0 = S, then every novel latent added (ascending max_cos,
 *                             ties by index), then every group swapped (descending group cosine, ties
 *                             by id)
 * @param contingency          kind × sign of Δmse at τ
 * @param thresholdSweep       the same table at τ = 0.50, 0.55, …, 0.90
 * @param activationSimilarity summary of the activation-correlation similarity
 * @param composite            true when a hybrid of these SAEs is a composite model rather than one
 *                             standard SAE (a topk source: a moved latent's activation depends on the
 *                             whole source SAE's top-k), see {@link Stitcher}
 * @param hybridNote           one sentence on how the hybrids are defined, for the outputs
 * @param timings              where the time went (not written to the files, which stay deterministic);
 *                             null when not measured
 * @param joint                the joint effect of S + every latent with max_cos ≤ τ for every τ of the
 *                             sweep (null when not computed)
 * @param greedy               the greedy order of the novel latents (null unless asked for)
 */
public record CompareResult(
        CompareOptions options,
        long tokens,
        String kernels,
        ModelSummary small,
        ModelSummary large,
        List<LatentResult> latents,
        List<SwapGroupResult> groups,
        List<InterpolationStep> interpolation,
        Contingency contingency,
        List<ThresholdSweepRow> thresholdSweep,
        ActivationSimilarity activationSimilarity,
        boolean composite,
        String hybridNote,
        CompareTimings timings,
        JointSweep joint,
        GreedyPath greedy) {

    public CompareResult {
        latents = List.copyOf(latents);
        groups = List.copyOf(groups);
        interpolation = List.copyOf(interpolation);
        thresholdSweep = List.copyOf(thresholdSweep);
    }

    /** This result with other timings. */
    public CompareResult withTimings(CompareTimings t) {
        return new CompareResult(
                options,
                tokens,
                kernels,
                small,
                large,
                latents,
                groups,
                interpolation,
                contingency,
                thresholdSweep,
                activationSimilarity,
                composite,
                hybridNote,
                t,
                joint,
                greedy);
    }

    /** This result with the greedy path. */
    public CompareResult withGreedy(GreedyPath g) {
        return new CompareResult(
                options,
                tokens,
                kernels,
                small,
                large,
                latents,
                groups,
                interpolation,
                contingency,
                thresholdSweep,
                activationSimilarity,
                composite,
                hybridNote,
                timings,
                joint,
                g);
    }

    /** τ. */
    public double threshold() {
        return options.threshold();
    }

    /** Number of novel latents (= number of add steps). */
    public int numNovel() {
        return contingency.novel();
    }

    /** The model after adding every novel latent to S: interpolation row {@link #numNovel()}. */
    public InterpolationStep novelAdded() {
        return interpolation.get(numNovel());
    }

    /** The last interpolation row: every novel latent added and every group swapped. */
    public InterpolationStep allApplied() {
        return interpolation.get(interpolation.size() - 1);
    }
}
