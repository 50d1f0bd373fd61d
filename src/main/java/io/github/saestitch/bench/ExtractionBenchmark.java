package io.github.saestitch.bench;

import io.github.saestitch.activations.ActivationExtractor;
import io.github.saestitch.activations.ActivationsException;
import io.github.saestitch.activations.CorpusSource;
import io.github.saestitch.activations.ExtractionListener;
import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.activations.ExtractionSummary;
import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.activations.ModelBatches;
import io.github.saestitch.activations.OnnxTransformer;
import io.github.saestitch.activations.StoreDtype;
import io.github.saestitch.activations.TransformerModel;
import io.github.saestitch.io.AtomicOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Measures extraction against bare ONNX Runtime on the same texts and batches (the target:
 * extraction at &ge; 90% of raw session throughput; we measured ~8,500 tokens/s for MiniLM-L6 on 2
 * cores). Library code: the CLI's {@code bench} command prints its {@link Result}.
 *
 * <p>Method, per repeat (alternating, so drift from other load on the machine hits both alike):
 * <ol>
 *   <li>raw: the texts are tokenized and batched up front exactly as the extractor does
 *   ({@link ModelBatches}), then timed are only {@code session.run} calls of the unmodified model
 *   (output {@code last_hidden_state}) over those batches;</li>
 *   <li>extraction: a full {@link ActivationExtractor} run of the same token budget into a temporary
 *   store, timed from its first batch to its last shard written (model loading excluded, as for raw).</li>
 * </ol>
 * Both start from a fresh session (no warm-up) and count the same stored tokens. Rates are medians over the
 * repeats; ratios are medians of each repeat's own ratio, so slow drift in the machine's load cancels. When
 * the hook is before the last layer the extractor runs a pruned graph; then a third figure, raw
 * throughput of that same pruned graph, separates pipeline overhead from the pruning gain.
 *
 * <p>Besides wall-clock rates, each measurement records the process's CPU time over the same window:
 * tokens per CPU-second is insensitive to other processes competing for the cores (the development
 * machines share 2 cores between several builds), and the extraction's extra threads show up in it as
 * the cost they are.
 */
public final class ExtractionBenchmark {
    private ExtractionBenchmark() {}

    /**
     * What to measure.
     *
     * @param model         the transformer
     * @param hook          the hook extracted
     * @param corpus        the texts
     * @param tokens        stored tokens per measurement (e.g. 40,000: ~5 s at the measured rate)
     * @param contextLength window length
     * @param batchSize     windows per batch
     * @param threads       ONNX Runtime intra-op threads
     * @param repeats       measurements of each kind (medians are reported)
     * @param workDir       where temporary stores are written (deleted afterwards)
     */
    public record Options(
            TransformerModel model,
            HookPoint hook,
            CorpusSource corpus,
            long tokens,
            int contextLength,
            int batchSize,
            int threads,
            int repeats,
            Path workDir) {
        /** Default stored tokens per measurement. */
        public static final long DEFAULT_TOKENS = 40_000;
        /** Default measurements of each kind. */
        public static final int DEFAULT_REPEATS = 3;

        public Options {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(hook, "hook");
            Objects.requireNonNull(corpus, "corpus");
            Objects.requireNonNull(workDir, "workDir");
            hook.validateFor(model);
            if (tokens < 1 || repeats < 1 || batchSize < 1 || threads < 1) {
                throw new ActivationsException("tokens, repeats, batch size and threads must be >= 1");
            }
        }

        /** MiniLM-L6's last layer over the Brown corpus, 40,000 tokens, context 128, batch 8, all cores, 3 repeats. */
        public static Options defaults(Path workDir) {
            TransformerModel m = TransformerModel.MINILM_L6;
            return new Options(
                    m,
                    HookPoint.residPost(m.numLayers() - 1),
                    new CorpusSource.Brown(CorpusSource.defaultCacheDir()),
                    DEFAULT_TOKENS,
                    ExtractionOptions.DEFAULT_CONTEXT,
                    ExtractionOptions.DEFAULT_BATCH,
                    Runtime.getRuntime().availableProcessors(),
                    DEFAULT_REPEATS,
                    workDir);
        }
    }

    /**
     * The figures.
     *
     * @param model                     model id
     * @param hookName                  hook extracted
     * @param tokens                    stored tokens per measurement
     * @param batches                   model batches per measurement
     * @param rawTokensPerSecond        median raw rate of the unmodified model
     * @param extractionTokensPerSecond median rate of the full extraction
     * @param ratio                     median over repeats of {@code extraction / raw}
     * @param prunedRawTokensPerSecond  median raw rate of the extractor's pruned graph, or {@code NaN} when not pruned
     * @param overheadRatio             median of {@code extraction / raw} of the same graph the extractor runs
     * @param rawTokensPerCpuSecond        median raw tokens per process CPU-second
     * @param extractionTokensPerCpuSecond median extraction tokens per process CPU-second
     * @param cpuRatio                     median of {@code extraction / raw} per CPU-second (of the same graph the
     *                                     extractor runs)
     * @param rawRuns                   each raw measurement, tokens/s
     * @param extractionRuns            each extraction measurement, tokens/s
     */
    public record Result(
            String model,
            String hookName,
            long tokens,
            int batches,
            double rawTokensPerSecond,
            double extractionTokensPerSecond,
            double ratio,
            double prunedRawTokensPerSecond,
            double overheadRatio,
            double rawTokensPerCpuSecond,
            double extractionTokensPerCpuSecond,
            double cpuRatio,
            double[] rawRuns,
            double[] extractionRuns) {}

