package io.github.saestitch.train;

/**
 * A fully specified pseudo-random generator (Steele, Lea and Flood 2014, "Fast splittable
 * pseudorandom number generators"): {@code state += 0x9E3779B97F4A7C15}, output = the mix of the
 * state. Written out here, rather than using {@link java.util.SplittableRandom}, so that a run's
 * randomness is pinned by this file and can be saved as one {@code long} ({@link #state()}) in a
 * checkpoint and restored bit for bit.
 *
 * <p>Gaussians use Box–Muller with {@link StrictMath}, so they are the same on every JVM.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** A generator for stream {@code stream} of {@code seed}: independent streams from one seed. */
    public static SplitMix64 stream(long seed, long stream) {
        return new SplitMix64(mix(seed ^ mix(stream * GOLDEN + 0x632BE59BD9B4E019L)));
    }

    /** The finaliser of SplitMix64 (a bijection on 64-bit values with good avalanche). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long state() {
        return state;
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound), bound ≥ 1 (rejection sampling, unbiased). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long r = nextLong() >>> 1;
        long m = bound;
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % m);
        while (r >= limit) {
            r = nextLong() >>> 1;
        }
        return (int) (r % m);
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

    /** Fisher–Yates shuffle of {@code a} in place. */
    void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
