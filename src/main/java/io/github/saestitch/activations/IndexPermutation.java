package io.github.saestitch.activations;

/**
 * A seeded pseudo-random bijection of {@code [0, n)} computed on the fly in O(1) memory: a 4-round
 * balanced Feistel network over the smallest even number of bits covering {@code n}, with cycle-walking
 * (values outside {@code [0, n)} are encrypted again until they fall inside). Because the Feistel network
 * is a bijection of its power-of-two domain, cycle-walking yields a bijection of {@code [0, n)}; the domain
 * is below {@code 4n}, so a value needs fewer than 4 rounds of walking on average.
 *
 * <p>Why not an explicit permutation array: a store of 10^8 tokens would need 800 MB for it.
 */
final class IndexPermutation {
    private static final int ROUNDS = 4;

    private final long n;
    private final int half;
    private final long mask;
    private final long[] keys = new long[ROUNDS];

    IndexPermutation(long n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1)));
        this.half = (bits + 1) / 2;
        this.mask = (1L << half) - 1;
        SplitMix64 r = new SplitMix64(seed);
        for (int i = 0; i < ROUNDS; i++) {
            keys[i] = r.nextLong();
        }
    }

    /** The image of {@code i}, {@code 0 <= i < n}. */
    long apply(long i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException(i + " outside [0, " + n + ")");
        }
        long x = i;
        do {
            x = encrypt(x);
        } while (x >= n);
        return x;
    }

    private long encrypt(long x) {
        long left = x >>> half;
        long right = x & mask;
        for (long k : keys) {
            long next = left ^ (SplitMix64.mix(right ^ k) & mask);
            left = right;
            right = next;
        }
        return (left << half) | right;
    }
}
