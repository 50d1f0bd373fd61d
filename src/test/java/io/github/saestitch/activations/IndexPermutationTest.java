package io.github.saestitch.activations;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;

class IndexPermutationTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 17, 64, 1000, 4097, 65_537})
    void isABijectionOfZeroToN(long n) {
        for (long seed = 0; seed < 3; seed++) {
            IndexPermutation p = new IndexPermutation(n, seed);
            BitSet seen = new BitSet((int) n);
            for (long i = 0; i < n; i++) {
                long v = p.apply(i);
                assertThat(v).isBetween(0L, n - 1);
                assertThat(seen.get((int) v)).as("value %d hit twice (n=%d, seed=%d)", v, n, seed).isFalse();
                seen.set((int) v);
            }
            assertThat(seen.cardinality()).isEqualTo((int) n);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 65_537})
    void differentSeedsGiveDifferentOrdersAndSameSeedTheSame(long n) {
        IndexPermutation a = new IndexPermutation(n, 7);
        IndexPermutation b = new IndexPermutation(n, 7);
        IndexPermutation c = new IndexPermutation(n, 8);
        int same = 0;
        int fixedPoints = 0;
        for (long i = 0; i < n; i++) {
            assertThat(a.apply(i)).isEqualTo(b.apply(i));
            if (a.apply(i) == c.apply(i)) {
                same++;
            }
            if (a.apply(i) == i) {
                fixedPoints++;
            }
        }
        // A random permutation agrees with another (or with the identity) in ~1 place on average.
        assertThat(same).isLessThan(10);
        assertThat(fixedPoints).isLessThan(10);
    }
}
