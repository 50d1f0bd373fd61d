package io.github.saestitch.eval;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.TokenContext;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.sae.Autoencoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * The top-activating contexts and the firing frequency of every latent of one or more SAEs over an
 * activation set, as the report's latent explorer shows them ({@link LatentContexts} files). One
 * streaming pass: each block of tokens is read once and encoded by every SAE, so the cost is one
 * encode per SAE and token (the same work as one {@link TopActivations} pass per SAE, without reading
 * the set twice), plus decoding the text of at most {@value #PER_LATENT} tokens per latent.
 */
public final class TopContexts {
    /** Contexts per latent shown by the report's explorer. */
    public static final int PER_LATENT = 3;
    /** Tokens of text on each side of a context's token. */
    public static final int RADIUS = 6;

    private TopContexts() {}

    /** Builds a latent's context for its activation {@code activation} on token {@code token} of the set. */
    @FunctionalInterface
    public interface ContextOf {
        LatentContext of(long token, double activation);
    }

    /** {@link #compute(List, ActivationSet, long, ContextOf, LongConsumer)} for one SAE, without progress. */
    public static LatentContexts.Entries compute(Autoencoder sae, ActivationSet set, long maxTokens, ContextOf ctx) {
        return compute(List.of(sae), set, maxTokens, ctx, done -> {}).get(0);
    }

    /**
     * For every SAE in {@code saes}: each latent's {@value #PER_LATENT} top contexts (latents that fire get
     * a list, largest activation first, ties the earlier token, exactly as {@link TopActivations}) and its
     * firing frequency (every latent, 0 when it never fires) over the first {@code min(maxTokens, set
     * size)} tokens of {@code set}. The frequency is the fraction of those tokens with a positive
     * activation, as {@code Evaluator}'s freq and the compare's {@code latents.csv} freq are.
     *
     * @param progress told the tokens done after each block
     * @return one entry per SAE, in the order of {@code saes}
     */
    public static List<LatentContexts.Entries> compute(
            List<? extends Autoencoder> saes, ActivationSet set, long maxTokens, ContextOf ctx, LongConsumer progress) {
        List<TopActivations.Accumulator> acc = new ArrayList<>();
        for (Autoencoder sae : saes) {
            if (set.dIn() != sae.dIn()) {
                throw new IllegalArgumentException(
                        "the SAE has d_in " + sae.dIn() + " but " + set.describe() + " has d = " + set.dIn());
            }
            acc.add(new TopActivations.Accumulator(sae.numLatents(), PER_LATENT));
        }
        long n = Math.min(maxTokens, set.numTokens());
        for (long start = 0; start < n; start += TopActivations.BLOCK_TOKENS) {
            int len = (int) Math.min(TopActivations.BLOCK_TOKENS, n - start);
            var x = set.block(start, len); // [len, dIn], read once for every SAE
            for (int m = 0; m < saes.size(); m++) {
                acc.get(m).add(saes.get(m).encode(x), start);
            }
            progress.accept(start + len);
        }
        List<LatentContexts.Entries> out = new ArrayList<>(saes.size());
        for (TopActivations.Accumulator a : acc) {
            out.add(entries(a, ctx));
        }
        return out;
    }

    static LatentContexts.Entries entries(TopActivations.Accumulator acc, ContextOf ctx) {
        List<List<TopActivations.Entry>> top = acc.entries();
        Map<Integer, List<LatentContext>> contexts = new TreeMap<>();
        Map<Integer, Double> freq = new TreeMap<>();
        for (int j = 0; j < top.size(); j++) {
            List<LatentContext> list = new ArrayList<>();
            for (TopActivations.Entry e : top.get(j)) {
                list.add(ctx.of(e.token(), e.activation()));
            }
            if (!list.isEmpty()) {
                contexts.put(j, list);
            }
            freq.put(j, acc.freq(j));
        }
        return new LatentContexts.Entries(contexts, freq);
    }

    /**
     * Whether contexts can be decoded from {@code set}: it is an activation store with token ids that
     * names the model whose tokenizer decodes them (an extracted store; not a {@code .npy} file nor a
     * store imported from one).
     */
    public static boolean decodable(ActivationSet set) {
        return set instanceof ActivationStore store
                && store.hasTokenIds()
                && store.manifest().model() != null
                && store.manifest().tokenizer() != null;
    }

    /**
     * Contexts decoded from {@code store}: {@value #RADIUS} tokens of the token's document on each side,
     * named by document, genre and token index. A token that tops several latents is decoded once.
     */
    public static ContextOf decodedFrom(ActivationStore store) {
        Map<Long, TokenContext> decoded = new HashMap<>();
        return (token, activation) -> {
            TokenContext c = decoded.computeIfAbsent(token, t -> store.context(t, RADIUS));
            return new LatentContext(
                    c.before(),
                    c.tokenText(),
                    c.after(),
                    activation,
                    c.document().name() + " (" + c.document().genre() + "), token " + token);
        };
    }
}
