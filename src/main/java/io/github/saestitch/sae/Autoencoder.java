package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SparseRows;

/**
 * Anything that maps activations {@code x [tokens, dIn]} to sparse latent codes {@code f [tokens,
 * numLatents]} and back to reconstructions {@code x̂ [tokens, dIn]}.
 *
 * <p>{@link SaeRunner} is the implementation for one standard {@link Sae}. The seam exists because
 * stitching also evaluates models that are not one standard SAE, e.g. a small SAE plus latents
 * transplanted from a {@code topk} SAE, whose activations are those they have inside the larger SAE
 * (a composite SAE); {@code eval.Evaluator} computes the same metrics for all of them.
 *
 * <p>Implementations may hold scratch buffers and need not be thread-safe.
 */
public interface Autoencoder {

    /** Width of each activation vector. */
    int dIn();

    /** Number of latents F (columns of the codes). */
    int numLatents();

    /**
     * The sparse codes of {@code x}: {@code [x.rows, numLatents]}, non-zero entries only. Reads
     * {@code x}; a non-finite value in {@code x} is an {@link IllegalArgumentException}.
     *
     * @param x [tokens, dIn]
     */
    SparseRows encode(FloatMatrix x);

    /**
     * Reconstruction from codes: {@code out = codes · W_dec + b_dec} (or the model's equivalent).
     * Writes {@code out}.
     *
     * @param codes [tokens, numLatents]
     * @param out   [tokens, dIn]
     */
    void decode(SparseRows codes, FloatMatrix out);

    /**
     * Encode then decode: writes the reconstruction of {@code x} into {@code out} and returns the
     * codes. Reads {@code x}, writes {@code out}.
     *
     * @param x   [tokens, dIn]
     * @param out [tokens, dIn]
     */
    default SparseRows forward(FloatMatrix x, FloatMatrix out) {
        SparseRows codes = encode(x);
        decode(codes, out);
        return codes;
    }
}
