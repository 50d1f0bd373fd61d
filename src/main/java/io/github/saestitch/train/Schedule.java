package io.github.saestitch.train;

/**
 * Per-step learning rate and L1 coefficient for a run of {@code S} steps (steps numbered 1..S).
 *
 * <ul>
 *   <li>learning rate: linear warm-up {@code lr·s/W} for {@code s ≤ W = ⌈warmup·S⌉}; constant; then linear
 *       decay {@code lr·(S − s + 1)/D} over the last {@code D = ⌊decay·S⌋} steps (reaching lr/D at the
 *       last step), Anthropic's April 2024 recipe;</li>
 *   <li>L1 coefficient: {@code λ·min(1, s/L)} with {@code L = ⌈l1Warmup·S⌉} (0 warm-up: λ throughout).</li>
 * </ul>
 */
final class Schedule {
    private final double lr;
    private final int steps;
    private final int warmup;
    private final int decay;
    private final double l1;
    private final int l1Warmup;

    Schedule(TrainOptions o) {
        this.lr = o.learningRate();
        this.steps = o.steps();
        this.warmup = (int) Math.ceil(o.lrWarmupFraction() * steps);
        this.decay = (int) Math.floor(o.lrDecayFraction() * steps);
        this.l1 = o.l1Coefficient();
        this.l1Warmup = (int) Math.ceil(o.l1WarmupFraction() * steps);
    }

    double learningRate(int step) {
        if (warmup > 0 && step <= warmup) {
            return lr * step / warmup;
        }
        if (decay > 0 && step > steps - decay) {
            return lr * (steps - step + 1) / decay;
        }
        return lr;
    }

    double l1Coefficient(int step) {
        return l1Warmup > 0 ? l1 * Math.min(1.0, (double) step / l1Warmup) : l1;
    }
}
