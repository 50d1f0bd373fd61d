package io.github.saestitch.activations;

/**
 * SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny seeded generator written out here so that document
 * orders and shuffles depend only on the seed, not on a JDK's choice of algorithm.
 */
final class SplitMix64 {
    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in {@code [0, bound)} by rejection (no modulo bias). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive");
        }
        while (true) {
            long u = nextLong() >>> 1; // 63 uniform bits
            long m = u % bound;
            if (u - m + (bound - 1) >= 0) { // reject the last, partial multiple of bound (overflow test)
                return (int) m;
            }
        }
    }

    /** The SplitMix64 finalizer: a bijective 64-bit mix. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seeded random permutation of {@code 0..n-1} (Fisher-Yates). */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplitMix64 r = new SplitMix64(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
