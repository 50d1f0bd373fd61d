package io.github.saestitch.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Native backend: {@code cblas_sgemm} from the OpenBLAS build in
 * {@code org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64}, called through FFM.
 *
 * <p>JavaCPP's {@code Loader} extracts the library (and its libgfortran / libquadmath / libgcc_s
 * dependencies) to its cache and loads it; the symbols are then looked up by path and bound as FFM
 * downcalls with {@link Linker.Option#critical(boolean) critical(true)}, which lets heap
 * {@code float[]} segments (whole arrays and row-slice views) be passed without copying; native and
 * memory-mapped segments are passed as they are. We measured ~300 GFLOP/s (on a 2-core Sapphire Rapids machine) this
 * way against
 * 158 GFLOP/s through JavaCPP's {@code float[]} overloads, which copy.
 *
 * <p>A critical call does not reach a safepoint until it returns, so a garbage collection requested
 * meanwhile waits for the sgemm to finish (a 38 GFLOP product takes ~0.2 s on 2 cores).
 *
 * <p>Only {@link #sgemm} is native; the other kernels are those of a composed {@link VectorKernels}.
 */
public final class OpenBlasKernels implements Kernels {
    private static final int CBLAS_ROW_MAJOR = 101;
    private static final int CBLAS_NO_TRANS = 111;
    private static final int CBLAS_TRANS = 112;
    /** OpenBLAS's environment variable for how long idle worker threads spin: 2^value cycles (4..30). */
    static final String THREAD_TIMEOUT_ENV = "OPENBLAS_THREAD_TIMEOUT";
    /** The value set when the user has not: the minimum, 2^4 cycles (see {@code Native#limitIdleSpinning}). */
    static final String THREAD_TIMEOUT = "4";

    /** OpenBLAS's environment variable that overrides DYNAMIC_ARCH's kernel choice. */
    static final String CORETYPE_ENV = "OPENBLAS_CORETYPE";

    private final Native nat;
    private final VectorKernels vector;

    private OpenBlasKernels(Native nat, VectorKernels vector) {
        this.nat = nat;
        this.vector = vector;
    }

    /**
     * Loads OpenBLAS (once per JVM) and sets its thread count to {@link Runtime#availableProcessors()}.
     *
     * @throws IllegalStateException naming the cause when the native library cannot be loaded
     */
    public static OpenBlasKernels load() {
        return load(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Loads OpenBLAS (once per JVM) and sets its thread count, which is process-wide, to {@code threads}.
     *
     * @throws IllegalStateException naming the cause when the native library cannot be loaded
     */
    public static OpenBlasKernels load(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Native nat = Native.get();
        try {
            nat.setNumThreads.invokeExact(threads);
        } catch (Throwable e) {
            throw new IllegalStateException("openblas_set_num_threads failed", e);
        }
        return new OpenBlasKernels(nat, new VectorKernels(threads));
    }

    @Override
    public String name() {
        return "openblas";
    }

    /**
     * The library's build description, e.g. {@code OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64}.
     */
    public String config() {
        return nat.config;
    }

    /** OpenBLAS's current (process-wide) thread count. */
    public int threads() {
        try {
            return (int) nat.getNumThreads.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("openblas_get_num_threads failed", e);
        }
    }

    @Override
    public String toString() {
        return "OpenBlasKernels[" + nat.config + "]";
    }

    /**
     * {@code C = alpha · op(A) · op(B) + beta · C} by {@code cblas_sgemm} (row-major). Writes {@code c}.
     * Empty products are handled here ({@code k == 0} scales C by beta), because cblas rejects a
     * leading dimension of 0.
     */
    @Override
    public void sgemm(
            boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c) {
        int[] mnk = Kernels.gemmShape(transA, transB, a, b, c);
        int m = mnk[0], n = mnk[1], k = mnk[2];
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            // alpha·(empty sum) = 0; same convention as the other backends.
            vector.sgemm(transA, transB, alpha, a, b, beta, c);
            return;
        }
        try {
            nat.sgemm.invokeExact(
                    CBLAS_ROW_MAJOR,
                    transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
                    transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
                    m,
                    n,
                    k,
                    alpha,
                    a.segment(),
                    a.cols(),
                    b.segment(),
                    b.cols(),
                    beta,
                    c.segment(),
                    c.cols());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cblas_sgemm failed", e);
        }
    }

    @Override
    public void addBiasActivate(FloatMatrix pre, float[] bias, float[] threshold) {
        vector.addBiasActivate(pre, bias, threshold);
    }

    @Override
    public SparseRows topK(FloatMatrix acts, int k) {
        return vector.topK(acts, k);
    }

    @Override
    public SparseRows compress(FloatMatrix acts) {
        return vector.compress(acts);
    }

    @Override
    public SparseRows activateSparse(FloatMatrix pre, float[] bias, float[] threshold) {
        return vector.activateSparse(pre, bias, threshold);
    }

    @Override
    public void sparseMult(SparseRows codes, FloatMatrix dec, FloatMatrix out, boolean accumulate) {
        vector.sparseMult(codes, dec, out, accumulate);
    }

    @Override
    public void rowNorms(FloatMatrix a, float[] out) {
        vector.rowNorms(a, out);
    }

    /**
     * The symbols of the loaded OpenBLAS library (loading it once per JVM), for other native bindings
     * of the same library ({@link Lapack}).
     *
     * @throws IllegalStateException naming the cause when the native library cannot be loaded
     */
    static SymbolLookup library() {
        return Native.get().lookup;
    }

    /**
     * The kernel to ask OpenBLAS for on a CPU of this vendor and these flags, or null to leave its own
     * choice. OpenBLAS 0.3.31's DYNAMIC_ARCH gives AMD CPUs with AVX-512 (Zen 4) its Haswell (AVX2)
     * kernels; its SkylakeX kernels need AVX-512 F, BW, VL and DQ, which those CPUs have. Measured on a
     * 2-core AMD EPYC with AVX-512, sgemm 4096×12288 · 12288×384 in one session, alternating: Haswell
     * 22.5 and 23.9 GFLOP/s, SkylakeX 50.3 and 43.8. A set {@code OPENBLAS_CORETYPE} wins (that machine's
     * environment sets it to Haswell, for numpy too, so there both keep the AVX2 kernels). Intel CPUs are left
     * to the library, which already picks its AVX-512 kernels for them; AMD CPUs without AVX-512 too.
     */
    static String coreTypeFor(String vendor, java.util.Set<String> flags) {
        boolean avx512 = flags.containsAll(java.util.List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
        return "AuthenticAMD".equals(vendor) && avx512 ? "SkylakeX" : null;
    }

    /** The bound native functions, created once per JVM. */
    private static final class Native {
        private static volatile Native instance;
        private static volatile IllegalStateException failure;

        final SymbolLookup lookup; // the loaded library's symbols (also LAPACK's, see Lapack)
        final MethodHandle sgemm;
        final MethodHandle setNumThreads;
        final MethodHandle getNumThreads;
        final String config;

        private Native(SymbolLookup lookup) {
            this.lookup = lookup;
            Linker linker = Linker.nativeLinker();
            sgemm = linker.downcallHandle(
                    find(lookup, "cblas_sgemm"),
                    FunctionDescriptor.ofVoid(
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_FLOAT,
                            ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_FLOAT,
                            ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT),
                    Linker.Option.critical(true));
            setNumThreads = linker.downcallHandle(
                    find(lookup, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
            getNumThreads = linker.downcallHandle(
                    find(lookup, "openblas_get_num_threads"), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle getConfig = linker.downcallHandle(
                    find(lookup, "openblas_get_config"), FunctionDescriptor.of(ValueLayout.ADDRESS));
            try {
                config = ((MemorySegment) getConfig.invokeExact())
                        .reinterpret(4096)
                        .getString(0);
            } catch (Throwable e) {
                throw new IllegalStateException("openblas_get_config failed", e);
            }
        }

        static Native get() {
            Native n = instance;
            if (n != null) {
                return n;
            }
            synchronized (Native.class) {
                if (instance != null) {
                    return instance;
                }
                if (failure != null) {
                    throw failure;
                }
                try {
                    instance = new Native(lookup());
                    return instance;
                } catch (IllegalStateException e) {
                    failure = e;
                    throw e;
                } catch (RuntimeException | LinkageError e) {
                    failure = new IllegalStateException("OpenBLAS could not be loaded: " + e, e);
                    throw failure;
                }
            }
        }

        /**
         * Sets {@code OPENBLAS_THREAD_TIMEOUT=4} in the process environment (unless the user set it),
         * before the library loads and reads it. OpenBLAS's worker threads otherwise keep spinning for
         * 2^28 cycles (~0.07 s) after every sgemm, waiting for the next one; on a machine with as many
         * cores as threads that spinning takes the cores from the Java threads that run between the
         * GEMMs (the encoder epilogue, a compare's sparse pass and co-activation sums). Measured on the
         * 2-core machine, {@code bench compare}: the sparse pass 1.24 → 0.69 s, the correlation 0.57 →
         * 0.40 s, the GEMMs alone unchanged (waking the sleeping workers costs microseconds per call).
         * Best effort: a failure here only costs speed.
         */
        private static void limitIdleSpinning() {
            if (System.getenv(THREAD_TIMEOUT_ENV) == null) {
                setenv(THREAD_TIMEOUT_ENV, THREAD_TIMEOUT);
            }
        }

        /**
         * Sets {@code OPENBLAS_CORETYPE} (unless the user set it) to {@link #coreTypeFor}'s choice for
         * this CPU, before the library loads and picks its kernels.
         */
        private static void chooseCoreType() {
            if (System.getenv(CORETYPE_ENV) != null) {
                return;
            }
            String vendor = "";
            java.util.Set<String> flags = java.util.Set.of();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    int colon = line.indexOf(':');
                    String key = colon < 0 ? "" : line.substring(0, colon).strip();
                    if (key.equals("vendor_id") && vendor.isEmpty()) {
                        vendor = line.substring(colon + 1).strip();
                    } else if (key.equals("flags") && flags.isEmpty()) {
                        flags = java.util.Set.of(
                                line.substring(colon + 1).strip().split("\\s+"));
                        break;
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                return; // not Linux: leave the library's choice
            }
            String core = coreTypeFor(vendor, flags);
            if (core != null) {
                setenv(CORETYPE_ENV, core);
            }
        }

        /** {@code setenv(name, value, 1)} of the C library. Best effort: only performance depends on it. */
        private static void setenv(String name, String value) {
            try {
                Linker linker = Linker.nativeLinker();
                MethodHandle setenv = linker.downcallHandle(
                        linker.defaultLookup().find("setenv").orElseThrow(),
                        FunctionDescriptor.of(
                                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                try (Arena arena = Arena.ofConfined()) {
                    int ignored = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 1);
                }
            } catch (Throwable e) {
                // Only performance depends on it.
            }
        }

        /**
         * Lets JavaCPP extract and load {@code libopenblas_nolapack} with its dependencies, then opens
         * that same file for FFM lookup (dlopen of a loaded library returns the loaded copy).
         */
        private static SymbolLookup lookup() {
            limitIdleSpinning(); // before the presets class: its static initializer loads the library
            chooseCoreType();
            Class<?> presets;
            try {
                presets = Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(
                        "OpenBLAS could not be loaded: org.bytedeco:openblas is not on the class path", e);
            }
            String jni = org.bytedeco.javacpp.Loader.load(presets);
            Path lib = null;
            for (Map.Entry<String, String> e :
                    org.bytedeco.javacpp.Loader.getLoadedLibraries().entrySet()) {
                if (e.getKey().startsWith("openblas_nolapack@") && e.getValue() != null) {
                    lib = Path.of(e.getValue());
                }
            }
            if (lib == null && jni != null) {
                lib = Path.of(jni).resolveSibling("libopenblas_nolapack.so.0");
            }
            if (lib == null || !Files.exists(lib)) {
                throw new IllegalStateException("OpenBLAS could not be loaded: JavaCPP loaded " + jni
                        + " but libopenblas_nolapack was not found beside it");
            }
            return SymbolLookup.libraryLookup(lib, Arena.global());
        }

        private static MemorySegment find(SymbolLookup lookup, String symbol) {
            return lookup.find(symbol)
                    .orElseThrow(() ->
                            new IllegalStateException("OpenBLAS could not be loaded: symbol " + symbol + " not found"));
        }
    }
}
