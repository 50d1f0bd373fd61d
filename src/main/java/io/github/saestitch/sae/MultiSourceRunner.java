package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;
import java.util.Objects;

/**
 * Runs a {@link MultiSourceSae} as a composite: encode runs every used source SAE as it is (its own
 * encoder, b_dec handling and activation, so each latent's code is exactly its activation inside its
 * source) and keeps the model's latents; decode is {@code codes·W_dec + b_dec} with the model's
 * decoder. This is how a model with topk sources is evaluated; for other sources it equals the folded
 * standard SAE up to float rounding. Not thread-safe (it owns an {@link SaeRunner} per used source).
 */
public final class MultiSourceRunner implements Autoencoder {
    private final MultiSourceSae model;
    private final Kernels kernels;
    private final int[] used; // source indices with at least one latent, ascending
    private final SaeRunner[] runners; // [used.length]
    private final int[][] map; // [used.length][F_s] model latent of each source latent, −1 if not taken
    private final FloatMatrix wDec; // [numLatents, dIn]
    private final float[] bDec; // [dIn]

    public MultiSourceRunner(MultiSourceSae model, Kernels kernels) {
        this.model = Objects.requireNonNull(model, "model");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.used = model.usedSources();
        this.runners = new SaeRunner[used.length];
        this.map = new int[used.length][];
        for (int u = 0; u < used.length; u++) {
            Sae s = model.source(used[u]);
            runners[u] = new SaeRunner(s, kernels);
            map[u] = new int[s.numLatents()];
            Arrays.fill(map[u], -1);
        }
        int[] source = model.sourceOfLatents();
        int[] latent = model.latentInSource();
        for (int h = 0; h < source.length; h++) {
            map[Arrays.binarySearch(used, source[h])][latent[h]] = h;
        }
        this.wDec = model.wDec();
        this.bDec = model.bDec();
    }

    /** The model this runs. */
    public MultiSourceSae model() {
        return model;
    }

    @Override
    public int dIn() {
        return bDec.length;
    }

    @Override
    public int numLatents() {
        return model.numLatents();
    }

    @Override
    public SparseRows encode(FloatMatrix x) {
        SparseRows[] codes = new SparseRows[used.length];
        int cap = 0;
        for (int u = 0; u < used.length; u++) {
            codes[u] = runners[u].encode(x);
            cap += codes[u].nnz();
        }
        int n = x.rows();
        int[] ptr = new int[n + 1];
        int[] idx = new int[cap];
        float[] val = new float[cap];
        int m = 0;
        for (int t = 0; t < n; t++) {
            int start = m;
            for (int u = 0; u < used.length; u++) {
                SparseRows c = codes[u];
                for (int e = c.rowPtr()[t]; e < c.rowPtr()[t + 1]; e++) {
                    int h = map[u][c.colIdx()[e]];
                    if (h >= 0) {
                        idx[m] = h;
                        val[m++] = c.values()[e];
                    }
                }
            }
            sortRow(idx, val, start, m);
            ptr[t + 1] = m;
        }
        return new SparseRows(n, model.numLatents(), ptr, idx, val);
    }

    @Override
    public void decode(SparseRows codes, FloatMatrix out) {
        decodeWith(codes, wDec, bDec, kernels, out);
    }

    /**
     * {@code out = codes·wDec + bDec} (rows set to b_dec, then the sparse product added). Writes {@code out}.
     *
     * @param codes [t, F]
     * @param wDec  [F, dIn]
     * @param bDec  [dIn]
     * @param out   [t, dIn]
     */
    public static void decodeWith(SparseRows codes, FloatMatrix wDec, float[] bDec, Kernels kernels, FloatMatrix out) {
        Objects.requireNonNull(codes, "codes");
        if (codes.cols() != wDec.rows() || out.rows() != codes.rows() || out.cols() != wDec.cols()) {
            throw new IllegalArgumentException("decode needs codes [t, " + wDec.rows() + "] and out [t, " + wDec.cols()
                    + "], got codes [" + codes.rows() + ", " + codes.cols() + "] and out " + out);
        }
        for (int r = 0; r < out.rows(); r++) {
            out.setRow(r, bDec);
        }
        kernels.sparseMult(codes, wDec, out, true);
    }

    /**
     * Insertion sort of the entries {@code [from, to)} by column: rows hold a few dozen entries, and
     * when the latents of each source are numbered in that source's order (a stitched hybrid) a row
     * is already sorted and nothing moves.
     */
    public static void sortRow(int[] idx, float[] val, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int k = idx[i];
            float v = val[i];
            int j = i - 1;
            while (j >= from && idx[j] > k) {
                idx[j + 1] = idx[j];
                val[j + 1] = val[j];
                j--;
            }
            idx[j + 1] = k;
            val[j + 1] = v;
        }
    }
}
