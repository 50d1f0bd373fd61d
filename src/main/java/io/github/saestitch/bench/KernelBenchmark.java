package io.github.saestitch.bench;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MaxCosine;
import io.github.saestitch.tensor.OpenBlasKernels;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SplitMix64;
import io.github.saestitch.tensor.VectorKernels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * End-to-end kernel timings with the Python peer measured in the same run: sgemm on the two SAE
 * shapes (encoder {@code 4096×384 · 384×12288} and decoder {@code 4096×12288 · 12288×384}: 4,096
 * tokens, d = 384, 12,288 latents) and {@link Kernels#maxCosine} of 6,144 against 3,072 rows of
 * length 384, per backend, then numpy's {@code np.matmul} and a normalize-matmul-max on the same
 * shapes (when {@code python3} with numpy is on the PATH), and each backend's ratio to numpy.
 *
 * <p>Each measurement is warm-up runs followed by timed repetitions; GFLOP/s come from the median
 * repetition (the best is printed beside it). Every result is also checked: sgemm against
 * double-precision dot products at sampled entries, maxCosine against brute force on sampled rows.
 * The CLI ({@code saestitch bench kernels}) calls {@link #run(Consumer, List, Options)} and may
 * serialize the returned {@link Result}s as JSON. It never prints: the table goes, line by line, to
 * the given consumer.
 */
public final class KernelBenchmark {
    /** Tokens × d × latents of the measured SAE layer. */
    static final int TOKENS = 4096;

    static final int D_IN = 384;
    static final int LATENTS = 12288;
    /** maxCosine: rows of the larger decoder against rows of the smaller one. */
    static final int COS_ROWS_A = 6144;

    static final int COS_ROWS_B = 3072;
    /** Sampled entries / rows for the correctness check next to each timing. */
    static final int CHECK_SAMPLES = 512;

    static final int COS_CHECK_ROWS = 32;

    /**
     * One timed measurement.
     *
     * @param backend     backend name, or {@code numpy}
     * @param op          {@code sgemm} or {@code maxCosine}
     * @param shape       human-readable operand shapes
     * @param flops       floating-point operations per repetition (2·m·n·k)
     * @param medianMs    median repetition, milliseconds
     * @param bestMs      fastest repetition, milliseconds
     * @param gflops      GFLOP/s at the median repetition
     * @param vsNumpy     gflops / numpy's gflops on the same op and shape; NaN when numpy did not run
     * @param maxRelError sgemm: largest |C − ref| / Σ|a||b| over sampled entries; maxCosine: largest
     *                    |max − ref| over sampled rows; NaN for numpy and skipped checks
     * @param note        empty, or why the measurement was skipped (then the numbers are NaN)
     */
    public record Result(
            String backend,
            String op,
            String shape,
            double flops,
            double medianMs,
            double bestMs,
            double gflops,
            double vsNumpy,
            double maxRelError,
            String note) {
        Result withVsNumpy(double ratio) {
            return new Result(backend, op, shape, flops, medianMs, bestMs, gflops, ratio, maxRelError, note);
        }

        boolean skipped() {
            return !note.isEmpty();
        }
    }

    /**
     * @param warmup        untimed runs before timing
     * @param reps          timed repetitions (median and best are reported)
     * @param numpy         whether to time the numpy peer
     * @param python        the Python executable
     * @param numpyTimeout  how long the Python run may take in all
     * @param seed          seed of the random operands
     */
    public record Options(int warmup, int reps, boolean numpy, String python, Duration numpyTimeout, long seed) {
        /** Default untimed runs. */
        public static final int DEFAULT_WARMUP = 2;
        /** Default timed repetitions. */
        public static final int DEFAULT_REPS = 5;
        /** Default Python executable of the numpy peer. */
        public static final String DEFAULT_PYTHON = "python3";
        /** Default limit of the numpy peer's whole run. */
        public static final Duration DEFAULT_NUMPY_TIMEOUT = Duration.ofMinutes(5);
        /** Default seed of the operands. */
        public static final long DEFAULT_SEED = 42L;

        public Options {
            if (warmup < 0 || reps < 1) {
                throw new IllegalArgumentException("need warmup >= 0 and reps >= 1, got " + warmup + ", " + reps);
            }
            Objects.requireNonNull(python, "python");
            Objects.requireNonNull(numpyTimeout, "numpyTimeout");
        }

        /** 2 warm-up runs, 5 repetitions, numpy via {@code python3} with a 5-minute limit, seed 42. */
        public static Options defaults() {
            return new Options(DEFAULT_WARMUP, DEFAULT_REPS, true, DEFAULT_PYTHON, DEFAULT_NUMPY_TIMEOUT, DEFAULT_SEED);
        }
    }

    private KernelBenchmark() {}

    /**
     * The backends worth timing on this machine: {@code openblas} when it loads (else a line on
     * {@code out} saying why not) and {@code vector}. The scalar reference is left out.
     */
    public static List<Kernels> defaultBackends(Consumer<String> out) {
        List<Kernels> backends = new ArrayList<>();
        try {
            backends.add(OpenBlasKernels.load());
        } catch (IllegalStateException e) {
            out.accept("openblas: not timed (" + e.getMessage() + ")");
        }
        backends.add(new VectorKernels());
        return backends;
    }

    /** {@link #run(Consumer, List, Options)} with {@link Options#defaults()}. */
    public static List<Result> run(Consumer<String> out, List<Kernels> backends) {
        return run(out, backends, Options.defaults());
    }

    /**
     * Times every backend, then numpy, prints a table to {@code out} and returns the results (numpy's
     * rows included, backend {@code numpy}). The {@code scalar} reference is skipped: it would take
     * minutes per product.
     */
    public static List<Result> run(Consumer<String> out, List<Kernels> backends, Options options) {
        out.accept(String.format(
                Locale.ROOT,
                "kernel benchmark: %d processors, %d warm-up + %d timed runs, GFLOP/s at the median run",
                Runtime.getRuntime().availableProcessors(),
                options.warmup(),
                options.reps()));
        out.accept(Machine.describe());
        for (Kernels kern : backends) {
            if (kern instanceof io.github.saestitch.tensor.OpenBlasKernels ob) {
                // Which kernel OpenBLAS's DYNAMIC_ARCH picked for this CPU (numpy's peer prints its own).
                out.accept("openblas: " + ob.config() + ", " + ob.threads() + " threads");
            }
        }
        SplitMix64 rnd = new SplitMix64(options.seed());
        List<Result> results = new ArrayList<>();
        int[][] gemms = {{TOKENS, D_IN, LATENTS}, {TOKENS, LATENTS, D_IN}};
        for (int[] s : gemms) {
            int m = s[0], k = s[1], n = s[2];
            FloatMatrix a = random(rnd, m, k), b = random(rnd, k, n), c = FloatMatrix.zeros(m, n);
            String shape = m + "x" + k + " · " + k + "x" + n;
            double flops = 2.0 * m * n * k;
            for (Kernels kern : backends) {
                if (isScalar(kern)) {
                    results.add(skipped(kern.name(), "sgemm", shape, flops));
                    continue;
                }
                double[] ms = time(options, () -> kern.mult(a, b, c));
                results.add(timed(kern.name(), "sgemm", shape, flops, ms, gemmError(a, b, c, rnd)));
                printRow(out, results.getLast());
            }
        }
        {
            FloatMatrix a = random(rnd, COS_ROWS_A, D_IN), b = random(rnd, COS_ROWS_B, D_IN);
            String shape = COS_ROWS_A + "x" + D_IN + " vs " + COS_ROWS_B + "x" + D_IN;
            double flops = 2.0 * COS_ROWS_A * COS_ROWS_B * D_IN;
            for (Kernels kern : backends) {
                if (isScalar(kern)) {
                    results.add(skipped(kern.name(), "maxCosine", shape, flops));
                    continue;
                }
                MaxCosine[] last = new MaxCosine[1];
                double[] ms = time(options, () -> last[0] = kern.maxCosine(a, b));
                results.add(timed(kern.name(), "maxCosine", shape, flops, ms, cosError(a, b, last[0], rnd)));
                printRow(out, results.getLast());
            }
        }
        for (Result r : results) {
            if (r.skipped()) {
                out.accept(String.format(Locale.ROOT, "%-9s %-26s %-9s %s", r.op(), r.shape(), r.backend(), r.note()));
            }
        }
        if (options.numpy()) {
            List<Result> numpy = numpyPeer(out, options);
            results.addAll(numpy);
            if (!numpy.isEmpty()) {
                for (int i = 0; i < results.size(); i++) {
                    Result r = results.get(i);
                    for (Result p : numpy) {
                        if (r != p
                                && !r.skipped()
                                && p.op().equals(r.op())
                                && p.shape().equals(r.shape())) {
                            results.set(i, r.withVsNumpy(r.gflops() / p.gflops()));
                        }
                    }
                }
                out.accept("ratio to numpy (same op and shape, measured in this run):");
                for (Result r : results) {
                    if (!r.backend().equals("numpy") && !Double.isNaN(r.vsNumpy())) {
                        out.accept(String.format(
                                Locale.ROOT,
                                "  %-9s %-26s %-9s %6.1f GFLOP/s  %5.2f× numpy",
                                r.op(),
                                r.shape(),
                                r.backend(),
                                r.gflops(),
                                r.vsNumpy()));
                    }
                }
            }
        }
        return results;
    }

    private static boolean isScalar(Kernels k) {
        return k instanceof ScalarKernels;
    }

    private static Result skipped(String backend, String op, String shape, double flops) {
        return new Result(
                backend,
                op,
                shape,
                flops,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                "skipped: the scalar reference would take minutes");
    }

    private static Result timed(String backend, String op, String shape, double flops, double[] ms, double err) {
        return new Result(backend, op, shape, flops, ms[0], ms[1], flops / (ms[0] * 1e6), Double.NaN, err, "");
    }

    private static void printRow(Consumer<String> out, Result r) {
        out.accept(String.format(
                Locale.ROOT,
                "%-9s %-26s %-9s median %8.1f ms  best %8.1f ms  %7.1f GFLOP/s%s",
                r.op(),
                r.shape(),
                r.backend(),
                r.medianMs(),
                r.bestMs(),
                r.gflops(),
                Double.isNaN(r.maxRelError()) ? "" : String.format(Locale.ROOT, "  check %.1e", r.maxRelError())));
    }

    /** {median, best} milliseconds of {@code reps} runs after {@code warmup} runs. */
    private static double[] time(Options o, Runnable body) {
        for (int i = 0; i < o.warmup(); i++) {
            body.run();
        }
        double[] ms = new double[o.reps()];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            body.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new double[] {ms[ms.length / 2], ms[0]};
    }

    private static FloatMatrix random(SplitMix64 rnd, int rows, int cols) {
        FloatMatrix m = FloatMatrix.zeros(rows, cols);
        float[] v = m.heapArrayOrNull();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return m;
    }

    /** Largest |C − A·B| / Σ|a||b| over sampled entries, the dot products in double. */
    private static double gemmError(FloatMatrix a, FloatMatrix b, FloatMatrix c, SplitMix64 rnd) {
        float[] av = a.heapArrayOrNull(), bv = b.heapArrayOrNull();
        int k = a.cols(), n = b.cols();
        double worst = 0;
        for (int s = 0; s < CHECK_SAMPLES; s++) {
            int i = rnd.nextIntLikeSplittableRandom(a.rows()), j = rnd.nextIntLikeSplittableRandom(n);
            double dot = 0, mag = 0;
            for (int p = 0; p < k; p++) {
                double t = (double) av[i * k + p] * bv[p * n + j];
                dot += t;
                mag += Math.abs(t);
            }
            worst = Math.max(worst, Math.abs(c.get(i, j) - dot) / Math.max(mag, Double.MIN_NORMAL));
        }
        return worst;
    }

    /** Largest |max − brute-force max| over sampled rows of A. */
    private static double cosError(FloatMatrix a, FloatMatrix b, MaxCosine got, SplitMix64 rnd) {
        double worst = 0;
        for (int s = 0; s < COS_CHECK_ROWS; s++) {
            int i = rnd.nextIntLikeSplittableRandom(a.rows());
            float[] x = a.row(i);
            double nx = 0;
            for (float v : x) {
                nx += (double) v * v;
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < b.rows(); j++) {
                float[] y = b.row(j);
                double dot = 0, ny = 0;
                for (int q = 0; q < y.length; q++) {
                    dot += (double) x[q] * y[q];
                    ny += (double) y[q] * y[q];
                }
                best = Math.max(best, nx == 0 || ny == 0 ? 0 : dot / Math.sqrt(nx * ny));
            }
            worst = Math.max(worst, Math.abs(got.max()[i] - best));
        }
        return worst;
    }

    // ---------------------------------------------------------------------------------------------
    // The numpy peer

    /**
     * Times {@code np.matmul} (into a preallocated output) on the sgemm shapes, and
     * normalize → matmul → max/argmax for maxCosine, with the same warm-up and repetitions; prints one
     * line per measurement: {@code op m k n median_s best_s}.
     */
    static final String NUMPY_SCRIPT =
            """
            import sys, time
            try:
                import numpy as np
            except Exception as e:
                print("error numpy is not importable: %%s" %% e)
                sys.exit(3)
            warm, reps, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
            rng = np.random.default_rng(seed)
            def bench(f):
                for _ in range(warm):
                    f()
                ts = []
                for _ in range(reps):
                    t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
                ts.sort()
                return ts[len(ts) // 2], ts[0]
            print("version", np.__version__)
            for m, k, n in ((%d, %d, %d), (%d, %d, %d)):
                a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
                b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
                c = np.empty((m, n), dtype=np.float32)
                med, best = bench(lambda: np.matmul(a, b, out=c))
                print("sgemm", m, k, n, med, best, flush=True)
                del a, b, c
            a = rng.uniform(-1, 1, (%d, %d)).astype(np.float32)
            b = rng.uniform(-1, 1, (%d, %d)).astype(np.float32)
            def unit(x):
                nrm = np.linalg.norm(x, axis=1, keepdims=True)
                return x / np.where(nrm > 0, nrm, 1)
            def maxcos():
                s = unit(a) @ unit(b).T
                return s.max(axis=1), s.argmax(axis=1)
            med, best = bench(maxcos)
            print("maxCosine", a.shape[0], a.shape[1], b.shape[0], med, best, flush=True)
            """.formatted(TOKENS, D_IN, LATENTS, TOKENS, LATENTS, D_IN, COS_ROWS_A, D_IN, COS_ROWS_B, D_IN);

    /** Runs {@link #NUMPY_SCRIPT}; returns its results, or none (with a printed reason) when it cannot run. */
    static List<Result> numpyPeer(Consumer<String> out, Options options) {
        List<Result> results = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder(
                options.python(),
                "-c",
                NUMPY_SCRIPT,
                Integer.toString(options.warmup()),
                Integer.toString(options.reps()),
                Long.toString(options.seed()));
        pb.redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            out.accept("numpy peer: not run (" + options.python() + " could not be started: " + e.getMessage() + ")");
            return results;
        }
        List<String> lines = new ArrayList<>();
        try {
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                } catch (IOException e) {
                    synchronized (lines) {
                        lines.add("error reading python output: " + e.getMessage());
                    }
                }
            });
            if (!p.waitFor(options.numpyTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                out.accept("numpy peer: stopped after " + options.numpyTimeout().toSeconds() + " s");
            }
            reader.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            out.accept("numpy peer: interrupted");
            return results;
        }
        String version = "?";
        synchronized (lines) {
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2 && f[0].equals("version")) {
                    version = f[1];
                } else if (f.length == 6 && (f[0].equals("sgemm") || f[0].equals("maxCosine"))) {
                    int x = Integer.parseInt(f[1]), y = Integer.parseInt(f[2]), z = Integer.parseInt(f[3]);
                    double med = Double.parseDouble(f[4]) * 1e3, best = Double.parseDouble(f[5]) * 1e3;
                    boolean gemm = f[0].equals("sgemm");
                    String shape = gemm ? x + "x" + y + " · " + y + "x" + z : x + "x" + y + " vs " + z + "x" + y;
                    double flops = 2.0 * x * y * z;
                    results.add(new Result(
                            "numpy", f[0], shape, flops, med, best, flops / (med * 1e6), Double.NaN, Double.NaN, ""));
                } else if (!line.isBlank()) {
                    out.accept("numpy peer: " + line);
                }
            }
        }
        if (p.isAlive() || p.exitValue() != 0) {
            out.accept(
                    "numpy peer: " + options.python() + " exited " + (p.isAlive() ? "late" : "with " + p.exitValue()));
        }
        out.accept("numpy " + version + " via " + options.python() + " (its own BLAS threads):");
        for (Result r : results) {
            printRow(out, r);
        }
        return results;
    }
}
