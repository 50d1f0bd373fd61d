package io.github.saestitch.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The project's one home for short dense loops over float rows on the Vector API (one decoder row
 * against one residual or token vector), shared by the sparse passes of {@code stitch},
 * {@code frankenstein}, {@code train} and the pure-Java {@link VectorKernels}.
 *
 * <p>Why not {@link Kernels}: these are per-token, per-latent operations on rows of a few hundred
 * floats, called ~10⁸ times per compare, where a virtual call per row and a {@link FloatMatrix} view
 * would cost as much as the arithmetic. Why the Vector API: float dot products are reductions, which C2
 * does not auto-vectorize (they are order-dependent), so a scalar loop runs at ~1 flop/cycle; 16-lane
 * AVX-512 FMAs do the same row in ~1/16 of the time.
 *
 * <p><b>Rounding conventions.</b> Sums accumulate in float vector lanes; lane sums use a fixed order
 * ({@link Lanes}), so results do not depend on JIT state. Most methods end in double ({@link #dot},
 * the fused {@code dot…} steps of the compare pass: relative error ≲ √n·2⁻²⁴ ≈ 1e-6 for n = 384) and
 * finish the scalar tail with FMA. Training has its own convention, kept bit for bit because trained
 * weights and the repeatability tests depend on it: {@link #dotFloat}, {@link #sumSquaresFloat} and
 * {@link #axpyUnfusedTail} accumulate and return float and round the scalar tail's product and sum
 * separately. Every method reads {@code n} elements from each offset and writes only what it says.
 */
public final class Vec {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats that widen to one {@link #DS} vector of doubles: half its bit size. */
    private static final VectorSpecies<Float> HALF =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, DS.vectorBitSize() / 2)));

    private static final int DL = Math.min(DS.length(), HALF.length());

    private Vec() {}

    /** {@code y[yo + c] += a · x[xo + c]} for c in [0, n). Writes {@code y}. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector.fromArray(S, x, xo + c)
                    .fma(av, FloatVector.fromArray(S, y, yo + c))
                    .intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
    }

    /**
     * Whether some {@code x[off + c] > lim} for c in [0, n) (a NaN is never greater, as with {@code >}). A
     * screen for row reductions: the caller rescans a row exactly only where this is true.
     */
    public static boolean anyGreater(float[] x, int off, int n, float lim) {
        FloatVector lv = FloatVector.broadcast(S, lim);
        int c = 0;
        for (int last = n - 4 * L; c <= last; c += 4 * L) {
            var m = FloatVector.fromArray(S, x, off + c)
                    .compare(VectorOperators.GT, lv)
                    .or(FloatVector.fromArray(S, x, off + c + L).compare(VectorOperators.GT, lv))
                    .or(FloatVector.fromArray(S, x, off + c + 2 * L).compare(VectorOperators.GT, lv))
                    .or(FloatVector.fromArray(S, x, off + c + 3 * L).compare(VectorOperators.GT, lv));
            if (m.anyTrue()) {
                return true;
            }
        }
        for (; c < n; c++) {
            if (x[off + c] > lim) {
                return true;
            }
        }
        return false;
    }

    /** {@code Σ_c a[ao + c]·b[bo + c]}. */
    public static double dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int c = 0;
        for (int last = n - 2 * L; c <= last; c += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, ao + c).fma(FloatVector.fromArray(S, b, bo + c), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + c + L).fma(FloatVector.fromArray(S, b, bo + c + L), acc1);
        }
        for (int bound = S.loopBound(n); c < bound; c += L) {
            acc0 = FloatVector.fromArray(S, a, ao + c).fma(FloatVector.fromArray(S, b, bo + c), acc0);
        }
        double s = Lanes.sum(acc0.add(acc1));
        for (; c < n; c++) {
            s += (double) a[ao + c] * b[bo + c];
        }
        return s;
    }

    /** {@code y[yo + c] += s · x[at + 4c]} for a row of a (native or mapped) segment starting at byte {@code at}. */
    public static void axpy(float s, MemorySegment x, long at, float[] y, int yo, int n) {
        FloatVector sv = FloatVector.broadcast(S, s);
        int c = 0;
        int bound = S.loopBound(n);
        for (; c < bound; c += L) {
            FloatVector.fromMemorySegment(S, x, at + (long) c * Float.BYTES, NATIVE)
                    .fma(sv, FloatVector.fromArray(S, y, yo + c))
                    .intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(s, x.get(FloatMatrix.FLOAT, at + (long) c * Float.BYTES), y[yo + c]);
        }
    }

    /**
     * {@code Σ x²} over {@code x[off, off+n)}: one float-lane accumulator, its lanes then added in double
     * in lane order (the row norms of {@link VectorKernels#rowNorms}).
     */
    public static double sumSquares(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        int bound = S.loopBound(n);
        for (; c < bound; c += L) {
            FloatVector v = FloatVector.fromArray(S, x, off + c);
            acc = v.fma(v, acc);
        }
        double s = 0;
        for (int lane = 0; lane < L; lane++) {
            s += acc.lane(lane);
        }
        for (; c < n; c++) {
            double v = x[off + c];
            s += v * v;
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------
    // Training's float convention (see the class comment)

    /** {@code Σ_j a[ao + j] · b[bo + j]}, accumulated and returned in float (training's convention). */
    public static float dotFloat(float[] a, int ao, float[] b, int bo, int n) {
        int j = 0;
        float s = 0f;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; j < bound; j += L) {
                acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
            }
            s = Lanes.sum(acc);
        }
        for (; j < n; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }

    /** {@code Σ_j a[ao + j]²} in float: {@link #dotFloat} of the row with itself. */
    public static float sumSquaresFloat(float[] a, int ao, int n) {
        return dotFloat(a, ao, a, ao, n);
    }

    /**
     * {@code y[yo + j] += alpha · x[xo + j]}: FMA lanes like {@link #axpy}, but the scalar tail rounds
     * the product and then the sum (training's convention). Writes y.
     */
    public static void axpyUnfusedTail(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int j = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, x, xo + j)
                        .fma(va, FloatVector.fromArray(S, y, yo + j))
                        .intoArray(y, yo + j);
            }
        }
        for (; j < n; j++) {
            y[yo + j] += alpha * x[xo + j];
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Double accumulators (the normal equations of frankenstein)

    /**
     * {@code y[yo + c] += a·x[xo + c]} for c in [0, n), in double: each float is widened exactly and the
     * product and sum are double. Writes {@code y}. Measured on the 2-core machine: the scalar loop
     * (which C2 does not vectorize across the float → double conversion) ran the refit's {@code FᵀX}
     * at ≈ 0.25 G multiply-adds/s.
     */
    public static void axpyToDouble(double a, float[] x, int xo, double[] y, int yo, int n) {
        int c = 0;
        if (DL == DS.length()) {
            DoubleVector av = DoubleVector.broadcast(DS, a);
            for (int bound = n - DL; c <= bound; c += DL) {
                DoubleVector xv =
                        (DoubleVector) FloatVector.fromArray(HALF, x, xo + c).convertShape(VectorOperators.F2D, DS, 0);
                xv.fma(av, DoubleVector.fromArray(DS, y, yo + c)).intoArray(y, yo + c);
            }
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The fused steps of the compare pass (stitch.ComparePass): one pass over a row does what would
    // otherwise be two or three, since the rows are re-read ~10⁸ times per compare

    /** {@code y[yo + c] = x[xo + c] − b[bo + c]} for c in [0, n). Writes {@code y}. */
    public static void sub(float[] x, int xo, float[] b, int bo, float[] y, int yo, int n) {
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector.fromArray(S, x, xo + c)
                    .sub(FloatVector.fromArray(S, b, bo + c))
                    .intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = x[xo + c] - b[bo + c];
        }
    }

    /**
     * The fused add step: {@code out[0] = d·r}, {@code out[1] = d·p} (p before the update), then
     * {@code p −= a·d} and {@code q −= a·d}, in one pass over the row {@code d[dO, dO + n)}. Writes
     * {@code p}, {@code q}, {@code out}.
     */
    public static void dot2Sub2(
            float a, float[] d, int dO, float[] r, int ro, float[] p, int po, float[] q, int qo, double[] out, int n) {
        FloatVector av = FloatVector.broadcast(S, -a);
        FloatVector accR = FloatVector.zero(S);
        FloatVector accP = FloatVector.zero(S);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector dv = FloatVector.fromArray(S, d, dO + c);
            FloatVector pv = FloatVector.fromArray(S, p, po + c);
            accR = dv.fma(FloatVector.fromArray(S, r, ro + c), accR);
            accP = dv.fma(pv, accP);
            dv.fma(av, pv).intoArray(p, po + c);
            dv.fma(av, FloatVector.fromArray(S, q, qo + c)).intoArray(q, qo + c);
        }
        double sr = Lanes.sum(accR);
        double sp = Lanes.sum(accP);
        for (; c < n; c++) {
            float dc = d[dO + c];
            sr += (double) dc * r[ro + c];
            sp += (double) dc * p[po + c];
            p[po + c] = Math.fma(-a, dc, p[po + c]);
            q[qo + c] = Math.fma(-a, dc, q[qo + c]);
        }
        out[0] = sr;
        out[1] = sp;
    }

    /**
     * {@code u −= a·d} and {@code q −= a·d} in one pass over the row {@code d[dO, dO + n)}, returning
     * {@code d·r}. Writes {@code u} (at 0) and {@code q}.
     */
    public static double subScaledDot2(
            float a, float[] d, int dO, float[] r, int ro, float[] u, float[] q, int qo, int n) {
        FloatVector av = FloatVector.broadcast(S, -a);
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector dv = FloatVector.fromArray(S, d, dO + c);
            dv.fma(av, FloatVector.fromArray(S, u, c)).intoArray(u, c);
            dv.fma(av, FloatVector.fromArray(S, q, qo + c)).intoArray(q, qo + c);
            acc = dv.fma(FloatVector.fromArray(S, r, ro + c), acc);
        }
        double s = Lanes.sum(acc);
        for (; c < n; c++) {
            float dc = d[dO + c];
            u[c] = Math.fma(-a, dc, u[c]);
            q[qo + c] = Math.fma(-a, dc, q[qo + c]);
            s += (double) dc * r[ro + c];
        }
        return s;
    }

    /**
     * The fused end of a swap step: {@code out[0] = u·r}, {@code out[1] = u·p} (p before the update),
     * {@code out[2] = u·u}, then {@code p += u}, in one pass. Writes {@code p} and {@code out}.
     */
    public static void dot3AddTo(float[] u, float[] r, int ro, float[] p, int po, double[] out, int n) {
        FloatVector accR = FloatVector.zero(S);
        FloatVector accP = FloatVector.zero(S);
        FloatVector accU = FloatVector.zero(S);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector uv = FloatVector.fromArray(S, u, c);
            FloatVector pv = FloatVector.fromArray(S, p, po + c);
            accR = uv.fma(FloatVector.fromArray(S, r, ro + c), accR);
            accP = uv.fma(pv, accP);
            accU = uv.fma(uv, accU);
            pv.add(uv).intoArray(p, po + c);
        }
        double sr = Lanes.sum(accR);
        double sp = Lanes.sum(accP);
        double su = Lanes.sum(accU);
        for (; c < n; c++) {
            sr += (double) u[c] * r[ro + c];
            sp += (double) u[c] * p[po + c];
            su += (double) u[c] * u[c];
            p[po + c] += u[c];
        }
        out[0] = sr;
        out[1] = sp;
        out[2] = su;
    }

    /**
     * {@code out[0] = d·r}, {@code out[1] = d·p} (p before the update), then {@code p += a·d}, in one pass
     * over the row {@code d[dO, dO + n)}. Writes {@code p} and {@code out}.
     */
    public static void dot2Add(float a, float[] d, int dO, float[] r, int ro, float[] p, int po, double[] out, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        FloatVector accR = FloatVector.zero(S);
        FloatVector accP = FloatVector.zero(S);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector dv = FloatVector.fromArray(S, d, dO + c);
            FloatVector pv = FloatVector.fromArray(S, p, po + c);
            accR = dv.fma(FloatVector.fromArray(S, r, ro + c), accR);
            accP = dv.fma(pv, accP);
            dv.fma(av, pv).intoArray(p, po + c);
        }
        double sr = Lanes.sum(accR);
        double sp = Lanes.sum(accP);
        for (; c < n; c++) {
            float dc = d[dO + c];
            sr += (double) dc * r[ro + c];
            sp += (double) dc * p[po + c];
            p[po + c] = Math.fma(a, dc, p[po + c]);
        }
        out[0] = sr;
        out[1] = sp;
    }
}
