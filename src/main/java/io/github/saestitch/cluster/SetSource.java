package io.github.saestitch.cluster;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import java.io.Serializable;
import java.nio.file.Path;

/** Opens an activation set where a task runs (a path every executor can read). */
@FunctionalInterface
public interface SetSource extends Serializable {
    ActivationSet open() throws Exception;

    /** The store directory or .npy file at {@code path} (a local or shared-filesystem path). */
    static SetSource path(Path path) {
        String p = path.toAbsolutePath().toString();
        return () -> ActivationSets.open(Path.of(p));
    }
}
