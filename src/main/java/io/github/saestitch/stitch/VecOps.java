package io.github.saestitch.stitch;

import io.github.saestitch.tensor.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The dense-row primitives of the streaming pass ({@link ComparePass}), on heap {@code float[]} rows of
 * length {@code n = dIn}: axpy and fused dot products with float lanes (Vector API), reduced to double
 * at the end of each row.
 *
 * <p>Why here and not in {@code tensor.Kernels}: these are per-token, per-latent operations on rows
 * of a few hundred floats, called ~10⁸ times per compare, where a virtual call per row and a
 * {@link io.github.saestitch.tensor.FloatMatrix} view would cost as much as the arithmetic. Why the
 * Vector API: float dot products are reductions, which C2 does not auto-vectorize (they are
 * order-dependent), so a scalar loop runs at ~1 flop/cycle; 16-lane AVX-512 FMAs do the same row in
 * ~1/16 of the time (measured in {@link io.github.saestitch.bench.CompareBenchmark}). Rounding: each row's dot product is
 * accumulated in float lanes (relative error ≲ √n·2⁻²⁴ ≈ 1e-6 for n = 384), then summed over
 * tokens in double by the caller.
 */
final class VecOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VecOps() {
    }

    /** {@code y[yo + c] = x[xo + c] − b[bo + c]} for c in [0, n). Writes {@code y}. */
    static void sub(float[] x, int xo, float[] b, int bo, float[] y, int yo, int n) {
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector.fromArray(S, x, xo + c).sub(FloatVector.fromArray(S, b, bo + c)).intoArray(y, yo + c);
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
    static void dot2Sub2(float a, float[] d, int dO, float[] r, int ro, float[] p, int po, float[] q, int qo, double[] out,
            int n) {
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
    static double subScaledDot2(float a, float[] d, int dO, float[] r, int ro, float[] u, float[] q, int qo, int n) {
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
    static void dot3AddTo(float[] u, float[] r, int ro, float[] p, int po, double[] out, int n) {
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
    static void dot2Add(float a, float[] d, int dO, float[] r, int ro, float[] p, int po, double[] out, int n) {
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
