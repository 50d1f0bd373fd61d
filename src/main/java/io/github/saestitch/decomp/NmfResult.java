package io.github.saestitch.decomp;

import java.util.Arrays;

/**
 * A non-negative factorisation {@code V ≈ W·H} of a tokens × latents matrix ({@link Nmf}).
 *
 * @param tokens     n, rows of V and W
 * @param latents    F, columns of V and H
 * @param factors    K
 * @param w          [n, K] row-major: {@code W[t, k] = w[t·K + k]} (≥ 0)
 * @param ht         [F, K] row-major, H transposed: {@code H[k, j] = ht[j·K + k]} (≥ 0); stored this way so
 *                   a latent's loadings on all factors are contiguous
 * @param errors     relative errors {@code ‖V − W·H‖_F / ‖V‖_F}: index 0 after the initialisation, index i
 *                   after iteration i (length {@code iterations + 1})
 * @param iterations iterations run
 * @param converged  whether the tolerance stopped the run before the iteration cap
 * @param normV      {@code ‖V‖_F}
 * @param options    the options of the run
 */
public record NmfResult(
        int tokens,
        int latents,
        int factors,
        double[] w,
        double[] ht,
        double[] errors,
        int iterations,
        boolean converged,
        double normV,
        NmfOptions options) {

    /** The relative error after the last iteration. */
    public double relativeError() {
        return errors[errors.length - 1];
    }

    /** {@code W[t, k]}. */
    public double w(int t, int k) {
        return w[t * factors + k];
    }

    /** {@code H[k, j]}. */
    public double h(int k, int j) {
        return ht[j * factors + k];
    }

    /** {@code ‖W[:, k]‖₂} for every factor. */
    public double[] wColumnNorms() {
        double[] out = new double[factors];
        for (int t = 0; t < tokens; t++) {
            for (int k = 0; k < factors; k++) {
                double v = w[t * factors + k];
                out[k] += v * v;
            }
        }
        for (int k = 0; k < factors; k++) {
            out[k] = Math.sqrt(out[k]);
        }
        return out;
    }

    /** {@code ‖H[k, :]‖₂} for every factor. */
    public double[] hRowNorms() {
        double[] out = new double[factors];
        for (int j = 0; j < latents; j++) {
            for (int k = 0; k < factors; k++) {
                double v = ht[j * factors + k];
                out[k] += v * v;
            }
        }
        for (int k = 0; k < factors; k++) {
            out[k] = Math.sqrt(out[k]);
        }
        return out;
    }

    /**
     * The same product W·H rescaled so every non-zero row of H has unit L2 norm and W carries the scale:
     * then {@code W[t, k]} is the length, in activation units, of factor k's contribution to token t's
     * codes, and {@code H[k, :]} is a direction in latent space (loadings in [0, 1]). Zero rows stay zero.
     */
    public NmfResult normalized() {
        double[] norms = hRowNorms();
        double[] w2 = Arrays.copyOf(w, w.length);
        double[] ht2 = Arrays.copyOf(ht, ht.length);
        for (int k = 0; k < factors; k++) {
            double s = norms[k];
            if (s == 0) {
                continue;
            }
            for (int t = 0; t < tokens; t++) {
                w2[t * factors + k] *= s;
            }
            for (int j = 0; j < latents; j++) {
                ht2[j * factors + k] /= s;
            }
        }
        return new NmfResult(tokens, latents, factors, w2, ht2, errors, iterations, converged, normV, options);
    }

    /** Factors whose W column or H row is entirely zero (they contribute nothing). */
    public int emptyFactors() {
        double[] a = wColumnNorms();
        double[] b = hRowNorms();
        int n = 0;
        for (int k = 0; k < factors; k++) {
            if (a[k] == 0 || b[k] == 0) {
                n++;
            }
        }
        return n;
    }
}
