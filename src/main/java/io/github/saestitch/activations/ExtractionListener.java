package io.github.saestitch.activations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Callbacks from {@link ActivationExtractor}, all on the thread that called
 * {@link ActivationExtractor#extract}. An exception thrown here stops the extraction: complete shards
 * stay in the store, the shard being written is discarded, and a later run continues from there.
 */
public interface ExtractionListener {

    /** A listener that ignores everything. */
    ExtractionListener NONE = new ExtractionListener() {};

    /** Once, after the model is loaded and the store opened, before the first batch. */
    default void started(Started started) {}

    /** After each model batch. */
    default void progress(Progress progress) {}

    /** After each shard is durable and listed in the manifest. */
    default void shardWritten(ShardWritten shard) {}

    /**
     * The run's plan.
     *
     * @param store          the store directory
     * @param model          the model
     * @param hook           the hook read
     * @param onnxTensor     the graph tensor read
     * @param existingTokens tokens already in the store (non-zero when continuing)
     * @param targetTokens   tokens the store will hold at the end ({@code -1}: until the corpus ends)
     * @param estimatedTotal best guess of the final token count (the target, or a corpus-size estimate)
     */
    record Started(
            Path store,
            TransformerModel model,
            HookPoint hook,
            String onnxTensor,
            long existingTokens,
            long targetTokens,
            long estimatedTotal) {}

    /**
     * Progress so far.
     *
     * @param tokens          tokens in the store, counting rows not yet flushed
     * @param newTokens       tokens added by this run
     * @param estimatedTotal  best guess of the final token count (for a progress bar's maximum)
     * @param tokensPerSecond this run's rate so far
     * @param elapsed         time since the first batch started
     * @param eta             estimated time left, when it can be estimated
     */
    record Progress(
            long tokens,
            long newTokens,
            long estimatedTotal,
            double tokensPerSecond,
            Duration elapsed,
            Optional<Duration> eta) {}

    /**
     * A shard that is now durable.
     *
     * @param index       0-based shard number
     * @param name        its directory name
     * @param tokens      tokens in it
     * @param storeTokens tokens in the store's complete shards now
     */
    record ShardWritten(int index, String name, long tokens, long storeTokens) {}
}
