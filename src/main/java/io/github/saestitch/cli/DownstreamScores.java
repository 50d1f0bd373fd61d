package io.github.saestitch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.HeldOutSplit;
import io.github.saestitch.eval.DownstreamEvaluator;
import io.github.saestitch.eval.DownstreamResult;
import io.github.saestitch.sae.Autoencoder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The downstream score ({@link DownstreamEvaluator}) of any number of SAEs on one store's held-out tokens,
 * for {@code eval --downstream}, {@code frankenstein --downstream} and the demo: the model runs once, each
 * SAE then costs the layers after the hook.
 */
final class DownstreamScores implements AutoCloseable {
    private final ActivationStore store;
    private final DownstreamEvaluator evaluator;
    private final long start;
    private final String heldOut;

    private DownstreamScores(ActivationStore store, DownstreamEvaluator evaluator, long start, String heldOut) {
        this.store = store;
        this.evaluator = evaluator;
        this.start = start;
        this.heldOut = heldOut;
    }

    /** One SAE's score with where it was measured. */
    record Scored(DownstreamResult result, long start, String heldOut) {
        /** The JSON object {@code eval --json} prints under {@code downstream}. */
        ObjectNode json() {
            ObjectNode o = Json.object();
            o.put("embedding_recovered", result.embeddingRecovered());
            o.put("cos_sae", result.cosSae());
            o.put("cos_ablated", result.cosAblated());
            o.put("mse", result.mse());
            o.put("tokens", result.tokens());
            o.put("windows", result.windows());
            o.put("documents", result.documents());
            o.put("first_token", start);
            o.put("held_out", heldOut);
            o.put("store_max_abs_difference", result.storeMaxAbsDifference());
            return o;
        }

        /** The lines {@code eval} prints. */
        String text() {
            return String.format(
                    "  downstream on %s: embedding_recovered %.4f  (cos(x̂) %.6f, cos(mean) %.6f, %d windows)%n",
                    heldOut, result.embeddingRecovered(), result.cosSae(), result.cosAblated(), result.windows());
        }
    }

    /**
     * The store at {@code acts}, its held-out tail of {@code heldOutTokens} extended to whole documents
     * ({@link HeldOutSplit}, as {@code train} holds it out; 0: the whole store), the model run over it.
     */
    static DownstreamScores open(Path acts, long heldOutTokens) {
        ActivationStore store = openStore(acts);
        try {
            long n = store.numTokens();
            HeldOutSplit split = heldOutTokens == 0 || heldOutTokens >= n
                    ? new HeldOutSplit(0, n, true, store.documents().size())
                    : HeldOutSplit.of(store, heldOutTokens);
            return prepare(
                    store, split.start(), split.tokens(), heldOutTokens == 0 ? "the whole store" : split.describe());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** The store at {@code acts}, its tokens {@code [start, start + count)}. */
    /**
     * Scores on the held-out set {@code frankenstein} evaluates on: the last {@code heldOut} tokens of
     * {@code set} extended back to whole documents ({@link io.github.saestitch.activations.HeldOutSplit}),
     * as {@code train} holds out and {@code eval --downstream} scores.
     */
    static DownstreamScores openHeldOut(Path acts, io.github.saestitch.activations.ActivationSet set, long heldOut) {
        var split = io.github.saestitch.activations.HeldOutSplit.of(set, heldOut);
        String what = split.wholeDocuments()
                ? split.documents() + " whole held-out documents (" + split.tokens() + " tokens)"
                : "the last " + split.tokens() + " tokens";
        return open(acts, split.start(), split.tokens(), what);
    }

    static DownstreamScores open(Path acts, long start, long count, String what) {
        ActivationStore store = openStore(acts);
        try {
            return prepare(store, start, count, what);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static ActivationStore openStore(Path acts) {
        if (!Files.isDirectory(acts)) {
            throw new BadInputException("--downstream needs an activation store directory made by 'saestitch "
                    + "activations' (it knows its model, hook and token windows); " + acts + " is not one");
        }
        return ActivationStore.open(acts);
    }

    private static DownstreamScores prepare(ActivationStore store, long start, long count, String what) {
        int threads = Runtime.getRuntime().availableProcessors();
        try (CliProgress bar = new CliProgress("downstream: model", count, "tok")) {
            DownstreamEvaluator ev = DownstreamEvaluator.prepare(store, start, count, threads, bar::stepTo);
            return new DownstreamScores(store, ev, start, what);
        }
    }

    /** The score of {@code sae}. */
    Scored score(Autoencoder sae) {
        return new Scored(evaluator.evaluate(sae), start, heldOut);
    }

    @Override
    public void close() {
        try {
            evaluator.close();
        } finally {
            store.close();
        }
    }
}
