package io.github.saestitch.activations;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens whatever an {@code --acts} option names: an activation store directory or a {@code .npy} file. */
public final class ActivationSets {
    private ActivationSets() {}

    /**
     * Opens {@code path} as an {@link ActivationSet}.
     *
     * @throws ActivationsException if the path is missing, or neither an activation store nor a {@code .npy} file
     */
    public static ActivationSet open(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            return ActivationStore.open(abs);
        }
        if (!Files.exists(abs)) {
            throw new ActivationsException(
                    abs, "activations not found (give an activation store directory or a .npy file)");
        }
        if (abs.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            return StoreNpy.open(abs);
        }
        throw new ActivationsException(abs, "not an activation store directory nor a .npy file");
    }
}
