package io.github.saestitch.cluster;

import java.io.Serializable;
import java.util.function.Supplier;

/**
 * A value sent to every executor once (a Spark broadcast) and read by tasks through {@link #get}.
 *
 * @param <T> the value
 */
public interface Shared<T> extends Supplier<T>, Serializable {
    /** A value that is simply serialized with the task (one machine, or tests). */
    static <T extends Serializable> Shared<T> inline(T value) {
        return () -> value;
    }
}
