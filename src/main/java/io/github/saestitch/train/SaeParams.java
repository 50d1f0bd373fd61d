package io.github.saestitch.train;

import java.util.List;

/**
 * The trainable parameters of an SAE in the orientation the training kernels want, in the trainer's
 * normalised units (inputs {@code s·x}, see {@link TrainOptions#normalizeInputs}). Also used for the
 * gradients and for Adam's two moment estimates, which have the same shapes.
 *
 * <p>The encoder is stored transposed, one row per latent ({@code [F, dIn]}), so that a latent's
 * encoder and decoder rows are both contiguous: the sparse backward accumulates
 * {@code dW_enc,i += dpre_ti · (x_t − b_dec)} row by row. The encoder GEMM then runs as
 * {@code (x − b_dec) · W_encᵀ} (sgemm with transB), which the GEMM backends pack just as fast.
 */
final class SaeParams {
    final int dIn;
    final int numLatents;
    final int decCols; // dIn (dense decoder) or the expander degree
    final float[] wEnc; // [numLatents, dIn] encoder rows (SAELens W_enc transposed)
    final float[] bEnc; // [numLatents]
    final float[] wDec; // [numLatents, decCols] decoder rows (dense), or the expander's stored values
    final float[] bDec; // [dIn]
    final ExpanderMask mask; // null for a dense decoder

    SaeParams(int dIn, int numLatents, ExpanderMask mask) {
        this.dIn = dIn;
        this.numLatents = numLatents;
        this.mask = mask;
        this.decCols = mask == null ? dIn : mask.degree();
        this.wEnc = new float[Math.multiplyExact(numLatents, dIn)];
        this.bEnc = new float[numLatents];
        this.wDec = new float[Math.multiplyExact(numLatents, decCols)];
        this.bDec = new float[dIn];
    }

    /** Zeros of the same shapes (gradients, Adam moments). */
    SaeParams zerosLike() {
        return new SaeParams(dIn, numLatents, mask);
    }

    /** The arrays in a fixed order: W_enc rows, b_enc, W_dec, b_dec. */
    List<float[]> arrays() {
        return List.of(wEnc, bEnc, wDec, bDec);
    }

    /** Names of {@link #arrays()} in checkpoints. */
    static final List<String> NAMES = List.of("W_enc_rows", "b_enc", "W_dec_values", "b_dec");

    /** Copies every value from {@code o} (same shapes). */
    void copyFrom(SaeParams o) {
        List<float[]> src = o.arrays();
        List<float[]> dst = arrays();
        for (int i = 0; i < dst.size(); i++) {
            System.arraycopy(src.get(i), 0, dst.get(i), 0, dst.get(i).length);
        }
    }

    /** Latent i's decoder row as a dense {@code [dIn]} vector (expanding the expander mask). */
    float[] denseDecoderRow(int i) {
        float[] row = new float[dIn];
        if (mask == null) {
            System.arraycopy(wDec, i * dIn, row, 0, dIn);
        } else {
            int[] idx = mask.indexArray();
            for (int j = 0; j < decCols; j++) {
                row[idx[i * decCols + j]] = wDec[i * decCols + j];
            }
        }
        return row;
    }
}
