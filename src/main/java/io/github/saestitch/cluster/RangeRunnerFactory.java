package io.github.saestitch.cluster;

/**
 * Opens a {@link RangeRunner} on a cluster; found with {@link java.util.ServiceLoader} (the
 * {@code saestitch-spark} module registers Spark's). The core jar has none.
 */
public interface RangeRunnerFactory {
    /**
     * A runner on {@code master} (e.g. {@code local[2]}, {@code spark://host:7077}); close it when done.
     *
     * @param progress receives one line per update for the user's terminal (tasks done, tokens/s)
     */
    RangeRunner open(String master, java.util.function.Consumer<String> progress) throws Exception;
}
