package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} and {@code activations} in child JVMs killed with SIGKILL at seeded random moments (no
 * shutdown hook, no finally block runs) and rerun until they finish: the result is byte-identical to an
 * uninterrupted run (issue 16, "kill tests"). The kill moments are drawn from a fixed seed over each
 * command's measured run time, so a failure reproduces; the sizes keep each command to seconds.
 */
class KillResumeTest {
    static final long SEED = 16;
    /** Kills per command before the run is let finish. */
    static final int KILLS = 2;

    static Process start(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m",
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Runs to the end; returns the exit code and the elapsed milliseconds. */
    static long[] finish(List<String> args) throws Exception {
        long t0 = System.nanoTime();
        Process p = start(args);
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return new long[] {p.exitValue(), (System.nanoTime() - t0) / 1_000_000};
    }

    /** Starts {@code args} and kills the JVM with SIGKILL after {@code millis}; whether it was still running. */
    static boolean killAfter(List<String> args, long millis) throws Exception {
        Process p = start(args);
        Thread drain = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the process died
            }
        });
        boolean killed = !p.waitFor(millis, TimeUnit.MILLISECONDS);
        if (killed) {
            p.destroyForcibly(); // SIGKILL on Linux
            p.waitFor(1, TimeUnit.MINUTES);
        }
        drain.join();
        return killed;
    }

    /** Every regular file under {@code dir} (relative path → bytes), except those named in {@code skip}. */
    static java.util.Map<String, byte[]> files(Path dir, List<String> skip) throws IOException {
        java.util.Map<String, byte[]> m = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(f).toString();
                if (skip.stream().noneMatch(rel::contains)) {
                    m.put(rel, Files.readAllBytes(f));
                }
            }
        }
        return m;
    }

    static void assertSameFiles(java.util.Map<String, byte[]> a, java.util.Map<String, byte[]> b) {
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String k : a.keySet()) {
            assertThat(b.get(k)).as(k).isEqualTo(a.get(k));
        }
    }

    @Test
    void trainKilledAtRandomMomentsResumesToTheSameWeights(@TempDir Path tmp) throws Exception {
        Path x = TrainCommandTest.sparseData(tmp, 3000, 16, 1);
        List<String> base = List.of(
                "train",
                "--arch",
                "topk",
                "--k",
                "4",
                "--width",
                "48",
                "--acts",
                x.toString(),
                "--tokens",
                "40960",
                "--batch",
                "256",
                "--eval-tokens",
                "500",
                "--kernels",
                "vector");
        Path straight = tmp.resolve("straight");
        long[] ref = finish(cat(base, "--out", straight.toString()));
        Path cut = tmp.resolve("cut");
        killThenFinish(ref[1], cut, () -> cat(base, "--out", cut.toString(), "--resume"));
        // The weights and the log are the run's; summaries and charts record times.
        List<String> timed = List.of("train_summary.json", "train_curves", "checkpoint", "train_log.csv");
        assertSameFiles(files(straight.resolve("sae"), timed), files(cut.resolve("sae"), timed));
    }

    @Test
    void activationsKilledAtRandomMomentsFinishTheSameStore(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(
                text, "The quick brown fox jumps over the lazy dog. A stitch in time saves nine. ".repeat(60));
        List<String> base = List.of(
                "activations", "--corpus", text.toString(), "--tokens", "600", "--context", "32", "--layer", "2");
        Path straight = tmp.resolve("straight");
        long[] ref = finish(cat(base, "--out", straight.toString()));
        Path cut = tmp.resolve("cut");
        killThenFinish(ref[1], cut, () -> cat(base, "--out", cut.toString()));
        // The manifest records times and the corpus path is the same; the shards must be identical.
        List<String> timed = List.of("manifest.json", ".lock");
        assertSameFiles(files(straight, timed), files(cut, timed));
    }

    /**
     * Runs the command {@value #KILLS} times, each killed at a seeded random moment within
     * {@code [refMillis / 8, refMillis / 2)} (the uninterrupted run's time), then once to the end. A run
     * whose start-up happened to be quicker than the reference's finishes before its kill (seen on a loaded
     * machine, where a run's time varies by 2×): then {@code out} is removed and the round is repeated with
     * half the time, so the test always kills at least one run mid-way.
     */
    static void killThenFinish(long refMillis, Path out, java.util.function.Supplier<List<String>> args)
            throws Exception {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int killed = 0;
        for (long ref = refMillis; killed == 0 && ref >= 64; ref /= 2) {
            deleteTree(out);
            for (int i = 0; i < KILLS; i++) {
                killed += killAfter(args.get(), rnd.nextLong(ref / 8, ref / 2)) ? 1 : 0;
            }
        }
        assertThat(killed).as("runs killed before they finished").isPositive();
        finish(args.get());
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static List<String> cat(List<String> a, String... more) {
        List<String> r = new ArrayList<>(a);
        r.addAll(List.of(more));
        return r;
    }
}
