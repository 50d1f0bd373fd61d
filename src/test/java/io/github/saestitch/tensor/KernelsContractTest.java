package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link Kernels} contract, run against every backend. Expected values come from the
 * hand-computable cases below and from brute-force double-precision loops in this class (so the
 * scalar backend is checked too, not only compared with itself).
 */
class KernelsContractTest {
    /**
     * sgemm error bound relative to {@code |alpha|·Σ_p |a_ip||b_pj| + |beta|·|c_ij|}. Float32
     * accumulation over k ≤ 600 terms is bounded by k·2⁻²⁴ ≈ 3.6e-5 in the worst case; blocked sums
     * stay near √k·2⁻²⁴ ≈ 1.5e-6, so 1e-5 catches any wrong term while allowing summation order.
     */
    static final double GEMM_REL_TOL = 1e-5;
    /** sparseMult bound relative to {@code Σ_k |v_k|·|dec_kc|} (a few dozen terms per row). */
    static final double SPARSE_REL_TOL = 1e-5;
    /** rowNorms relative error (float lanes, double reduction). */
    static final double NORM_REL_TOL = 1e-5;
    /** Absolute error of a cosine in [-1, 1] after normalization and a k ≤ 100 dot product. */
    static final double COS_ABS_TOL = 2e-6;

    static Stream<Named<Kernels>> backends() {
        return Stream.of(
                Named.of("scalar", new ScalarKernels()),
                Named.of("vector", new VectorKernels()),
                Named.of("vector-1-thread", new VectorKernels(1)),
                Named.of("openblas", OpenBlasKernels.load()));
    }

    /** How a test matrix is stored: the kernels must give the same answers for each. */
    enum Storage {
        /** A whole heap array. */
        HEAP,
        /** A row-slice view into a larger heap array (non-zero offset). */
        SLICE,
        /** Native memory at an odd byte offset, like a float tensor in a mapped safetensors file. */
        NATIVE_UNALIGNED
    }

    /** Backing memory for native test matrices; shared so the pool threads may read it. */
    private static final Arena ARENA = Arena.ofAuto();

    static FloatMatrix store(FloatMatrix m, Storage storage) {
        return switch (storage) {
            case HEAP -> m.copy();
            case SLICE -> {
                FloatMatrix big = FloatMatrix.zeros(m.rows() + 5, m.cols());
                big.fill(Float.NaN);
                FloatMatrix view = big.rowSlice(3, 3 + m.rows());
                for (int r = 0; r < m.rows(); r++) {
                    view.setRow(r, m.row(r));
                }
                yield view;
            }
            case NATIVE_UNALIGNED -> {
                MemorySegment seg =
                        ARENA.allocate(m.size() * Float.BYTES + 8, 8).asSlice(2, m.size() * Float.BYTES);
                FloatMatrix nat = FloatMatrix.of(seg, m.rows(), m.cols());
                for (int r = 0; r < m.rows(); r++) {
                    nat.setRow(r, m.row(r));
                }
                yield nat;
            }
        };
    }

    static FloatMatrix random(Random rnd, int rows, int cols) {
        FloatMatrix m = FloatMatrix.zeros(rows, cols);
        float[] v = m.heapArrayOrNull();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return m;
    }

    // ---------------------------------------------------------------------------------------------
    // sgemm

