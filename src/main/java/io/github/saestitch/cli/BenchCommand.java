package io.github.saestitch.cli;

import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelBenchmark;
import io.github.saestitch.tensor.KernelsProvider;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code saestitch bench ...}: benchmarks that print ratios measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks. Each prints its figures and the ratio to a peer measured in the same run."},
        subcommands = {BenchCommand.Kernels_.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code saestitch bench kernels}. */
    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = {"GFLOP/s of each backend's sgemm on the SAE encoder and decoder shapes",
                    "(4096×384·384×12288 and 4096×12288·12288×384) and the time of a blocked max-cosine",
                    "(6144×384 against 3072×384), beside numpy (python3) timed on the same shapes in the same run."},
            footer = {"", "Example:  saestitch bench kernels --json > kernels.json"})
    static final class Kernels_ implements Callable<Integer> {
        @Option(names = "--backends", split = ",", paramLabel = "NAME",
                description = "Backends to time (default: openblas,vector). Names: openblas, vector.")
        List<String> backends;

        @Option(names = "--reps", defaultValue = "5", description = "Timed repetitions (median reported). Default: ${DEFAULT-VALUE}.")
        int reps;

        @Option(names = "--warmup", defaultValue = "2", description = "Untimed warm-up runs. Default: ${DEFAULT-VALUE}.")
        int warmup;

        @Option(names = "--no-numpy", description = "Do not time the numpy peer.")
        boolean noNumpy;

        @Option(names = "--python", defaultValue = "python3", description = "Python with numpy for the peer. Default: ${DEFAULT-VALUE}.")
        String python;

        @Option(names = "--json", description = "Print the results as one JSON object on stdout (the table goes to stderr).")
        boolean json;

        @Override
        public Integer call() {
            PrintStream table = json ? System.err : System.out;
            List<Kernels> chosen = new ArrayList<>();
            if (backends == null || backends.isEmpty()) {
                chosen.addAll(KernelBenchmark.defaultBackends(table));
            } else {
                for (String b : backends) {
                    if (b.equalsIgnoreCase("scalar")) {
                        throw new BadInputException("the scalar reference takes minutes per product; bench openblas or vector");
                    }
                    chosen.add(KernelsProvider.byName(b));
                }
            }
            var options = new KernelBenchmark.Options(warmup, reps, !noNumpy, python, Duration.ofMinutes(5), 42L);
            List<KernelBenchmark.Result> results = KernelBenchmark.run(table, chosen, options);
            if (json) {
                var o = Json.object();
                o.put("format_version", 1);
                o.put("processors", Runtime.getRuntime().availableProcessors());
                o.putPOJO("results", results);
                Json.print(System.out, o);
            }
            return 0;
        }
    }
}
