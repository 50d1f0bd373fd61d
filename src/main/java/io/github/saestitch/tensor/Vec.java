package io.github.saestitch.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Short dense loops over float rows on the Vector API (one decoder row against one residual), shared by
 * the sparse passes of {@code stitch} and {@code frankenstein}. Sums accumulate in two float vectors and
 * end in double, lane sums in a fixed order ({@link Lanes}), so results do not depend on JIT state.
 */
public final class Vec {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Vec() {
    }

    /** {@code y[yo + c] += a · x[xo + c]} for c in [0, n). Writes {@code y}. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int c = 0;
        for (int bound = S.loopBound(n); c < bound; c += L) {
            FloatVector.fromArray(S, x, xo + c).fma(av, FloatVector.fromArray(S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
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
}
