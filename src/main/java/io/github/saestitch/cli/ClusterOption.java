package io.github.saestitch.cli;

import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.RangeRunnerFactory;
import java.util.ServiceLoader;
import picocli.CommandLine.Option;

/**
 * {@code --master} and {@code --partitions} of the commands whose token pass runs on a Spark cluster
 * ({@code eval}, {@code compare}). Under {@code spark-submit} (the saestitch-spark module's
 * {@code io.github.saestitch.spark.SubmitMain}) the master comes from Spark's own configuration.
 */
final class ClusterOption {
    /** Set by the saestitch-spark module's submit entry point: the master spark-submit was given. */
    static final String SUBMIT_MASTER_PROPERTY = "saestitch.spark.master";

    @Option(
            names = "--master",
            paramLabel = "URL",
            description = "Run the token pass on Apache Spark: local[*], local[N], spark://HOST:7077, yarn, k8s://…"
                    + " (needs the saestitch-spark module; ./saestitch builds it). Outputs are byte-identical"
                    + " to the single-process command.")
    String master;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "With --master: at most N tasks (ranges of a power-of-two number of blocks; default: Spark's default parallelism).")
    int partitions;

    /** The master to run on, or null for one process. */
    String master() {
        return master != null ? master : System.getProperty(SUBMIT_MASTER_PROPERTY);
    }

    boolean on() {
        return master() != null;
    }

    /** A runner on the master; exit 2 when the Spark module is not on the class path. */
    RangeRunner open() throws Exception {
        for (RangeRunnerFactory f : ServiceLoader.load(RangeRunnerFactory.class)) {
            return f.open(master(), line -> System.err.println(line));
        }
        throw new BadInputException("--master " + master() + " needs the saestitch-spark module on the class path;"
                + " run through ./saestitch, which builds spark/target/saestitch-spark.jar, or spark-submit that jar");
    }
}
