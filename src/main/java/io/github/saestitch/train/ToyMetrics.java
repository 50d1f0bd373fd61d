package io.github.saestitch.train;

import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MaxCosine;
import java.util.List;

/**
 * How well an SAE trained on the {@link ToyModel} recovers the ground truth.
 *
 * <ul>
 *   <li><b>mean max cosine</b>: for each true feature, the largest cosine between its direction and any
 *       decoder row, averaged over features (MMCS, Sharkey et al. 2022);</li>
 *   <li><b>absorption</b> of a parent feature p (Chanin et al. 2024; Nabeshima 2024): let m(p) be the latent
 *       whose decoder row is closest in cosine to p's direction; over the tokens on which some child of
 *       p is present (so p is present too), the fraction on which m(p) is silent. 0 means the parent's
 *       latent fires whenever the parent is there; 1 means the children's latents took over entirely.</li>
 * </ul>
 */
public final class ToyMetrics {
    private ToyMetrics() {}

    /**
     * The metrics of one SAE.
     *
     * @param meanMaxCosine       mean over true features of the max cosine to a decoder row
     * @param maxCosine           [numFeatures] that max cosine per feature
     * @param matchedLatent       [numFeatures] the latent attaining it
     * @param absorption          mean over parent features of their absorption
     * @param parentAbsorption    [parents] absorption per parent feature, in {@link ToyModel#parents()} order
     * @param parentRecall        mean over parents of the fraction of tokens with the parent present (any
     *                            children) on which its latent fires
     */
    public record Result(
            double meanMaxCosine,
            float[] maxCosine,
            int[] matchedLatent,
            double absorption,
            double[] parentAbsorption,
            double parentRecall) {}

    /** Measures {@code sae} against {@code model}'s truth on the held-out {@code sample}. */
    public static Result measure(Sae sae, ToyModel model, ToyModel.Sample sample, Kernels kernels) {
        FloatMatrix truth = model.directions();
        MaxCosine mc = kernels.maxCosine(truth, sae.wDec());
        double sum = 0;
        for (float v : mc.max()) {
            sum += v;
        }
        FloatMatrix acts = new SaeRunner(sae, kernels).encodeDense(sample.acts().matrix());
        FloatMatrix feat = sample.features();
        List<Integer> parents = model.parents();
        double[] absorption = new double[parents.size()];
        double absSum = 0;
        double recallSum = 0;
        for (int pi = 0; pi < parents.size(); pi++) {
            int p = parents.get(pi);
            int latent = mc.index()[p];
            long withChild = 0;
            long silent = 0;
            long present = 0;
            long fired = 0;
            for (int t = 0; t < feat.rows(); t++) {
                if (feat.get(t, p) == 0f) {
                    continue;
                }
                boolean on = acts.get(t, latent) > 0f;
                present++;
                if (on) {
                    fired++;
                }
                boolean child = false;
                for (int c = 0; c < model.numFeatures(); c++) {
                    if (model.parentOf(c) == p && feat.get(t, c) != 0f) {
                        child = true;
                        break;
                    }
                }
                if (child) {
                    withChild++;
                    if (!on) {
                        silent++;
                    }
                }
            }
            absorption[pi] = withChild == 0 ? Double.NaN : (double) silent / withChild;
            absSum += absorption[pi];
            recallSum += present == 0 ? Double.NaN : (double) fired / present;
        }
        return new Result(
                sum / mc.max().length,
                mc.max(),
                mc.index(),
                absSum / parents.size(),
                absorption,
                recallSum / parents.size());
    }
}
