package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.saestitch.io.Npy;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The one {@code --out} policy (issue 16, items 2, 5 and 8), walked over every command that writes: an
 * existing output is refused with the same message naming {@code --overwrite}; a second writer is
 * refused naming the holder; a signal leaves no temporary; stale temporaries of dead writers go.
 */
class OutputPolicyTest {
    static final Path SAE =
            Path.of("src/test/resources/fixtures/sae/saelens_v6_relu").toAbsolutePath();

    /** Every command that has an output, by name. */
    private static final List<String> WRITERS = List.of(
            "demo",
            "activations",
            "convert",
            "train",
            "train-family",
            "study",
            "compare",
            "stitch",
            "frankenstein",
            "meta-sae",
            "nmf",
            "report",
            "import-acts",
            "export-acts");

    @TempDir
    Path tmp;

    @Test
    void everyCommandThatWritesRefusesAnExistingOutputWithTheSameMessage() throws IOException {
        List<String> writers = new ArrayList<>();
        int checked = 0;
        for (String path : HelpTest.commandPaths()) {
            CommandLine cl = Main.commandLine();
            for (String word : path.split(" ")) {
                cl = cl.getSubcommands().get(word);
            }
            if (outputArgument(cl) == null) {
                continue;
            }
            writers.add(path);
            assertThat(OverwriteOption.of(cl.getCommandSpec()))
                    .as(path + " writes, so it must follow the --out policy")
                    .isNotNull();
            boolean file = path.equals("export-acts");
            for (String existing : file ? List.of("file") : List.of("non-empty directory", "empty directory")) {
                Path dir = Files.createDirectories(tmp.resolve("case-" + checked));
                Path out = dir.resolve(file ? "out.npy" : "out");
                if (file) {
                    Files.writeString(out, "mine");
                } else {
                    Files.createDirectory(out);
                    if (existing.startsWith("non-empty")) {
                        Files.writeString(out.resolve("unrelated.txt"), "mine");
                    }
                }
                List<String> args = new ArrayList<>(List.of(path.split(" ")));
                args.addAll(NumericOptionsTest.requiredArguments(cl, null, out));
                if (!args.contains(out.toString())) {
                    args.addAll(List.of("--out", out.toString()));
                }
                CliRunner r = CliRunner.run(args.toArray(String[]::new));
                String what = String.join(" ", args) + " on an existing " + existing;
                assertThat(r.exitCode()).as(what + "\n" + r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
                assertThat(r.err().strip())
                        .as(what)
                        .isEqualTo("saestitch " + path + ": error: " + out + " already exists; choose another "
                                + (file ? "path" : "directory") + " or pass --overwrite to replace it");
                assertThat(names(dir))
                        .as(what + ": nothing written beside it")
                        .containsExactly(out.getFileName().toString());
                if (file) {
                    assertThat(Files.readString(out)).isEqualTo("mine");
                } else {
                    assertThat(names(out))
                            .as(what)
                            .isEqualTo(existing.startsWith("non-empty") ? List.of("unrelated.txt") : List.of());
                }
                checked++;
            }
        }
        assertThat(writers).containsExactlyInAnyOrderElementsOf(WRITERS);
    }

    @Test
    void overwriteReplacesAndNothingOfOursIsLeftBeside() throws IOException {
        Path out = tmp.resolve("converted");
        assertThat(convert(out).exitCode()).isZero();
        assertThat(convert(out).exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        Files.writeString(out.resolve("stale.txt"), "replaced as a whole");
        CliRunner r = convert(out, "--overwrite");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(out.resolve("stale.txt")).doesNotExist();
        assertThat(names(tmp)).containsExactly("converted");
    }

    @Test
    void aFailedRunLeavesNoDirectoryItCreated() throws IOException {
        java.util.Random rnd = new java.util.Random(3);
        FloatMatrix m = FloatMatrix.zeros(600, 8);
        for (int t = 0; t < 600; t++) {
            for (int c = 0; c < 8; c++) {
                m.set(t, c, (float) rnd.nextGaussian());
            }
        }
        m.set(100, 2, Float.NaN);
        Path x = tmp.resolve("x.npy");
        Npy.write(x, m);
        Path out = tmp.resolve("nested").resolve("run");
        CliRunner r = CliRunner.run(
                "train", "--width", "16", "--acts", x.toString(), "--out", out.toString(), "--train-tokens", "400");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(names(tmp)).as("no empty run directory, no created parent").containsExactly("x.npy");
    }

    @Test
    void aSecondWriterIsRefusedNamingTheHolder() throws Exception {
        Path out = tmp.resolve("cmp");
        Process holder = ChildJvm.start(OutputHolder.class, "lock", out.toString());
        try {
            ChildJvm.awaitLine(holder, "READY");
            CliRunner r = convert(out);
            assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
            assertThat(r.err().strip().lines().count()).isEqualTo(1);
            assertThat(r.err())
                    .contains(out + " is being written by another saestitch run (pid " + holder.pid())
                    .contains("'saestitch compare', started 20");
            assertThat(out).doesNotExist();
        } finally {
            holder.destroy();
            ChildJvm.finish(holder);
        }
        assertThat(names(tmp)).as("the holder's lock file went with it").isEmpty();
    }

    @Test
    void twoProcessesOnOneOutExactlyOneSucceeds() throws Exception {
        for (int round = 0; round < 2; round++) {
            Path out = tmp.resolve("race-" + round);
            Process a = ChildJvm.start(Main.class, "convert", SAE.toString(), out.toString());
            Process b = ChildJvm.start(Main.class, "convert", SAE.toString(), out.toString());
            int ra = ChildJvm.finish(a);
            int rb = ChildJvm.finish(b);
            String loser = ChildJvm.output(ra == 0 ? b : a);
            assertThat(List.of(Math.min(ra, rb), Math.max(ra, rb)))
                    .as("exit codes: %d %d\n%s", ra, rb, loser)
                    .containsExactly(0, Main.EXIT_BAD_INPUT);
            assertThat(loser).containsAnyOf("is being written by another saestitch run (pid ", "already exists");
            assertThat(out.resolve("cfg.json")).exists();
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith("race-"));
        }
    }

    @Test
    void sigtermAndSigintLeaveNoTemporaryAndNoLock() throws Exception {
        assumeFalse(System.getProperty("os.name").startsWith("Windows"), "POSIX signals");
        for (String signal : List.of("TERM", "INT")) {
            Path dir = Files.createDirectories(tmp.resolve(signal));
            Path out = dir.resolve("cmp");
            Process child = ChildJvm.start(OutputHolder.class, "write", out.toString());
            try {
                ChildJvm.awaitLine(child, "READY");
                assertThat(names(dir))
                        .as("half-way: the temporary and the lock exist")
                        .anyMatch(n -> n.startsWith(".cmp.tmp-" + child.pid() + "-"))
                        .contains(".cmp.lock");
                new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid()))
                        .start()
                        .waitFor();
                assertThat(ChildJvm.finish(child)).isNotZero();
            } finally {
                child.destroyForcibly();
            }
            assertThat(names(dir)).as("after SIG" + signal).isEmpty();
        }
    }

    @Test
    void theNextRunRemovesStaleTemporariesOfDeadWritersOnly() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        assumeFalse(ProcessHandle.of(dead).isPresent(), "pid " + dead + " was reused");
        long alive = ProcessHandle.current().pid();
        Path out = tmp.resolve("sae");
        Path deadDir = Files.createDirectories(tmp.resolve(".sae.tmp-" + dead + "-k1"));
        Files.writeString(deadDir.resolve("sae_weights.safetensors"), "half");
        Files.writeString(tmp.resolve(".sae.tmp-5x0yz"), "an older version's, pid-less");
        Path live = Files.createDirectories(tmp.resolve(".sae.tmp-" + alive + "-k2"));
        Files.writeString(tmp.resolve(".other.tmp-" + dead + "-k3"), "another output's");
        CliRunner r = convert(out);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(names(tmp))
                .containsExactlyInAnyOrder("sae", live.getFileName().toString(), ".other.tmp-" + dead + "-k3");
    }

    private static CliRunner convert(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("convert", SAE.toString(), out.toString()));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }

    /** The command's output option or OUT parameter; null when it writes nothing. */
    static Object outputArgument(CommandLine cl) {
        OptionSpec out = cl.getCommandSpec().findOption("--out");
        if (out != null) {
            return out;
        }
        for (PositionalParamSpec p : cl.getCommandSpec().positionalParameters()) {
            if (p.paramLabel().equals("OUT")) {
                return p;
            }
        }
        return null;
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
