package io.github.saestitch.eval;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The top-activating tokens of every latent over an activation set, in one streaming pass: what a
 * latent explorer shows next to each latent. Memory is {@code numLatents × perLatent} entries, never
 * tokens × latents.
 */
public final class TopActivations {
    /** Tokens read and encoded per block. */
    static final int BLOCK_TOKENS = 4096;

    /**
     * One token's activation.
     *
     * @param token      index of the token in the set
     * @param activation the latent's activation there (> 0)
     */
    public record Entry(long token, float activation) {
    }

    private TopActivations() {
    }

    /**
     * For every latent of {@code model}, its {@code perLatent} largest activations over the first
     * {@code min(maxTokens, numTokens)} tokens of {@code set}, largest first (ties: the earlier token).
     * Latents that never fire get an empty list.
     *
     * @return [numLatents] lists
     */
    public static List<List<Entry>> compute(Autoencoder model, ActivationSet set, long maxTokens, int perLatent) {
        if (perLatent < 1) {
            throw new IllegalArgumentException("perLatent must be >= 1, got " + perLatent);
        }
        if (set.dIn() != model.dIn()) {
            throw new IllegalArgumentException("the SAE has d_in " + model.dIn() + " but " + set.describe() + " has d = "
                    + set.dIn());
        }
        int f = model.numLatents();
        float[] vals = new float[f * perLatent]; // [numLatents, perLatent] unordered heap slots
        long[] toks = new long[f * perLatent]; // [numLatents, perLatent]
        int[] count = new int[f];
        long n = Math.min(maxTokens, set.numTokens());
        for (long start = 0; start < n; start += BLOCK_TOKENS) {
            int len = (int) Math.min(BLOCK_TOKENS, n - start);
            SparseRows codes = model.encode(set.block(start, len));
            for (int r = 0; r < len; r++) {
                for (int p = codes.rowPtr()[r]; p < codes.rowPtr()[r + 1]; p++) {
                    float v = codes.values()[p];
                    if (v <= 0f) {
                        continue;
                    }
                    int j = codes.colIdx()[p];
                    int base = j * perLatent;
                    if (count[j] < perLatent) {
                        vals[base + count[j]] = v;
                        toks[base + count[j]] = start + r;
                        count[j]++;
                        continue;
                    }
                    // Replace the smallest kept value (the latest token among equal ones) when v beats it:
                    // perLatent is small, so a scan beats a heap.
                    int min = base;
                    for (int q = base + 1; q < base + perLatent; q++) {
                        if (vals[q] < vals[min] || (vals[q] == vals[min] && toks[q] > toks[min])) {
                            min = q;
                        }
                    }
                    if (v > vals[min]) {
                        vals[min] = v;
                        toks[min] = start + r;
                    }
                }
            }
        }
        List<List<Entry>> out = new ArrayList<>(f);
        for (int j = 0; j < f; j++) {
            Entry[] e = new Entry[count[j]];
            for (int q = 0; q < count[j]; q++) {
                e[q] = new Entry(toks[j * perLatent + q], vals[j * perLatent + q]);
            }
            Arrays.sort(e, Comparator.comparingDouble((Entry x) -> -x.activation()).thenComparingLong(Entry::token));
            out.add(List.of(e));
        }
        return out;
    }
}
