package io.github.saestitch.frankenstein;

import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Frankenstein that is not one standard SAE (some source is topk, see {@link FrankensteinModel}):
 * runs every used source SAE as it is and keeps the selected latents' codes (each exactly its
 * activation inside its source), then decodes with the Frankenstein's own decoder. Built by
 * {@link FrankensteinModel#autoencoder} and by {@link FrankensteinWriter#readComposite} from a written
 * directory, so {@code saestitch eval} runs it. Not thread-safe (it owns a runner per source).
 */
public final class CompositeFrankenstein implements Autoencoder {
    private final int dIn;
    private final int numLatents;
    private final int[] used; // source indices with at least one selected latent, ascending
    private final SaeRunner[] runners; // [used.length]
    private final int[][] map; // [used.length][F_s] Frankenstein latent of each source latent, −1 if not selected
    private final FloatMatrix wDec; // [F, d]
    private final float[] bDec; // [d]
    private final Kernels kernels;

    /**
     * @param sources by index; entries no latent uses may be null
     * @param source  [F] the source index of each latent
     * @param latent  [F] its latent index in that source
     * @param wDec    [F, d] the decoder
     * @param bDec    [d]
     * @throws IllegalArgumentException if a latent refers to a missing source or latent, or shapes differ
     */
    public CompositeFrankenstein(Sae[] sources, int[] source, int[] latent, FloatMatrix wDec, float[] bDec,
            Kernels kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.numLatents = source.length;
        if (latent.length != numLatents || wDec.rows() != numLatents || wDec.cols() != bDec.length) {
            throw new IllegalArgumentException("a composite Frankenstein of " + numLatents + " latents needs " + numLatents
                    + " source latents and W_dec [" + numLatents + ", d_in] with b_dec [d_in]; got " + latent.length
                    + " latents, W_dec " + wDec + ", b_dec[" + bDec.length + "]");
        }
        this.dIn = bDec.length;
        this.used = Arrays.stream(source).distinct().sorted().toArray();
        this.runners = new SaeRunner[used.length];
        this.map = new int[used.length][];
        for (int u = 0; u < used.length; u++) {
            int s = used[u];
            if (s < 0 || s >= sources.length || sources[s] == null) {
                throw new IllegalArgumentException("latents refer to source " + s + ", which is not given");
            }
            if (sources[s].dIn() != dIn) {
                throw new IllegalArgumentException("source " + s + " has d_in = " + sources[s].dIn() + " but the decoder "
                        + dIn);
            }
            runners[u] = new SaeRunner(sources[s], kernels);
            map[u] = new int[sources[s].numLatents()];
            Arrays.fill(map[u], -1);
        }
        for (int h = 0; h < numLatents; h++) {
            int u = Arrays.binarySearch(used, source[h]);
            if (latent[h] < 0 || latent[h] >= map[u].length) {
                throw new IllegalArgumentException("latent " + h + " refers to latent " + latent[h] + " of source "
                        + source[h] + ", which has " + map[u].length);
            }
            if (map[u][latent[h]] >= 0) {
                throw new IllegalArgumentException("latents " + map[u][latent[h]] + " and " + h + " are both latent "
                        + latent[h] + " of source " + source[h] + "; each source latent may appear once");
            }
            map[u][latent[h]] = h;
        }
        this.wDec = wDec;
        this.bDec = bDec.clone();
    }

    @Override
    public int dIn() {
        return dIn;
    }

    @Override
    public int numLatents() {
        return numLatents;
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
            FrankensteinModel.sortRow(idx, val, start, m);
            ptr[t + 1] = m;
        }
        return new SparseRows(n, numLatents, ptr, idx, val);
    }

    @Override
    public void decode(SparseRows codes, FloatMatrix out) {
        FrankensteinModel.decodeWith(codes, wDec, bDec, kernels, out);
    }
}
