package io.github.saestitch.frankenstein;

import io.github.saestitch.tensor.Lanes;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products and axpy on rows of {@code d} floats (Vector API), for the greedy selection's
 * per-token work: ~10⁸ calls on rows of a few hundred floats, where a scalar reduction runs at
 * ~1 flop/cycle (C2 does not vectorize order-dependent float reductions) and 16-lane FMAs at ~16.
 * Each dot is accumulated in float lanes (relative error ≲ √d·2⁻²⁴ ≈ 1e-6 for d = 384) and returned
 * as double for the caller's double sums; {@link #axpyToDouble} accumulates in double lanes (the
 * normal equations' sums). (stitch and train keep their own fused variants next to
 * their passes; these two are the ones the selection needs.)
 */
final class Rows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats that widen to one {@link #DS} vector of doubles: half its bit size. */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Math.max(64, DS.vectorBitSize() / 2)));
    private static final int DL = Math.min(DS.length(), HALF.length());

    private Rows() {
    }

    /** {@code Σ_c a[ao + c]·b[bo + c]} for c in [0, n). */
    static double dot(float[] a, int ao, float[] b, int bo, int n) {
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

    /** {@code y[yo + c] += a·x[xo + c]} for c in [0, n). Writes {@code y}. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector.fromArray(S, x, xo + c).fma(av, FloatVector.fromArray(S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
    }

    /**
     * {@code y[yo + c] += a·x[xo + c]} for c in [0, n), in double: each float is widened exactly and the
     * product and sum are double. Writes {@code y}. Measured on the 2-core machine: the scalar loop
     * (which C2 does not vectorize across the float → double conversion) ran the refit's {@code FᵀX}
     * at ≈ 0.25 G multiply-adds/s.
     */
    static void axpyToDouble(double a, float[] x, int xo, double[] y, int yo, int n) {
        int c = 0;
        if (DL == DS.length()) {
            DoubleVector av = DoubleVector.broadcast(DS, a);
            for (int bound = n - DL; c <= bound; c += DL) {
                DoubleVector xv = (DoubleVector) FloatVector.fromArray(HALF, x, xo + c)
                        .convertShape(VectorOperators.F2D, DS, 0);
                xv.fma(av, DoubleVector.fromArray(DS, y, yo + c)).intoArray(y, yo + c);
            }
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
    }
}
