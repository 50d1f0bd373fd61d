package io.github.saestitch.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;

/**
 * Pure-Java backend on the Vector API ({@code jdk.incubator.vector}): the fallback when no native
 * library loads, and a second oracle next to {@link ScalarKernels}. A facade: the GEMM is
 * {@link VectorGemm}, the selection kernels (encoder epilogue, top-k, CSR compression) are
 * {@link VectorSelection}; sparse decoding (row axpys) and row norms are here, on {@link Vec}.
 *
 * <p>Instances are thread-safe and cheap; their loops run on {@link Parallel} (the common fork-join
 * pool), at most {@link #threads()} threads per call.
 */
public final class VectorKernels implements Kernels {
    /** Below this many elements the memory-bound kernels run on the calling thread. */
    static final long PARALLEL_MIN_ELEMENTS = 1L << 16;

    /** A thread that owns no arena (never started): a segment it may access is not confined. */
    private static final Thread NOT_OWNER = Thread.ofPlatform().unstarted(() -> {});

    /** Per-thread row buffer for one row of a native or mapped matrix. */
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private final int threads;

    /** Uses every available processor. */
    public VectorKernels() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param threads how many threads one call may use, at least 1; capped at
     *                {@link Runtime#availableProcessors()}
     */
    public VectorKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = Math.min(threads, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "vector";
    }

    /** Threads one call may use. */
    public int threads() {
        return threads;
    }

    @Override
    public String toString() {
        return "VectorKernels[" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit, " + threads + " threads]";
    }

    @Override
    public void sgemm(
            boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c) {
        VectorGemm.sgemm(transA, transB, alpha, a, b, beta, c, threads);
    }

    @Override
    public void addBiasActivate(FloatMatrix pre, float[] bias, float[] threshold) {
        VectorSelection.addBiasActivate(pre, bias, threshold, threads);
    }

    @Override
    public SparseRows activateSparse(FloatMatrix pre, float[] bias, float[] threshold) {
        return VectorSelection.activateSparse(pre, bias, threshold, threads);
    }

    @Override
    public SparseRows topK(FloatMatrix acts, int k) {
        return VectorSelection.topK(acts, k, threads);
    }

    @Override
    public SparseRows compress(FloatMatrix acts) {
        return VectorSelection.compress(acts, threads);
    }

    /** The k-th largest (1-based) of {@code a[0, n)}, reordering {@code a}: {@link Quickselect#kthLargest}. */
    static float kthLargest(float[] a, int n, int k) {
        return Quickselect.kthLargest(a, n, k);
    }

    @Override
    public void sparseMult(SparseRows codes, FloatMatrix dec, FloatMatrix out, boolean accumulate) {
        ScalarKernels.checkSparseMult(codes, dec, out);
        int d = dec.cols();
        float[] decArr = heapArray(dec);
        int decBase = decArr == null ? 0 : heapOffset(dec);
        MemorySegment decSeg = dec.segment();
        float[] outArr = heapArray(out);
        int outBase = outArr == null ? 0 : heapOffset(out);
        MemorySegment outSeg = out.segment();
        int[] ptr = codes.rowPtr(), col = codes.colIdx();
        float[] v = codes.values();
        long work = (long) codes.nnz() * d + (long) codes.rows() * d;
        rowsParallel(
                threads,
                codes.rows(),
                (int) Math.min(Integer.MAX_VALUE, work / Math.max(1, codes.rows())),
                shareable(dec, out),
                r -> {
                    float[] y;
                    int yo;
                    if (outArr != null) {
                        y = outArr;
                        yo = outBase + r * d;
                    } else {
                        y = scratchRow(d);
                        yo = 0;
                    }
                    long outAt = (long) r * d * Float.BYTES;
                    if (!accumulate) {
                        Arrays.fill(y, yo, yo + d, 0f);
                    } else if (outArr == null) {
                        MemorySegment.copy(outSeg, FloatMatrix.FLOAT, outAt, y, 0, d);
                    }
                    for (int e = ptr[r]; e < ptr[r + 1]; e++) {
                        if (decArr != null) {
                            Vec.axpy(v[e], decArr, decBase + col[e] * d, y, yo, d);
                        } else {
                            Vec.axpy(v[e], decSeg, (long) col[e] * d * Float.BYTES, y, yo, d);
                        }
                    }
                    if (outArr == null) {
                        MemorySegment.copy(y, 0, outSeg, FloatMatrix.FLOAT, outAt, d);
                    }
                });
    }