    /** Wall and process-CPU seconds of one measurement. */
    private record Timing(double wall, double cpu) {}

    private static double cpuSeconds() {
        java.lang.management.OperatingSystemMXBean os =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /** Runs the measurements. */
    public static Result run(Options o) {
        TransformerModel m = o.model();
        byte[] onnx = m.readOnnx();
        ModelBatches batches = ModelBatches.prepare(o.corpus(), m, o.contextLength(), o.batchSize(), o.tokens());
        boolean pruned = o.hook().layer() < m.numLayers() - 1 || o.hook().site() != HookPoint.Site.RESID_POST;
        int n = o.repeats();
        double[] raw = new double[n];
        double[] rawCpu = new double[n];
        double[] ext = new double[n];
        double[] extCpu = new double[n];
        double[] rawPruned = new double[pruned ? n : 0];
        double[] rawPrunedCpu = new double[pruned ? n : 0];
        long tokens = o.tokens();
        for (int r = 0; r < n; r++) {
            try (OnnxTransformer plain = OnnxTransformer.openUnmodified(m, onnx, o.threads())) {
                Timing t = time(plain, batches, HookPoint.residPost(m.numLayers() - 1));
                raw[r] = tokens / t.wall();
                rawCpu[r] = perCpuSecond(tokens, t);
            }
            if (pruned) {
                try (OnnxTransformer same = OnnxTransformer.open(m, onnx, List.of(o.hook()), true, o.threads())) {
                    Timing t = time(same, batches, o.hook());
                    rawPruned[r] = tokens / t.wall();
                    rawPrunedCpu[r] = perCpuSecond(tokens, t);
                }
            }
            Timing t = extractOnce(o);
            ext[r] = tokens / t.wall();
            extCpu[r] = perCpuSecond(tokens, t);
        }
        double[] ratio = new double[n];
        double[] overhead = new double[n];
        double[] cpuRatio = new double[n];
        for (int r = 0; r < n; r++) {
            ratio[r] = ext[r] / raw[r];
            overhead[r] = ext[r] / (pruned ? rawPruned[r] : raw[r]);
            cpuRatio[r] = extCpu[r] / (pruned ? rawPrunedCpu[r] : rawCpu[r]);
        }
        return new Result(
                m.id(),
                o.hook().hookName(),
                tokens,
                batches.size(),
                median(raw),
                median(ext),
                median(ratio),
                pruned ? median(rawPruned) : Double.NaN,
                median(overhead),
                median(rawCpu),
                median(extCpu),
                median(cpuRatio),
                raw,
                ext);
    }

    /**
     * Tokens per process-CPU second, or NaN when the CPU clock did not advance: a short run can finish inside one tick
     * of the process CPU clock (seen in CI on 120 tokens), and {@code tokens / 0} would make the CPU ratio 0 or ∞.
     */
    private static double perCpuSecond(long tokens, Timing t) {
        return t.cpu() > 0 ? tokens / t.cpu() : Double.NaN;
    }

    /** Time to run every batch through {@code t}. */
    private static Timing time(OnnxTransformer t, ModelBatches batches, HookPoint hook) {
        double cpu0 = cpuSeconds();
        long start = System.nanoTime();
        batches.runThrough(t, hook);
        return new Timing((System.nanoTime() - start) / 1e9, cpuSeconds() - cpu0);
    }

    /**
     * One full extraction into a temporary store, timed from its start callback (after model loading) to its return.
     */
    private static Timing extractOnce(Options o) {
        Path dir;
        try {
            Files.createDirectories(o.workDir());
            dir = Files.createTempDirectory(o.workDir(), "bench-store-");
        } catch (IOException e) {
            throw new ActivationsException(o.workDir(), "cannot create a temporary store", e);
        }
        try {
            ExtractionOptions eo = new ExtractionOptions(
                    o.model(),
                    o.hook(),
                    o.corpus(),
                    dir,
                    o.tokens(),
                    o.contextLength(),
                    o.batchSize(),
                    ExtractionOptions.DEFAULT_SHARD_TOKENS,
                    StoreDtype.FLOAT32,
                    false,
                    0,
                    true,
                    o.threads());
            double[] startCpu = {Double.NaN};
            long[] startWall = {0};
            ExtractionSummary s = ActivationExtractor.extract(eo, new ExtractionListener() {
                @Override
                public void started(Started started) {
                    startCpu[0] = cpuSeconds();
                    startWall[0] = System.nanoTime();
                }
            });
            Timing t = new Timing((System.nanoTime() - startWall[0]) / 1e9, cpuSeconds() - startCpu[0]);
            if (s.newTokens() != o.tokens()) {
                throw new IllegalStateException(
                        "the benchmark extraction stored " + s.newTokens() + " tokens, not " + o.tokens());
            }
            return t;
        } finally {
            try {
                AtomicOutput.deleteRecursively(dir);
            } catch (IOException ignored) {
                // a leftover temporary store in workDir is harmless
            }
        }
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
