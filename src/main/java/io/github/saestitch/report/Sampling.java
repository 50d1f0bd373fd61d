package io.github.saestitch.report;

import io.github.saestitch.tensor.SplitMix64;
import java.util.Arrays;

/**
 * Seeded uniform sampling without replacement, for the rare pair too large to draw every latent. The
 * same seed and sizes give the same sample on every machine ({@link SplitMix64} is specified
 * bit for bit; its draws here equal those of the {@code SplittableRandom} this class first used).
 */
final class Sampling {
    private Sampling() {}

    /**
     * {@code k} distinct indices of {@code [0, n)}, ascending, drawn uniformly with {@code seed}; all of
     * them when {@code k ≥ n}.
     */
    static int[] indices(int n, int k, long seed) {
        if (n < 0 || k < 0) {
            throw new IllegalArgumentException("n and k must be >= 0, got " + n + ", " + k);
        }
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        if (k >= n) {
            return all;
        }
        // Partial Fisher–Yates: the first k slots end up a uniform sample.
        SplitMix64 rnd = new SplitMix64(seed);
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextIntLikeSplittableRandom(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] out = Arrays.copyOf(all, k);
        Arrays.sort(out);
        return out;
    }
}