    @Override
    public void rowNorms(FloatMatrix a, float[] out) {
        ScalarKernels.checkVector("out", out, a.rows());
        int cols = a.cols();
        float[] arr = heapArray(a);
        int base = arr == null ? 0 : heapOffset(a);
        MemorySegment seg = a.segment();
        rowsParallel(
                threads,
                a.rows(),
                cols,
                shareable(a),
                r -> out[r] = (float)
                        Math.sqrt(Vec.sumSquares(rowOf(arr, base, seg, r, cols), rowOffset(arr, base, r, cols), cols)));
    }

    // ---------------------------------------------------------------------------------------------
    // Plumbing shared with VectorGemm and VectorSelection

    /**
     * Runs {@code body(r)} for every row, spread over up to {@code threads} threads when the matrix is
     * large and its memory may be touched from other threads.
     */
    static void rowsParallel(int threads, int rows, int cols, boolean shareable, IntConsumer body) {
        long elements = (long) rows * Math.max(1, cols);
        int workers = elements < PARALLEL_MIN_ELEMENTS || !shareable ? 1 : threads;
        // Chunks of rows so each task touches at least ~16k elements.
        int chunk = (int) Math.max(1, Math.min(rows, (PARALLEL_MIN_ELEMENTS / 4) / Math.max(1, cols)));
        int chunks = Math.ceilDiv(rows, chunk);
        Parallel.forEach(chunks, workers, t -> {
            for (int r = t * chunk, end = Math.min(rows, r + chunk); r < end; r++) {
                body.accept(r);
            }
        });
    }

    /**
     * Whether pool threads may read and write these matrices: false when one lives in a confined
     * arena, which only its owner thread may touch (such calls then run on the calling thread).
     */
    static boolean shareable(FloatMatrix... ms) {
        for (FloatMatrix m : ms) {
            if (!m.segment().isAccessibleBy(NOT_OWNER)) {
                return false;
            }
        }
        return true;
    }

    /** The heap array behind {@code x} (whole array or row-slice view), or null for native/mapped data. */
    static float[] heapArray(FloatMatrix x) {
        MemorySegment s = x.segment();
        if (s.heapBase().orElse(null) instanceof float[] arr && (s.address() & 3) == 0) {
            return arr;
        }
        return null;
    }

    /** Float index of {@code x}'s element (0, 0) inside {@link #heapArray}. */
    static int heapOffset(FloatMatrix x) {
        return (int) (x.segment().address() >>> 2);
    }

    /** Row r's backing array: the heap array, or row r copied into this thread's scratch row. */
    static float[] rowOf(float[] arr, int base, MemorySegment seg, int r, int cols) {
        if (arr != null) {
            return arr;
        }
        float[] row = scratchRow(cols);
        MemorySegment.copy(seg, FloatMatrix.FLOAT, (long) r * cols * Float.BYTES, row, 0, cols);
        return row;
    }

    static int rowOffset(float[] arr, int base, int r, int cols) {
        return arr == null ? 0 : base + r * cols;
    }

    /** This thread's scratch row of at least {@code cols} floats (reused: valid until its next use). */
    static float[] scratchRow(int cols) {
        float[][] holder = ROW.get();
        if (holder[0].length < cols) {
            holder[0] = new float[cols];
        }
        return holder[0];
    }
}
