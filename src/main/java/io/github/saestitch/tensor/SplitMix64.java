package io.github.saestitch.tensor;

/**
 * The project's one seeded pseudo-random generator: SplitMix64 (Steele, Lea and Flood 2014, "Fast
 * splittable pseudorandom number generators"), {@code state += 0x9E3779B97F4A7C15}, output = the mix of
 * the state. Written out here, rather than using {@link java.util.SplittableRandom}, so that every
 * stream is pinned by this file (not by a JDK's choice of algorithm) and a run's randomness can be
 * saved as one {@code long} ({@link #state()}) in a checkpoint and restored bit for bit.
 *
 * <p>{@link #nextLong()} and {@link #nextDouble()} equal those of {@code new SplittableRandom(seed)}
 * (same constants and finaliser), so code that used it keeps its numbers.
 *
 * <p><b>Three bounded-int rules.</b> All are unbiased, but each rejects a slightly different set of
 * draws, so each gives its own stream; they are kept side by side because stored orders depend on them
 * (training batches, the activation store's document order, the report's latent sample):
 * {@link #nextInt} (training, shuffles), {@link #nextIntLikeRandom} (document permutations),
 * {@link #nextIntLikeSplittableRandom} (bit-identical to {@code SplittableRandom.nextInt(bound)}).
 *
 * <p>Gaussians use Box–Muller with {@link StrictMath}, so they are the same on every JVM.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    /** A generator whose state is {@code seed} (or a state saved by {@link #state()}). */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** A generator for stream {@code stream} of {@code seed}: independent streams from one seed. */
    public static SplitMix64 stream(long seed, long stream) {
        return new SplitMix64(mix(seed ^ mix(stream * GOLDEN + 0x632BE59BD9B4E019L)));
    }

    /** The finaliser of SplitMix64 (a bijection on 64-bit values with good avalanche). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The current state: {@code new SplitMix64(state())} continues this stream exactly. */
    public long state() {
        return state;
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Uniform in [0, bound), bound ≥ 1: 63 random bits, rejecting draws {@code ≥ Long.MAX_VALUE −
     * Long.MAX_VALUE % bound}. (For a power-of-two bound this also rejects the top, complete block,
     * which {@link #nextIntLikeRandom} keeps; otherwise the two agree.)
     */
    public int nextInt(int bound) {
        requirePositive(bound);
        long r = nextLong() >>> 1;
        long m = bound;
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % m);
        while (r >= limit) {
            r = nextLong() >>> 1;
        }
        return (int) (r % m);
    }

    /**
     * Uniform in [0, bound), bound ≥ 1: 63 random bits, rejecting only draws in the last, incomplete
     * multiple of {@code bound} ({@link java.util.Random}'s overflow test). See {@link #nextInt}.
     */
    public int nextIntLikeRandom(int bound) {
        requirePositive(bound);
        while (true) {
            long u = nextLong() >>> 1;
            long m = u % bound;
            if (u - m + (bound - 1) >= 0) {
                return (int) m;
            }
        }
    }

    /**
     * Uniform in [0, bound), bound ≥ 1, bit-identical to {@code new SplittableRandom(seed).nextInt(bound)}
     * for a generator made with {@code new SplitMix64(seed)}: 32-bit draws (the {@code mix32}
     * finaliser), masked for a power-of-two bound, else 31 bits with {@link java.util.Random}'s test.
     */
    public int nextIntLikeSplittableRandom(int bound) {
        requirePositive(bound);
        int r = nextInt32();
        int m = bound - 1;
        if ((bound & m) == 0) {
            return r & m;
        }
        for (int u = r >>> 1; u + m - (r = u % bound) < 0; u = nextInt32() >>> 1) {
            // reject the last, incomplete multiple of bound
        }
        return r;
    }

    /** 32 random bits from one step, with SplittableRandom's 32-bit finaliser. */
    private int nextInt32() {
        state += GOLDEN;
        long z = state;
        z = (z ^ (z >>> 33)) * 0x62A9D9ED799705F5L;
        return (int) (((z ^ (z >>> 28)) * 0xCB24D0A5C88C35B3L) >>> 32);
    }

    /** A standard normal sample (Box–Muller, one of the pair). */
    public double nextGaussian() {
        double u1 = nextDouble();
        double u2 = nextDouble();
        if (u1 < 1e-300) {
            u1 = 1e-300;
        }
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
    }

    /** Fisher–Yates shuffle of {@code a} in place, drawing with {@link #nextInt}. */
    public void shuffle(int[] a) {
        shuffle(a, false);
    }

    /**
     * A seeded random permutation of {@code 0..n-1}: Fisher–Yates from {@code new SplitMix64(seed)},
     * drawing with {@link #nextIntLikeRandom} (the activation store's document order depends on it).
     */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        new SplitMix64(seed).shuffle(p, true);
        return p;
    }

    /** The one Fisher–Yates loop; {@code likeRandom} picks the bounded-int rule (see the class comment). */
    private void shuffle(int[] a, boolean likeRandom) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = likeRandom ? nextIntLikeRandom(i + 1) : nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void requirePositive(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
    }
}
