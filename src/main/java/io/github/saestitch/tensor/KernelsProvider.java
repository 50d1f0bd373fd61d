package io.github.saestitch.tensor;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Chooses the {@link Kernels} backend once at start-up: the name given (CLI {@code --kernels}), else
 * the environment variable {@code SAESTITCH_KERNELS}, else {@code auto} (native OpenBLAS when it loads,
 * else the pure-Java Vector API backend). It never prints: the one notice it can give (OpenBLAS did
 * not load, so {@code auto} fell back) goes to the {@code notices} consumer the caller passes.
 */
public final class KernelsProvider {
    /** Environment variable that overrides the default backend. */
    public static final String ENV = "SAESTITCH_KERNELS";
    /** Names accepted by {@link #byName}. */
    public static final List<String> NAMES = List.of("auto", "openblas", "vector", "scalar");

    private KernelsProvider() {}

    /** {@link #choose(String, Consumer)} without notices. */
    public static Kernels choose(String requested) {
        return choose(requested, notice -> {});
    }

    /** The backend named by {@code requested}, or by {@value #ENV}, or {@code auto}. */
    public static Kernels choose(String requested, Consumer<String> notices) {
        String name = requested;
        if (name == null || name.isBlank()) {
            name = System.getenv(ENV);
        }
        if (name == null || name.isBlank()) {
            name = "auto";
        }
        return byName(name, notices);
    }

    /** {@link #byName(String, Consumer)} without notices. */
    public static Kernels byName(String name) {
        return byName(name, notice -> {});
    }

    /**
     * The backend with this name; {@code auto} falls back to {@code vector} when OpenBLAS cannot load,
     * with a one-line notice to {@code notices}. {@code openblas} itself throws
     * {@link IllegalStateException} when the library cannot load.
     */
    public static Kernels byName(String name, Consumer<String> notices) {
        return switch (name.toLowerCase(Locale.ROOT).strip()) {
            case "scalar" -> new ScalarKernels();
            case "vector" -> new VectorKernels();
            case "openblas" -> OpenBlasKernels.load();
            case "auto" -> auto(notices);
            default -> throw new IllegalArgumentException("unknown kernels '" + name + "'; choose one of " + NAMES);
        };
    }

    private static Kernels auto(Consumer<String> notices) {
        try {
            return OpenBlasKernels.load();
        } catch (IllegalStateException e) {
            notices.accept("saestitch: native OpenBLAS unavailable (" + e.getMessage()
                    + "); using the pure-Java vector kernels");
            return new VectorKernels();
        }
    }
}
