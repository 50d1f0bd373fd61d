package io.github.saestitch.train;

import io.github.saestitch.tensor.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The short dense loops of the sparse forward/backward (one decoder row against one token's vector),
 * on the Vector API. Lane order is fixed by the species, so every result is the same from run to run
 * on one machine.
 */
final class VecOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VecOps() {
    }

    /** {@code Σ_j a[ao + j] · b[bo + j]} for {@code j < n}. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int j = 0;
        float s = 0f;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; j < bound; j += S.length()) {
                acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
            }
            s = Lanes.sum(acc);
        }
        for (; j < n; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }

    /** {@code y[yo + j] += alpha · x[xo + j]} for {@code j < n}. Writes y. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int j = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            for (; j < bound; j += S.length()) {
                FloatVector.fromArray(S, x, xo + j).fma(va, FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
            }
        }
        for (; j < n; j++) {
            y[yo + j] += alpha * x[xo + j];
        }
    }

    /** {@code Σ_j a[ao + j]²}. */
    static float sumSquares(float[] a, int ao, int n) {
        return dot(a, ao, a, ao, n);
    }
}
