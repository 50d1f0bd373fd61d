package io.github.saestitch.spark;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.bench.Machine;
import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.cluster.SetSource;
import io.github.saestitch.io.NpyWriter;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareResult;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code saestitch bench spark}: the same {@code compare} (no activation correlation, which {@code --master}
 * does not run) on one synthetic pair and store, in one process, then on Spark {@code local[1]} and
 * {@code local[2]}, in one run: the overhead of going through Spark (local[1] / one process: the broadcast
 * of both SAEs, task serialization, the per-range merge-tree nodes collected on the driver, on one core)
 * and the speed-up of a second executor core (local[1] / local[2]). Each Spark run is timed right after a
 * one-process run and the ratios of the pairs are reported, so a shared machine's drifting load moves both
 * sides alike. Each Spark context is started before its timed runs (its start is reported apart); the
 * written files of each mode are checked identical to the one-process run's.
 */
public final class SparkBench {
    /**
     * What to run.
     *
     * @param dIn         width of the activations
     * @param small       latents of S
     * @param large       latents of L
     * @param tokens      tokens of the store
     * @param repeats     timed runs per Spark mode, each paired with a one-process run just before it
     *                    (medians reported), after one untimed warm-up run of each
     * @param seed        the synthetic pair's seed
     * @param kernels     the numeric backend (its name is what the executors use)
     */
    public record Config(int dIn, int small, int large, int tokens, int repeats, long seed, String kernels) {
        /** d = 256, S = 1024, L = 4096, 65,536 tokens, 3 repeats, seed 1, auto kernels. */
        public static Config defaults() {
            return new Config(256, 1024, 4096, 65_536, 3, 1, "auto");
        }
    }

    /**
     * The measured times.
     *
     * @param singleSeconds   median wall time of one-process compare on one thread
     * @param local1Seconds   median wall time on local[1] (context already started)
     * @param local2Seconds   median wall time on local[2]
     * @param local1Ratio     median of local[1] / the one-process run just before it
     * @param local2Ratio     median of local[2] / the one-process run just before it
     * @param start1Seconds   start of the local[1] context
     * @param start2Seconds   start of the local[2] context
     * @param identical       whether every Spark run wrote the one-process bytes
     * @param kernels         the backend's name
     * @param machine         {@link Machine#describe()}
     */
    public record Result(
            Config config,
            double singleSeconds,
            double local1Seconds,
            double local2Seconds,
            double local1Ratio,
            double local2Ratio,
            double start1Seconds,
            double start2Seconds,
            boolean identical,
            String kernels,
            String machine) {
        /** local[1] / one process (paired runs): what Spark costs on one core. */
        public double overhead() {
            return local1Ratio;
        }

        /** local[1] / local[2], each relative to its paired one-process runs: what a second core gives. */
        public double speedUp() {
            return local1Ratio / local2Ratio;
        }
    }

    private SparkBench() {}

