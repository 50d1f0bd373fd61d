package io.github.saestitch.activations;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens whatever an {@code --acts} option names: an activation store directory or a {@code .npy} file. */
public final class ActivationSets {
    private ActivationSets() {}

    /** Tokens read per block by {@link #requireFinite}. */
    private static final int FINITE_BLOCK_TOKENS = 4096;

    /**
     * Reads tokens {@code [first, first + n)} of {@code set} and refuses the first non-finite value, naming
     * its token (in {@code set}'s numbering) and dim, so a command can validate its inputs before any work.
     *
     * @throws IllegalArgumentException at the first NaN or infinity
     */
    public static void requireFinite(ActivationSet set, long first, long n, String what) {
        int d = set.dIn();
        for (long t0 = first; t0 < first + n; t0 += FINITE_BLOCK_TOKENS) {
            int m = (int) Math.min(FINITE_BLOCK_TOKENS, first + n - t0);
            io.github.saestitch.tensor.FloatMatrix b = set.block(t0, m);
            for (int r = 0; r < m; r++) {
                for (int c = 0; c < d; c++) {
                    float v = b.get(r, c);
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException("activation set " + set.describe()
                                + " has a non-finite value (" + v + ") at token " + (t0 + r) + ", dim " + c + " ("
                                + what + ")");
                    }
                }
            }
        }
    }

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
