package io.github.saestitch.train;

import io.github.saestitch.tensor.Parallel;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adam (Kingma and Ba 2015) exactly as PyTorch's {@code torch.optim.Adam} without weight decay:
 * <pre>
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 * Every parameter is updated every step (a latent that did not fire still moves with its momentum),
 * which is what makes a sparse-gradient run equal to the dense reference.
 */
final class Adam {
    final double beta1;
    final double beta2;
    final double epsilon;
    final SaeParams m; // first moments, shapes of the parameters
    final SaeParams v; // second moments
    long t; // steps taken

    Adam(SaeParams like, double beta1, double beta2, double epsilon) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.m = like.zerosLike();
        this.v = like.zerosLike();
    }

    /**
     * One update of every array of {@code p} with gradients {@code g}. Writes {@code p}, {@code m}, {@code v}.
     *
     * @return false if some parameter became non-finite (the caller must stop: the weights are spoiled)
     */
    boolean step(SaeParams p, SaeParams g, double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        final float stepSize = (float) (lr / bc1);
        final float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
        final float b1 = (float) beta1;
        final float b2 = (float) beta2;
        final float ob1 = (float) (1 - beta1);
        final float ob2 = (float) (1 - beta2);
        final float eps = (float) epsilon;
        List<float[]> ps = p.arrays();
        List<float[]> gs = g.arrays();
        List<float[]> ms = m.arrays();
        List<float[]> vs = v.arrays();
        boolean[] bad = new boolean[1];
        Coefficients coefficients = new Coefficients(b1, b2, ob1, ob2, stepSize, invSqrtBc2, eps);
        for (int a = 0; a < ps.size(); a++) {
            float[] pa = ps.get(a);
            float[] ga = gs.get(a);
            float[] ma = ms.get(a);
            float[] va = vs.get(a);
            Parallel.forRange(pa.length, 8, (i0, i1) -> {
                if (!update(pa, ga, ma, va, i0, i1, coefficients)) {
                    bad[0] = true;
                }
            });
        }
        return !bad[0];
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** One step's float coefficients: β₁, β₂, 1 − β₁, 1 − β₂, lr / (1 − β₁ᵗ), 1 / √(1 − β₂ᵗ), ε. */
    record Coefficients(float b1, float b2, float ob1, float ob2, float stepSize, float invSqrtBc2, float eps) {}

    /**
     * The update of elements [i0, i1), in lanes: the same float operations in the same order as
     * {@link #updateReference} (no FMA; a float square root is correctly rounded, as is the double one
     * rounded to float), so the weights are bit-identical to it. Why: the scalar loop did not vectorize
     * (its finiteness flag is a reduction C2 does not take), and Adam streams 7 floats per parameter every
     * step. Returns false if a new parameter is not finite.
     */
    static boolean update(float[] pa, float[] ga, float[] ma, float[] va, int i0, int i1, Coefficients k) {
        float b1 = k.b1(), b2 = k.b2(), ob1 = k.ob1(), ob2 = k.ob2();
        float stepSize = k.stepSize(), invSqrtBc2 = k.invSqrtBc2(), eps = k.eps();
        int i = i0;
        var bad = S.maskAll(false);
        for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, ga, i);
            FloatVector m = FloatVector.fromArray(S, ma, i).mul(b1).add(g.mul(ob1));
            FloatVector v =
                    FloatVector.fromArray(S, va, i).mul(b2).add(g.mul(ob2).mul(g));
            m.intoArray(ma, i);
            v.intoArray(va, i);
            FloatVector np = FloatVector.fromArray(S, pa, i)
                    .sub(m.mul(stepSize)
                            .div(v.lanewise(VectorOperators.SQRT)
                                    .mul(invSqrtBc2)
                                    .add(eps)));
            np.intoArray(pa, i);
            bad = bad.or(np.test(VectorOperators.IS_NAN).or(np.test(VectorOperators.IS_INFINITE)));
        }
        boolean ok = !bad.anyTrue();
        return updateReference(pa, ga, ma, va, i, i1, k) && ok;
    }

    /** {@link #update} element by element: the reference (and the tail of the lane loop). */
    static boolean updateReference(float[] pa, float[] ga, float[] ma, float[] va, int i0, int i1, Coefficients k) {
        float b1 = k.b1(), b2 = k.b2(), ob1 = k.ob1(), ob2 = k.ob2();
        float stepSize = k.stepSize(), invSqrtBc2 = k.invSqrtBc2(), eps = k.eps();
        boolean ok = true;
        for (int i = i0; i < i1; i++) {
            float gi = ga[i];
            float mi = b1 * ma[i] + ob1 * gi;
            float vi = b2 * va[i] + ob2 * gi * gi;
            ma[i] = mi;
            va[i] = vi;
            float np = pa[i] - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
            pa[i] = np;
            ok &= Float.isFinite(np);
        }
        return ok;
    }
}
