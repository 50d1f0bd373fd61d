package io.github.saestitch.frankenstein;

import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.MultiSourceRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.Objects;

/**
 * A Frankenstein (or an original: all latents of one member) served from its sources' codes computed
 * once ({@link SourceCodes} over the held-out tokens), so that evaluating the dozen or more models of a
 * run with {@code eval.Evaluator} costs one encoder GEMM per source instead of one per model: a
 * Frankenstein's codes are columns of its sources' codes (each latent computes exactly its activation
 * inside its source). Decoding uses the model's own decoder.
 *
 * <p>It must be called on the tokens of {@code codes}, in order, block after block, as
 * {@code Evaluator} does; each block's first and last rows are compared with the stored tokens, and a
 * mismatch is an {@link IllegalStateException}. Single use, not thread-safe.
 */
final class PrecomputedModel implements Autoencoder {
    private final SourceCodes codes;
    private final Selection selection;
    private final FloatMatrix wDec; // [F, d]
    private final float[] bDec; // [d]
    private final Kernels kernels;
    private int cursor; // next token of codes to serve

    PrecomputedModel(SourceCodes codes, Selection selection, FloatMatrix wDec, float[] bDec, Kernels kernels) {
        this.codes = Objects.requireNonNull(codes, "codes");
        this.selection = Objects.requireNonNull(selection, "selection");
        this.wDec = Objects.requireNonNull(wDec, "wDec");
        this.bDec = Objects.requireNonNull(bDec, "bDec");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /** The model {@code m} on the tokens of {@code codes}. */
    static PrecomputedModel of(SourceCodes codes, FrankensteinModel m, Kernels kernels) {
        return new PrecomputedModel(codes, m.selection(), m.wDec(), m.bDec(), kernels);
    }

    @Override
    public int dIn() {
        return codes.dIn();
    }

    @Override
    public int numLatents() {
        return selection.numLatents();
    }

    @Override
    public SparseRows encode(FloatMatrix x) {
        int n = x.rows();
        if (cursor + n > codes.numTokens() || !sameRow(x, 0, cursor) || (n > 0 && !sameRow(x, n - 1, cursor + n - 1))) {
            throw new IllegalStateException("precomputed codes served out of order: block of " + n + " tokens at token "
                    + cursor + " of " + codes.numTokens());
        }
        SparseRows c = codes.codesOf(selection, cursor, cursor + n);
        cursor += n;
        return c;
    }

    private boolean sameRow(FloatMatrix x, int r, int t) {
        if (r < 0 || r >= x.rows()) {
            return true;
        }
        float[] row = x.row(r);
        for (int c = 0, o = t * codes.dIn(); c < row.length; c++) {
            if (Float.floatToRawIntBits(row[c]) != Float.floatToRawIntBits(codes.x()[o + c])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void decode(SparseRows c, FloatMatrix out) {
        MultiSourceRunner.decodeWith(c, wDec, bDec, kernels, out);
    }
}
