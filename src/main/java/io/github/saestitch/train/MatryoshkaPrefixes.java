package io.github.saestitch.train;

import io.github.saestitch.tensor.SplitMix64;
import java.util.Arrays;

/**
 * The prefix lengths whose reconstruction losses a step averages: {@code {F}} for every architecture
 * but matryoshka; for matryoshka the fixed prefixes ({@link TrainOptions#resolvedMatryoshkaPrefixes})
 * or, with {@link TrainOptions#matryoshkaRandomPrefixes}, fresh ones drawn each step.
 */
final class MatryoshkaPrefixes {
    private final TrainOptions options;
    private final boolean random;
    private final int[] fixed;

    MatryoshkaPrefixes(TrainOptions options) {
        this.options = options;
        boolean matryoshka = options.architecture() == Architecture.MATRYOSHKA;
        this.random = matryoshka && options.matryoshkaRandomPrefixes();
        this.fixed = matryoshka && !options.matryoshkaRandomPrefixes()
                ? options.resolvedMatryoshkaPrefixes()
                : new int[] {options.numLatents()};
    }

    /** The prefix ends of step {@code step} (increasing, the last = F). */
    int[] forStep(int step) {
        return random ? randomPrefixes(step) : fixed;
    }

    /**
     * Nabeshima's (2024) random prefixes: {@code numPrefixes − 1} lengths from a Pareto distribution truncated
     * to [1, F] ({@code P(L ≥ l) ∝ l^−α}, inverse-CDF sampling), plus F, sorted without repeats.
     */
    private int[] randomPrefixes(int step) {
        int F = options.numLatents();
        double a = options.matryoshkaParetoAlpha();
        SplitMix64 rng = SplitMix64.stream(options.seed(), 0x1_0000_0000L + step);
        int[] out = new int[options.matryoshkaNumPrefixes()];
        double tail = Math.pow(F, -a);
        for (int i = 0; i < out.length - 1; i++) {
            double u = rng.nextDouble();
            double l = Math.pow(1 - u * (1 - tail), -1 / a);
            out[i] = (int) Math.max(1, Math.min(F, Math.floor(l)));
        }
        out[out.length - 1] = F;
        return Arrays.stream(out).sorted().distinct().toArray();
    }
}
