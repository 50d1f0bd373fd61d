package io.github.saestitch.bench;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MaxCosine;
import io.github.saestitch.tensor.SparseRows;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Another backend's kernels, unchanged, with the wall-clock time spent in its dense products
 * ({@code sgemm}, {@code mult*}) added up: the GEMM time inside a compare, measured in the same seconds as
 * the compare itself. {@code mult}, {@code multTransA} and {@code multTransB} are the interface's defaults,
 * i.e. this {@code sgemm}, as in every backend. On a shared machine the load drifts over minutes, so GEMMs timed alone before or
 * after a compare can run at another rate than the ones inside it (measured at 49,152/98,304 latents: the
 * encoder GEMMs alone 12.5 s, the whole encode phase of the compare 5.1 s); the ratio of a compare to its
 * own GEMM time does not depend on that drift. Every other kernel is the wrapped one's, so results are the
 * wrapped backend's bit for bit.
 */
final class TimedKernels implements Kernels {
    private final Kernels inner;
    private final AtomicLong gemmNanos = new AtomicLong();
    private final AtomicLong gemmCalls = new AtomicLong();

    TimedKernels(Kernels inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** Seconds spent in dense products so far. */
    double gemmSeconds() {
        return gemmNanos.get() / 1e9;
    }

    /** Dense products so far. */
    long gemmCalls() {
        return gemmCalls.get();
    }

    /** Starts the counts again from zero. */
    void reset() {
        gemmNanos.set(0);
        gemmCalls.set(0);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void sgemm(
            boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c) {
        long t0 = System.nanoTime();
        inner.sgemm(transA, transB, alpha, a, b, beta, c);
        gemmNanos.addAndGet(System.nanoTime() - t0);
        gemmCalls.incrementAndGet();
    }

    @Override
    public void addBiasActivate(FloatMatrix pre, float[] bias, float[] threshold) {
        inner.addBiasActivate(pre, bias, threshold);
    }

    @Override
    public SparseRows activateSparse(FloatMatrix pre, float[] bias, float[] threshold) {
        return inner.activateSparse(pre, bias, threshold);
    }

    @Override
    public SparseRows topK(FloatMatrix acts, int k) {
        return inner.topK(acts, k);
    }

    @Override
    public SparseRows compress(FloatMatrix acts) {
        return inner.compress(acts);
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
