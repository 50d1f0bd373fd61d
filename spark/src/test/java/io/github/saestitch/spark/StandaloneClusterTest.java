package io.github.saestitch.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on 127.0.0.1: a Master and two Workers started from the Spark jars as child
 * JVMs (a SPARK_HOME whose {@code jars/} links the module's dependencies, so no Spark install), then
 * {@code compare} and {@code eval} submitted through {@code SparkSubmit} with saestitch's submit entry
 * point; the outputs are byte-identical to the single-process commands. {@code activations} submitted
 * there survives an executor killed mid-shard. Every child JVM (and the executors the Workers start) is
 * stopped afterwards, also after a failure.
 */
@Tag("slow")
class StandaloneClusterTest {
    @TempDir
    static Path dir;

    private static final List<Process> processes = new ArrayList<>();
    private static final List<Process> workers = new ArrayList<>();

    private static Path home;
    private static Path lib;
    private static String master;

    /** The Master and two Workers (one core each), started once for the class. */
    private static synchronized void startCluster() throws Exception {
        if (master != null) {
            return;
        }
        lib = Path.of(System.getProperty("saestitch.spark.lib"));
        home = sparkHome(lib);
        int port = freePort();
        String url = "spark://127.0.0.1:" + port;
        start(
                "master",
                home,
                List.of(
                        "org.apache.spark.deploy.master.Master",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "" + port,
                        "--webui-port",
                        "" + freePort()));
        waitForPort(port, 120);
        for (int w = 1; w <= 2; w++) {
            workers.add(start(
                    "worker" + w,
                    home,
                    List.of(
                            "org.apache.spark.deploy.worker.Worker",
                            "--host",
                            "127.0.0.1",
                            "--cores",
                            "1",
                            "--memory",
                            "768m",
                            "--webui-port",
                            "" + freePort(),
                            "--work-dir",
                            dir.resolve("work" + w).toString(),
                            url)));
        }
        master = url;
    }

    /** SparkSubmit in client mode with saestitch's submit entry point, to which the command's arguments follow. */
    private static List<String> submit() throws IOException {
        return new ArrayList<>(List.of(
                "org.apache.spark.deploy.SparkSubmit",
                "--master",
                master,
                "--deploy-mode",
                "client",
                "--class",
                "io.github.saestitch.spark.SubmitMain",
                "--conf",
                "spark.executor.memory=512m",
                "--conf",
                "spark.cores.max=2",
                "--conf",
                "spark.driver.host=127.0.0.1",
                "--conf",
                "spark.driver.bindAddress=127.0.0.1",
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.executor.extraClassPath=" + lib + "/*",
                "--conf",
                "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED",
                appJar().toString()));
    }

    @Test
    void compareAndEvalSubmittedToAStandaloneClusterWriteTheSingleProcessBytes() throws Exception {
        TestData data = TestData.write(dir);
        startCluster();
        List<String> submit = submit();

        Path one = dir.resolve("cmp-one");
        assertThat(TestData.run(data.compareArgs(one))).startsWith("0\n");
        Path onCluster = dir.resolve("cmp-cluster");
        List<String> cmp = new ArrayList<>(submit);
        cmp.addAll(List.of(data.compareArgs(onCluster)));
        cmp.addAll(List.of("--partitions", "3"));
        assertThat(runToEnd("submit-compare", home, cmp)).isZero();
        Map<String, byte[]> reference = TestData.files(one);
        Map<String, byte[]> files = TestData.files(onCluster);
        assertThat(files.keySet()).isEqualTo(reference.keySet());
        for (String name : reference.keySet()) {
            assertThat(files.get(name)).as(name).isEqualTo(reference.get(name));
        }

        String single = SparkLocalTest.withoutSeconds(TestData.run(data.evalArgs()));
        List<String> ev = new ArrayList<>(submit);
        ev.addAll(List.of(data.evalArgs()));
        ev.addAll(List.of("--partitions", "5"));
        assertThat(runToEnd("submit-eval", home, ev)).isZero();
        String out = Files.readString(dir.resolve("submit-eval.out"));
        assertThat("0\n" + SparkLocalTest.withoutSeconds(out)).isEqualTo(single);
    }

    /**
     * {@code activations} submitted to the cluster while the test kills (SIGKILL) the executor JVM that is
     * writing a shard (its process id is in the partial shard's name): Spark runs the task again, the job
     * finishes, and the store is the single-process store with no partial shard. A job that finished before
     * a shard was seen being written is run again (a loaded machine), so a kill always lands mid-run.
     */
    @Test
    void activationsSurviveAnExecutorKilledWhileWritingAShard() throws Exception {
        Path corpus = TestData.corpus(dir.resolve("texts"));
        Path one = dir.resolve("acts-one");
        assertThat(TestData.run(TestData.activationsArgs(corpus, one, 1200))).startsWith("0\n");
        startCluster();
        Path out = dir.resolve("acts-cluster");
        int kills = 0;
        for (int attempt = 0; attempt < 4 && kills == 0; attempt++) {
            deleteTree(out);
            List<String> cmd = submit();
            cmd.addAll(List.of(TestData.activationsArgs(corpus, out, 1200)));
            cmd.addAll(List.of("--partitions", "4"));
            String name = "submit-activations-" + attempt;
            Process p = start(name, home, cmd);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (kills == 0 && killShardWriter(out)) {
                    kills++;
                }
                Thread.sleep(2);
            }
            runToEnd(name, p);
        }
        assertThat(kills).as("executors killed while writing a shard").isPositive();
        try (Stream<Path> files = Files.walk(out)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".partial"));
        }
        TestData.assertSameStore(TestData.store(one), TestData.store(out));
    }

    private static final java.util.regex.Pattern PARTIAL =
            java.util.regex.Pattern.compile("shard-\\d+\\.(\\d+)-[0-9a-f]+\\.partial");

    /** Kills the executor writing a partial shard of {@code store}, if one is (and it is one of our Workers'). */
    private static boolean killShardWriter(Path store) throws IOException {
        String[] names = store.toFile().list();
        for (String n : names == null ? new String[0] : names) {
            java.util.regex.Matcher m = PARTIAL.matcher(n);
            if (!m.matches()) {
                continue;
            }
            long pid = Long.parseLong(m.group(1));
            for (Process w : workers) {
                java.util.Optional<ProcessHandle> executor =
                        w.descendants().filter(h -> h.pid() == pid).findFirst();
                if (executor.isPresent() && executor.get().destroyForcibly()) { // SIGKILL
                    return true;
                }
            }
        }
        return false;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @AfterAll
    static void stopTheCluster() {
        for (Process p : processes.reversed()) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A SPARK_HOME for the Workers' executor launcher: jars/ links every jar of the module's class path. */
    private static Path sparkHome(Path lib) throws IOException {
        Path home = dir.resolve("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        try (Stream<Path> list = Files.list(lib)) {
            for (Path j : list.toList()) {
                Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
            }
        }
        return home;
    }

    /** This module's classes as the application jar (the tests run before the package phase). */
    private static Path appJar() throws IOException {
        Path classes = Path.of("target/classes").toAbsolutePath();
        Path jar = dir.resolve("saestitch-spark-app.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        try (OutputStream o = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(o);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    private static List<String> java(Path home, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("@" + Path.of("driver-jvm-flags").toAbsolutePath());
        cmd.add("-Xmx512m");
        cmd.add("-Dlog4j2.configurationFile=" + Path.of("log4j2.properties").toAbsolutePath());
        cmd.add("-cp");
        cmd.add(home.resolve("jars") + "/*");
        cmd.addAll(mainAndArgs);
        return cmd;
    }

    private static Process start(String name, Path home, List<String> mainAndArgs) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(java(home, mainAndArgs))
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        // Spark's launcher looks for a source build to learn the Scala version unless it is told.
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Process p = pb.start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    private static int runToEnd(String name, Path home, List<String> mainAndArgs) throws Exception {
        return runToEnd(name, start(name, home, mainAndArgs));
    }

    private static int runToEnd(String name, Process p) throws Exception {
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            throw new AssertionError(name + " did not finish in 8 minutes; its log: " + dir.resolve(name + ".err"));
        }
        if (p.exitValue() != 0) {
            keepLogs();
            throw new AssertionError(name + " exited " + p.exitValue() + " (logs in target/cluster-logs):\n"
                    + tail(dir.resolve(name + ".err")) + "\nexecutors:\n" + executorLogs());
        }
        return p.exitValue();
    }

    /** Copies every log of the cluster to target/cluster-logs (the temporary directory goes away). */
    private static void keepLogs() throws IOException {
        Path keep = Files.createDirectories(Path.of("target/cluster-logs"));
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(f -> {
                        String n = f.getFileName().toString();
                        return n.endsWith(".err") || n.endsWith(".out") || n.equals("stderr") || n.equals("stdout");
                    })
                    .toList()) {
                Files.copy(
                        f,
                        keep.resolve(dir.relativize(f).toString().replace('/', '_')),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String tail(Path f) throws IOException {
        String s = Files.exists(f) ? Files.readString(f) : "(none)";
        return s.substring(Math.max(0, s.length() - 4000));
    }

    private static String executorLogs() throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr"))
                    .limit(2)
                    .toList()) {
                out.append(f).append(":\n").append(tail(f)).append('\n');
            }
        }
        return out.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(500);
            }
        }
        throw new AssertionError("the Master did not listen on " + port + " within " + seconds + " s; its log: "
                + Files.readString(dir.resolve("master.err")));
    }
}
