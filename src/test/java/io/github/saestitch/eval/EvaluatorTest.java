package io.github.saestitch.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.sae.ReferenceSae;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.sae.TestSaes;
import io.github.saestitch.sae.TestSaes.Arch;
import io.github.saestitch.sae.TestSaes.Case;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EvaluatorTest {
    /**
     * Relative difference allowed where only double rounding differs (e.g. the variance merged over
     * blocks of different sizes vs a two-pass over the whole set): ~1e-15 expected, 1e-12 allowed.
     */
    static final double DOUBLE_ROUNDING_REL_TOL = 1e-12;
    /**
     * Relative difference allowed between the float32 pipeline and the double reference on gaussian
     * cases: x̂ carries ≲ 1e-5 absolute rounding (the mean-100 dim), against per-token errors of O(1).
     */
    static final double GAUSSIAN_REL_TOL = 1e-4;

    private static final Kernels KERNELS = new ScalarKernels();
    private static final int[][] SHAPES = {{1, 1}, {1, 5}, {7, 64}, {33, 5}, {33, 130}};
    private static final int TOKENS = 41; // not a multiple of the block sizes below

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 1000;
        for (Arch arch : Arch.values()) {
            for (boolean applyBDec : new boolean[] {true, false}) {
                for (int[] shape : SHAPES) {
                    out.add(Arguments.of(arch, shape[0], shape[1], applyBDec, seed++));
                }
            }
        }
        return out.stream();
    }

    /** The tiny case of {@link TestSaes#handWorkedSae()}, worked by hand. */
    @Test
    void handWorkedTinyCase() {
        // x = (2, 1), (1, 3); codes (1, 0, 0), (0, 1, 0); x̂ = (2, 0), (1, 2); errors (0, 1), (0, 1).
        FloatMatrix x = TestSaes.matrix(new float[][] {{2, 1}, {1, 3}});
        for (int block : new int[] {1, 2, 4096}) {
            EvalResult r = new Evaluator(KERNELS, block).evaluate(TestSaes.handWorkedSae(), set(x));
            assertThat(r.tokens()).isEqualTo(2);
            assertThat(r.sumSquaredError()).isEqualTo(2.0);
            assertThat(r.mse()).isEqualTo(1.0); // (1 + 1) / 2 tokens
            // x̄ = (1.5, 2): Σ‖x − x̄‖² = (0.25 + 1) + (0.25 + 1) = 2.5
            assertThat(r.totalSumOfSquares()).isEqualTo(2.5);
            assertThat(r.fvu()).isCloseTo(0.8, within(1e-15));
            assertThat(r.l0()).isEqualTo(1.0);
            assertThat(r.dead()).isEqualTo(1); // latent 2: pre = 0 and −3, never > 0
            assertThat(r.freq()).containsExactly(0.5, 0.5, 0.0);
            assertThat(r.numLatents()).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0} dIn={1} F={2} applyBDec={3}")
    @MethodSource("cases")
    void gridSaeMetricsMatchTheLiteralReference(Arch arch, int dIn, int f, boolean applyBDec, long seed) {
        Case c = TestSaes.grid(arch, dIn, f, TOKENS, applyBDec, seed);
        ReferenceSae.Metrics ref = ReferenceSae.metrics(c.sae(), c.x());
        for (int block : new int[] {1, 5, 4096}) {
            EvalResult r = new Evaluator(KERNELS, block).evaluate(c.sae(), set(c.x()));
            assertThat(r.tokens()).isEqualTo(TOKENS);
            // Every x̂ and squared error is exact on the grid (TestSaes.grid), so are their sums.
            assertThat(r.sumSquaredError()).as("sse, block %d", block).isEqualTo(ref.sumSquaredError());
            assertThat(r.mse()).as("mse, block %d", block).isEqualTo(ref.mse());
            assertThat(r.l0()).as("l0").isEqualTo(ref.l0());
            assertThat(r.dead()).as("dead").isEqualTo(ref.dead());
            assertThat(r.freq()).as("freq").containsExactly(ref.freq());
            assertRelClose(r.totalSumOfSquares(), ref.totalSumOfSquares(), DOUBLE_ROUNDING_REL_TOL, "sst");
            assertRelClose(r.fvu(), ref.fvu(), DOUBLE_ROUNDING_REL_TOL, "fvu");
        }
    }

    @ParameterizedTest(name = "{0} dIn={1} F={2} applyBDec={3}")
    @MethodSource("cases")
    void gaussianSaeMetricsMatchTheLiteralReference(Arch arch, int dIn, int f, boolean applyBDec, long seed) {
        Case c = TestSaes.gaussian(arch, dIn, f, TOKENS, applyBDec, seed);
        ReferenceSae.Metrics ref = ReferenceSae.metrics(c.sae(), c.x());
        for (int block : new int[] {1, 5, 4096}) {
            EvalResult r = new Evaluator(KERNELS, block).evaluate(c.sae(), set(c.x()));
            assertThat(r.tokens()).isEqualTo(c.x().rows());
            assertRelClose(r.mse(), ref.mse(), GAUSSIAN_REL_TOL, "mse");
            assertRelClose(r.fvu(), ref.fvu(), GAUSSIAN_REL_TOL, "fvu");
            assertRelClose(r.totalSumOfSquares(), ref.totalSumOfSquares(), DOUBLE_ROUNDING_REL_TOL, "sst");
            // Decisions are MARGIN away from every boundary (TestSaes.gaussian): counts agree exactly.
            assertThat(r.l0()).as("l0").isEqualTo(ref.l0());
            assertThat(r.dead()).as("dead").isEqualTo(ref.dead());
            assertThat(r.freq()).as("freq").containsExactly(ref.freq());
        }
    }

    @Test
    void streamedResultsEqualOneBlockResults() {
        for (Arch arch : Arch.values()) {
            Case c = TestSaes.gaussian(arch, 33, 130, 200, true, 7);
            int n = c.x().rows();
            EvalResult one = new Evaluator(KERNELS, n).evaluate(c.sae(), set(c.x()));
            for (int block : new int[] {1, 3, 64, n - 1}) {
                EvalResult streamed = new Evaluator(KERNELS, block).evaluate(c.sae(), set(c.x()));
                assertThat(streamed.tokens()).isEqualTo(one.tokens());
                // Codes are bit-identical across blocks (ScalarKernels); only the order of double sums differs.
                assertRelClose(streamed.sumSquaredError(), one.sumSquaredError(), DOUBLE_ROUNDING_REL_TOL, "sse");
                assertRelClose(streamed.mse(), one.mse(), DOUBLE_ROUNDING_REL_TOL, "mse");
                assertRelClose(streamed.totalSumOfSquares(), one.totalSumOfSquares(), DOUBLE_ROUNDING_REL_TOL, "sst");
                assertRelClose(streamed.fvu(), one.fvu(), DOUBLE_ROUNDING_REL_TOL, "fvu");
                assertThat(streamed.l0()).isEqualTo(one.l0());
                assertThat(streamed.dead()).isEqualTo(one.dead());
                assertThat(streamed.freq()).containsExactly(one.freq());
            }
        }
    }

    @Test
    void nodesOfAnyCutIntoWholeBlocksGiveTheBitsOfOneEvaluation() {
        Case c = TestSaes.gaussian(Arch.values()[0], 33, 130, 203, true, 17);
        int n = c.x().rows();
        int block = 10;
        Evaluator evaluator = new Evaluator(KERNELS, block);
        EvalResult whole = evaluator.evaluate(c.sae(), set(c.x()));
        assertThat(evaluator.blockTokens(c.sae().numLatents())).isEqualTo(block);
        for (long[] cuts : new long[][] {{0, n}, {0, 10, n}, {0, 30, 40, 200, n}, {0, 200, n}}) {
            io.github.saestitch.tensor.MergeTree<EvalSums> tree =
                    new io.github.saestitch.tensor.MergeTree<>(EvalSums::merge);
            for (int k = 0; k + 1 < cuts.length; k++) {
                tree.pushAll(evaluator.nodes(c.sae(), set(c.x()), cuts[k], cuts[k + 1], null));
            }
            EvalResult merged = tree.result(null).result();
            assertThat(merged.sumSquaredError()).isEqualTo(whole.sumSquaredError());
            assertThat(merged.totalSumOfSquares()).isEqualTo(whole.totalSumOfSquares());
            assertThat(merged.mse()).isEqualTo(whole.mse());
            assertThat(merged.fvu()).isEqualTo(whole.fvu());
            assertThat(merged.l0()).isEqualTo(whole.l0());
            assertThat(merged.freq()).containsExactly(whole.freq());
        }
        assertThatThrownBy(() -> evaluator.nodes(c.sae(), set(c.x()), 5, n, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheSetInOrderedBlocksReportsProgressAndWritesNothing() {
        Case c = TestSaes.gaussian(Arch.TOPK_SMALL, 7, 64, 10, true, 11);
        FloatMatrix before = c.x().copy();
        InMemoryActivationSet s = set(c.x());
        List<Long> progress = new ArrayList<>();
        new Evaluator(KERNELS, 4).evaluate(c.sae(), s, progress::add);
        int n = c.x().rows();
        assertThat(s.requests).extracting(req -> req[0]).containsExactly(0L, 4L, 8L);
        assertThat(s.requests).extracting(req -> req[1]).containsExactly(4L, 4L, (long) n - 8);
        assertThat(progress).containsExactly(4L, 8L, (long) n);
        assertThat(c.x().toArray()).as("the set is read only").isEqualTo(before.toArray());
    }

    @Test
    void evaluatingAnAutoencoderEqualsEvaluatingItsSae() {
        Case c = TestSaes.gaussian(Arch.BATCHTOPK, 7, 64, 50, false, 13);
        Evaluator ev = new Evaluator(KERNELS, 8);
        EvalResult viaSae = ev.evaluate(c.sae(), set(c.x()));
        EvalResult viaModel = ev.evaluate(new SaeRunner(c.sae(), KERNELS, 8), set(c.x()), null);
        assertThat(viaModel.mse()).isEqualTo(viaSae.mse());
        assertThat(viaModel.fvu()).isEqualTo(viaSae.fvu());
        assertThat(viaModel.freq()).containsExactly(viaSae.freq());
    }

    @Test
    void nonFiniteActivationsAreRejectedNamingTheToken() {
        Case c = TestSaes.gaussian(Arch.RELU, 7, 5, 20, true, 17);
        FloatMatrix x = c.x().copy();
        x.set(6, 2, Float.NaN);
        Evaluator ev = new Evaluator(KERNELS, 4);
        assertThatThrownBy(() -> ev.evaluate(c.sae(), set(x)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test-set")
                .hasMessageContaining("NaN")
                .hasMessageContaining("token 6, dim 2");
        x.set(6, 2, 0f);
        x.set(19, 6, Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> ev.evaluate(c.sae(), set(x)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Infinity")
                .hasMessageContaining("token 19, dim 6");
    }

    @Test
    void dInMismatchIsRejectedNamingBothSizes() {
        Sae sae = TestSaes.handWorkedSae(); // dIn = 2
        InMemoryActivationSet s = set(FloatMatrix.zeros(5, 3));
        assertThatThrownBy(() -> new Evaluator(KERNELS).evaluate(sae, s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reads activations of width 2")
                .hasMessageContaining("has width 3")
                .hasMessageNotContaining("dIn")
                .hasMessageContaining("test-set");
    }

    @Test
    void emptySetIsRejected() {
        InMemoryActivationSet s = set(FloatMatrix.zeros(0, 2));
        assertThatThrownBy(() -> new Evaluator(KERNELS).evaluate(TestSaes.handWorkedSae(), s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty")
                .hasMessageContaining("test-set");
        assertThatThrownBy(() -> new Evaluator(KERNELS, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fvuIsUndefinedWithoutVariance() {
        // One token: x̄ = x, so Σ‖x − x̄‖² = 0 and fvu is NaN; mse is still defined.
        EvalResult r =
                new Evaluator(KERNELS).evaluate(TestSaes.handWorkedSae(), set(TestSaes.matrix(new float[][] {{2, 1}})));
        assertThat(r.totalSumOfSquares()).isZero();
        assertThat(r.fvu()).isNaN();
        assertThat(r.mse()).isEqualTo(1.0);
    }

    /**
     * A dim whose mean (10⁴) dwarfs its spread (10⁻¹): Σx² − n·x̄² would lose ~10 of double's 16 digits
     * to cancellation; the blockwise two-pass with Chan's merge keeps the variance to double rounding.
     */
    @Test
    void varianceIsStableWhenTheMeanDwarfsTheSpread() {
        Random rnd = new Random(23);
        int n = 3001;
        float[][] rows = new float[n][2];
        for (float[] row : rows) {
            row[0] = (float) (1e4 + 0.1 * rnd.nextGaussian());
            row[1] = (float) rnd.nextGaussian();
        }
        FloatMatrix x = TestSaes.matrix(rows);
        Sae sae = TestSaes.sae(
                new io.github.saestitch.sae.Activation.Relu(),
                true,
                new float[][] {{1}, {1}},
                new float[1],
                new float[][] {{0, 0}},
                new float[] {1e4f, 0});
        double exact = ReferenceSae.metrics(sae, x).totalSumOfSquares();
        for (int block : new int[] {1, 7, 1000, n}) {
            EvalResult r = new Evaluator(KERNELS, block).evaluate(sae, set(x));
            assertRelClose(r.totalSumOfSquares(), exact, DOUBLE_ROUNDING_REL_TOL, "sst, block " + block);
        }
    }

    @Test
    void toStringSummarizesWithoutArrays() {
        EvalResult r = new EvalResult(2, 1, 0.8, 1, 1, new double[] {0.5, 0.5, 0}, 2, 2.5);
        assertThat(r).hasToString("EvalResult[tokens=2, mse=1.00000, fvu=0.800000, l0=1.0000, dead=1/3]");
    }

    private static InMemoryActivationSet set(FloatMatrix x) {
        return new InMemoryActivationSet(x, "test-set");
    }

    private static void assertRelClose(double actual, double expected, double relTol, String what) {
        if (Double.isNaN(expected)) {
            assertThat(actual).as(what).isNaN();
            return;
        }
        assertThat(actual)
                .as(what)
                .isCloseTo(expected, within(relTol * Math.max(Math.abs(expected), Double.MIN_NORMAL)));
    }
}
