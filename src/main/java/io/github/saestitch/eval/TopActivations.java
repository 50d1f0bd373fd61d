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
    public record Entry(long token, float activation) {}

    private TopActivations() {}

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
            throw new IllegalArgumentException(
                    "the SAE has d_in " + model.dIn() + " but " + set.describe() + " has d = " + set.dIn());
        }
        Accumulator acc = new Accumulator(model.numLatents(), perLatent);
        long n = Math.min(maxTokens, set.numTokens());
        for (long start = 0; start < n; start += BLOCK_TOKENS) {
            int len = (int) Math.min(BLOCK_TOKENS, n - start);
            acc.add(model.encode(set.block(start, len)), start);
        }
        return acc.entries();
    }

    /**
     * The running top activations of every latent, fed one block of codes at a time, and each latent's
     * count of positive activations (its firing count) over the tokens fed: what {@link #compute} keeps
     * for one model, so that one pass over a set can feed several models' codes.
     */
    static final class Accumulator {
        private final int perLatent;
        private final float[] vals; // [numLatents, perLatent] unordered heap slots
        private final long[] toks; // [numLatents, perLatent]
        private final int[] count; // [numLatents] filled slots
        private final long[] fires; // [numLatents] tokens with a positive activation
        private long tokens;

        Accumulator(int numLatents, int perLatent) {
            this.perLatent = perLatent;
            this.vals = new float[numLatents * perLatent];
            this.toks = new long[numLatents * perLatent];
            this.count = new int[numLatents];
            this.fires = new long[numLatents];
        }

        /** Adds the codes of the tokens {@code firstToken, firstToken + 1, …} (one row each). */
        void add(SparseRows codes, long firstToken) {
            for (int r = 0; r < codes.rows(); r++) {
                for (int p = codes.rowPtr()[r]; p < codes.rowPtr()[r + 1]; p++) {
                    float v = codes.values()[p];
                    if (v > 0f) {
                        offer(codes.colIdx()[p], v, firstToken + r);
                    }
                }
            }
            tokens += codes.rows();
        }

        private void offer(int j, float v, long token) {
            fires[j]++;
            int base = j * perLatent;
            if (count[j] < perLatent) {
                vals[base + count[j]] = v;
                toks[base + count[j]] = token;
                count[j]++;
                return;
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
                toks[min] = token;
            }
        }

        /** Tokens fed so far. */
        long tokens() {
            return tokens;
        }

        /** Latent {@code j}'s firing frequency over the tokens fed (0 before any). */
        double freq(int j) {
            return tokens == 0 ? 0.0 : (double) fires[j] / tokens;
        }

        /** Every latent's kept entries, largest first (ties: the earlier token); [numLatents] lists. */
        List<List<Entry>> entries() {
            List<List<Entry>> out = new ArrayList<>(count.length);
            for (int j = 0; j < count.length; j++) {
                Entry[] e = new Entry[count[j]];
                for (int q = 0; q < count[j]; q++) {
                    e[q] = new Entry(toks[j * perLatent + q], vals[j * perLatent + q]);
                }
                Arrays.sort(
                        e,
                        Comparator.comparingDouble((Entry x) -> -x.activation()).thenComparingLong(Entry::token));
                out.add(List.of(e));
            }
            return out;
        }
    }
}
