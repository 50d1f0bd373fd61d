package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.ScalarKernels;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every architecture's analytic float32 gradient against central finite differences of a
 * double-precision reference loss ({@link ReferenceObjective}), on tiny sizes.
 */
class SaeObjectiveGradientTest {
    /** Central-difference step in parameter units (double loss, so rounding error ≈ 1e-16 / EPS). */
    static final double EPS = 1e-5;
    /** ‖analytic − numeric‖ / ‖numeric‖ per parameter array: float32 accumulation over ~10 terms. */
    static final double REL_TOL = 2e-4;
    /** Loss agreement between the float32 objective and the double reference. */
    static final double LOSS_REL_TOL = 1e-5;

    static final int D = 6;
    static final int F = 10;
    static final int B = 5;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(Architecture.RELU, "dense", false),
                Arguments.of(Architecture.RELU, "sparse", false),
                Arguments.of(Architecture.TOPK, "", false),
                Arguments.of(Architecture.TOPK, "auxk", true),
                Arguments.of(Architecture.BATCHTOPK, "auxk", true),
                Arguments.of(Architecture.MATRYOSHKA, "prefixes 3,6,10", false),
                Arguments.of(Architecture.MATRYOSHKA, "prefixes + auxk", true),
                Arguments.of(Architecture.EXPANDER, "degree 3", true));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Architecture arch, String variant, boolean withDead) {
        Random rnd = new Random(1234 + arch.ordinal() * 17L + variant.hashCode());
        ExpanderMask mask = arch == Architecture.EXPANDER ? ExpanderMask.random(F, D, 3, 7) : null;
        SaeParams p = new SaeParams(D, F, mask);
        fill(p.wEnc, rnd, 0.6);
        fill(p.bEnc, rnd, 0.3);
        fill(p.wDec, rnd, 0.5);
        fill(p.bDec, rnd, 0.2);
        float[] x = new float[B * D];
        fill(x, rnd, 1.0);
        int k = 3;
        int auxK = 2;
        double auxCoef = 0.5;
        float l1 = arch == Architecture.RELU ? 0.3f : 0f;
        int[] dead = withDead ? new int[] {1, 4, 7, 8} : new int[0];
        int[] prefixes = arch == Architecture.MATRYOSHKA ? new int[] {3, 6, F} : new int[] {F};
        double density = variant.equals("dense") ? 0.0 : 1.0; // relu: 0 forces the GEMM path, 1 the sparse one

        SaeObjective obj = new SaeObjective(arch, new ScalarKernels(), D, F, B, k, auxK, auxCoef, density);
        SaeParams g = p.zerosLike();
        SaeObjective.Stats st = obj.compute(p, x, l1, dead, prefixes, 0f, g, new boolean[F]);
        if (withDead) {
            assertThat(st.auxLoss()).as("AuxK must be exercised").isGreaterThan(0);
        }
        assertThat(st.denseRelu()).isEqualTo(arch == Architecture.RELU && variant.equals("dense"));

        ReferenceObjective ref = new ReferenceObjective(arch, D, F, k, auxK, auxCoef, mask);
        double[][] xs = new double[B][D];
        for (int t = 0; t < B; t++) {
            for (int j = 0; j < D; j++) {
                xs[t][j] = x[t * D + j];
            }
        }
        double[] theta = ReferenceObjective.flatten(p);
        double[][] auxTarget = withDead ? ref.residual(theta, xs) : null;
        double refLoss = ref.loss(theta, xs, l1, dead, prefixes, auxTarget);
        assertThat(st.loss()).isCloseTo(refLoss, org.assertj.core.data.Percentage.withPercentage(100 * LOSS_REL_TOL));

        double[] analytic = ReferenceObjective.flatten(g);
        double[] numeric = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double keep = theta[i];
            theta[i] = keep + EPS;
            double up = ref.loss(theta, xs, l1, dead, prefixes, auxTarget);
            theta[i] = keep - EPS;
            double down = ref.loss(theta, xs, l1, dead, prefixes, auxTarget);
            theta[i] = keep;
            numeric[i] = (up - down) / (2 * EPS);
        }
        String[] names = {"W_enc", "b_enc", "W_dec", "b_dec"};
        int[] sizes = {p.wEnc.length, p.bEnc.length, p.wDec.length, p.bDec.length};
        int off = 0;
        for (int a = 0; a < 4; a++) {
            double diff = 0;
            double norm = 0;
            for (int i = off; i < off + sizes[a]; i++) {
                diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
                norm += numeric[i] * numeric[i];
            }
            assertThat(norm)
                    .as("%s gradient of %s %s is zero: the test would prove nothing", names[a], arch, variant)
                    .isGreaterThan(1e-12);
            assertThat(Math.sqrt(diff / norm))
                    .as("relative gradient error of %s (%s %s)", names[a], arch, variant)
                    .isLessThan(REL_TOL);
            off += sizes[a];
        }
    }

    static void fill(float[] a, Random rnd, double scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
    }
}
