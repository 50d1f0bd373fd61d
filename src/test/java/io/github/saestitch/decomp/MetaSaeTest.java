package io.github.saestitch.decomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A meta-SAE on decoder rows built from a few planted directions. */
class MetaSaeTest {
    static final int D = 24;
    static final int PLANTED = 6;
    static final int F = 241;
    /** Rows are exact 2-sparse combinations of 6 directions; k = 2 must explain nearly all of them. */
    static final double PLANTED_FVU = 0.1;
    /** Weights of two runs that differ only in last-bit rounding (see rowNormsDoNotMatter). */

    /**
     * An SAE whose decoder row i is {@code s_i·(a·u_{i mod 6} + b·u_{(i/6) mod 6})} (random a, b and norm s_i
     * in [0.3, 1.2], or a power of two when {@code powersOfTwo}), and row F−1 is zero.
     */
    static Sae planted(boolean powersOfTwo) {
        SplittableRandom rng = new SplittableRandom(3);
        float[][] u = new float[PLANTED][D];
        for (float[] row : u) {
            for (int c = 0; c < D; c++) {
                row[c] = (float) rng.nextGaussian();
            }
        }
        FloatMatrix dec = FloatMatrix.zeros(F, D);
        SplittableRandom scales = new SplittableRandom(4);
        for (int i = 0; i < F - 1; i++) {
            double a = 0.5 + rng.nextDouble();
            double b = 0.5 + rng.nextDouble();
            double s = powersOfTwo ? Math.scalb(1.0, scales.nextInt(-2, 4)) : 1.0;
            for (int c = 0; c < D; c++) {
                dec.set(i, c, (float) (s * (a * u[i % PLANTED][c] + b * u[(i / PLANTED) % PLANTED][c])));
            }
        }
        return new Sae(new Activation.Relu(), true, dec.transpose(), new float[F], dec, new float[D], null);
    }

    static MetaSaeOptions options() {
        return new MetaSaeOptions(PLANTED, 2, 400, 64, 3e-3, 7);
    }

    @Test
    void decomposesPlantedRowsIntoAtMostKMetaLatents() {
        MetaSae.Result r = MetaSae.train(planted(false), options(), new ScalarKernels(), null);
        assertThat(r.metaLatents()).isEqualTo(PLANTED);
        assertThat(r.meta().activation()).isInstanceOf(Activation.BatchTopK.class);
        assertThat(r.eval().fvu()).isLessThan(PLANTED_FVU);
        assertThat(r.fvuCapped()).isGreaterThanOrEqualTo(r.eval().fvu() - 1e-9).isLessThan(2 * PLANTED_FVU);
        assertThat(r.zeroRows()).isEqualTo(1);
        assertThat(r.metaOf()[F - 1]).isEmpty();
        int listed = 0;
        for (int j = 0; j < F; j++) {
            assertThat(r.metaOf()[j].length).isLessThanOrEqualTo(2).isEqualTo(r.weightOf()[j].length);
            for (int i = 1; i < r.weightOf()[j].length; i++) {
                assertThat(r.weightOf()[j][i]).isLessThanOrEqualTo(r.weightOf()[j][i - 1]);
            }
            listed += r.metaOf()[j].length;
        }
        assertThat(java.util.Arrays.stream(r.members()).sum()).isEqualTo(listed);
        assertThat(r.rowNorms()[F - 1]).isZero();
    }

    @Test
    void rowNormsDoNotMatter() {
        // Scaling rows by powers of two changes no bit of the unit rows, so the two runs must agree bit for
        // bit (the trainer's lane sums have a fixed order, tensor.Lanes, so JIT state does not matter).
        MetaSae.Result a = MetaSae.train(planted(false), options(), new ScalarKernels(), null);
        MetaSae.Result b = MetaSae.train(planted(true), options(), new ScalarKernels(), null);
        assertThat(b.meta().wDec().toArray()).isEqualTo(a.meta().wDec().toArray());
        for (int j = 0; j < F; j++) {
            assertThat(b.metaOf()[j]).as("meta-latents of latent %d", j).isEqualTo(a.metaOf()[j]);
        }
        assertThat(b.rowNorms()).isNotEqualTo(a.rowNorms());
    }

    @Test
    void defaultsAndRefusals() {
        assertThat(MetaSaeOptions.autoMetaLatents(6144)).isEqualTo(307);
        assertThat(MetaSaeOptions.autoMetaLatents(10)).isEqualTo(1);
        Sae zero = new Sae(
                new Activation.Relu(),
                true,
                FloatMatrix.zeros(D, 3),
                new float[3],
                FloatMatrix.zeros(3, D),
                new float[D],
                null);
        assertThatThrownBy(() -> MetaSae.train(zero, options(), new ScalarKernels(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zero");
        assertThatThrownBy(() -> MetaSae.train(
                        planted(false), new MetaSaeOptions(3, 4, 1, 8, 1e-3, 0), new ScalarKernels(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k = 4");
        assertThatThrownBy(() -> new MetaSaeOptions(0, 0, 1, 1, 1e-3, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
