package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Out of memory is one line and exit code 2 (issue 16, item 4): real {@link OutOfMemoryError}s in a child
 * JVM under a small {@code -Xmx}, and {@code train}'s refusal before any work.
 */
class OutOfMemoryTest {
    /** A child JVM's heap: small enough to run out quickly, large enough to start the CLI. */
    static final String SMALL_HEAP = "-Xmx48m";

    /** A command that allocates until the heap is exhausted (run only in a child JVM). */
    @Command(name = "hog")
    static final class Hog implements Callable<Integer> {
        @Override
        public Integer call() {
            List<long[]> keep = new ArrayList<>();
            while (true) {
                keep.add(new long[1 << 20]);
            }
        }
    }

    /** The CLI with the {@code hog} command added, for the child JVM. */
    public static void main(String[] args) {
        CommandLine cl = Main.commandLine();
        cl.addSubcommand("hog", new Hog());
        System.exit(cl.execute(args));
    }

    record Child(int exitCode, String out, String err) {}

    static Child child(String mainClass, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                SMALL_HEAP,
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        // The JVM's own notice about the incubator module is not ours.
        String errText = new String(err, StandardCharsets.UTF_8)
                .lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                .collect(java.util.stream.Collectors.joining("\n"));
        return new Child(p.exitValue(), new String(out, StandardCharsets.UTF_8), errText);
    }

    @Test
    void aRealOutOfMemoryErrorIsOneLineAndExitCodeTwo() throws Exception {
        Child c = child(OutOfMemoryTest.class.getName(), "hog");
        assertThat(c.exitCode()).as(c.err()).isEqualTo(2);
        assertThat(c.err().strip().lines())
                .singleElement()
                .asString()
                .startsWith("saestitch hog: error: out of memory")
                .contains("the Java heap holds at most", "SAESTITCH_JAVA_OPTS=-Xmx");
    }

    @Test
    void trainRefusesAnSaeLargerThanTheHeapBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Path x = TrainCommandTest.sparseData(tmp, 600, 16, 1);
        Path out = tmp.resolve("run");
        Child c = child(
                Main.class.getName(),
                "train",
                "--width",
                "400000",
                "--acts",
                x.toString(),
                "--batch",
                "64",
                "--tokens",
                "128",
                "--eval-tokens",
                "100",
                "--out",
                out.toString());
        assertThat(c.exitCode()).as(c.err()).isEqualTo(2);
        assertThat(c.err().strip().lines())
                .singleElement()
                .asString()
                .contains("not enough memory", "400000 latents", "width 16", "SAESTITCH_JAVA_OPTS=-Xmx", "--width");
        assertThat(out).doesNotExist();
    }

    @Test
    void anOutOfMemoryErrorWrappedInAnotherExceptionIsFoundToo() {
        Throwable wrapped = new RuntimeException("worker failed", new OutOfMemoryError("Java heap space"));
        assertThat(OutOfMemory.find(wrapped)).hasMessage("Java heap space");
        assertThat(OutOfMemory.find(new RuntimeException("x"))).isNull();
        assertThat(OutOfMemory.message("compare", new OutOfMemoryError("Java heap space")))
                .contains("out of memory (Java heap space)", "--no-correlation", "--tokens");
    }
}
