package io.github.saestitch.train;

import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.tensor.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Vanilla against Matryoshka SAEs on Nabeshima's toy model ({@link ToyModel}): does the Matryoshka loss
 * remove feature absorption, as Nabeshima (2024) reports? Every arm trains on the same stream with the same
 * seed, width (= the number of true features, as in that post), k, learning rate and steps; only the
 * loss differs. Each is measured on the same held-out tokens ({@link ToyMetrics}).
 */
public final class ToyComparison {

    /** The SAEs compared. */
    public enum Arm {
        /** BatchTopK with the plain reconstruction loss. */
        VANILLA_BATCHTOPK("vanilla batchtopk"),
        /** Matryoshka BatchTopK with fixed nested prefixes (Bussmann et al. 2025): F/8, F/4, F/2, F. */
        MATRYOSHKA_FIXED("matryoshka (fixed prefixes)"),
        /** Matryoshka BatchTopK with Nabeshima's (2024) random Pareto prefixes. */
        MATRYOSHKA_RANDOM("matryoshka (random prefixes)"),
        /** relu with the decoder-norm-weighted L1 penalty (the stitching post's setup). */
        VANILLA_RELU("vanilla relu+L1");

        private final String label;

        Arm(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param arms          which SAEs to train
     * @param numLatents    SAE width (Nabeshima 2024: the number of true features, 20)
     * @param k             BatchTopK's k (mean active latents per token; the truth has 1.12)
     * @param l1Coefficient λ for the relu arm (normalised units)
     * @param steps         Adam steps per arm (Nabeshima 2024: 20,000)
     * @param batchSize     tokens per step
     * @param learningRate  Adam's peak learning rate
     * @param seed          seed of the toy model's directions, the data stream and the initialisation
     * @param heldOutTokens tokens the metrics are measured on
     */
    public record Options(
            List<Arm> arms,
            int numLatents,
            int k,
            double l1Coefficient,
            int steps,
            int batchSize,
            double learningRate,
            long seed,
            int heldOutTokens) {
        public Options {
            arms = List.copyOf(arms);
            if (arms.isEmpty()) {
                throw new IllegalArgumentException("no arms to compare");
            }
            if (steps < 1 || batchSize < 1 || heldOutTokens < 1 || numLatents < 1) {
                throw new IllegalArgumentException("steps, batchSize, heldOutTokens and numLatents must be >= 1");
            }
        }

        /**
         * The defaults of the measured figures: every arm, 20 latents, k = 1 (the truth has 1.12 active
         * features per token; with k = 2 vanilla BatchTopK has budget to spare and barely absorbs),
         * λ = 1, 4000 steps of 1024 tokens at lr 3e-3, 20,000 held-out tokens.
         */
        public static Options defaults() {
            return new Options(List.of(Arm.values()), 20, 1, 1.0, 4000, 1024, 3e-3, 0, 20000);
        }
    }

    /**
     * One trained arm.
     *
     * @param arm     which SAE
     * @param options its training options
     * @param truth   ground-truth recovery and absorption on the held-out tokens
     * @param eval    held-out mse, fvu, l0, dead
     */
    public record ArmResult(Arm arm, TrainOptions options, ToyMetrics.Result truth, EvalResult eval) {}

    /** All arms, in the order of {@link Options#arms()}. */
    public record Result(Options options, List<ArmResult> arms) {
        /** The result of one arm, or null if it was not run. */
        public ArmResult arm(Arm a) {
            for (ArmResult r : arms) {
                if (r.arm() == a) {
                    return r;
                }
            }
            return null;
        }
    }

    private ToyComparison() {}

    /** Trains and measures every arm (no files written, nothing printed). */
    public static Result run(Options o, Kernels kernels) {
        Objects.requireNonNull(o, "options");
        ToyModel model = ToyModel.absorptionTree(o.seed());
        ToyModel.Sample held = model.heldOut(o.heldOutTokens());
        List<ArmResult> out = new ArrayList<>();
        for (Arm arm : o.arms()) {
            TrainOptions t = optionsFor(arm, o);
            TrainResult r = new Trainer(t, kernels).trainInMemory(model.batchSource(), held.acts(), TrainListener.NONE);
            out.add(new ArmResult(arm, t, ToyMetrics.measure(r.sae(), model, held, kernels), r.finalEval()));
        }
        return new Result(o, out);
    }

    /** The training options of one arm. */
    public static TrainOptions optionsFor(Arm arm, Options o) {
        Architecture a = switch (arm) {
            case VANILLA_BATCHTOPK -> Architecture.BATCHTOPK;
            case MATRYOSHKA_FIXED, MATRYOSHKA_RANDOM -> Architecture.MATRYOSHKA;
            case VANILLA_RELU -> Architecture.RELU;
        };
        return TrainOptions.builder(a, o.numLatents())
                .k(Math.min(o.k(), o.numLatents()))
                .l1Coefficient(o.l1Coefficient())
                .learningRate(o.learningRate())
                .batchSize(o.batchSize())
                .trainingTokens((long) o.steps() * o.batchSize())
                .seed(o.seed())
                .matryoshkaRandomPrefixes(arm == Arm.MATRYOSHKA_RANDOM)
                .initSampleTokens(Math.min(16384, o.steps() * o.batchSize()))
                .deadTokens(Math.max(o.batchSize(), (long) o.steps() * o.batchSize() / 20))
                .decoderInitNorm(1.0)
                .evalTokens(0)
                .evalEvery(Math.max(1, o.steps() / 4))
                .thresholdCalibrationTokens(16384)
                .build();
    }
}
