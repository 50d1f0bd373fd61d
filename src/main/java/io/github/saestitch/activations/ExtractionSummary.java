package io.github.saestitch.activations;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What an extraction run did (for the command's closing summary).
 *
 * @param store           the store directory
 * @param model           model id
 * @param hookName        SAELens-style hook name
 * @param tokens          tokens in the store now
 * @param newTokens       tokens this run added (0 when the store was already complete)
 * @param shards          shards in the store
 * @param normMean        mean L2 norm of the stored activation rows (whole store)
 * @param normStd         standard deviation of that norm (whole store)
 * @param setup           time to load the corpus, tokenizer and model
 * @param elapsed         time spent extracting (model batches through the last shard written)
 * @param tokensPerSecond {@code newTokens / elapsed}
 * @param resumed         whether the run continued an existing store
 * @param complete        whether the store reached its target or the corpus ran out
 */
public record ExtractionSummary(
        Path store,
        String model,
        String hookName,
        long tokens,
        long newTokens,
        int shards,
        double normMean,
        double normStd,
        Duration setup,
        Duration elapsed,
        double tokensPerSecond,
        boolean resumed,
        boolean complete) {}
