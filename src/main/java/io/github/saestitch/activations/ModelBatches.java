package io.github.saestitch.activations;

import io.github.saestitch.tensor.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The model batches an extraction feeds its session for the first {@code tokens} stored tokens of a
 * corpus, built up front (same windowing, same document order as {@link ActivationExtractor}). It lets
 * a caller time the bare ONNX Runtime session on exactly the inputs the extractor runs, without the
 * tokenizing in the timed window; {@code bench.ExtractionBenchmark} does this.
 */
public final class ModelBatches {
    private final List<WindowBatcher.Batch> batches;
    private final int contextLength;

    private ModelBatches(List<WindowBatcher.Batch> batches, int contextLength) {
        this.batches = batches;
        this.contextLength = contextLength;
    }

    /**
     * Tokenizes and batches the corpus (documents in the extractor's order, no special tokens stored)
     * until the batches hold {@code tokens} stored tokens.
     *
     * @throws ActivationsException when the corpus holds fewer tokens
     */
    public static ModelBatches prepare(
            CorpusSource source, TransformerModel model, int contextLength, int batchSize, long tokens) {
        try (Corpus corpus = source.open();
                ModelTokenizer tok = ModelTokenizer.forModel(model)) {
            BlockingQueue<Object> q = new ArrayBlockingQueue<>(1 << 16);
            int[] order = SplitMix64.permutation(corpus.size(), 0);
            new WindowBatcher(corpus, order, tok, contextLength, batchSize, false, new RowChunk.Cursor(0, 0), tokens, q)
                    .run();
            List<WindowBatcher.Batch> out = new ArrayList<>();
            for (Object item : q) {
                if (item instanceof WindowBatcher.Batch b) {
                    out.add(b);
                } else if (item instanceof WindowBatcher.Failure f) {
                    throw new IllegalStateException("tokenizing the benchmark texts failed", f.error());
                }
            }
            long stored = out.stream().mapToLong(b -> b.storedTokens).sum();
            if (stored < tokens) {
                throw new ActivationsException(
                        "the corpus holds only " + stored + " tokens, fewer than the " + tokens + " asked for");
            }
            return new ModelBatches(List.copyOf(out), contextLength);
        }
    }

    /** Number of model batches. */
    public int size() {
        return batches.size();
    }

    /**
     * Runs every batch through {@code session} and returns the number of floats it returned at
     * {@code hook} (non-zero, so that the work cannot be skipped).
     */
    public long runThrough(OnnxTransformer session, HookPoint hook) {
        long sink = 0;
        for (WindowBatcher.Batch b : batches) {
            sink += session.run(b.inputIds, b.mask, b.rows, contextLength).get(hook).length;
        }
        if (sink == 0) {
            throw new IllegalStateException("the model returned nothing");
        }
        return sink;
    }
}
