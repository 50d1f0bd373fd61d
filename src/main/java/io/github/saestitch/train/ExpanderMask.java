package io.github.saestitch.train;

import io.github.saestitch.tensor.SplitMix64;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The decoder mask of an Expander SAE (Mendoza-Smith 2026; docs/definitions.md#training-architectures): a bipartite
 * graph from the {@code F} latents (left) to the {@code dIn} input dimensions (right) in which every latent has
 * exactly {@code degree} neighbours (left-d-regular). Latent i's decoder row may only be non-zero on its
 * neighbours, so the decoder stores {@code degree·F} values instead of {@code dIn·F}.
 *
 * <p><b>Construction.</b> Random left-regular bipartite graphs are expanders with high probability (the
 * standard probabilistic construction of the masks Expander SAEs use); we also balance the right degrees:
 * the neighbour lists are cut from a stream of independent random permutations of {@code [0, dIn)}, a
 * value that would repeat within one latent is deferred to the next latent, so every input dimension
 * ends up with {@code F·degree/dIn} neighbours give or take a few. Each list is sorted ascending.
 * Seeded, so a checkpoint need not store the mask: it is rebuilt from the seed.
 */
public final class ExpanderMask {
    private final int numLatents;
    private final int dIn;
    private final int degree;
    private final int[] index; // [numLatents, degree] input dims of each latent's decoder values, ascending per row

    private ExpanderMask(int numLatents, int dIn, int degree, int[] index) {
        this.numLatents = numLatents;
        this.dIn = dIn;
        this.degree = degree;
        this.index = index;
    }

    /**
     * A random balanced left-{@code degree}-regular mask.
     *
     * @throws IllegalArgumentException unless {@code 1 ≤ degree ≤ dIn}
     */
    public static ExpanderMask random(int numLatents, int dIn, int degree, long seed) {
        if (degree < 1 || degree > dIn) {
            throw new IllegalArgumentException("expander degree must be in [1, dIn = " + dIn + "], got " + degree);
        }
        SplitMix64 rng = SplitMix64.stream(seed, 0xE_0000L);
        int[] index = new int[Math.multiplyExact(numLatents, degree)];
        int[] perm = new int[dIn];
        int permPos = dIn; // exhausted: draw a fresh permutation on first use
        ArrayDeque<Integer> deferred = new ArrayDeque<>();
        boolean[] used = new boolean[dIn];
        for (int i = 0; i < numLatents; i++) {
            int filled = 0;
            int base = i * degree;
            int deferredTries = deferred.size();
            while (filled < degree && deferredTries-- > 0) {
                int v = deferred.pollFirst();
                if (!used[v]) {
                    used[v] = true;
                    index[base + filled++] = v;
                } else {
                    deferred.addLast(v);
                }
            }
            while (filled < degree) {
                if (permPos == dIn) {
                    for (int j = 0; j < dIn; j++) {
                        perm[j] = j;
                    }
                    rng.shuffle(perm);
                    permPos = 0;
                }
                int v = perm[permPos++];
                if (!used[v]) {
                    used[v] = true;
                    index[base + filled++] = v;
                } else {
                    deferred.addLast(v);
                }
            }
            Arrays.sort(index, base, base + degree);
            for (int j = 0; j < degree; j++) {
                used[index[base + j]] = false;
            }
        }
        return new ExpanderMask(numLatents, dIn, degree, index);
    }

    public int numLatents() {
        return numLatents;
    }

    public int dIn() {
        return dIn;
    }

    /** Neighbours per latent (the left degree). */
    public int degree() {
        return degree;
    }

    /** Input dimension of decoder value {@code j} of latent {@code i}. */
    public int neighbour(int i, int j) {
        return index[i * degree + j];
    }

    /** The neighbour lists, {@code [numLatents, degree]} row-major (shared, do not modify). */
    int[] indexArray() {
        return index;
    }

    /** How many latents use each input dimension: {@code [dIn]}. */
    public int[] rightDegrees() {
        int[] deg = new int[dIn];
        for (int v : index) {
            deg[v]++;
        }
        return deg;
    }

    /** Decoder values stored: {@code degree · F}. */
    public long storedDecoderValues() {
        return (long) degree * numLatents;
    }

    /** Stored over dense decoder values: {@code degree / dIn}. */
    public double decoderRatio() {
        return (double) degree / dIn;
    }
}
