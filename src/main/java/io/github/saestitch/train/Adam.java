package io.github.saestitch.train;

import io.github.saestitch.tensor.Parallel;
import java.util.List;

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
        for (int a = 0; a < ps.size(); a++) {
            float[] pa = ps.get(a);
            float[] ga = gs.get(a);
            float[] ma = ms.get(a);
            float[] va = vs.get(a);
            Parallel.forRange(pa.length, 8, (i0, i1) -> {
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
                if (!ok) {
                    bad[0] = true;
                }
            });
        }
        return !bad[0];
    }
}
