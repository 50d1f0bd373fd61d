package io.github.saestitch.train;

import io.github.saestitch.tensor.Vec;

/**
 * The three decoder-row operations of the sparse forward and backward, for a dense decoder
 * ({@code [numLatents, dIn]}) or the expander's masked one ({@code [numLatents, degree]} values at the
 * mask's columns).
 */
final class DecoderRows {
    private DecoderRows() {}

    /** {@code r += a · W_dec,c} (dense row or the expander's masked values). */
    static void addRow(SaeParams p, int c, float a, float[] r) {
        if (p.mask == null) {
            Vec.axpyUnfusedTail(a, p.wDec, c * p.decCols, r, 0, p.decCols);
        } else {
            int[] idx = p.mask.indexArray();
            int o = c * p.decCols;
            for (int j = 0; j < p.decCols; j++) {
                r[idx[o + j]] += a * p.wDec[o + j];
            }
        }
    }

    /** {@code W_dec,c · v[vo .. vo+d)}. */
    static float dot(SaeParams p, int c, float[] v, int vo) {
        if (p.mask == null) {
            return Vec.dotFloat(p.wDec, c * p.decCols, v, vo, p.decCols);
        }
        int[] idx = p.mask.indexArray();
        int o = c * p.decCols;
        float s = 0f;
        for (int j = 0; j < p.decCols; j++) {
            s += p.wDec[o + j] * v[vo + idx[o + j]];
        }
        return s;
    }

    /** {@code gDec_i += a · v[vo .. vo+d)} restricted to the stored values of row i. */
    static void addGrad(SaeParams p, int i, float a, float[] v, int vo, float[] gDec) {
        if (p.mask == null) {
            Vec.axpyUnfusedTail(a, v, vo, gDec, i * p.decCols, p.decCols);
        } else {
            int[] idx = p.mask.indexArray();
            int o = i * p.decCols;
            for (int j = 0; j < p.decCols; j++) {
                gDec[o + j] += a * v[vo + idx[o + j]];
            }
        }
    }
}
