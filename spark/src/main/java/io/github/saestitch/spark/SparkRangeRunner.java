package io.github.saestitch.spark;

import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.RangeRunnerFactory;
import io.github.saestitch.cluster.RangeTask;
import io.github.saestitch.cluster.Shared;
import io.github.saestitch.tensor.MergeTree;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Runs {@link RangeTask}s as Spark tasks, one partition per range: values are shared by {@link
 * JavaSparkContext#broadcast} (sent to each executor once), and {@code collect} returns the ranges'
 * merge-tree nodes in partition order, which the caller pushes into one tree. Never Spark's
 * {@code treeAggregate}: it merges in arrival order, and over double sums that changes the last bits from
 * run to run.
 *
 * <p>Turns the usual cluster mistakes into one-line {@link IllegalArgumentException}s: an executor on a
 * JDK older than {@link #MIN_JAVA}, a store path an executor cannot read, and results larger than
 * {@code spark.driver.maxResultSize} (naming the setting and a value).
 */
public final class SparkRangeRunner implements RangeRunner {
    /** Spark refuses 25.0.0–25.0.2 (a G1 bug); saestitch needs Java 25 for the Vector API and FFM. */
    public static final Runtime.Version MIN_JAVA = Runtime.Version.parse("25.0.3");

    private final JavaSparkContext sc;
    private final boolean owned; // stop the context on close
    private final Consumer<String> progress;
    private final AtomicInteger tasksDone = new AtomicInteger();
    private final AtomicLong tokensDone = new AtomicLong();
    private volatile long[] running; // bounds of the job in flight (for progress)
    private volatile String job = "";
    private volatile long jobStart;

    /** A runner on an existing context (tests share one per JVM); {@link #close} leaves it running. */
    public SparkRangeRunner(JavaSparkContext sc, Consumer<String> progress) {
        this(sc, false, progress);
    }

    private SparkRangeRunner(JavaSparkContext sc, boolean owned, Consumer<String> progress) {
        this.sc = sc;
        this.owned = owned;
        this.progress = progress == null ? line -> {} : progress;
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                long[] b = running;
                if (b == null || !end.taskInfo().successful()) {
                    return;
                }
                int p = end.taskInfo().partitionId();
                long tokens = p >= 0 && p + 1 < b.length ? b[p + 1] - b[p] : 0;
                int done = tasksDone.incrementAndGet();
                long t = tokensDone.addAndGet(tokens);
                double secs = Math.max(1e-9, (System.nanoTime() - jobStart) / 1e9);
                SparkRangeRunner.this.progress.accept(String.format(
                        Locale.ROOT,
                        "%s: %d/%d tasks, %,d/%,d tokens, %,.0f tokens/s",
                        job,
                        done,
                        b.length - 1,
                        t,
                        b[b.length - 1],
                        t / secs));
            }
        });
    }

    /**
     * The configuration of a driver started by saestitch: the master, the UI and Spark's console bar off
     * (saestitch prints its own progress), loopback binding for {@code local}; any {@code spark.*} system
     * property (e.g. {@code -Dspark.driver.maxResultSize=4g} in SAESTITCH_JAVA_OPTS) overrides.
     */
    public static SparkConf conf(String master) {
        SparkConf conf = new SparkConf(false)
                .setMaster(master)
                .setAppName("saestitch")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set(
                        "spark.executor.extraJavaOptions",
                        "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        } else if (System.getProperty("spark.jars") == null
                && System.getProperty("saestitch.spark.classpath") != null) {
            // A driver started by ./saestitch (not spark-submit): executors load saestitch from the same
            // directory, which must be on a path every worker can read.
            conf.set("spark.executor.extraClassPath", System.getProperty("saestitch.spark.classpath"));
        }
        for (var e : System.getProperties().entrySet()) {
            String k = e.getKey().toString();
            if (k.startsWith("spark.")) {
                conf.set(k, e.getValue().toString());
            }
        }
        return conf;
    }

    private static volatile JavaSparkContext shared; // a context the CLI reuses (tests: one per JVM)

    /** Makes the CLI's {@code --master} runs use {@code sc} (left running) instead of a context of their own. */
    public static void shareContext(JavaSparkContext sc) {
        shared = sc;
    }

    /** Opens a context on the master (closed with the runner); under spark-submit, the one it configured. */
    public static final class Factory implements RangeRunnerFactory {
        @Override
        public RangeRunner open(String master, Consumer<String> progress) {
            checkJava("the driver", Runtime.version());
            JavaSparkContext reuse = shared;
            if (reuse != null && !reuse.sc().isStopped()) {
                return new SparkRangeRunner(reuse, false, progress);
            }
            SparkConf conf =
                    System.getProperty("spark.app.name") != null && master.equals(System.getProperty("spark.master"))
                            ? new SparkConf()
                            : conf(master);
            return new SparkRangeRunner(new JavaSparkContext(conf), true, progress);
        }
    }

    @Override
    public <T extends Serializable> Shared<T> share(T value) {
        return new BroadcastShared<>(sc.broadcast(value));
    }

    /** A broadcast value: deserialized once per executor, then cached by Spark. */
    private record BroadcastShared<T>(Broadcast<T> broadcast) implements Shared<T> {
        @Override
        public T get() {
            return broadcast.value();
        }
    }

    @Override
    public int defaultRanges() {
        return sc.defaultParallelism();
    }

    @Override
    public <T extends Serializable> List<List<MergeTree.Node<T>>> run(String name, long[] bounds, RangeTask<T> task)
            throws Exception {
        List<long[]> ranges = new ArrayList<>();
        for (int k = 0; k + 1 < bounds.length; k++) {
            ranges.add(new long[] {bounds[k], bounds[k + 1]});
        }
        job = name;
        tasksDone.set(0);
        tokensDone.set(0);
        jobStart = System.nanoTime();
        running = bounds;
        sc.setJobDescription("saestitch " + name);
        try {
            return sc.parallelize(ranges, ranges.size())
                    .map(r -> runTask(task, r[0], r[1]))
                    .collect();
        } catch (Exception e) { // Scala throws SparkException without declaring it
            if (e instanceof SparkException se) {
                throw explain(name, se);
            }
            throw e;
        } finally {
            running = null;
        }
    }

    /** One task: the executor's JDK checked first, failures worded for the user. */
    private static <T extends Serializable> List<MergeTree.Node<T>> runTask(RangeTask<T> task, long from, long to)
            throws Exception {
        checkJava("an executor on " + host(), Runtime.version());
        try {
            return new ArrayList<>(task.apply(from, to));
        } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
            throw new IllegalStateException(
                    "[saestitch] an executor on " + host() + " cannot read " + e.getFile()
                            + ": put the activation store on a path every executor can read (a shared filesystem)",
                    e);
        } catch (io.github.saestitch.activations.ActivationsException | java.io.UncheckedIOException e) {
            throw new IllegalStateException(
                    "[saestitch] an executor on " + host() + " cannot read the activation store: " + e.getMessage()
                            + " (it must be on a path every executor can read)",
                    e);
        }
    }

    static void checkJava(String who, Runtime.Version v) {
        if (v.compareToIgnoreOptional(MIN_JAVA) < 0) {
            throw new IllegalStateException("[saestitch] " + who + " runs Java " + v + "; saestitch on Spark needs "
                    + MIN_JAVA + " or newer on every node (set JAVA_HOME for the workers, e.g. in conf/spark-env.sh)");
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** The user's mistake in one line when it is one (exit 2), else the Spark failure as it is. */
    static Exception explain(String name, SparkException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("spark.driver.maxResultSize")) {
            return new IllegalArgumentException("the " + name + " tasks' sums exceed spark.driver.maxResultSize ("
                    + m.replaceAll("(?s).*?(Total size[^\\n]*?\\))?.*", "$1").trim()
                    + "): raise it, e.g. SAESTITCH_JAVA_OPTS=-Dspark.driver.maxResultSize=8g (0 = no limit), "
                    + "or use fewer --partitions");
        }
        int at = m.indexOf("[saestitch] ");
        if (at >= 0) {
            String line = m.substring(at + "[saestitch] ".length())
                    .lines()
                    .findFirst()
                    .orElse("");
            return new IllegalArgumentException(line);
        }
        return e;
    }

    @Override
    public void close() {
        if (owned) {
            sc.stop();
        }
    }
}
