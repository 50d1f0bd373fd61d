package io.github.saestitch.tensor;

import java.util.List;
import java.util.Locale;

/**
 * Chooses the {@link Kernels} backend once at start-up: the name given (CLI {@code --kernels}), else
 * the environment variable {@code SAESTITCH_KERNELS}, else {@code auto} (native OpenBLAS when it loads,
 * else the pure-Java Vector API backend).
 */
public final class KernelsProvider {
    /** Environment variable that overrides the default backend. */
    public static final String ENV = "SAESTITCH_KERNELS";
    /** Names accepted by {@link #byName}. */
    public static final List<String> NAMES = List.of("auto", "openblas", "vector", "scalar");

    private KernelsProvider() {
    }

    /** The backend named by {@code requested}, or by {@value #ENV}, or {@code auto}. */
    public static Kernels choose(String requested) {
        String name = requested;
        if (name == null || name.isBlank()) {
            name = System.getenv(ENV);
        }
        if (name == null || name.isBlank()) {
            name = "auto";
        }
        return byName(name);
    }

    /**
     * The backend with this name; {@code auto} falls back to {@code vector} when OpenBLAS cannot load,
     * with a one-line notice on stderr. {@code openblas} itself throws {@link IllegalStateException} when
     * the library cannot load.
     */
    public static Kernels byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT).strip()) {
            case "scalar" -> new ScalarKernels();
            case "vector" -> new VectorKernels();
            case "openblas" -> OpenBlasKernels.load();
            case "auto" -> auto();
            default -> throw new IllegalArgumentException("unknown kernels '" + name + "'; choose one of " + NAMES);
        };
    }

    private static Kernels auto() {
        try {
            return OpenBlasKernels.load();
        } catch (IllegalStateException e) {
            System.err.println("saestitch: native OpenBLAS unavailable (" + e.getMessage()
                    + "); using the pure-Java vector kernels");
            return new VectorKernels();
        }
    }
}
