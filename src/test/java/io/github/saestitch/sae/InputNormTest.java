package io.github.saestitch.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.sae.TestSaes.Arch;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link InputNorm#LAYER_NORM} in {@link SaeRunner} against the literal reference (plain loops in double). */
class InputNormTest {
    /**
     * |runner − reference| ≤ TOL·(1 + |reference|): the runner normalises in float32 (μ, σ rounded once from
     * double sums, the division and the GEMM in float32), the reference in double, so they differ by float32
     * rounding (≲ 1e-5 relative here); a wrong term (biased σ, ε on the way out, a missing μ) is ≳ 1e-3.
     */
    static final double TOL = 1e-4;

    private static final int TOKENS = 37;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 100;
        for (Arch arch : new Arch[] {Arch.RELU, Arch.JUMPRELU}) {
            for (boolean applyBDec : new boolean[] {true, false}) {
                for (int[] shape : new int[][] {{2, 3}, {5, 7}, {33, 5}, {67, 130}}) {
                    out.add(Arguments.of(arch, shape[0], shape[1], applyBDec, seed++));
                }
            }
        }
        return out.stream();
    }

    /** The reference: per token μ, unbiased σ, x_n = (x − μ)/(σ + ε), the SAE on x_n, x̂ = x̂_n·σ + μ. */
    static double[][][] reference(Sae sae, FloatMatrix x) {
        int n = x.rows();
        int d = sae.dIn();
        double[][] xn = new double[n][d];
        double[] mu = new double[n];
        double[] sigma = new double[n];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                mu[t] += x.get(t, j) / (double) d;
            }
            double ss = 0;
            for (int j = 0; j < d; j++) {
                ss += (x.get(t, j) - mu[t]) * (x.get(t, j) - mu[t]);
            }
            sigma[t] = Math.sqrt(ss / (d - 1));
            for (int j = 0; j < d; j++) {
                xn[t][j] = (x.get(t, j) - mu[t]) / (sigma[t] + InputNorm.EPS);
            }
        }
        double[][] pre = new double[n][sae.numLatents()];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < sae.numLatents(); i++) {
                double s = sae.bEnc()[i];
                for (int j = 0; j < d; j++) {
                    s += (xn[t][j] - (sae.applyBDecToInput() ? sae.bDec()[j] : 0))
                            * sae.wEnc().get(j, i);
                }
                pre[t][i] = s;
            }
        }
        double[][] codes = ReferenceSae.activate(sae, pre);
        double[][] xHat = ReferenceSae.decode(sae, codes);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                xHat[t][j] = xHat[t][j] * sigma[t] + mu[t];
            }
        }
        return new double[][][] {codes, xHat};
    }

    @ParameterizedTest(name = "{0} dIn={1} F={2} applyBDec={3}")
    @MethodSource("cases")
    void runnerMatchesTheReference(Arch arch, int dIn, int f, boolean applyBDec, long seed) {
        TestSaes.Case c = TestSaes.gaussian(arch, dIn, f, TOKENS, applyBDec, seed);
        Sae sae = c.sae().withInputNorm(InputNorm.LAYER_NORM);
        double[][][] ref = reference(sae, c.x());
        for (int block : new int[] {1, 5, 4096}) {
            SaeRunner runner = new SaeRunner(sae, new ScalarKernels(), block);
            SaeRunner.Forward fw = runner.forward(c.x());
            assertClose(TestSaes.toDouble(fw.codes().toDense()), ref[0], "codes, block " + block);
            assertClose(TestSaes.toDouble(fw.reconstruction()), ref[1], "x̂, block " + block);
            SaeRunner.DenseForward dense = runner.forwardDense(c.x());
            assertClose(TestSaes.toDouble(dense.acts()), ref[0], "dense codes, block " + block);
            assertClose(TestSaes.toDouble(dense.reconstruction()), ref[1], "dense x̂, block " + block);
            FloatMatrix out = FloatMatrix.zeros(c.x().rows(), dIn);
            runner.forward(c.x(), out);
            assertClose(TestSaes.toDouble(out), ref[1], "Autoencoder.forward x̂, block " + block);
        }
        // The normalisation changes the result (the test can fail): the same weights without it differ.
        double[][] plain = TestSaes.toDouble(
                new SaeRunner(c.sae(), new ScalarKernels()).forward(c.x()).reconstruction());
        assertThat(maxAbsDiff(plain, ref[1])).isGreaterThan(1e-3);
    }

    /**
     * Tokens with a spread σ ≈ 1e-4 make ε = 1e-5 a 10% term, so where ε goes (added to σ on the way in,
     * not on the way out) is visible far above the tolerance.
     */
    @Test
    void epsilonIsAddedOnTheWayInOnly() {
        TestSaes.Case c = TestSaes.gaussian(Arch.RELU, 9, 11, TOKENS, false, 21);
        Sae sae = c.sae().withInputNorm(InputNorm.LAYER_NORM);
        java.util.Random rnd = new java.util.Random(22);
        FloatMatrix x = FloatMatrix.zeros(TOKENS, 9);
        for (int t = 0; t < TOKENS; t++) {
            for (int j = 0; j < 9; j++) {
                x.set(t, j, (float) (1e-4 * rnd.nextGaussian()));
            }
        }
        double[][][] ref = reference(sae, x);
        SaeRunner.Forward fw = new SaeRunner(sae, new ScalarKernels()).forward(x);
        assertClose(TestSaes.toDouble(fw.codes().toDense()), ref[0], "codes");
        assertClose(TestSaes.toDouble(fw.reconstruction()), ref[1], "x̂");
    }

    @Test
    void decodeNeedsTheStatisticsOfItsEncode() {
        TestSaes.Case c = TestSaes.gaussian(Arch.RELU, 5, 7, TOKENS, true, 7);
        SaeRunner runner = new SaeRunner(c.sae().withInputNorm(InputNorm.LAYER_NORM), new ScalarKernels());
        SparseRows codes = runner.encode(c.x().rowSlice(0, 3));
        FloatMatrix wrong = FloatMatrix.zeros(4, 5);
        assertThatThrownBy(() -> runner.decode(new SparseRows(4, 7, new int[5], new int[0], new float[0]), wrong))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("layer_norm");
        FloatMatrix ok = FloatMatrix.zeros(3, 5);
        runner.decode(codes, ok); // the same 3 tokens: fine
        assertThatThrownBy(() -> new SaeRunner(c.sae().withInputNorm(InputNorm.LAYER_NORM), new ScalarKernels())
                        .decode(codes, ok))
                .as("no encode yet")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void layerNormNeedsTwoDims() {
        TestSaes.Case c = TestSaes.gaussian(Arch.RELU, 1, 3, 2, true, 3);
        assertThatThrownBy(() -> c.sae().withInputNorm(InputNorm.LAYER_NORM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("d_in >= 2");
    }

    @Test
    void mixingModelsRefuseALayerNormSource() {
        Sae plain = TestSaes.gaussian(Arch.RELU, 4, 3, 2, true, 5).sae();
        Sae ln = plain.withInputNorm(InputNorm.LAYER_NORM);
        assertThatThrownBy(() -> new MultiSourceSae(
                        new Sae[] {plain, ln},
                        new int[] {0, 1},
                        new int[] {0, 0},
                        FloatMatrix.zeros(2, 4),
                        new float[4]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer_norm");
        assertThatThrownBy(() -> new io.github.saestitch.stitch.Stitcher(new ScalarKernels())
                        .plan(ln, plain, null)) // the pair is checked before the options are read
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer_norm");
        plain.requireRawInput("a raw-input computation"); // NONE passes
    }

    @Test
    void withMetadataAndTheClusterSnapshotKeepTheNormalisation() {
        Sae s = TestSaes.gaussian(Arch.RELU, 3, 3, 2, true, 3).sae().withInputNorm(InputNorm.LAYER_NORM);
        assertThat(s.withMetadata(Sae.SaeMetadata.empty()).inputNorm()).isEqualTo(InputNorm.LAYER_NORM);
        assertThat(SaeSnapshot.of(s).sae().inputNorm()).isEqualTo(InputNorm.LAYER_NORM);
        assertThat(SaeSnapshot.of(s.withInputNorm(InputNorm.NONE)).sae().inputNorm())
                .isEqualTo(InputNorm.NONE);
    }

    private static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int t = 0; t < a.length; t++) {
            for (int j = 0; j < a[t].length; j++) {
                m = Math.max(m, Math.abs(a[t][j] - b[t][j]));
            }
        }
        return m;
    }

    private static void assertClose(double[][] actual, double[][] expected, String what) {
        assertThat(actual.length).as(what).isEqualTo(expected.length);
        for (int t = 0; t < actual.length; t++) {
            for (int j = 0; j < actual[t].length; j++) {
                assertThat(Math.abs(actual[t][j] - expected[t][j]))
                        .as("%s [%d, %d]", what, t, j)
                        .isLessThanOrEqualTo(TOL * (1 + Math.abs(expected[t][j])));
            }
        }
    }
}