    /** Expected C and its error scale, by brute force in double. */
    record GemmRef(double[] c, double[] scale) {
        static GemmRef of(
                boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c0) {
            int m = c0.rows(), n = c0.cols(), k = transA ? a.rows() : a.cols();
            double[] c = new double[m * n];
            double[] scale = new double[m * n];
            float[] av = a.toArray(), bv = b.toArray(), cv = c0.toArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double x = transA ? av[p * a.cols() + i] : av[i * a.cols() + p];
                        double y = transB ? bv[j * b.cols() + p] : bv[p * b.cols() + j];
                        s += x * y;
                        mag += Math.abs(x * y);
                    }
                    double old = beta == 0f ? 0 : cv[i * n + j];
                    c[i * n + j] = alpha * s + beta * old;
                    scale[i * n + j] = Math.abs(alpha) * mag + Math.abs(beta * old);
                }
            }
            return new GemmRef(c, scale);
        }

        void check(FloatMatrix actual) {
            float[] got = actual.toArray();
            assertThat(got).hasSize(c.length);
            for (int i = 0; i < c.length; i++) {
                double tol = GEMM_REL_TOL * scale[i] + Float.MIN_NORMAL;
                if (!(Math.abs(got[i] - c[i]) <= tol)) {
                    throw new AssertionError("C[" + i / actual.cols() + ", " + i % actual.cols() + "] = " + got[i]
                            + ", expected " + c[i] + " ± " + tol);
                }
            }
        }
    }

    /** op(A) [m, k], op(B) [k, n] stored as the transpose flags ask. */
    static FloatMatrix[] operands(Random rnd, int m, int n, int k, boolean transA, boolean transB) {
        return new FloatMatrix[] {
            transA ? random(rnd, k, m) : random(rnd, m, k), transB ? random(rnd, n, k) : random(rnd, k, n)
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void multiplyHandComputable(Kernels kernels) {
        FloatMatrix a = FloatMatrix.wrap(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        FloatMatrix b = FloatMatrix.wrap(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        float[] expected = {58, 64, 139, 154};
        for (int combo = 0; combo < 4; combo++) {
            boolean ta = (combo & 1) != 0, tb = (combo & 2) != 0;
            FloatMatrix c = FloatMatrix.zeros(2, 2);
            kernels.sgemm(ta, tb, 1f, ta ? a.transpose() : a, tb ? b.transpose() : b, 0f, c);
            assertThat(c.toArray()).as("transA=%s transB=%s", ta, tb).containsExactly(expected);
        }
        // C = 0.5·A·B − 2·C with C = ones: every product is exact in float.
        FloatMatrix c = FloatMatrix.zeros(2, 2);
        c.fill(1f);
        kernels.sgemm(false, false, 0.5f, a, b, -2f, c);
        assertThat(c.toArray()).containsExactly(27f, 30f, 67.5f, 75f);
        FloatMatrix ab = FloatMatrix.zeros(2, 2);
        kernels.mult(a, b, ab);
        assertThat(ab.toArray()).containsExactly(expected);
        FloatMatrix atb = FloatMatrix.zeros(2, 2);
        kernels.multTransA(a.transpose(), b, atb);
        assertThat(atb.toArray()).containsExactly(expected);
        FloatMatrix abt = FloatMatrix.zeros(2, 2);
        kernels.multTransB(a, b.transpose(), abt);
        assertThat(abt.toArray()).containsExactly(expected);
    }

    /** {m, n, k}: odd sizes around the vector width, micro-tile and tile edges, k over several slabs. */
    static final int[][] SHAPES = {
        {1, 1, 1},
        {2, 3, 1},
        {1, 7, 33},
        {7, 1, 5},
        {7, 33, 129},
        {33, 7, 1},
        {129, 65, 257},
        {17, 48, 600},
        {300, 530, 20},
        {600, 31, 40},
    };

    static Stream<Arguments> gemmCases() {
        return backends()
                .flatMap(be -> Arrays.stream(SHAPES)
                        .flatMap(s -> Stream.of(0, 1, 2, 3)
                                .map(t -> Arguments.of(be, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0))));
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} tA={4} tB={5}")
    @MethodSource("gemmCases")
    void multiplyRandomShapes(Kernels kernels, int m, int n, int k, boolean transA, boolean transB) {
        Random rnd = new Random(31L * m + 17L * n + k + (transA ? 1000 : 0) + (transB ? 2000 : 0));
        FloatMatrix[] ab = operands(rnd, m, n, k, transA, transB);
        FloatMatrix c = FloatMatrix.zeros(m, n);
        c.fill(Float.NaN); // beta = 0 must ignore it
        GemmRef ref = GemmRef.of(transA, transB, 1f, ab[0], ab[1], 0f, c);
        kernels.sgemm(transA, transB, 1f, ab[0], ab[1], 0f, c);
        ref.check(c);

        FloatMatrix c2 = random(rnd, m, n);
        GemmRef ref2 = GemmRef.of(transA, transB, -0.75f, ab[0], ab[1], 1.25f, c2);
        kernels.sgemm(transA, transB, -0.75f, ab[0], ab[1], 1.25f, c2);
        ref2.check(c2);
    }

    static Stream<Arguments> storageCases() {
        return backends()
                .flatMap(be -> Stream.of(Storage.values())
                        .flatMap(st ->
                                Stream.of(0, 1, 2, 3).map(t -> Arguments.of(be, st, (t & 1) != 0, (t & 2) != 0))));
    }

    @ParameterizedTest(name = "{0} {1} tA={2} tB={3}")
    @MethodSource("storageCases")
    void multiplyAnyStorage(Kernels kernels, Storage storage, boolean transA, boolean transB) {
        Random rnd = new Random(7 + storage.ordinal());
        int m = 70, n = 45, k = 300;
        FloatMatrix[] ab = operands(rnd, m, n, k, transA, transB);
        FloatMatrix a = store(ab[0], storage), b = store(ab[1], storage);
        FloatMatrix c0 = random(rnd, m, n);
        FloatMatrix c = store(c0, storage);
        GemmRef ref = GemmRef.of(transA, transB, 2f, ab[0], ab[1], 0.5f, c0);
        kernels.sgemm(transA, transB, 2f, a, b, 0.5f, c);
        ref.check(c);
        if (storage == Storage.SLICE) {
            // The view's neighbours in the backing array are untouched.
            FloatMatrix whole = FloatMatrix.of(
                    MemorySegment.ofArray((float[]) c.segment().heapBase().orElseThrow()), m + 5, n);
            assertThat(whole.row(2)).containsOnly(Float.NaN);
            assertThat(whole.row(m + 3)).containsOnly(Float.NaN);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void multiplyConfinedNativeMemory(Kernels kernels) {
        Random rnd = new Random(99);
        FloatMatrix a0 = random(rnd, 200, 128), b0 = random(rnd, 128, 150);
        FloatMatrix c0 = FloatMatrix.zeros(200, 150);
        GemmRef ref = GemmRef.of(false, false, 1f, a0, b0, 0f, c0);
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix a = FloatMatrix.of(arena.allocate(a0.size() * 4), 200, 128);
            FloatMatrix b = FloatMatrix.of(arena.allocate(b0.size() * 4), 128, 150);
            FloatMatrix c = FloatMatrix.of(arena.allocate(c0.size() * 4), 200, 150);
            MemorySegment.copy(a0.segment(), 0, a.segment(), 0, a0.size() * 4);
            MemorySegment.copy(b0.segment(), 0, b.segment(), 0, b0.size() * 4);
            kernels.sgemm(false, false, 1f, a, b, 0f, c);
            ref.check(c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void multiplyZeroSizes(Kernels kernels) {
        // k = 0: C = beta·C, and with beta = 0 the old contents (even NaN) are dropped.
        FloatMatrix c = FloatMatrix.wrap(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        kernels.sgemm(false, false, 1f, FloatMatrix.zeros(2, 0), FloatMatrix.zeros(0, 3), 2f, c);
        assertThat(c.toArray()).containsExactly(2, 4, 6, 8, 10, 12);
        c.fill(Float.NaN);
        kernels.sgemm(true, true, 1f, FloatMatrix.zeros(0, 2), FloatMatrix.zeros(3, 0), 0f, c);
        assertThat(c.toArray()).containsOnly(0f);
        // m = 0 or n = 0: nothing to write, no error.
        for (int combo = 0; combo < 4; combo++) {
            boolean ta = (combo & 1) != 0, tb = (combo & 2) != 0;
            FloatMatrix a0 = ta ? FloatMatrix.zeros(4, 0) : FloatMatrix.zeros(0, 4);
            FloatMatrix b = tb ? FloatMatrix.zeros(3, 4) : FloatMatrix.zeros(4, 3);
            kernels.sgemm(ta, tb, 1f, a0, b, 0f, FloatMatrix.zeros(0, 3));
            FloatMatrix a = ta ? FloatMatrix.zeros(4, 2) : FloatMatrix.zeros(2, 4);
            FloatMatrix b0 = tb ? FloatMatrix.zeros(0, 4) : FloatMatrix.zeros(4, 0);
            kernels.sgemm(ta, tb, 1f, a, b0, 0f, FloatMatrix.zeros(2, 0));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void multiplyRejectsMismatchedShapes(Kernels kernels) {
        assertThatThrownBy(
                        () -> kernels.mult(FloatMatrix.zeros(2, 3), FloatMatrix.zeros(4, 2), FloatMatrix.zeros(2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sgemm shapes");
        assertThatThrownBy(
                        () -> kernels.mult(FloatMatrix.zeros(2, 3), FloatMatrix.zeros(3, 2), FloatMatrix.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------------------------------------
    // Epilogue

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void addBiasActivateHandComputable(Kernels kernels) {
        FloatMatrix relu = FloatMatrix.wrap(new float[] {1f, -2f, 0.5f, -1f, 3f, 0.25f}, 2, 3);
        float[] bias = {0.5f, 1f, -0.5f};
        kernels.addBiasActivate(relu, bias, null);
        assertThat(relu.toArray()).containsExactly(1.5f, 0f, 0f, 0f, 4f, 0f);
        // JumpReLU keeps v where v > θ and v > 0 (SAELens: mask · relu): a negative v above a negative θ is 0.
        FloatMatrix jump = FloatMatrix.wrap(new float[] {1f, -2f, 0.5f, -1f, 3f, 0.25f}, 2, 3);
        kernels.addBiasActivate(jump, bias, new float[] {2f, -2f, -1f});
        assertThat(jump.toArray()).containsExactly(0f, 0f, 0f, 0f, 4f, 0f);
        assertThatThrownBy(() -> kernels.addBiasActivate(jump, new float[2], null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kernels.addBiasActivate(jump, bias, new float[4]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> storageOnly() {
        return backends().flatMap(be -> Stream.of(Storage.values()).map(st -> Arguments.of(be, st)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("storageOnly")
    void addBiasActivateRandom(Kernels kernels, Storage storage) {
        Random rnd = new Random(5);
        for (int[] shape : new int[][] {{1, 1}, {3, 33}, {300, 517}}) {
            FloatMatrix pre0 = random(rnd, shape[0], shape[1]);
            pre0.set(0, 0, Float.NaN);
            float[] bias = random(rnd, 1, shape[1]).toArray();
            float[] theta = random(rnd, 1, shape[1]).toArray();
            for (float[] th : Arrays.asList(null, theta)) {
                FloatMatrix pre = store(pre0, storage);
                kernels.addBiasActivate(pre, bias, th);
                float[] got = pre.toArray();
                float[] in = pre0.toArray();
                for (int i = 0; i < in.length; i++) {
                    int j = i % shape[1];
                    float v = in[i] + bias[j];
                    float expected = v > 0f && v > (th == null ? 0f : th[j]) ? v : 0f;
                    assertThat(got[i]).as("element %d", i).isEqualTo(expected);
                }
            }
        }
    }

    /** The fused epilogue + compression equals addBiasActivate then compress, on every backend and storage. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("storageOnly")
    void activateSparseMatchesActivateThenCompress(Kernels kernels, Storage storage) {
        Random rnd = new Random(17);
        ScalarKernels reference = new ScalarKernels();
        for (int[] shape : new int[][] {{0, 0}, {0, 7}, {5, 0}, {1, 1}, {3, 33}, {17, 15}, {300, 517}, {64, 2048}}) {
            int rows = shape[0], cols = shape[1];
            FloatMatrix pre0 = random(rnd, rows, cols);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int kind = rnd.nextInt(20);
                    if (kind == 0) {
                        pre0.set(r, c, Float.NaN);
                    } else if (kind == 1) {
                        pre0.set(r, c, -0f);
                    } else if (kind == 2) {
                        pre0.set(r, c, 0f);
                    } else if (kind < 12) {
                        pre0.set(r, c, pre0.get(r, c) - 2.5f); // mostly inactive, like an SAE
                    }
                }
            }
            float[] bias = random(rnd, 1, cols).toArray();
            float[] theta = random(rnd, 1, cols).toArray();
            if (cols > 0) {
                bias[0] = 0f;
                theta[cols - 1] = -1f; // a negative θ still keeps only positives
            }
            for (float[] th : Arrays.asList(null, theta)) {
                FloatMatrix dense = pre0.copy();
                reference.addBiasActivate(dense, bias, th);
                SparseRows expected = reference.compress(dense);
                FloatMatrix viaTwo = store(pre0, storage);
                kernels.addBiasActivate(viaTwo, bias, th);
                assertSameRows(kernels.compress(viaTwo), expected);
                SparseRows got = kernels.activateSparse(store(pre0, storage), bias, th);
                assertSameRows(got, expected);
            }
        }
        FloatMatrix pre = FloatMatrix.zeros(2, 3);
        assertThatThrownBy(() -> kernels.activateSparse(pre, new float[2], null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kernels.activateSparse(pre, new float[3], new float[4]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------------------------------------
    // topK and compress

    /** Brute-force top-k: sort positives by value descending then column ascending, keep k, re-sort by column. */
    static SparseRows topKOracle(FloatMatrix acts, int k) {
        int[] ptr = new int[acts.rows() + 1];
        List<Integer> idx = new ArrayList<>();
        List<Float> val = new ArrayList<>();
        for (int r = 0; r < acts.rows(); r++) {
            float[] row = acts.row(r);
            List<Integer> pos = new ArrayList<>();
            for (int c = 0; c < row.length; c++) {
                if (row[c] > 0f) {
                    pos.add(c);
                }
            }
            pos.sort(Comparator.<Integer>comparingDouble(c -> -row[c]).thenComparingInt(c -> c));
            List<Integer> keep = new ArrayList<>(pos.subList(0, Math.min(k, pos.size())));
            keep.sort(null);
            for (int c : keep) {
                idx.add(c);
                val.add(row[c]);
            }
            ptr[r + 1] = idx.size();
        }
        float[] v = new float[val.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = val.get(i);
        }
        return new SparseRows(
                acts.rows(),
                acts.cols(),
                ptr,
                idx.stream().mapToInt(Integer::intValue).toArray(),
                v);
    }

    static void assertSameRows(SparseRows actual, SparseRows expected) {
        assertThat(actual.rows()).isEqualTo(expected.rows());
        assertThat(actual.cols()).isEqualTo(expected.cols());
        assertThat(actual.rowPtr()).containsExactly(expected.rowPtr());
        assertThat(Arrays.copyOf(actual.colIdx(), actual.nnz()))
                .containsExactly(Arrays.copyOf(expected.colIdx(), expected.nnz()));
        assertThat(Arrays.equals(
                        Arrays.copyOf(actual.values(), actual.nnz()), Arrays.copyOf(expected.values(), expected.nnz())))
                .as("values %s vs %s", Arrays.toString(actual.values()), Arrays.toString(expected.values()))
                .isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void topKHandComputable(Kernels kernels) {
        FloatMatrix acts = FloatMatrix.wrap(
                new float[] {
                    0f, 3f, 1f, 3f, 2f, 3f, // ties at 3: lower columns win
                    -1f, 0f, 5f, Float.NaN, 0f, -0f, // one positive only; NaN is not positive
                    0f, 0f, 0f, 0f, 0f, 0f,
                },
                3,
                6);
        SparseRows two = kernels.topK(acts, 2);
        assertThat(two.rowPtr()).containsExactly(0, 2, 3, 3);
        assertThat(Arrays.copyOf(two.colIdx(), 3)).containsExactly(1, 3, 2);
        assertThat(Arrays.copyOf(two.values(), 3)).containsExactly(3f, 3f, 5f);
        SparseRows four = kernels.topK(acts, 4);
        assertThat(Arrays.copyOf(four.colIdx(), four.nnz())).containsExactly(1, 3, 4, 5, 2);
        assertThat(kernels.topK(acts, 0).nnz()).isZero();
        assertThat(kernels.topK(acts, 0).rowPtr()).containsExactly(0, 0, 0, 0);
        SparseRows all = kernels.topK(acts, 100);
        assertThat(Arrays.copyOf(all.colIdx(), all.nnz())).containsExactly(1, 2, 3, 4, 5, 2);
        assertThat(kernels.topK(FloatMatrix.zeros(0, 5), 3).nnz()).isZero();
        assertThat(kernels.topK(FloatMatrix.zeros(2, 0), 3).rowPtr()).containsExactly(0, 0, 0);
        assertThatThrownBy(() -> kernels.topK(acts, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("storageOnly")
    void topKRandomWithTies(Kernels kernels, Storage storage) {
        Random rnd = new Random(11);
        for (int[] shape : new int[][] {{1, 1}, {7, 33}, {40, 300}, {64, 3000}}) {
            FloatMatrix acts0 = FloatMatrix.zeros(shape[0], shape[1]);
            for (int r = 0; r < shape[0]; r++) {
                for (int c = 0; c < shape[1]; c++) {
                    // Few distinct values: many ties and many non-positives; some rows sorted.
                    float v = (r % 3 == 0) ? (float) c / shape[1] - 0.3f : rnd.nextInt(9) * 0.5f - 1.5f;
                    acts0.set(r, c, v);
                }
            }
            FloatMatrix acts = store(acts0, storage);
            for (int k : new int[] {1, 5, 64, shape[1] + 1}) {
                assertSameRows(kernels.topK(acts, k), topKOracle(acts0, k));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void topKWhenLargeValuesHideBetweenSampledColumns(Kernels kernels) {
        // Every 8th column holds 10 for the first 40 such columns and 0 after; all other columns hold 5.
        // A strided sample (the vector backend samples every cols/256-th column) then sees a few large
        // values only, and a threshold taken from it leaves fewer than k candidates.
        int cols = 2048, k = 100;
        FloatMatrix acts = FloatMatrix.zeros(2, cols);
        for (int c = 0; c < cols; c++) {
            acts.set(0, c, c % 8 == 0 ? (c / 8 < 40 ? 10f : 0f) : 5f);
            acts.set(1, c, c % 8 == 0 ? 0f : (c % 3 == 0 ? 2f : -1f));
        }
        SparseRows got = kernels.topK(acts, k);
        assertSameRows(got, topKOracle(acts, k));
        assertThat(got.rowNnz(0)).isEqualTo(k);
        assertThat(got.values()[0]).isEqualTo(10f);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("storageOnly")
    void compressMatchesDense(Kernels kernels, Storage storage) {
        Random rnd = new Random(13);
        for (int[] shape : new int[][] {{0, 4}, {1, 1}, {5, 33}, {300, 517}}) {
            FloatMatrix acts0 = FloatMatrix.zeros(shape[0], shape[1]);
            for (int r = 0; r < shape[0]; r++) {
                for (int c = 0; c < shape[1]; c++) {
                    int kind = rnd.nextInt(10);
                    acts0.set(
                            r,
                            c,
                            kind < 6
                                    ? 0f
                                    : kind == 6 ? -0f : kind == 7 && r == 1 ? Float.NaN : (float) rnd.nextGaussian());
                }
            }
            SparseRows got = kernels.compress(store(acts0, storage));
            assertSameRows(got, SparseRows.fromDense(acts0));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // sparseMult and rowNorms

    static Stream<Arguments> sparseCases() {
        return backends()
                .flatMap(be -> Stream.of(Storage.values())
                        .flatMap(st -> Stream.of(false, true).map(acc -> Arguments.of(be, st, acc))));
    }

    @ParameterizedTest(name = "{0} {1} accumulate={2}")
    @MethodSource("sparseCases")
    void sparseMultMatchesBruteForce(Kernels kernels, Storage storage, boolean accumulate) {
        Random rnd = new Random(17 + (accumulate ? 1 : 0));
        int tokens = 300, latents = 1000, d = 67;
        FloatMatrix dense = FloatMatrix.zeros(tokens, latents);
        for (int r = 0; r < tokens; r++) {
            int l0 = r % 7 == 0 ? 0 : rnd.nextInt(40);
            for (int e = 0; e < l0; e++) {
                dense.set(r, rnd.nextInt(latents), rnd.nextFloat() * 3f);
            }
        }
        SparseRows codes = SparseRows.fromDense(dense);
        FloatMatrix dec0 = random(rnd, latents, d);
        FloatMatrix out0 = random(rnd, tokens, d);
        FloatMatrix dec = store(dec0, storage), out = store(out0, storage);
        kernels.sparseMult(codes, dec, out, accumulate);
        float[] got = out.toArray();
        for (int r = 0; r < tokens; r++) {
            for (int c = 0; c < d; c++) {
                double s = accumulate ? out0.get(r, c) : 0, mag = Math.abs(s);
                for (int e = codes.rowPtr()[r]; e < codes.rowPtr()[r + 1]; e++) {
                    double t = (double) codes.values()[e] * dec0.get(codes.colIdx()[e], c);
                    s += t;
                    mag += Math.abs(t);
                }
                assertThat((double) got[r * d + c])
                        .as("out[%d, %d]", r, c)
                        .isCloseTo(s, org.assertj.core.data.Offset.offset(SPARSE_REL_TOL * mag + Float.MIN_NORMAL));
            }
        }
        assertThatThrownBy(() -> kernels.sparseMult(codes, FloatMatrix.zeros(latents, d + 1), out, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("storageOnly")
    void rowNormsMatchBruteForce(Kernels kernels, Storage storage) {
        Random rnd = new Random(19);
        FloatMatrix a0 = random(rnd, 300, 385);
        a0.setRow(4, new float[385]);
        a0.set(5, 0, 3f);
        FloatMatrix a = store(a0, storage);
        float[] norms = new float[300];
        kernels.rowNorms(a, norms);
        for (int r = 0; r < 300; r++) {
            double s = 0;
            for (float v : a0.row(r)) {
                s += (double) v * v;
            }
            assertThat((double) norms[r])
                    .isCloseTo(Math.sqrt(s), org.assertj.core.data.Offset.offset(NORM_REL_TOL * Math.sqrt(s)));
        }
        assertThat(norms[4]).isZero();
        FloatMatrix hand = FloatMatrix.wrap(new float[] {3f, 4f, 0f, 0f}, 2, 2);
        float[] hn = new float[2];
        kernels.rowNorms(hand, hn);
        assertThat(hn).containsExactly(5f, 0f);
        assertThatThrownBy(() -> kernels.rowNorms(hand, new float[3])).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------------------------------------
    // maxCosine

    /** Brute-force max cosine in double: zero rows have cosine 0, ties go to the lowest index. */
    static MaxCosine maxCosineOracle(FloatMatrix a, FloatMatrix b) {
        float[] max = new float[a.rows()];
        int[] index = new int[a.rows()];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(index, -1);
        for (int i = 0; i < a.rows(); i++) {
            float[] x = a.row(i);
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < b.rows(); j++) {
                float[] y = b.row(j);
                double dot = 0, nx = 0, ny = 0;
                for (int c = 0; c < x.length; c++) {
                    dot += (double) x[c] * y[c];
                    nx += (double) x[c] * x[c];
                    ny += (double) y[c] * y[c];
                }
                double cos = nx == 0 || ny == 0 ? 0 : dot / Math.sqrt(nx * ny);
                if (cos > best) {
                    best = cos;
                    index[i] = j;
                }
            }
            max[i] = (float) best;
        }
        return new MaxCosine(max, index);
    }

    static void assertMaxCosine(MaxCosine got, MaxCosine expected, FloatMatrix a, FloatMatrix b) {
        assertThat(got.max()).hasSameSizeAs(expected.max());
        MaxCosine each = maxCosineOracle(a, b);
        for (int i = 0; i < expected.max().length; i++) {
            if (expected.index()[i] < 0) {
                assertThat(got.index()[i]).isEqualTo(-1);
                assertThat(got.max()[i]).isEqualTo(Float.NEGATIVE_INFINITY);
                continue;
            }
            assertThat((double) got.max()[i])
                    .as("max[%d]", i)
                    .isCloseTo(expected.max()[i], org.assertj.core.data.Offset.offset(COS_ABS_TOL));
            if (got.index()[i] != expected.index()[i]) {
                // A near-tie resolved differently by rounding: the chosen row must be just as close.
                MaxCosine chosen =
                        maxCosineOracle(a.rowSlice(i, i + 1), b.rowSlice(got.index()[i], got.index()[i] + 1));
                assertThat((double) chosen.max()[0])
                        .as("cos to chosen row %d", got.index()[i])
                        .isCloseTo(each.max()[i], org.assertj.core.data.Offset.offset(COS_ABS_TOL));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void maxCosineRandomAndBlocked(Kernels kernels) {
        Random rnd = new Random(23);
        FloatMatrix a = random(rnd, 37, 50), b = random(rnd, 41, 50);
        a.setRow(3, new float[50]);
        b.setRow(0, new float[50]);
        b.setRow(7, a.row(10)); // an exact match: cosine 1
        MaxCosine expected = maxCosineOracle(a, b);
        assertThat(expected.max()[3]).isZero();
        assertThat(expected.index()[3]).isZero();
        assertMaxCosine(kernels.maxCosine(a, b), expected, a, b);
        assertMaxCosine(MaxCosine.compute(kernels, a, b, 4, 9), expected, a, b);
        assertMaxCosine(MaxCosine.compute(kernels, a, b, 1, 1), expected, a, b);
        assertThat(kernels.maxCosine(a, b).index()[10]).isEqualTo(7);
        assertThat((double) kernels.maxCosine(a, b).max()[10])
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(COS_ABS_TOL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void maxCosineTiesAndEdges(Kernels kernels) {
        // Rows whose normalized forms and dot products are exact in float: ties are exact ties.
        FloatMatrix a = FloatMatrix.wrap(
                new float[] {
                    3, 0, 0, 0,
                    1, 1, 1, 1,
                    0, 0, 0, 0,
                    0, 0, -2, 0,
                },
                4,
                4);
        FloatMatrix b = FloatMatrix.wrap(
                new float[] {
                    0, 0, 0, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0.5f, 0, 0, 0, 2, 2, 2, 2, 7, 7, 7, 7,
                },
                6,
                4);
        for (int[] blocks : new int[][] {{MaxCosine.DEFAULT_BLOCK_A, MaxCosine.DEFAULT_BLOCK_B}, {1, 1}, {2, 4}}) {
            MaxCosine got = MaxCosine.compute(kernels, a, b, blocks[0], blocks[1]);
            assertThat(got.index()).containsExactly(2, 4, 0, 0);
            assertThat(got.max()).containsExactly(1f, 1f, 0f, 0f);
        }
        MaxCosine empty = kernels.maxCosine(a, FloatMatrix.zeros(0, 4));
        assertThat(empty.max()).containsOnly(Float.NEGATIVE_INFINITY);
        assertThat(empty.index()).containsOnly(-1);
        assertThat(kernels.maxCosine(FloatMatrix.zeros(0, 4), b).max()).isEmpty();
        assertThatThrownBy(() -> kernels.maxCosine(a, FloatMatrix.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MaxCosine.compute(kernels, a, b, 0, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void vectorBackendNamesItselfAndRejectsZeroThreads() {
        assertThat(new VectorKernels().name()).isEqualTo("vector");
        assertThat(new VectorKernels(1).threads()).isEqualTo(1);
        assertThatThrownBy(() -> new VectorKernels(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void kthLargestHandlesDuplicatesAndOrder() {
        float[][] inputs = {
            {5, 5, 5, 5, 5}, {1, 2, 3, 4, 5, 6, 7}, {7, 6, 5, 4, 3, 2, 1}, {2, 9, 2, 9, 2, 9, 1, 1},
        };
        for (float[] in : inputs) {
            float[] sorted = in.clone();
            Arrays.sort(sorted);
            for (int k = 1; k <= in.length; k++) {
                float[] work = in.clone();
                assertThat(VectorKernels.kthLargest(work, work.length, k)).isEqualTo(sorted[sorted.length - k]);
            }
        }
    }
}
