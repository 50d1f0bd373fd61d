package io.github.saestitch.train;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise part of relu's dense backward, for latents [i0, i1) over all B tokens:
 * <pre>
 *   where f_ti &gt; 0:  dpre_ti = dpre_ti + penalty_i,  db_i += dpre_ti,  sumF_i += f_ti (in double)
 *   elsewhere:        dpre_ti = 0
 * </pre>
 * tokens in order, so each latent's sums are those of the serial loop ({@link #applyReference}, which
 * {@code DenseReluMaskTest} compares bit for bit). In lanes, a lane is a latent: adding +0 where f ≤ 0
 * leaves a sum unchanged (these sums start at +0 and never become −0).
 */
final class DenseReluMask {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, S.vectorShape());
    private static final int L = S.length();

    private DenseReluMask() {}

    /**
     * The update above for latents [i0, i1) of the {@code [B, F]} blocks {@code pre} (read) and {@code dense}
     * (dpre, read and written); {@code db} and {@code sumF} ([F]) accumulate.
     */
    static void apply(
            float[] pre, float[] dense, float[] penalty, float[] db, double[] sumF, int B, int F, int i0, int i1) {
        int vEnd = i0 + S.loopBound(i1 - i0);
        FloatVector zero = FloatVector.zero(S);
        for (int t = 0; t < B; t++) {
            int o = t * F;
            for (int i = i0; i < vEnd; i += L) {
                FloatVector f = FloatVector.fromArray(S, pre, o + i);
                VectorMask<Float> on = f.compare(VectorOperators.GT, zero);
                FloatVector dp = zero.blend(
                        FloatVector.fromArray(S, dense, o + i).add(FloatVector.fromArray(S, penalty, i)), on);
                dp.intoArray(dense, o + i);
                FloatVector.fromArray(S, db, i).add(dp).intoArray(db, i);
                FloatVector fk = zero.blend(f, on);
                for (int part = 0; part < 2; part++) {
                    DoubleVector fd = (DoubleVector) fk.convertShape(VectorOperators.F2D, D, part);
                    int at = i + part * D.length();
                    DoubleVector.fromArray(D, sumF, at).add(fd).intoArray(sumF, at);
                }
            }
            update(pre, dense, penalty, db, sumF, o, vEnd, i1);
        }
    }

    /** {@link #apply} element by element: the reference (and the tail of the lanes). */
    static void applyReference(
            float[] pre, float[] dense, float[] penalty, float[] db, double[] sumF, int B, int F, int i0, int i1) {
        for (int t = 0; t < B; t++) {
            update(pre, dense, penalty, db, sumF, t * F, i0, i1);
        }
    }

    private static void update(
            float[] pre, float[] dense, float[] penalty, float[] db, double[] sumF, int o, int i0, int i1) {
        for (int i = i0; i < i1; i++) {
            float f = pre[o + i];
            if (f > 0f) {
                float dp = dense[o + i] + penalty[i];
                dense[o + i] = dp;
                db[i] += dp;
                sumF[i] += f;
            } else {
                dense[o + i] = 0f;
            }
        }
    }
}
