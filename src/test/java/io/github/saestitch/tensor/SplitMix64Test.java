package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/** The one generator: its streams against the JDK's specified SplittableRandom and plain reference rules. */
class SplitMix64Test {
    private static final long[] SEEDS = {0, 1, 7, 42, -1, 0x5EEDL, Long.MIN_VALUE};
    private static final int[] BOUNDS = {1, 2, 3, 7, 8, 33, 1000, 1 << 20, (1 << 30) + 1, Integer.MAX_VALUE};

    @Test
    void longsAndDoublesEqualSplittableRandom() {
        for (long seed : SEEDS) {
            SplitMix64 a = new SplitMix64(seed);
            SplittableRandom b = new SplittableRandom(seed);
            for (int i = 0; i < 1000; i++) {
                assertThat(a.nextLong()).isEqualTo(b.nextLong());
                assertThat(a.nextDouble()).isEqualTo(b.nextDouble());
            }
        }
    }

    @Test
    void nextIntLikeSplittableRandomEqualsSplittableRandom() {
        for (long seed : SEEDS) {
            for (int bound : BOUNDS) {
                SplitMix64 a = new SplitMix64(seed);
                SplittableRandom b = new SplittableRandom(seed);
                for (int i = 0; i < 200; i++) {
                    assertThat(a.nextIntLikeSplittableRandom(bound))
                            .as("seed %d bound %d", seed, bound)
                            .isEqualTo(b.nextInt(bound));
                }
            }
        }
    }

    @Test
    void bothSixtyThreeBitRulesMatchTheirPlainDefinitions() {
        for (long seed : SEEDS) {
            for (int bound : BOUNDS) {
                SplitMix64 a = new SplitMix64(seed);
                SplitMix64 raw = new SplitMix64(seed);
                SplitMix64 c = new SplitMix64(seed);
                SplitMix64 raw2 = new SplitMix64(seed);
                for (int i = 0; i < 200; i++) {
                    // nextInt: reject r >= MAX − MAX % bound.
                    long r;
                    do {
                        r = raw.nextLong() >>> 1;
                    } while (r >= Long.MAX_VALUE - Long.MAX_VALUE % bound);
                    assertThat(a.nextInt(bound)).isEqualTo((int) (r % bound));
                    // nextIntLikeRandom: reject r in the incomplete last multiple of bound (2^63 = MAX + 1 values).
                    long u;
                    do {
                        u = raw2.nextLong() >>> 1;
                    } while (u / bound == (Long.MAX_VALUE / bound) && (Long.MAX_VALUE % bound) != bound - 1);
                    assertThat(c.nextIntLikeRandom(bound)).isEqualTo((int) (u % bound));
                }
            }
        }
    }

    @Test
    void boundsMustBePositive() {
        SplitMix64 r = new SplitMix64(1);
        assertThatThrownBy(() -> r.nextInt(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.nextIntLikeRandom(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.nextIntLikeSplittableRandom(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stateRestoresTheStreamAndStreamsDiffer() {
        SplitMix64 a = SplitMix64.stream(42, 3);
        a.nextLong();
        SplitMix64 b = new SplitMix64(a.state());
        for (int i = 0; i < 100; i++) {
            assertThat(b.nextGaussian()).isEqualTo(a.nextGaussian());
        }
        assertThat(SplitMix64.stream(42, 3).nextLong())
                .isNotEqualTo(SplitMix64.stream(42, 4).nextLong());
    }

    @Test
    void shuffleAndPermutationAreSeededFisherYates() {
        for (int n : new int[] {0, 1, 7, 33, 1001}) {
            int[] want = new int[n];
            for (int i = 0; i < n; i++) {
                want[i] = i;
            }
            // Plain Fisher–Yates with each rule.
            SplitMix64 r = new SplitMix64(5);
            int[] refShuffle = fisherYates(want, r::nextInt);
            SplitMix64 q = new SplitMix64(5);
            int[] refPerm = fisherYates(want, q::nextIntLikeRandom);
            int[] got = want.clone();
            new SplitMix64(5).shuffle(got);
            assertThat(got).isEqualTo(refShuffle);
            int[] perm = SplitMix64.permutation(n, 5);
            assertThat(perm).isEqualTo(refPerm);
            int[] sorted = perm.clone();
            Arrays.sort(sorted);
            assertThat(sorted).isEqualTo(want);
        }
    }

    private static int[] fisherYates(int[] identity, IntUnaryOperator boundedInt) {
        int[] p = identity.clone();
        for (int i = p.length - 1; i > 0; i--) {
            int j = boundedInt.applyAsInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
