package io.github.saestitch.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Horizontal sums of a vector's lanes in one fixed order, the same whether the code runs interpreted,
 * C1- or C2-compiled.
 *
 * <p>Why not {@code reduceLanes(ADD)}: its order of additions is unspecified for floating point, and in
 * HotSpot it differs between the interpreter's fallback and the C2 intrinsic. A training run whose first
 * steps ran before C2 compiled the loop then differed from a later identical run in the same JVM in the
 * last bits (measured: {@code train.RepeatabilityTest} failed for relu+L1 at d = 384 with
 * {@code reduceLanes}, passes with this), and when the compiler kicks in depends on timing, so results
 * could differ from process to process too. Here every step is a lane-wise {@code add} of the vector and
 * its upper half shifted down ({@code slice}), which are exact per lane: a fixed pairwise tree.
 */
public final class Lanes {
    private Lanes() {}

    /** The sum of {@code v}'s lanes, as the tree ((l0 + l(n/2)) + …) in a fixed order. */
    public static float sum(FloatVector v) {
        for (int half = v.length() / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }

    /** The sum of {@code v}'s lanes, in the same fixed order as {@link #sum(FloatVector)}. */
    public static double sum(DoubleVector v) {
        for (int half = v.length() / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }
}
