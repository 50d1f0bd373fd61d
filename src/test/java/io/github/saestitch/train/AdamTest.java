package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.SplitMix64;
import org.junit.jupiter.api.Test;

/** {@link Adam#update} (lanes) against {@link Adam#updateReference}: bit for bit, odd lengths and offsets. */
class AdamTest {
    @Test
    void laneUpdateIsBitIdenticalToTheReference() {
        SplitMix64 r = new SplitMix64(17);
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 63, 385, 1000}) {
            for (int trial = 0; trial < 5; trial++) {
                int off = r.nextInt(5);
                float[][] a = new float[4][off + n];
                for (float[] x : a) {
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 4));
                    }
                }
                for (int i = 0; i < a[3].length; i++) {
                    a[3][i] = Math.abs(a[3][i]); // v >= 0
                }
                if (n > 2 && trial == 4) {
                    a[1][off + n - 1] = Float.POSITIVE_INFINITY; // a gradient that spoils one parameter
                }
                float[][] b = new float[4][];
                for (int k = 0; k < 4; k++) {
                    b[k] = a[k].clone();
                }
                float b1 = 0.9f,
                        b2 = 0.999f,
                        ob1 = 1 - b1,
                        ob2 = (float) (1 - 0.999),
                        step = 1e-3f,
                        inv = 3.1f,
                        eps = 1e-8f;
                Adam.Coefficients co = new Adam.Coefficients(b1, b2, ob1, ob2, step, inv, eps);
                boolean okLanes = Adam.update(a[0], a[1], a[2], a[3], off, off + n, co);
                boolean okRef = Adam.updateReference(b[0], b[1], b[2], b[3], off, off + n, co);
                assertThat(okLanes).as("n=%d trial=%d", n, trial).isEqualTo(okRef);
                for (int k = 0; k < 4; k++) {
                    for (int i = 0; i < a[k].length; i++) {
                        assertThat(Float.floatToRawIntBits(a[k][i]))
                                .as("n=%d trial=%d array %d index %d", n, trial, k, i)
                                .isEqualTo(Float.floatToRawIntBits(b[k][i]));
                    }
                }
            }
        }
    }
}
