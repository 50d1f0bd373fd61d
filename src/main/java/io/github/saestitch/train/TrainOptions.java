package io.github.saestitch.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything that determines a training run (together with the data and the seed it fixes the
 * result bit for bit). Build one with {@link #builder(Architecture, int)}; the defaults are chosen for
 * residual-stream activations of small transformers (d ≈ 384, ‖x‖ ≈ 5–15, ~1M tokens) and are
 * explained per field. All loss coefficients act on the <em>normalised</em> inputs (see
 * {@link #normalizeInputs}), so they transfer between sites whose activation scales differ.
 *
 * @param architecture          relu, topk, batchtopk, matryoshka or expander ({@link Architecture})
 * @param numLatents            F, the number of latents (the SAE's width)
 * @param k                     active latents per token for the top-k architectures (mean per token
 *                              for batchtopk/matryoshka); ignored by relu. Default 32 (≈ the l0 the
 *                              stitching post's relu SAEs reach: 35–44)
 * @param l1Coefficient         λ of relu's penalty {@code λ Σ_i f_i ‖W_dec,i‖} on normalised inputs;
 *                              ignored by the others. Default 2, measured on all-MiniLM-L6-v2 layer 3
 *                              (Brown corpus, ‖x‖ ≈ 13, d = 384; 1M tokens): λ = 2 gives l0 37 / fvu 0.25
 *                              at F = 768 and l0 61 / fvu 0.19 at F = 3072 with no dead latent, near the
 *                              stitching post's l0 of 35–44; λ = 5 (Anthropic's April 2024 value) gave
 *                              l0 18 / fvu 0.44 at F = 768
 * @param l1WarmupFraction      λ grows linearly from 0 over this fraction of the steps (Anthropic: 5%):
 *                              keeps latents alive while the encoder finds its directions. Default 0.05
 * @param learningRate          Adam's peak learning rate. Default 1e-3: runs here are short (~2,000
 *                              steps), and on MiniLM activations 1e-3 descends smoothly without loss
 *                              spikes (SAELens's 3e-4 is tuned for runs of 10⁸ tokens and more)
 * @param lrWarmupFraction      linear warm-up from 0 over this fraction of the steps. Default 0.01
 * @param lrDecayFraction       linear decay to 0 over this final fraction of the steps (Anthropic: the
 *                              last 20%). Default 0.2
 * @param adamBeta1             Adam β₁. Default 0.9
 * @param adamBeta2             Adam β₂. Default 0.999
 * @param adamEpsilon           Adam ε. Default 1e-8
 * @param batchSize             tokens per step. Default 1024: 4096 is usual for long runs, but 1M tokens
 *                              at 4096 would be only 244 steps
 * @param trainingTokens        tokens to train on (repeating the data when it is smaller: epochs). Default
 *                              2,048,000 (2,000 steps of 1024, two epochs of 1M tokens): on 2 cores a
 *                              768→6144 relu family then takes about a quarter of an hour; held-out fvu
 *                              still falls slowly beyond it
 * @param seed                  seed of every random choice: initialisation, shuffling, prefixes, masks
 * @param bDecInit              how b_dec starts ({@link BDecInit}). Default geometric median
 * @param initSampleTokens      tokens read before step 1 to estimate b_dec and the input scale. Default 16384
 * @param normalizeInputs       train on {@code s·x} with {@code s = sqrt(d / mean‖x‖²)} (so E‖x‖² = d,
 *                              Anthropic's convention) and fold s back into the saved weights, so the
 *                              saved SAE works on raw activations. Default true
 * @param decoderInitNorm       norm of relu's initial decoder rows (Anthropic: 0.05–1); the top-k
 *                              architectures always start and stay at 1. Default 0.1
 * @param auxK                  latents AuxK reconstructs the residual with; 0 = d/2 (Gao et al.). Default 0
 * @param auxKCoefficient       α of AuxK, {@code L + α·L_aux}; 0 disables AuxK. Default 1/32 (Gao et al.)
 * @param deadTokens            a latent is dead (for AuxK and the dead count) once it has not fired on
 *                              this many training tokens. Default 256,000: Gao et al. use 10M on runs of
 *                              billions of tokens; ours are ~2M, and a latent of the mean frequency
 *                              (l0/F ≈ 0.5% at F = 6144) fires ~1,300 times in 256K tokens, so silence
 *                              there is death, not chance
 * @param matryoshkaPrefixes    increasing prefix lengths whose losses Matryoshka averages, the last = F;
 *                              empty = F/8, F/4, F/2, F (so a 6144-latent SAE nests 768, 1536, 3072)
 * @param matryoshkaRandomPrefixes Nabeshima's (2024) variant: each step samples
 *                              {@code matryoshkaNumPrefixes − 1} prefix lengths from a truncated Pareto
 *                              distribution on [1, F] plus F itself, instead of fixed prefixes. Default false
 * @param matryoshkaNumPrefixes prefixes per step for the random variant (Nabeshima 2024: 10). Default 10
 * @param matryoshkaParetoAlpha exponent α of the truncated Pareto, {@code P(L ≥ l) ∝ l^−α}. Default 0.5
 * @param expanderDegree        decoder values per latent for expander (left degree of the mask). Default 32
 * @param evalTokens            held-out tokens for periodic evaluation (the last ones of an activation
 *                              set, never trained on). Default 16384
 * @param evalEvery             steps between held-out evaluations; 0 = 20 evaluations per run. Default 0
 * @param logEvery              steps between rows of the training log; 0 = 200 rows per run. Default 0
 * @param checkpointEvery       steps between checkpoints; 0 = 10 per run. Default 0
 * @param thresholdCalibrationTokens tokens drawn after the last step to calibrate BatchTopK's inference
 *                              threshold so that its l0 equals k. Default 65536
 */
public record TrainOptions(
        Architecture architecture,
        int numLatents,
        int k,
        double l1Coefficient,
        double l1WarmupFraction,
        double learningRate,
        double lrWarmupFraction,
        double lrDecayFraction,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        int batchSize,
        long trainingTokens,
        long seed,
        BDecInit bDecInit,
        int initSampleTokens,
        boolean normalizeInputs,
        double decoderInitNorm,
        int auxK,
        double auxKCoefficient,
        long deadTokens,
        List<Integer> matryoshkaPrefixes,
        boolean matryoshkaRandomPrefixes,
        int matryoshkaNumPrefixes,
        double matryoshkaParetoAlpha,
        int expanderDegree,
        int evalTokens,
        int evalEvery,
        int logEvery,
        int checkpointEvery,
        int thresholdCalibrationTokens) {

    /** Version of the options as written into checkpoints and summaries. */
    public static final int FORMAT_VERSION = 1;

    // The defaults of the options the CLI offers, as constants so that its --help shows these very values.
    /** Default active latents per token (top-k architectures). */
    public static final int DEFAULT_K = 32;
    /** Default L1 coefficient (relu). */
    public static final double DEFAULT_L1_COEFFICIENT = 2.0;
    /** Default Adam learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** Default tokens per step. */
    public static final int DEFAULT_BATCH_SIZE = 1024;
    /** Default training tokens. */
    public static final long DEFAULT_TRAINING_TOKENS = 2_048_000L;
    /** Default seed of initialisation and batch order. */
    public static final long DEFAULT_SEED = 0;
    /** Default decoder entries per latent (expander). */
    public static final int DEFAULT_EXPANDER_DEGREE = 32;
    /** Default held-out evaluation tokens. */
    public static final int DEFAULT_EVAL_TOKENS = 16384;

    public TrainOptions {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(bDecInit, "bDecInit");
        matryoshkaPrefixes = List.copyOf(matryoshkaPrefixes == null ? List.of() : matryoshkaPrefixes);
        require(numLatents >= 1, "width must be >= 1, got " + numLatents);
        if (architecture.usesTopK()) {
            require(
                    k >= 1 && k <= numLatents,
                    "k must be in [1, width = " + numLatents + "] for " + architecture.id() + ", got " + k);
        }
        require(
                Double.isFinite(l1Coefficient) && l1Coefficient >= 0,
                "l1 coefficient must be finite and >= 0, got " + l1Coefficient);
        requireFraction("l1 warm-up fraction", l1WarmupFraction);
        require(
                Double.isFinite(learningRate) && learningRate > 0 && learningRate < 1,
                "learning rate must be in (0, 1), got " + learningRate
                        + " (Adam steps are ~lr per weight; 1e-4..3e-3 is usual)");
        requireFraction("lr warm-up fraction", lrWarmupFraction);
        requireFraction("lr decay fraction", lrDecayFraction);
        require(
                lrWarmupFraction + lrDecayFraction <= 1.0,
                "lr warm-up (" + lrWarmupFraction + ") plus decay (" + lrDecayFraction
                        + ") fractions exceed the whole run");
        require(adamBeta1 >= 0 && adamBeta1 < 1, "Adam beta1 must be in [0, 1), got " + adamBeta1);
        require(adamBeta2 >= 0 && adamBeta2 < 1, "Adam beta2 must be in [0, 1), got " + adamBeta2);
        require(Double.isFinite(adamEpsilon) && adamEpsilon > 0, "Adam epsilon must be > 0, got " + adamEpsilon);
        require(batchSize >= 1, "batch size must be >= 1, got " + batchSize);
        require(
                trainingTokens >= batchSize,
                "training tokens (" + trainingTokens + ") must be at least one batch (" + batchSize + ")");
        require(trainingTokens / batchSize <= Integer.MAX_VALUE, "too many steps: " + trainingTokens / batchSize);
        require(initSampleTokens >= 1, "init sample tokens must be >= 1, got " + initSampleTokens);
        require(
                Double.isFinite(decoderInitNorm) && decoderInitNorm > 0,
                "decoder init norm must be > 0, got " + decoderInitNorm);
        require(auxK >= 0, "auxK must be >= 0 (0 = d/2), got " + auxK);
        require(
                Double.isFinite(auxKCoefficient) && auxKCoefficient >= 0,
                "auxK coefficient must be >= 0, got " + auxKCoefficient);
        require(deadTokens >= 1, "dead-latent window must be >= 1 token, got " + deadTokens);
        int prev = 0;
        for (int p : matryoshkaPrefixes) {
            require(
                    p > prev && p <= numLatents,
                    "matryoshka prefixes must increase within [1, " + numLatents + "], got " + matryoshkaPrefixes);
            prev = p;
        }
        require(
                matryoshkaPrefixes.isEmpty() || prev == numLatents,
                "the last matryoshka prefix must be the width " + numLatents + ", got " + matryoshkaPrefixes);
        require(matryoshkaNumPrefixes >= 1, "matryoshka prefixes per step must be >= 1, got " + matryoshkaNumPrefixes);
        require(
                Double.isFinite(matryoshkaParetoAlpha) && matryoshkaParetoAlpha > 0,
                "matryoshka Pareto alpha must be > 0, got " + matryoshkaParetoAlpha);
        if (architecture == Architecture.EXPANDER) {
            require(expanderDegree >= 1, "expander degree must be >= 1, got " + expanderDegree);
        }
        require(evalTokens >= 0, "eval tokens must be >= 0, got " + evalTokens);
        require(
                evalEvery >= 0 && logEvery >= 0 && checkpointEvery >= 0,
                "evalEvery, logEvery and checkpointEvery must be >= 0 (0 = automatic)");
        require(
                thresholdCalibrationTokens >= 1,
                "threshold calibration tokens must be >= 1, got " + thresholdCalibrationTokens);
    }

    /** A builder with the documented defaults. */
    public static Builder builder(Architecture architecture, int numLatents) {
        return new Builder(architecture, numLatents);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Number of optimisation steps: {@code trainingTokens / batchSize} (a last partial batch is dropped). */
    public int steps() {
        return (int) (trainingTokens / batchSize);
    }

    /** {@link #evalEvery} resolved (0 → about 20 evaluations per run). */
    public int evalInterval() {
        return evalEvery > 0 ? evalEvery : Math.max(1, steps() / 20);
    }

    /** {@link #logEvery} resolved (0 → about 200 rows per run). */
    public int logInterval() {
        return logEvery > 0 ? logEvery : Math.max(1, steps() / 200);
    }

    /** {@link #checkpointEvery} resolved (0 → about 10 checkpoints per run). */
    public int checkpointInterval() {
        return checkpointEvery > 0 ? checkpointEvery : Math.max(1, steps() / 10);
    }

    /** The fixed matryoshka prefixes (explicit, or F/8, F/4, F/2, F without repeats). */
    public int[] resolvedMatryoshkaPrefixes() {
        if (!matryoshkaPrefixes.isEmpty()) {
            return matryoshkaPrefixes.stream().mapToInt(Integer::intValue).toArray();
        }
        List<Integer> out = new ArrayList<>();
        for (int div : new int[] {8, 4, 2, 1}) {
            int p = Math.max(1, numLatents / div);
            if (out.isEmpty() || p > out.get(out.size() - 1)) {
                out.add(p);
            }
        }
        if (out.get(out.size() - 1) != numLatents) {
            out.add(numLatents);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void requireFraction(String what, double v) {
        require(Double.isFinite(v) && v >= 0 && v <= 1, what + " must be in [0, 1], got " + v);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private Architecture architecture;
        private int numLatents;
        private int k = DEFAULT_K;
        private double l1Coefficient = DEFAULT_L1_COEFFICIENT;
        private double l1WarmupFraction = 0.05;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private double lrWarmupFraction = 0.01;
        private double lrDecayFraction = 0.2;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.999;
        private double adamEpsilon = 1e-8;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long trainingTokens = DEFAULT_TRAINING_TOKENS;
        private long seed = DEFAULT_SEED;
        private BDecInit bDecInit = BDecInit.GEOMETRIC_MEDIAN;
        private int initSampleTokens = 16384;
        private boolean normalizeInputs = true;
        private double decoderInitNorm = 0.1;
        private int auxK = 0;
        private double auxKCoefficient = 1.0 / 32;
        private long deadTokens = 256_000L;
        private List<Integer> matryoshkaPrefixes = List.of();
        private boolean matryoshkaRandomPrefixes = false;
        private int matryoshkaNumPrefixes = 10;
        private double matryoshkaParetoAlpha = 0.5;
        private int expanderDegree = DEFAULT_EXPANDER_DEGREE;
        private int evalTokens = DEFAULT_EVAL_TOKENS;
        private int evalEvery = 0;
        private int logEvery = 0;
        private int checkpointEvery = 0;
        private int thresholdCalibrationTokens = 65536;

        private Builder(Architecture architecture, int numLatents) {
            this.architecture = architecture;
            this.numLatents = numLatents;
        }

        private Builder(TrainOptions o) {
            architecture = o.architecture;
            numLatents = o.numLatents;
            k = o.k;
            l1Coefficient = o.l1Coefficient;
            l1WarmupFraction = o.l1WarmupFraction;
            learningRate = o.learningRate;
            lrWarmupFraction = o.lrWarmupFraction;
            lrDecayFraction = o.lrDecayFraction;
            adamBeta1 = o.adamBeta1;
            adamBeta2 = o.adamBeta2;
            adamEpsilon = o.adamEpsilon;
            batchSize = o.batchSize;
            trainingTokens = o.trainingTokens;
            seed = o.seed;
            bDecInit = o.bDecInit;
            initSampleTokens = o.initSampleTokens;
            normalizeInputs = o.normalizeInputs;
            decoderInitNorm = o.decoderInitNorm;
            auxK = o.auxK;
            auxKCoefficient = o.auxKCoefficient;
            deadTokens = o.deadTokens;
            matryoshkaPrefixes = o.matryoshkaPrefixes;
            matryoshkaRandomPrefixes = o.matryoshkaRandomPrefixes;
            matryoshkaNumPrefixes = o.matryoshkaNumPrefixes;
            matryoshkaParetoAlpha = o.matryoshkaParetoAlpha;
            expanderDegree = o.expanderDegree;
            evalTokens = o.evalTokens;
            evalEvery = o.evalEvery;
            logEvery = o.logEvery;
            checkpointEvery = o.checkpointEvery;
            thresholdCalibrationTokens = o.thresholdCalibrationTokens;
        }

        public Builder architecture(Architecture v) {
            architecture = v;
            return this;
        }

        public Builder numLatents(int v) {
            numLatents = v;
            return this;
        }

        public Builder k(int v) {
            k = v;
            return this;
        }

        public Builder l1Coefficient(double v) {
            l1Coefficient = v;
            return this;
        }

        public Builder l1WarmupFraction(double v) {
            l1WarmupFraction = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder lrWarmupFraction(double v) {
            lrWarmupFraction = v;
            return this;
        }

        public Builder lrDecayFraction(double v) {
            lrDecayFraction = v;
            return this;
        }

        public Builder adamBeta1(double v) {
            adamBeta1 = v;
            return this;
        }

        public Builder adamBeta2(double v) {
            adamBeta2 = v;
            return this;
        }

        public Builder adamEpsilon(double v) {
            adamEpsilon = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder trainingTokens(long v) {
            trainingTokens = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder bDecInit(BDecInit v) {
            bDecInit = v;
            return this;
        }

        public Builder initSampleTokens(int v) {
            initSampleTokens = v;
            return this;
        }

        public Builder normalizeInputs(boolean v) {
            normalizeInputs = v;
            return this;
        }

        public Builder decoderInitNorm(double v) {
            decoderInitNorm = v;
            return this;
        }

        public Builder auxK(int v) {
            auxK = v;
            return this;
        }

        public Builder auxKCoefficient(double v) {
            auxKCoefficient = v;
            return this;
        }

        public Builder deadTokens(long v) {
            deadTokens = v;
            return this;
        }

        public Builder matryoshkaPrefixes(List<Integer> v) {
            matryoshkaPrefixes = v;
            return this;
        }

        public Builder matryoshkaRandomPrefixes(boolean v) {
            matryoshkaRandomPrefixes = v;
            return this;
        }

        public Builder matryoshkaNumPrefixes(int v) {
            matryoshkaNumPrefixes = v;
            return this;
        }

        public Builder matryoshkaParetoAlpha(double v) {
            matryoshkaParetoAlpha = v;
            return this;
        }

        public Builder expanderDegree(int v) {
            expanderDegree = v;
            return this;
        }

        public Builder evalTokens(int v) {
            evalTokens = v;
            return this;
        }

        public Builder evalEvery(int v) {
            evalEvery = v;
            return this;
        }

        public Builder logEvery(int v) {
            logEvery = v;
            return this;
        }

        public Builder checkpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        public Builder thresholdCalibrationTokens(int v) {
            thresholdCalibrationTokens = v;
            return this;
        }

        /** The options; throws {@link IllegalArgumentException} naming the first bad value. */
        public TrainOptions build() {
            return new TrainOptions(
                    architecture,
                    numLatents,
                    k,
                    l1Coefficient,
                    l1WarmupFraction,
                    learningRate,
                    lrWarmupFraction,
                    lrDecayFraction,
                    adamBeta1,
                    adamBeta2,
                    adamEpsilon,
                    batchSize,
                    trainingTokens,
                    seed,
                    bDecInit,
                    initSampleTokens,
                    normalizeInputs,
                    decoderInitNorm,
                    auxK,
                    auxKCoefficient,
                    deadTokens,
                    matryoshkaPrefixes,
                    matryoshkaRandomPrefixes,
                    matryoshkaNumPrefixes,
                    matryoshkaParetoAlpha,
                    expanderDegree,
                    evalTokens,
                    evalEvery,
                    logEvery,
                    checkpointEvery,
                    thresholdCalibrationTokens);
        }
    }
}
