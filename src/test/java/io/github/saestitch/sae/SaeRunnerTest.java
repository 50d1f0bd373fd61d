package io.github.saestitch.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.sae.TestSaes.Arch;
import io.github.saestitch.sae.TestSaes.Case;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MaxCosine;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SaeRunnerTest {
    /**
     * Gaussian cases: |runner − reference| ≤ TOL·(1 + |reference|) for codes and reconstructions. float32
     * rounding of pre and x̂ here is ≲ 1e-5 absolute (the mean-100 dim dominates), so 1e-4 leaves room
     * while still catching any wrong term (which would be O(0.1)).
     */
    static final double GAUSSIAN_TOL = 1e-4;

    private static final Kernels KERNELS = new ScalarKernels();
    private static final int[][] SHAPES = {{1, 1}, {1, 5}, {7, 1}, {7, 64}, {33, 5}, {33, 130}};
    private static final int TOKENS = 37; // not a multiple of any block size used below

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 1;
        for (Arch arch : Arch.values()) {
            for (boolean applyBDec : new boolean[] {true, false}) {
                for (int[] shape : SHAPES) {
                    out.add(Arguments.of(arch, shape[0], shape[1], applyBDec, seed++));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} dIn={1} F={2} applyBDec={3}")
    @MethodSource("cases")
    void gridSaeMatchesTheLiteralReferenceExactly(Arch arch, int dIn, int f, boolean applyBDec, long seed) {
        Case c = TestSaes.grid(arch, dIn, f, TOKENS, applyBDec, seed);
        double[][] refCodes = ReferenceSae.encode(c.sae(), c.x());
        double[][] refXHat = ReferenceSae.decode(c.sae(), refCodes);
        for (int block : new int[] {1, 5, 4096}) {
            SaeRunner runner = new SaeRunner(c.sae(), KERNELS, block);
            SaeRunner.Forward fw = runner.forward(c.x());
            assertCsrWellFormed(fw.codes());
            // Every value is exactly representable (TestSaes.grid): equality, not closeness.
            assertThat(TestSaes.toDouble(fw.codes().toDense()))
                    .as("codes, block %d", block)
                    .isDeepEqualTo(refCodes);
            assertThat(TestSaes.toDouble(fw.reconstruction()))
                    .as("x̂, block %d", block)
                    .isDeepEqualTo(refXHat);
            SaeRunner.DenseForward dense = runner.forwardDense(c.x());
            assertThat(TestSaes.toDouble(dense.acts()))
                    .as("dense codes, block %d", block)
                    .isDeepEqualTo(refCodes);
            assertThat(TestSaes.toDouble(dense.reconstruction()))
                    .as("dense x̂, block %d", block)
                    .isDeepEqualTo(refXHat);
        }
    }

    @ParameterizedTest(name = "{0} dIn={1} F={2} applyBDec={3}")
    @MethodSource("cases")
    void gaussianSaeMatchesTheLiteralReferenceWithinTolerance(Arch arch, int dIn, int f, boolean applyBDec, long seed) {
        Case c = TestSaes.gaussian(arch, dIn, f, TOKENS, applyBDec, seed);
        double[][] refCodes = ReferenceSae.encode(c.sae(), c.x());
        double[][] refXHat = ReferenceSae.decode(c.sae(), refCodes);
        for (int block : new int[] {1, 5, 4096}) {
            SaeRunner runner = new SaeRunner(c.sae(), KERNELS, block);
            SaeRunner.Forward fw = runner.forward(c.x());
            assertCsrWellFormed(fw.codes());
            double[][] codes = TestSaes.toDouble(fw.codes().toDense());
            assertClose(codes, refCodes, "codes, block " + block);
            // Decisions are MARGIN away from every boundary, so the active sets agree exactly.
            for (int t = 0; t < codes.length; t++) {
                for (int j = 0; j < f; j++) {
                    assertThat(codes[t][j] != 0)
                            .as("latent %d active on token %d", j, t)
                            .isEqualTo(refCodes[t][j] != 0);
                }
            }
            assertClose(TestSaes.toDouble(fw.reconstruction()), refXHat, "x̂, block " + block);
            // x̂ from the runner's own codes, to check decode separately from encode.
            assertClose(TestSaes.toDouble(fw.reconstruction()), ReferenceSae.decode(c.sae(), codes), "decode");
            SaeRunner.DenseForward dense = runner.forwardDense(c.x());
            assertThat(TestSaes.toDouble(dense.acts()))
                    .as("dense codes equal sparse codes")
                    .isDeepEqualTo(codes);
            assertClose(TestSaes.toDouble(dense.reconstruction()), refXHat, "dense x̂, block " + block);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 36, 37, 4096})
    void blockSizeDoesNotChangeTheCodes(int block) {
        for (Arch arch : Arch.values()) {
            Case c = TestSaes.gaussian(arch, 33, 130, TOKENS, true, 99);
            SparseRows oneBlock = new SaeRunner(c.sae(), KERNELS, 4096).encode(c.x());
            SparseRows blocked = new SaeRunner(c.sae(), KERNELS, block).encode(c.x());
            // ScalarKernels computes each row independently of the others: bit-identical.
            // (colIdx/values may be longer than nnz: compare the stored entries only.)
            assertThat(blocked.rowPtr()).as(arch.name()).isEqualTo(oneBlock.rowPtr());
            assertThat(Arrays.copyOf(blocked.colIdx(), blocked.nnz()))
                    .as(arch.name())
                    .isEqualTo(Arrays.copyOf(oneBlock.colIdx(), oneBlock.nnz()));
            assertThat(Arrays.copyOf(blocked.values(), blocked.nnz()))
                    .as(arch.name())
                    .isEqualTo(Arrays.copyOf(oneBlock.values(), oneBlock.nnz()));
        }
    }

    /** The tiny case worked by hand (the same one EvaluatorTest uses for the metrics). */
    @Test
    void handWorkedRelu() {
        SaeRunner runner = new SaeRunner(TestSaes.handWorkedSae(), KERNELS);
        SaeRunner.Forward fw = runner.forward(TestSaes.matrix(new float[][] {{2, 1}, {1, 3}}));
        // x − b_dec = (1, 1), (0, 3); pre = (1, −1, 0), (0, 1, −3); relu keeps latent 0, then latent 1.
        assertThat(fw.codes().rowPtr()).containsExactly(0, 1, 2);
        assertThat(Arrays.copyOf(fw.codes().colIdx(), 2)).containsExactly(0, 1);
        assertThat(Arrays.copyOf(fw.codes().values(), 2)).containsExactly(1f, 1f);
        // x̂ = f·W_dec + b_dec = (1,0)+(1,0) and (0,2)+(1,0).
        assertThat(fw.reconstruction().toArray()).containsExactly(2f, 0f, 1f, 2f);
    }

    /** Identity encoder (pre = x): each activation rule checked on values chosen by hand, ties included. */
    @Test
    void activationRulesByHand() {
        FloatMatrix x = TestSaes.matrix(new float[][] {{1, 2, 2, 0.5f}, {-1, 0, 3, -1}});
        assertThat(denseCodes(new Activation.Relu(), x)).isEqualTo(new float[] {1, 2, 2, 0.5f, 0, 0, 3, 0});
        // pre > θ_i keeps relu(pre), strictly: 1 > 1 and 2 > 2 are inactive; θ < 0 still never keeps a
        // negative pre (SAELens: mask · relu(pre)).
        assertThat(denseCodes(new Activation.JumpRelu(new float[] {1, 1.5f, 2, -2}), x))
                .isEqualTo(new float[] {0, 2, 0, 0.5f, 0, 0, 3, 0});
        // Ties go to the lower latent: of the two 2s, k = 1 keeps latent 1.
        assertThat(denseCodes(new Activation.TopK(1), x)).isEqualTo(new float[] {0, 2, 0, 0, 0, 0, 3, 0});
        assertThat(denseCodes(new Activation.TopK(2), x)).isEqualTo(new float[] {0, 2, 2, 0, 0, 0, 3, 0});
        // k = F keeps every positive value and nothing else.
        assertThat(denseCodes(new Activation.TopK(4), x)).isEqualTo(new float[] {1, 2, 2, 0.5f, 0, 0, 3, 0});
        // BatchTopK at inference: relu, then > θ (global, strict).
        assertThat(denseCodes(new Activation.BatchTopK(2, 1f), x)).isEqualTo(new float[] {0, 2, 2, 0, 0, 0, 3, 0});
        assertThat(denseCodes(new Activation.BatchTopK(2, 2f), x)).isEqualTo(new float[] {0, 0, 0, 0, 0, 0, 3, 0});
        assertThat(denseCodes(new Activation.BatchTopK(2, 0f), x)).isEqualTo(new float[] {1, 2, 2, 0.5f, 0, 0, 3, 0});
    }

    private static float[] denseCodes(Activation act, FloatMatrix x) {
        float[][] identity = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        Sae sae = TestSaes.sae(act, true, identity, new float[4], identity, new float[4]);
        SaeRunner runner = new SaeRunner(sae, KERNELS, 1);
        float[] sparse = runner.encode(x).toDense().toArray();
        assertThat(runner.encodeDense(x).toArray()).as("dense and sparse agree").isEqualTo(sparse);
        return sparse;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void nonFiniteInputIsRejectedNamingRowAndDim(boolean applyBDec) {
        Case c = TestSaes.gaussian(Arch.RELU, 7, 5, 9, applyBDec, 3);
        SaeRunner runner = new SaeRunner(c.sae(), KERNELS, 2);
        FloatMatrix x = c.x().copy();
        x.set(5, 3, Float.NaN);
        assertThatThrownBy(() -> runner.encode(x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN")
                .hasMessageContaining("row 5, dim 3");
        assertThatThrownBy(() -> runner.encodeDense(x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row 5, dim 3");
        x.set(5, 3, 1f);
        x.set(8, 0, Float.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> runner.forward(x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Infinity")
                .hasMessageContaining("row 8, dim 0");
    }

    @Test
    void shapeMismatchesAreRejected() {
        SaeRunner runner = new SaeRunner(TestSaes.handWorkedSae(), KERNELS);
        assertThatThrownBy(() -> runner.encode(FloatMatrix.zeros(4, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 columns")
                .hasMessageContaining("reads activations of width 2")
                .hasMessageNotContaining("dIn");
        SparseRows codes = runner.encode(FloatMatrix.zeros(4, 2));
        assertThatThrownBy(() -> runner.decode(codes, FloatMatrix.zeros(3, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[4, 2]");
        SparseRows wide = SparseRows.fromDense(FloatMatrix.zeros(4, 5));
        assertThatThrownBy(() -> runner.decode(wide, FloatMatrix.zeros(4, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 latents")
                .hasMessageContaining("3");
        assertThatThrownBy(() -> new SaeRunner(TestSaes.handWorkedSae(), KERNELS, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zeroTokensGiveEmptyCodesAndReconstruction() {
        SaeRunner runner = new SaeRunner(TestSaes.handWorkedSae(), KERNELS);
        SaeRunner.Forward fw = runner.forward(FloatMatrix.zeros(0, 2));
        assertThat(fw.codes().rows()).isZero();
        assertThat(fw.codes().cols()).isEqualTo(3);
        assertThat(fw.reconstruction().rows()).isZero();
    }

    @Test
    void autoBlockSizeBoundsThePreActivationBuffer() {
        assertThat(SaeRunner.autoBlockTokens(1)).isEqualTo(SaeRunner.MAX_BLOCK_TOKENS);
        assertThat(SaeRunner.autoBlockTokens(12_288)).isEqualTo(1365);
        assertThat(SaeRunner.autoBlockTokens(98_304)).isEqualTo(170);
        assertThat(SaeRunner.autoBlockTokens(Integer.MAX_VALUE)).isEqualTo(1);
        for (int f : new int[] {1, 768, 12_288, 98_304, 1 << 24}) {
            assertThat((long) SaeRunner.autoBlockTokens(f) * f)
                    .isLessThanOrEqualTo(Math.max(f, SaeRunner.MAX_PRE_FLOATS));
        }
    }

    /** The GEMM output buffer is allocated once and reused for every block and every call. */
    @Test
    void preActivationBufferIsReusedAcrossBlocksAndCalls() {
        Case c = TestSaes.gaussian(Arch.JUMPRELU, 7, 64, TOKENS, true, 5);
        RecordingKernels rec = new RecordingKernels();
        SaeRunner runner = new SaeRunner(c.sae(), rec, 4);
        runner.encode(c.x());
        runner.encode(c.x().rowSlice(0, 3));
        assertThat(rec.gemmCalls).isEqualTo(10 + 1);
        assertThat(rec.gemmOutputs).as("distinct GEMM output arrays").hasSize(1);
    }

    /** ScalarKernels that remembers which heap arrays its GEMMs wrote to. */
    private static final class RecordingKernels implements Kernels {
        private final ScalarKernels inner = new ScalarKernels();
        final IdentityHashMap<Object, Boolean> gemmOutputs = new IdentityHashMap<>();
        int gemmCalls;

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void sgemm(
                boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c) {
            gemmCalls++;
            gemmOutputs.put(c.segment().heapBase().orElseThrow(), Boolean.TRUE);
            inner.sgemm(transA, transB, alpha, a, b, beta, c);
        }

        @Override
        public void addBiasActivate(FloatMatrix pre, float[] bias, float[] threshold) {
            inner.addBiasActivate(pre, bias, threshold);
        }

        @Override
        public SparseRows topK(FloatMatrix acts, int k) {
            return inner.topK(acts, k);
        }

        @Override
        public void sparseMult(SparseRows codes, FloatMatrix dec, FloatMatrix out, boolean accumulate) {
            inner.sparseMult(codes, dec, out, accumulate);
        }

        @Override
        public void rowNorms(FloatMatrix a, float[] out) {
            inner.rowNorms(a, out);
        }

        @Override
        public MaxCosine maxCosine(FloatMatrix a, FloatMatrix b) {
            return inner.maxCosine(a, b);
        }
    }

    private static void assertCsrWellFormed(SparseRows s) {
        for (int r = 0; r < s.rows(); r++) {
            assertThat(s.rowPtr()[r + 1]).isGreaterThanOrEqualTo(s.rowPtr()[r]);
            for (int p = s.rowPtr()[r]; p < s.rowPtr()[r + 1]; p++) {
                assertThat(s.values()[p]).as("stored entries are non-zero").isNotZero();
                if (p > s.rowPtr()[r]) {
                    assertThat(s.colIdx()[p])
                            .as("columns increase within a row")
                            .isGreaterThan(s.colIdx()[p - 1]);
                }
            }
        }
    }

    private static void assertClose(double[][] actual, double[][] expected, String what) {
        assertThat(actual.length).as(what + ": rows").isEqualTo(expected.length);
        for (int t = 0; t < actual.length; t++) {
            for (int j = 0; j < actual[t].length; j++) {
                double tol = GAUSSIAN_TOL * (1 + Math.abs(expected[t][j]));
                if (Math.abs(actual[t][j] - expected[t][j]) > tol) {
                    throw new AssertionError(what + ": [" + t + ", " + j + "] = " + actual[t][j] + ", reference "
                            + expected[t][j] + " (tolerance " + tol + ")");
                }
            }
        }
    }
}
