package io.github.saestitch.activations;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link ActivationExtractor} extracts and how.
 *
 * @param model                the transformer (default {@link TransformerModel#MINILM_L6})
 * @param hook                 where to read the residual stream (default: output of block 3)
 * @param corpus               the text (default: the Brown corpus in {@link CorpusSource#defaultCacheDir()})
 * @param out                  the store directory; an existing store there is continued if it was written with the same
 *                             settings
 * @param maxTokens            tokens to store; {@code <= 0} means the whole corpus (default 1,000,000)
 * @param contextLength        tokens per model input window including {@code [CLS]} and {@code [SEP]} (default 128;
 *                             3..512)
 * @param batchSize            windows per model call (default 8)
 * @param shardTokens          tokens per shard file set (default 65,536: ~100 MB of float32 at d = 384, ~8 s of work at
 *                             the measured rate)
 * @param dtype                on-disk dtype of the activations (default float32)
 * @param includeSpecialTokens store the {@code [CLS]}/{@code [SEP]} rows too (default false: they are outliers that
 *                             distort SAEs)
 * @param seed                 seed of the document order (default 0)
 * @param shuffleDocuments     visit documents in a seeded random order, so a token budget samples every genre (default
 *                             true)
 * @param threads              ONNX Runtime intra-op threads (default: available processors)
 */
public record ExtractionOptions(
        TransformerModel model,
        HookPoint hook,
        CorpusSource corpus,
        Path out,
        long maxTokens,
        int contextLength,
        int batchSize,
        int shardTokens,
        StoreDtype dtype,
        boolean includeSpecialTokens,
        long seed,
        boolean shuffleDocuments,
        int threads) {

    /** Default tokens to extract. */
    public static final long DEFAULT_TOKENS = 1_000_000;
    /** Default context window. */
    public static final int DEFAULT_CONTEXT = 128;
    /**
     * Default windows per batch. Measured for MiniLM-L6 at context 128 on the 2-core machine (bare ONNX Runtime,
     * tokens per process CPU-second, which other load on the machine barely moves): batches of 4 or 8 windows
     * ~3,600-3,700, 16 or 32 windows ~3,200 (larger batches spill the caches); 8 x 128 = 1,024 tokens per call
     * keeps the per-call overhead negligible.
     */
    public static final int DEFAULT_BATCH = 8;
    /** Default shard size. */
    public static final int DEFAULT_SHARD_TOKENS = 65_536;
    /** Longest window the BERT position embeddings allow. */
    public static final int MAX_CONTEXT = 512;

    public ExtractionOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(hook, "hook");
        Objects.requireNonNull(corpus, "corpus");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(dtype, "dtype");
        hook.validateFor(model);
        if (contextLength < 3 || contextLength > MAX_CONTEXT) {
            throw new ActivationsException(
                    "context length must be in 3.." + MAX_CONTEXT + " ([CLS] + at least one token + [SEP]; "
                            + MAX_CONTEXT + " is the models' position limit), got " + contextLength);
        }
        if (batchSize < 1) {
            throw new ActivationsException("batch size must be >= 1, got " + batchSize);
        }
        if (shardTokens < 1) {
            throw new ActivationsException("shard size must be >= 1 token, got " + shardTokens);
        }
        if (threads < 1) {
            throw new ActivationsException("threads must be >= 1, got " + threads);
        }
    }

    /** The defaults, writing to {@code out}. */
    public static ExtractionOptions defaults(Path out) {
        return new ExtractionOptions(
                TransformerModel.MINILM_L6,
                HookPoint.residPost(3),
                new CorpusSource.Brown(CorpusSource.defaultCacheDir()),
                out,
                DEFAULT_TOKENS,
                DEFAULT_CONTEXT,
                DEFAULT_BATCH,
                DEFAULT_SHARD_TOKENS,
                StoreDtype.FLOAT32,
                false,
                0,
                true,
                Runtime.getRuntime().availableProcessors());
    }

    /** With another model; the hook must exist in it. */
    public ExtractionOptions withModel(TransformerModel m) {
        return new ExtractionOptions(
                m,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another hook. */
    public ExtractionOptions withHook(HookPoint h) {
        return new ExtractionOptions(
                model,
                h,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another corpus. */
    public ExtractionOptions withCorpus(CorpusSource c) {
        return new ExtractionOptions(
                model,
                hook,
                c,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another output directory. */
    public ExtractionOptions withOut(Path o) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                o,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another token budget ({@code <= 0}: the whole corpus). */
    public ExtractionOptions withMaxTokens(long t) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                t,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another context length. */
    public ExtractionOptions withContextLength(int c) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                c,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another batch size. */
    public ExtractionOptions withBatchSize(int b) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                b,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another shard size. */
    public ExtractionOptions withShardTokens(int s) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                s,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another on-disk dtype. */
    public ExtractionOptions withDtype(StoreDtype t) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                t,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                threads);
    }

    /** Storing or not the {@code [CLS]}/{@code [SEP]} rows. */
    public ExtractionOptions withSpecialTokens(boolean include) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                include,
                seed,
                shuffleDocuments,
                threads);
    }

    /** With another seed. */
    public ExtractionOptions withSeed(long s) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                s,
                shuffleDocuments,
                threads);
    }

    /** Shuffling the document order or keeping the corpus order. */
    public ExtractionOptions withShuffleDocuments(boolean shuffle) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffle,
                threads);
    }

    /** With another ONNX Runtime thread count. */
    public ExtractionOptions withThreads(int t) {
        return new ExtractionOptions(
                model,
                hook,
                corpus,
                out,
                maxTokens,
                contextLength,
                batchSize,
                shardTokens,
                dtype,
                includeSpecialTokens,
                seed,
                shuffleDocuments,
                t);
    }
}
