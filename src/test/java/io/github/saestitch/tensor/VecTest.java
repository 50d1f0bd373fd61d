package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Vec.dot and Vec.axpy against plain loops, at odd lengths and offsets. */
class VecTest {
    /** Float-lane accumulation: relative error within a few √n ulps of float. */
    static final double DOT_REL_TOL = 1e-5;

    @Test
    void dotAndAxpyMatchPlainLoops() {
        SplittableRandom r = new SplittableRandom(9);
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 31, 33, 64, 383, 384, 385, 1000}) {
            int ao = r.nextInt(5);
            int bo = r.nextInt(5);
            float[] a = new float[ao + n];
            float[] b = new float[bo + n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextGaussian();
            }
            double want = 0;
            double scale = 0;
            for (int i = 0; i < n; i++) {
                want += (double) a[ao + i] * b[bo + i];
                scale += Math.abs((double) a[ao + i] * b[bo + i]);
            }
            assertThat(Vec.dot(a, ao, b, bo, n)).as("n = %d", n).isCloseTo(want, within(DOT_REL_TOL * scale + 1e-30));

            float alpha = (float) r.nextGaussian();
            float[] y = b.clone();
            float[] yRef = b.clone();
            for (int i = 0; i < n; i++) {
                yRef[bo + i] = Math.fma(alpha, a[ao + i], yRef[bo + i]);
            }
            Vec.axpy(alpha, a, ao, y, bo, n);
            assertThat(y).as("axpy n = %d", n).isEqualTo(yRef); // FMA per element either way: exact
        }
    }
}
