package io.github.saestitch.frankenstein;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link #axpyToDouble}: a float row added into a double accumulator on the Vector API, for the normal
 * equations' sums (the dot products and float axpy the greedy selection needs are {@code tensor.Vec},
 * shared with {@code stitch}).
 */
final class Rows {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats that widen to one {@link #DS} vector of doubles: half its bit size. */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Math.max(64, DS.vectorBitSize() / 2)));
    private static final int DL = Math.min(DS.length(), HALF.length());

    private Rows() {
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
