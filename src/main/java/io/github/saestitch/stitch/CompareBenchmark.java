package io.github.saestitch.stitch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.NpyArray;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * End-to-end benchmark of {@link StitchComparator#compare}, with ratios measured in the same run
 * (DESIGN.md, "Performance principles").
 *
 * <p>It builds (or takes) a {@link SyntheticPair} — by default S = 3072 and L = 6144 latents, d = 384,
 * 100,000 tokens — and times, best of {@code repeats}:
 * <ol>
 *   <li>the whole compare (similarity, groups, the streaming pass with every Δmse and the whole
 *       interpolation, activation correlation, results; writing files excluded);</li>
 *   <li>the floor: the two SAEs' encoder GEMMs alone, {@code x·W_enc^S} and {@code x·W_enc^L} over the
 *       same token blocks with the same kernels: {@code 2·N·d·(F_S + F_L)} flops (708 GFLOP here);</li>
 *   <li>the numpy peer ({@code scripts/bench_compare_numpy.py}, dense per-latent Δmse only), when
 *       python3 and numpy are available, on the same arrays (handed over as .npy files), and how far its
 *       Δmse is from ours.</li>
 * </ol>
 * The target is {@code compare / GEMMs ≤ 1.5} and compare faster than numpy. The benchmark never
 * prints: {@code log} receives progress lines and {@link Result#report()} is the text to show.
 */
public final class CompareBenchmark {
    /** The target ratio of compare time to the two encoder GEMMs' time. */
    public static final double TARGET_RATIO = 1.5;
    /** The relative path of the numpy peer from the repository root. */
    public static final String NUMPY_SCRIPT = "scripts/bench_compare_numpy.py";

    private CompareBenchmark() {
    }

    /**
     * What to run.
     *
     * @param dIn            activation width
     * @param smallLatents   F_S
     * @param largeLatents   F_L
     * @param tokens         N
     * @param activeFeatures mean ground-truth features per token ({@link SyntheticPair})
     * @param seed           data seed
     * @param repeats        timed repetitions of each measurement (the best is reported)
     * @param options        compare options (block size and threads included)
     * @param numpyScript    the numpy peer, or null to look for {@value #NUMPY_SCRIPT} from the working
     *                       directory upwards; it is skipped (with a note) when not found
     * @param python         the python executable, e.g. {@code python3}
     */
    public record Config(int dIn, int smallLatents, int largeLatents, int tokens, double activeFeatures, long seed,
            int repeats, CompareOptions options, Path numpyScript, String python) {
        public Config {
            Objects.requireNonNull(options, "options");
            if (repeats < 1) {
                throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
            }
        }

        /** The sizes: S = 3072, L = 6144, d = 384, 100k tokens, 3 repeats, numpy peer on. */
        public static Config defaults() {
            return new Config(384, 3072, 6144, 100_000, 40, 2024, 3, CompareOptions.defaults(), null, "python3");
        }

        public Config withSizes(int d, int fs, int fl, int n) {
            return new Config(d, fs, fl, n, activeFeatures, seed, repeats, options, numpyScript, python);
        }

        public Config withRepeats(int r) {
            return new Config(dIn, smallLatents, largeLatents, tokens, activeFeatures, seed, r, options, numpyScript, python);
        }

        public Config withOptions(CompareOptions o) {
            return new Config(dIn, smallLatents, largeLatents, tokens, activeFeatures, seed, repeats, o, numpyScript, python);
        }

        /** Without the numpy peer ({@code python} null). */
        public Config withoutNumpy() {
            return new Config(dIn, smallLatents, largeLatents, tokens, activeFeatures, seed, repeats, options, numpyScript,
                    null);
        }
    }

    /**
     * The numpy peer's figures.
     *
     * @param seconds     best time of its per-latent Δmse
     * @param maxDeltaGap max |Δ_ours − Δ_numpy| / max |Δ_numpy| over the latents
     * @param version     numpy's version
     */
    public record NumpyPeer(double seconds, double maxDeltaGap, String version) {
    }

    /**
     * What was measured.
     *
     * @param kernels        backend name
     * @param threads        compare worker threads
     * @param compareSeconds best compare time, and {@code compareAll} every repeat
     * @param gemmSeconds    best time of the two encoder GEMMs alone
     * @param gemmFlops      their flop count, {@code 2·N·d·(F_S + F_L)}
     * @param numpy          the numpy peer, or null when it did not run (see {@code notes})
     */
    public record Result(Config config, String kernels, int threads, double compareSeconds, double[] compareAll,
            double gemmSeconds, double gemmFlops, double l0Small, double l0Large, int numNovel, int numGroups,
            CompareTimings breakdown, NumpyPeer numpy, List<String> notes) {

        /** compare time over the GEMM floor. */
        public double ratio() {
            return compareSeconds / gemmSeconds;
        }

        /** Achieved GEMM rate, GFLOP/s. */
        public double gemmGflops() {
            return gemmFlops / gemmSeconds / 1e9;
        }

        /** numpy time over ours (> 1: we are faster); NaN without the peer. */
        public double numpySpeedup() {
            return numpy == null ? Double.NaN : numpy.seconds() / compareSeconds;
        }

        /** The benchmark's text report. */
        public String report() {
            StringBuilder sb = new StringBuilder();
            Config c = config;
            sb.append(String.format(Locale.ROOT, "compare benchmark: S=%d L=%d d=%d tokens=%d kernels=%s threads=%d%n",
                    c.smallLatents(), c.largeLatents(), c.dIn(), c.tokens(), kernels, threads));
            sb.append(String.format(Locale.ROOT, "  data: l0(S)=%.1f l0(L)=%.1f novel=%d groups=%d%n", l0Small, l0Large,
                    numNovel, numGroups));
            sb.append(String.format(Locale.ROOT, "  encoder GEMMs alone: %.3f s (%.0f GFLOP, %.0f GFLOP/s)%n", gemmSeconds,
                    gemmFlops / 1e9, gemmGflops()));
            sb.append(String.format(Locale.ROOT, "  compare (everything): %.3f s  (repeats: %s)%n", compareSeconds,
                    Arrays.toString(Arrays.stream(compareAll).map(v -> Math.round(v * 1000) / 1000.0).toArray())));
            if (breakdown != null) {
                sb.append(String.format(Locale.ROOT, "  breakdown of the best compare: similarity %.3f, read %.3f, encode %.3f, "
                        + "per-token %.3f, correlation %.3f s%n", breakdown.similarity(), breakdown.read(), breakdown.encode(),
                        breakdown.tokens(), breakdown.correlation()));
            }
            sb.append(String.format(Locale.ROOT, "  ratio compare / GEMMs = %.2f  (target <= %.1f: %s)%n", ratio(), TARGET_RATIO,
                    ratio() <= TARGET_RATIO ? "met" : "NOT met"));
            sb.append(String.format(Locale.ROOT, "  compare vs GEMMs at 300 GFLOP/s: %.2f%n", compareSeconds / (gemmFlops / 300e9)));
            if (numpy != null) {
                sb.append(String.format(Locale.ROOT, "  numpy %s peer (per-latent Δmse only): %.3f s; ours is %.2fx faster; "
                        + "max Δmse gap %.1e of max |Δ|%n", numpy.version(), numpy.seconds(), numpySpeedup(), numpy.maxDeltaGap()));
            }
            for (String n : notes) {
                sb.append("  note: ").append(n).append('\n');
            }
            return sb.toString();
        }
    }

    /** Generates the {@link SyntheticPair} of {@code config} and runs the benchmark on it. */
    public static Result run(Kernels kernels, Config config, Consumer<String> log) throws IOException {
        Consumer<String> out = log == null ? s -> { } : log;
        out.accept("generating " + config.smallLatents() + " / " + config.largeLatents() + " latent SAEs and "
                + config.tokens() + " tokens ...");
        SyntheticPair pair = SyntheticPair.generate(config.dIn(), config.smallLatents(), config.largeLatents(), config.tokens(),
                config.activeFeatures(), config.seed());
        return run(kernels, config, pair, out);
    }

    /** Runs the benchmark on a given pair (its sizes override those of {@code config}). */
    public static Result run(Kernels kernels, Config config, SyntheticPair pair, Consumer<String> log) throws IOException {
        Consumer<String> out = log == null ? s -> { } : log;
        Config c = config.withSizes(pair.x().cols(), pair.small().numLatents(), pair.large().numLatents(), pair.x().rows());
        MatrixActivationSet acts = new MatrixActivationSet(pair.x(), "synthetic");
        StitchComparator comparator = new StitchComparator(kernels);
        List<String> notes = new ArrayList<>();

        double[] gemm = new double[c.repeats()];
        int block = c.options().effectiveBlockTokens(c.largeLatents());
        for (int r = 0; r < c.repeats(); r++) {
            gemm[r] = timeEncoderGemms(kernels, pair, block);
            out.accept(String.format(Locale.ROOT, "encoder GEMMs %d/%d: %.3f s", r + 1, c.repeats(), gemm[r]));
        }
        double[] cmp = new double[c.repeats()];
        CompareResult result = null;
        CompareTimings best = null;
        for (int r = 0; r < c.repeats(); r++) {
            long t0 = System.nanoTime();
            result = comparator.compare(pair.small(), pair.large(), acts, c.options());
            cmp[r] = (System.nanoTime() - t0) / 1e9;
            if (best == null || cmp[r] < best.total()) {
                best = result.timings();
            }
            out.accept(String.format(Locale.ROOT, "compare %d/%d: %.3f s", r + 1, c.repeats(), cmp[r]));
        }
        double flops = 2.0 * c.tokens() * c.dIn() * ((double) c.smallLatents() + c.largeLatents());
        NumpyPeer numpy = c.python() == null ? null : numpyPeer(c, pair, result, notes, out);
        if (c.python() == null) {
            notes.add("numpy peer not requested");
        }
        return new Result(c, kernels.name(), c.options().effectiveThreads(), min(cmp), cmp, min(gemm), flops,
                result.small().l0(), result.large().l0(), result.numNovel(), result.groups().size(), best, numpy,
                List.copyOf(notes));
    }

    /** Seconds for {@code pre = x·W_enc} of both SAEs over all tokens, in blocks of {@code block} tokens. */
    static double timeEncoderGemms(Kernels kernels, SyntheticPair pair, int block) {
        FloatMatrix x = pair.x();
        int n = x.rows();
        Sae s = pair.small();
        Sae l = pair.large();
        float[] preS = new float[Math.min(block, n) * s.numLatents()]; // [block, F_S]
        float[] preL = new float[Math.min(block, n) * l.numLatents()]; // [block, F_L]
        long t0 = System.nanoTime();
        for (int r0 = 0; r0 < n; r0 += block) {
            int m = Math.min(block, n - r0);
            FloatMatrix xb = x.rowSlice(r0, r0 + m);
            kernels.mult(xb, s.wEnc(), FloatMatrix.of(MemorySegment.ofArray(preS), m, s.numLatents()));
            kernels.mult(xb, l.wEnc(), FloatMatrix.of(MemorySegment.ofArray(preL), m, l.numLatents()));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static NumpyPeer numpyPeer(Config c, SyntheticPair pair, CompareResult ours, List<String> notes,
            Consumer<String> out) throws IOException {
        Path script = c.numpyScript() != null ? c.numpyScript() : findScript();
        if (script == null || !Files.isRegularFile(script)) {
            notes.add("numpy peer skipped: " + NUMPY_SCRIPT + " not found from " + Path.of("").toAbsolutePath());
            return null;
        }
        Path dir = Files.createTempDirectory("saestitch-bench-");
        try {
            out.accept("writing .npy files for the numpy peer into " + dir + " ...");
            Npy.write(dir.resolve("x.npy"), pair.x());
            writeSae(dir, "s", pair.small());
            writeSae(dir, "l", pair.large());
            Files.writeString(dir.resolve("meta.json"), "{\"s_apply_b_dec\": " + pair.small().applyBDecToInput()
                    + ", \"l_apply_b_dec\": " + pair.large().applyBDecToInput() + "}", StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(c.python(), script.toString(), dir.toString(), "--repeats",
                    Integer.toString(c.repeats())).redirectErrorStream(true);
            out.accept("running the numpy peer: " + String.join(" ", pb.command()));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                notes.add("numpy peer skipped: cannot run " + c.python() + " (" + e.getMessage() + ")");
                return null;
            }
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(30, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    notes.add("numpy peer skipped: it ran longer than 30 minutes");
                    return null;
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the numpy peer", e);
            }
            if (p.exitValue() != 0) {
                String last = text.strip().lines().reduce((a, b) -> b).orElse("");
                notes.add("numpy peer skipped: it exited with " + p.exitValue() + " (" + last + ")");
                return null;
            }
            String line = text.strip().lines().reduce((a, b) -> b).orElse("{}");
            JsonNode json = new ObjectMapper().readTree(line);
            float[] theirs;
            try (NpyArray a = Npy.open(dir.resolve("delta_numpy.npy"))) {
                theirs = a.vector();
            }
            double maxAbs = 0;
            double maxGap = 0;
            for (int j = 0; j < theirs.length; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(theirs[j]));
                maxGap = Math.max(maxGap, Math.abs(theirs[j] - ours.latents().get(j).deltaMse()));
            }
            return new NumpyPeer(json.get("seconds").asDouble(), maxAbs > 0 ? maxGap / maxAbs : maxGap,
                    json.path("numpy").asText("?"));
        } finally {
            deleteTree(dir);
        }
    }

    /** The four weight arrays, and the per-latent threshold (0 for relu) as {@code PREFIX_threshold.npy}. */
    private static void writeSae(Path dir, String prefix, Sae sae) throws IOException {
        float[] theta = switch (sae.activation()) {
            case Activation.Relu r -> new float[sae.numLatents()];
            case Activation.JumpRelu j -> j.threshold();
            case Activation.BatchTopK b -> {
                float[] t = new float[sae.numLatents()];
                Arrays.fill(t, b.threshold());
                yield t;
            }
            case Activation.TopK t -> throw new IllegalArgumentException("the numpy peer does not implement topk");
        };
        Npy.write(dir.resolve(prefix + "_threshold.npy"), theta);
        Npy.write(dir.resolve(prefix + "_w_enc.npy"), sae.wEnc());
        Npy.write(dir.resolve(prefix + "_b_enc.npy"), sae.bEnc());
        Npy.write(dir.resolve(prefix + "_w_dec.npy"), sae.wDec());
        Npy.write(dir.resolve(prefix + "_b_dec.npy"), sae.bDec());
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** {@value #NUMPY_SCRIPT} under the working directory or one of its parents, else null. */
    static Path findScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(NUMPY_SCRIPT);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