    /** Runs the benchmark in a temporary directory (removed afterwards); {@code log} gets progress lines. */
    public static Result run(Config c, Consumer<String> log) throws Exception {
        Path dir = Files.createTempDirectory("saestitch-bench-spark");
        try {
            return run(c, dir, log);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Result run(Config c, Path dir, Consumer<String> log) throws Exception {
        log.accept(String.format(
                Locale.ROOT,
                "generating S = %d and L = %d latents at d = %d and %,d tokens ...",
                c.small(),
                c.large(),
                c.dIn(),
                c.tokens()));
        SyntheticPair p = SyntheticPair.generate(c.dIn(), c.small(), c.large(), c.tokens(), 6, c.seed());
        Path npy = dir.resolve("x.npy");
        try (NpyWriter w = NpyWriter.open(npy, c.dIn())) {
            w.append(p.x());
            w.finish();
        }
        Kernels kernels = KernelsProvider.byName(c.kernels(), log);
        CompareOptions o = CompareOptions.defaults().withActivationCorrelation(false);
        // One thread in one process against one executor core: the ratio is Spark's cost, not a core count
        // (the files are the same for any thread count).
        CompareOptions one = o.withThreads(1);
        log.accept("one process, one thread (warm-up) ...");
        CompareResult reference = compareOnce(kernels, null, p, npy, one); // warm-up, and the reference bytes
        CompareWriter.write(reference, dir.resolve("one"), false);
        boolean identical = true;
        // Per mode, each Spark run right after a one-process run: the ratio of the pair, so that a machine
        // whose load drifts during the run (shared machines) moves both sides of each ratio alike.
        double[][] single = new double[2][c.repeats()];
        double[][] spark = new double[2][c.repeats()];
        double[][] ratio = new double[2][c.repeats()];
        double[] start = new double[2];
        for (int cores = 1; cores <= 2; cores++) {
            log.accept("Spark local[" + cores + "] ...");
            long t0 = System.nanoTime();
            JavaSparkContext sc = new JavaSparkContext(SparkRangeRunner.conf("local[" + cores + "]"));
            try (SparkRangeRunner runner = new SparkRangeRunner(sc, null)) {
                start[cores - 1] = (System.nanoTime() - t0) / 1e9;
                StitchComparator.Distributed d =
                        new StitchComparator.Distributed(runner, SetSource.path(npy), 0, kernels.name());
                Path out = dir.resolve("local" + cores);
                CompareWriter.write(compareOnce(kernels, d, p, npy, o), out, false); // warm-up, checked
                identical &= sameFiles(dir.resolve("one"), out);
                for (int i = 0; i < c.repeats(); i++) {
                    long t = System.nanoTime();
                    compareOnce(kernels, null, p, npy, one);
                    single[cores - 1][i] = (System.nanoTime() - t) / 1e9;
                    t = System.nanoTime();
                    compareOnce(kernels, d, p, npy, o);
                    spark[cores - 1][i] = (System.nanoTime() - t) / 1e9;
                    ratio[cores - 1][i] = spark[cores - 1][i] / single[cores - 1][i];
                }
            } finally {
                sc.stop();
            }
        }
        return new Result(
                c,
                median(concat(single[0], single[1])),
                median(spark[0]),
                median(spark[1]),
                median(ratio[0]),
                median(ratio[1]),
                start[0],
                start[1],
                identical,
                kernels.name(),
                Machine.describe());
    }

    private static CompareResult compareOnce(
            Kernels kernels, StitchComparator.Distributed d, SyntheticPair p, Path npy, CompareOptions o)
            throws Exception {
        try (ActivationSet set = ActivationSets.open(npy)) {
            return new StitchComparator(kernels, d).compare(p.small(), p.large(), set, o);
        }
    }

    private static boolean sameFiles(Path a, Path b) throws IOException {
        for (String f : List.of("summary.json", "latents.csv", "groups.csv", "interpolation.csv")) {
            if (!Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)))) {
                return false;
            }
        }
        return true;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * The launcher's {@code saestitch bench spark [--d N] [--small N] [--large N] [--tokens N] [--reps N]
     * [--kernels NAME]}: prints the figures; exit 2 on a bad option.
     */
    public static void main(String[] args) throws Exception {
        Config d = Config.defaults();
        int dIn = d.dIn();
        int small = d.small();
        int large = d.large();
        int tokens = d.tokens();
        int reps = d.repeats();
        String kernels = d.kernels();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("Usage: saestitch bench spark [--d N] [--small N] [--large N] [--tokens N]"
                        + " [--reps N] [--kernels NAME]");
                System.out.println("The same compare (no correlation) in one process, on Spark local[1] and"
                        + " local[2], in one run: the overhead local[1]/one process and the speed-up"
                        + " local[1]/local[2]. Defaults: d " + dIn + ", S " + small + ", L " + large + ", "
                        + tokens + " tokens, " + reps + " timed runs each (median).");
                return;
            }
            if (i + 1 >= args.length) {
                bad("option " + a + " needs a value");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--d" -> dIn = Integer.parseInt(v);
                    case "--small" -> small = Integer.parseInt(v);
                    case "--large" -> large = Integer.parseInt(v);
                    case "--tokens" -> tokens = Integer.parseInt(v);
                    case "--reps" -> reps = Integer.parseInt(v);
                    case "--kernels" -> kernels = v;
                    default -> bad("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                bad(a + " needs a whole number, not '" + v + "'");
            }
        }
        if (dIn < 1 || small < 1 || large < small || tokens < 1 || reps < 1) {
            bad("need d, S, tokens and reps >= 1 and L >= S");
        }
        Result r = run(new Config(dIn, small, large, tokens, reps, d.seed(), kernels), System.err::println);
        System.out.printf(
                Locale.ROOT,
                "bench spark: compare of S = %d / L = %d latents at d = %d on %,d tokens (%s kernels), median of %d%n",
                small,
                large,
                dIn,
                tokens,
                r.kernels(),
                reps);
        System.out.printf(
                Locale.ROOT,
                "  processors this JVM uses: %d (./saestitch gives it 1: each GEMM on one thread, local[N] on N"
                        + " cores)%n",
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  one process, 1 thread %8.2f s%n", r.singleSeconds());
        System.out.printf(
                Locale.ROOT,
                "  Spark local[1]        %8.2f s   (context start %.1f s, not included)%n",
                r.local1Seconds(),
                r.start1Seconds());
        System.out.printf(
                Locale.ROOT,
                "  Spark local[2]        %8.2f s   (context start %.1f s, not included)%n",
                r.local2Seconds(),
                r.start2Seconds());
        System.out.printf(
                Locale.ROOT, "  overhead local[1] / one process: %.2f× (median of paired runs)%n", r.overhead());
        System.out.printf(
                Locale.ROOT,
                "  speed-up local[1] / local[2]:    %.2f× (each against its paired one-process runs)%n",
                r.speedUp());
        System.out.println("  files identical to one process: " + (r.identical() ? "yes" : "NO"));
        System.out.println(
                "  " + r.machine() + " (cores as this JVM sees them; the machine has " + machineCores() + ")");
        if (!r.identical()) {
            System.exit(1);
        }
    }

    /** Processors listed in /proc/cpuinfo (the JVM may be told fewer), or "?" where there is none. */
    private static String machineCores() {
        try {
            return ""
                    + Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                            .filter(l -> l.startsWith("processor"))
                            .count();
        } catch (IOException e) {
            return "?";
        }
    }

    private static void bad(String message) {
        System.err.println("bench spark: " + message);
        System.exit(2);
    }
}
