package io.github.saestitch.spark;

import org.apache.spark.api.java.JavaSparkContext;

/** One local[2] Spark context per test JVM (UI off, bound to 127.0.0.1), stopped when the JVM exits. */
final class SharedSpark {
    private static JavaSparkContext sc;

    private SharedSpark() {}

    static synchronized JavaSparkContext get() {
        if (sc == null) {
            sc = new JavaSparkContext(SparkRangeRunner.conf("local[2]"));
            SparkRangeRunner.shareContext(sc);
            JavaSparkContext stop = sc;
            Runtime.getRuntime().addShutdownHook(new Thread(stop::stop));
        }
        return sc;
    }
}
