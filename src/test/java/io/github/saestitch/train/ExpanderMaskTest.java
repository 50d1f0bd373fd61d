package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpanderMaskTest {
    /** Right degrees may differ from the mean F·deg/d by at most this (deferral moves a few edges). */
    static final int RIGHT_DEGREE_SLACK = 2;

    @ParameterizedTest
    @CsvSource({"768,384,32,1", "100,30,8,2", "7,5,5,3", "1000,384,1,4"})
    void leftRegularDistinctAndBalanced(int f, int d, int deg, long seed) {
        ExpanderMask m = ExpanderMask.random(f, d, deg, seed);
        assertThat(m.storedDecoderValues()).isEqualTo((long) f * deg);
        assertThat(m.decoderRatio()).isEqualTo((double) deg / d);
        for (int i = 0; i < f; i++) {
            Set<Integer> seen = new HashSet<>();
            int prev = -1;
            for (int j = 0; j < deg; j++) {
                int v = m.neighbour(i, j);
                assertThat(v).isBetween(0, d - 1).isGreaterThan(prev);
                prev = v;
                seen.add(v);
            }
            assertThat(seen).hasSize(deg);
        }
        int[] right = m.rightDegrees();
        double mean = (double) f * deg / d;
        for (int r : right) {
            assertThat(Math.abs(r - mean)).isLessThanOrEqualTo(Math.ceil(mean) - mean + RIGHT_DEGREE_SLACK);
        }
        assertThat(ExpanderMask.random(f, d, deg, seed).indexArray()).isEqualTo(m.indexArray());
    }

    @ParameterizedTest
    @CsvSource({"10,5,0", "10,5,6"})
    void rejectsDegreesOutsideOneToD(int f, int d, int deg) {
        assertThatThrownBy(() -> ExpanderMask.random(f, d, deg, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("degree");
    }
}
