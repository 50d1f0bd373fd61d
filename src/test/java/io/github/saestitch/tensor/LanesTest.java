package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** Lanes.sum is the fixed pairwise tree its javadoc promises, bit for bit, for every species. */
class LanesTest {
    @Test
    void floatSumIsTheFixedPairwiseTree() {
        SplittableRandom r = new SplittableRandom(1);
        for (var species : new jdk.incubator.vector.VectorSpecies[] {
            FloatVector.SPECIES_64,
            FloatVector.SPECIES_128,
            FloatVector.SPECIES_256,
            FloatVector.SPECIES_512,
            FloatVector.SPECIES_PREFERRED
        }) {
            @SuppressWarnings("unchecked")
            var s = (jdk.incubator.vector.VectorSpecies<Float>) species;
            for (int trial = 0; trial < 200; trial++) {
                float[] a = new float[s.length()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-6, 7)));
                }
                assertThat(Float.floatToRawIntBits(Lanes.sum(FloatVector.fromArray(s, a, 0))))
                        .isEqualTo(Float.floatToRawIntBits(tree(a)));
            }
        }
    }

    @Test
    void doubleSumIsTheFixedPairwiseTree() {
        SplittableRandom r = new SplittableRandom(2);
        var s = DoubleVector.SPECIES_PREFERRED;
        for (int trial = 0; trial < 200; trial++) {
            double[] a = new double[s.length()];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian() * Math.pow(10, r.nextInt(-12, 13));
            }
            double[] t = a.clone();
            for (int half = t.length / 2; half >= 1; half /= 2) {
                for (int i = 0; i < half; i++) {
                    t[i] += t[i + half];
                }
            }
            assertThat(Lanes.sum(DoubleVector.fromArray(s, a, 0))).isEqualTo(t[0]);
        }
    }

    @Test
    void exactOnIntegers() {
        float[] a = new float[FloatVector.SPECIES_PREFERRED.length()];
        for (int i = 0; i < a.length; i++) {
            a[i] = i + 1;
        }
        assertThat(Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, a, 0)))
                .isEqualTo(a.length * (a.length + 1) / 2f);
    }

    /** The reference: lane i += lane i + half, halving, as separate float additions. */
    private static float tree(float[] a) {
        float[] t = a.clone();
        for (int half = t.length / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                t[i] += t[i + half];
            }
        }
        return t[0];
    }
}
