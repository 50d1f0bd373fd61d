package io.github.saestitch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A second JVM on the test class path, for what needs another process: locks, signals (tests only). */
final class ChildJvm {
    private ChildJvm() {}

    /** Starts {@code mainClass} with {@code args}; stderr goes to stdout. */
    static Process start(Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's output until a line equal to {@code line}; fails if it ends first. */
    static BufferedReader awaitLine(Process p, String line) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String l = r.readLine(); l != null; l = r.readLine()) {
            if (l.equals(line)) {
                return r;
            }
            seen.append(l).append('\n');
        }
        throw new IllegalStateException("the child ended before printing " + line + ":\n" + seen);
    }

    /** Waits for the child (at most a minute) and returns its exit code; kills it if it hangs. */
    static int finish(Process p) throws InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the child did not finish within a minute");
        }
        return p.exitValue();
    }

    /** The whole remaining output of a finished child. */
    static String output(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
