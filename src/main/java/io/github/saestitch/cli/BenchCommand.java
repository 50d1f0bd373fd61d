package io.github.saestitch.cli;

import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.bench.CompareBenchmark;
import io.github.saestitch.bench.ExtractionBenchmark;
import io.github.saestitch.bench.KernelBenchmark;
import io.github.saestitch.bench.TrainBenchmark;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import io.github.saestitch.train.Architecture;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code saestitch bench ...}: benchmarks that print ratios measured in the same run. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {"Benchmarks. Each prints its figures and the ratio to a peer measured in the same run."},
        subcommands = {
            BenchCommand.Kernels_.class,
            BenchCommand.Compare.class,
            BenchCommand.Train.class,
            BenchCommand.Activations.class
        })
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code saestitch bench kernels}. */
    @Command(
            name = "kernels",
            mixinStandardHelpOptions = true,
            description = {
                "GFLOP/s of each backend's sgemm on the SAE encoder and decoder shapes",
                "(4096×384·384×12288 and 4096×12288·12288×384) and the time of a blocked max-cosine",
                "(6144×384 against 3072×384), beside numpy (python3) timed on the same shapes in the same run. With --json the table goes to stderr."
            },
            footer = {"", "Example:  saestitch bench kernels --json > kernels.json"})
    static final class Kernels_ implements Callable<Integer> {
        @Option(
                names = "--backends",
                split = ",",
                paramLabel = "NAME",
                description = "Backends to time (default: openblas,vector). Names: openblas, vector.")
        List<String> backends;

        @Option(
                names = "--reps",
                defaultValue = "" + KernelBenchmark.Options.DEFAULT_REPS,
                description = "Timed repetitions (median reported). Default: ${DEFAULT-VALUE}.")
        int reps;

        @Option(
                names = "--warmup",
                defaultValue = "" + KernelBenchmark.Options.DEFAULT_WARMUP,
                description = "Untimed warm-up runs. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--no-numpy", description = "Do not time the numpy peer.")
        boolean noNumpy;

        @Option(
                names = "--python",
                defaultValue = KernelBenchmark.Options.DEFAULT_PYTHON,
                description = "Python with numpy for the peer. Default: ${DEFAULT-VALUE}.")
        String python;

        @picocli.CommandLine.Mixin
        JsonOption json = new JsonOption();

        @Override
        public Integer call() {
            PrintStream table = json.on ? System.err : System.out;
            List<Kernels> chosen = new ArrayList<>();
            if (backends == null || backends.isEmpty()) {
                chosen.addAll(KernelBenchmark.defaultBackends(table::println));
            } else {
                for (String b : backends) {
                    if (b.equalsIgnoreCase("scalar")) {
                        throw new BadInputException(
                                "the scalar reference takes minutes per product; bench openblas or vector");
                    }
                    chosen.add(KernelsProvider.byName(b, System.err::println));
                }
            }
            var options = new KernelBenchmark.Options(
                    warmup,
                    reps,
                    !noNumpy,
                    python,
                    KernelBenchmark.Options.DEFAULT_NUMPY_TIMEOUT,
                    KernelBenchmark.Options.DEFAULT_SEED);
            List<KernelBenchmark.Result> results = KernelBenchmark.run(table::println, chosen, options);
            if (json.on) {
                var o = Json.object();
                o.put("format_version", 1);
                o.put("processors", Runtime.getRuntime().availableProcessors());
                o.putPOJO("results", results);
                Json.print(System.out, o);
            }
            return 0;
        }
    }

    /** {@code saestitch bench compare}. */
    @Command(
            name = "compare",
            mixinStandardHelpOptions = true,
            description = {
                "Time the whole 'compare' (similarities, every Δmse, swap groups, interpolation, activation",
                "correlation) on two synthetic relu SAEs, against the two SAEs' encoder GEMMs alone, measured",
                "back to back in the same run (target: compare within 1.2× of the GEMMs), and against a",
                "straightforward numpy implementation of the same per-latent formula (scripts/bench_compare_numpy.py)."
            },
            footer = {
                "",
                "Example:  saestitch bench compare                (S = 3072, L = 6144, d = 384, 100k tokens)",
                "          saestitch bench compare --tokens 20000 --no-numpy",
                "          saestitch bench compare --large-pair      (S = 49,152, L = 98,304, d = 768, 4,000 tokens)"
            })
    static final class Compare implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--large-pair",
                description = {
                    "The write-up's largest pair instead: S = 49,152, L = 98,304, d = 768, 4,000 tokens, 1 repeat,",
                    "no numpy peer (--tokens and --repeats still apply). Prints its floors: the encoder GEMMs and",
                    "the decoder max-cos GEMM (7.4 TFLOP), each timed in the same run; takes minutes and ~3 GB."
                })
        boolean largePair;

        @Option(
                names = "--small",
                defaultValue = "" + CompareBenchmark.Config.DEFAULT_SMALL_LATENTS,
                description = "Latents of S. Default: ${DEFAULT-VALUE}.")
        int small;

        @Option(
                names = "--large",
                defaultValue = "" + CompareBenchmark.Config.DEFAULT_LARGE_LATENTS,
                description = "Latents of L. Default: ${DEFAULT-VALUE}.")
        int large;

        @Option(
                names = "--d-in",
                defaultValue = "" + CompareBenchmark.Config.DEFAULT_D_IN,
                description = "d_in. Default: ${DEFAULT-VALUE}.")
        int dIn;

        @Option(
                names = "--tokens",
                defaultValue = "" + CompareBenchmark.Config.DEFAULT_TOKENS,
                description = "Tokens. Default: ${DEFAULT-VALUE}.")
        int tokens;

        @Option(
                names = "--repeats",
                defaultValue = "" + CompareBenchmark.Config.DEFAULT_REPEATS,
                description = "Timed repeats (best and median reported). Default: ${DEFAULT-VALUE}.")
        int repeats;

        @Option(names = "--no-numpy", description = "Do not run the numpy peer.")
        boolean noNumpy;

        @picocli.CommandLine.Mixin
        KernelsOption kernels = new KernelsOption();

        @Override
        public Integer call() throws Exception {
            var given = spec.commandLine().getParseResult();
            if (largePair) {
                for (String fixed : new String[] {"--small", "--large", "--d-in"}) {
                    if (given.hasMatchedOption(fixed)) {
                        throw new BadInputException("--large-pair fixes the sizes; drop " + fixed);
                    }
                }
                var lp = CompareBenchmark.Config.largePair();
                lp = lp.withSizes(
                                lp.dIn(),
                                lp.smallLatents(),
                                lp.largeLatents(),
                                given.hasMatchedOption("--tokens") ? tokens : lp.tokens())
                        .withRepeats(given.hasMatchedOption("--repeats") ? repeats : lp.repeats());
                var result = CompareBenchmark.run(kernels.kernels(), lp, System.err::println);
                System.out.print(result.report());
                return 0;
            }
            var config = CompareBenchmark.Config.defaults()
                    .withSizes(dIn, small, large, tokens)
                    .withRepeats(repeats);
            Path script = Inputs.projectFile(CompareBenchmark.NUMPY_SCRIPT);
            config = noNumpy
                    ? config.withoutNumpy()
                    : new CompareBenchmark.Config(
                            config.dIn(),
                            config.smallLatents(),
                            config.largeLatents(),
                            config.tokens(),
                            config.activeFeatures(),
                            config.seed(),
                            config.repeats(),
                            config.options(),
                            script,
                            config.python());
            var result = CompareBenchmark.run(kernels.kernels(), config, System.err::println);
            System.out.print(result.report());
            return 0;
        }
    }

    /** {@code saestitch bench train}. */
    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description = {
                "Training throughput per architecture (tokens/s) and the achieved fraction of the GEMM-bound",
                "step time, with the sgemm rate measured in the same run on the same shapes."
            },
            footer = {"", "Example:  saestitch bench train --width 6144 --archs relu,topk"})
    static final class Train implements Callable<Integer> {
        @Option(names = "--width", defaultValue = "6144", description = "Latents. Default: ${DEFAULT-VALUE}.")
        int width;

        @Option(names = "--d-in", defaultValue = "384", description = "d_in. Default: ${DEFAULT-VALUE}.")
        int dIn;

        @Option(names = "--batch", defaultValue = "1024", description = "Tokens per step. Default: ${DEFAULT-VALUE}.")
        int batch;

        @Option(
                names = "--warmup",
                defaultValue = "30",
                description = "Untimed steps (the JIT compiles Adam's lanes within ~20). Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--steps", defaultValue = "20", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(
                names = "--archs",
                split = ",",
                defaultValue = "relu,topk,batchtopk,matryoshka,expander",
                description = "Architectures. Default: ${DEFAULT-VALUE}.")
        List<String> archs;

        @picocli.CommandLine.Mixin
        KernelsOption kernels = new KernelsOption();

        @Override
        public Integer call() {
            var r = TrainBenchmark.run(
                    kernels.kernels(),
                    dIn,
                    width,
                    batch,
                    warmup,
                    steps,
                    archs.stream().map(Architecture::parse).toList());
            System.out.print(r.table());
            return 0;
        }
    }

    /** {@code saestitch bench activations}. */
    @Command(
            name = "activations",
            mixinStandardHelpOptions = true,
            description = {
                "Activation extraction throughput against the bare ONNX Runtime session on the same batches",
                "(MiniLM-L6, Brown corpus), alternating measurements in the same run; prints both and the ratio."
            },
            footer = {"", "Example:  saestitch bench activations --tokens 40000"})
    static final class Activations implements Callable<Integer> {
        @Option(
                names = "--tokens",
                defaultValue = "" + ExtractionBenchmark.Options.DEFAULT_TOKENS,
                description = "Tokens per measurement. Default: ${DEFAULT-VALUE}.")
        long tokens;

        @Option(
                names = "--repeats",
                defaultValue = "" + ExtractionBenchmark.Options.DEFAULT_REPEATS,
                description = "Measurements of each kind. Default: ${DEFAULT-VALUE}.")
        int repeats;

        @Option(
                names = "--layer",
                defaultValue = "5",
                description = "Block output to extract (5 = last: same graph as raw). Default: ${DEFAULT-VALUE}.")
        int layer;

        @Override
        public Integer call() throws Exception {
            Path work = Files.createTempDirectory("saestitch-bench-");
            try {
                var d = ExtractionBenchmark.Options.defaults(work);
                var o = new ExtractionBenchmark.Options(
                        d.model(),
                        HookPoint.residPost(layer),
                        d.corpus(),
                        tokens,
                        d.contextLength(),
                        d.batchSize(),
                        d.threads(),
                        repeats,
                        work);
                var r = ExtractionBenchmark.run(o);
                System.out.printf(
                        Locale.ROOT,
                        "extraction benchmark: %s %s, %d tokens per measurement, %d repeats%n",
                        r.model(),
                        r.hookName(),
                        r.tokens(),
                        repeats);
                System.out.printf(
                        Locale.ROOT, "  bare ONNX Runtime session: %.0f tokens/s (median)%n", r.rawTokensPerSecond());
                System.out.printf(
                        Locale.ROOT,
                        "  full extraction into a store: %.0f tokens/s (median)%n",
                        r.extractionTokensPerSecond());
                System.out.printf(
                        Locale.ROOT,
                        "  ratio extraction / raw: %.3f (median of paired repeats; target >= 0.90); per CPU-second %.3f%n",
                        r.ratio(),
                        r.cpuRatio());
            } finally {
                AtomicOutput.deleteRecursively(work);
            }
            return 0;
        }
    }
}
