package io.github.saestitch.eval;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The top contexts of a compared pair's latents, as a compare output directory carries them for the
 * report's explorer: {@value LatentContexts#FILE} for the larger SAE's latents and
 * {@value LatentContexts#SMALL_FILE} for the smaller SAE's. Either side may be absent (not computed).
 *
 * @param small contexts and frequencies of every latent of the smaller SAE, or null
 * @param large contexts and frequencies of every latent of the larger SAE, or null
 */
public record PairContexts(LatentContexts.Entries small, LatentContexts.Entries large) {

    /**
     * Both SAEs' contexts over the first {@code maxTokens} tokens of {@code store}, in one pass
     * ({@link TopContexts}). A null SAE is skipped and its side is null.
     *
     * @param progress told the tokens done after each block
     */
    public static PairContexts compute(
            Sae small, Sae large, ActivationStore store, long maxTokens, Kernels kernels, LongConsumer progress) {
        List<Autoencoder> saes = new ArrayList<>(2);
        if (small != null) {
            saes.add(new SaeRunner(small, kernels));
        }
        if (large != null) {
            saes.add(new SaeRunner(large, kernels));
        }
        List<LatentContexts.Entries> e =
                TopContexts.compute(saes, store, maxTokens, TopContexts.decodedFrom(store), progress);
        return new PairContexts(small == null ? null : e.get(0), large == null ? null : e.get(e.size() - 1));
    }

    /**
     * Collects both SAEs' top contexts from codes another pass computed (a compare's streaming pass,
     * through {@code CompareProgress.codes}), so the set is not encoded a second time. Feed it every
     * token from 0 in order, then {@link #finish}.
     */
    public static final class Collector {
        private final TopActivations.Accumulator small; // null: not wanted
        private final TopActivations.Accumulator large;

        /** A collector for a pair of {@code smallLatents} (0: not wanted) and {@code largeLatents} latents. */
        public Collector(int smallLatents, int largeLatents) {
            small = smallLatents > 0 ? new TopActivations.Accumulator(smallLatents, TopContexts.PER_LATENT) : null;
            large = new TopActivations.Accumulator(largeLatents, TopContexts.PER_LATENT);
        }

        /** Adds the codes of tokens {@code firstToken, firstToken + 1, …} (one row each). */
        public void add(long firstToken, SparseRows smallCodes, SparseRows largeCodes) {
            if (small != null) {
                small.add(smallCodes, firstToken);
            }
            large.add(largeCodes, firstToken);
        }

        /** The contexts, decoded from {@code store}. */
        public PairContexts finish(ActivationStore store) {
            TopContexts.ContextOf ctx = TopContexts.decodedFrom(store);
            return new PairContexts(
                    small == null ? null : TopContexts.entries(small, ctx), TopContexts.entries(large, ctx));
        }
    }

    /** Writes the sides that were computed into the compare output directory {@code dir}. */
    public void writeInto(Path dir) throws IOException {
        if (large != null) {
            LatentContexts.write(large, dir.resolve(LatentContexts.FILE));
        }
        if (small != null) {
            LatentContexts.write(small, dir.resolve(LatentContexts.SMALL_FILE));
        }
    }
}
