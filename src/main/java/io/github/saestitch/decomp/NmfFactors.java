package io.github.saestitch.decomp;

import io.github.saestitch.activations.DocumentInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What each NMF factor is made of, read off a factorisation {@code V ≈ W·H} ({@link NmfResult}): its
 * largest loadings on the latents (rows of H), its largest rows of W (tokens, or documents when pooled),
 * and each latent's dominant factor. Pass a {@link NmfResult#normalized() normalised} result to get the
 * numbers {@link NmfWriter} writes (unit-norm rows of H, so a loading is in [0, 1]).
 */
public final class NmfFactors {
    private NmfFactors() {}

    /** One of a factor's largest loadings: {@code H[factor, latent]}, {@code rank} 0 the largest. */
    public record FactorLatent(int factor, int rank, int latent, double weight) {}

    /** One of a factor's top documents: {@code W[row, factor]} of pooled row {@code row}, {@code rank} 0 first. */
    public record FactorDocument(int factor, int rank, int row, DocumentInfo document, double weight) {}

    /**
     * A latent's dominant factor {@code argmax_k H[k, latent]·‖W[:, k]‖} (the lowest k on ties),
     * {@code weight} that maximum and {@code share} it over {@code Σ_k H[k, latent]·‖W[:, k]‖}; factor −1,
     * weight 0 and share NaN when the latent loads on no factor.
     */
    public record LatentFactor(int latent, int factor, double weight, double share) {}

    /** The {@code perFactor} largest positive loadings of each factor, largest first (ties: lower latent). */
    public static List<FactorLatent> topLatents(NmfResult r, int perFactor) {
        List<FactorLatent> out = new ArrayList<>();
        for (int k = 0; k < r.factors(); k++) {
            int[] top = topIndices(r.ht(), r.latents(), r.factors(), k, perFactor);
            for (int i = 0; i < top.length; i++) {
                out.add(new FactorLatent(k, i, top[i], r.h(k, top[i])));
            }
        }
        return out;
    }

    /** The {@code perFactor} documents of largest positive {@code W[d, k]} per factor, largest first. */
    public static List<FactorDocument> topDocuments(NmfResult r, NmfAnalysis.DocumentRows docs, int perFactor) {
        List<FactorDocument> out = new ArrayList<>();
        for (int k = 0; k < r.factors(); k++) {
            int[] top = topTokens(r, k, perFactor);
            for (int i = 0; i < top.length; i++) {
                out.add(new FactorDocument(k, i, top[i], docs.info(top[i]), r.w(top[i], k)));
            }
        }
        return out;
    }

    /** Each fired latent's dominant factor ({@link LatentFactor}), in latent order; {@code fired} is [F]. */
    public static List<LatentFactor> dominantFactors(NmfResult r, boolean[] fired) {
        double[] wn = r.wColumnNorms();
        List<LatentFactor> out = new ArrayList<>();
        for (int j = 0; j < r.latents(); j++) {
            if (!fired[j]) {
                continue;
            }
            int best = -1;
            double max = 0;
            double sum = 0;
            for (int k = 0; k < r.factors(); k++) {
                double s = r.h(k, j) * wn[k];
                sum += s;
                if (s > max) {
                    max = s;
                    best = k;
                }
            }
            out.add(best < 0 ? new LatentFactor(j, -1, 0, Double.NaN) : new LatentFactor(j, best, max, max / sum));
        }
        return out;
    }

    /**
     * Row indices (tokens) of the {@code perFactor} largest positive {@code W[:, k]}, largest first (ties: lower
     * token).
     */
    public static int[] topTokens(NmfResult r, int k, int perFactor) {
        return topIndices(r.w(), r.tokens(), r.factors(), k, perFactor);
    }

    /** Indices i of the {@code count} largest positive {@code x[i·stride + col]}, largest first (ties: lower i). */
    static int[] topIndices(double[] x, int rows, int stride, int col, int count) {
        int[] best = new int[count];
        int n = 0;
        for (int i = 0; i < rows; i++) {
            double v = x[i * stride + col];
            if (!(v > 0)) {
                continue;
            }
            if (n == count && v <= x[best[n - 1] * stride + col]) {
                continue;
            }
            int at = n < count ? n++ : n - 1; // insertion sort into the kept list (count is small)
            while (at > 0 && x[best[at - 1] * stride + col] < v) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return Arrays.copyOf(best, n);
    }
}
