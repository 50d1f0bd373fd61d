package io.github.saestitch.tensor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * Double-precision Cholesky factorization and solve from LAPACK ({@code LAPACKE_dpotrf},
 * {@code LAPACKE_dpotrs}), bound through FFM to the same OpenBLAS library {@link OpenBlasKernels}
 * loads: bytedeco's {@code libopenblas_nolapack.so.0} is the full OpenBLAS build and exports LAPACK
 * and LAPACKE (checked with {@code nm -D}), so nothing new is downloaded or loaded.
 *
 * <p><b>Layout.</b> Both calls use column-major storage with the lower triangle ({@code uplo = 'L'}).
 * A symmetric matrix stored row-major with its <em>upper</em> triangle filled ({@code a[i·lda + j]},
 * {@code j ≥ i}) is exactly that: element (row j, column i) of a column-major array sits at
 * {@code a[i·lda + j]}. Row-major LAPACKE calls would transpose the whole matrix into a temporary
 * first; this way nothing is copied. A right-hand side {@code B [n, nrhs]} column-major with
 * {@code ldb} is, row-major, {@code nrhs} rows of {@code ldb} values: one row per right-hand side.
 *
 * <p>Heap arrays are passed without copying ({@link Linker.Option#critical(boolean) critical(true)}):
 * a garbage collection requested during the call waits for it (a factorization of n = 5,000 takes
 * well under a second on 2 cores). OpenBLAS runs them on its own threads (the count
 * {@link OpenBlasKernels#load(int)} set).
 */
public final class Lapack {
    private static final int COL_MAJOR = 102;
    private static final byte LOWER = 'L';
    private static volatile Lapack instance;

    private final MethodHandle dpotrf;
    private final MethodHandle dpotrs;

    private Lapack() {
        Linker linker = Linker.nativeLinker();
        var lookup = OpenBlasKernels.library();
        dpotrf = linker.downcallHandle(
                lookup.find("LAPACKE_dpotrf")
                        .orElseThrow(() -> new IllegalStateException(
                                "LAPACK unavailable: LAPACKE_dpotrf not in the OpenBLAS library")),
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_BYTE,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT),
                Linker.Option.critical(true));
        dpotrs = linker.downcallHandle(
                lookup.find("LAPACKE_dpotrs")
                        .orElseThrow(() -> new IllegalStateException(
                                "LAPACK unavailable: LAPACKE_dpotrs not in the OpenBLAS library")),
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_BYTE,
                        ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT),
                Linker.Option.critical(true));
    }

    /**
     * The binding (loading OpenBLAS once per JVM).
     *
     * @throws IllegalStateException naming the cause when the library or its LAPACK symbols are missing
     */
    public static Lapack load() {
        Lapack l = instance;
        if (l == null) {
            synchronized (Lapack.class) {
                if (instance == null) {
                    instance = new Lapack();
                }
                l = instance;
            }
        }
        return l;
    }

    /** Whether {@link #load()} succeeds on this machine. */
    public static boolean available() {
        try {
            load();
            return true;
        } catch (IllegalStateException | LinkageError e) {
            return false;
        }
    }

    /**
     * Cholesky factorization in place: the leading {@code n × n} block of the symmetric positive
     * definite matrix in {@code a} (upper triangle row-major, i.e. lower column-major, see the class
     * comment; leading dimension {@code lda}) is overwritten by its factor L with {@code A = L·Lᵀ}
     * (stored where A's triangle was). Writes {@code a}.
     *
     * @return LAPACK's info: 0 on success, {@code k > 0} when the leading minor of order k is not
     *         positive definite (the factorization could not be completed)
     */
    public int dpotrf(double[] a, int n, int lda) {
        Objects.requireNonNull(a, "a");
        if (n < 0 || lda < Math.max(1, n) || (long) lda * Math.max(0, n - 1) + n > a.length) {
            throw new IllegalArgumentException(
                    "dpotrf: n = " + n + ", lda = " + lda + " do not fit an array of " + a.length);
        }
        if (n == 0) {
            return 0;
        }
        try {
            return (int) dpotrf.invokeExact(COL_MAJOR, LOWER, n, MemorySegment.ofArray(a), lda);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("LAPACKE_dpotrf failed", e);
        }
    }

    /**
     * Solves {@code A·X = B} with the factor from {@link #dpotrf} (its leading {@code n × n} block, so
     * one factorization serves every leading principal submatrix). {@code b} holds {@code nrhs}
     * right-hand sides, each {@code n} values starting at {@code r·ldb}; they are overwritten by the
     * solutions. Writes {@code b}.
     *
     * @return LAPACK's info (0 on success; negative for an invalid argument)
     */
    public int dpotrs(double[] a, int n, int lda, double[] b, int nrhs, int ldb) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (n < 0
                || nrhs < 0
                || lda < Math.max(1, n)
                || ldb < Math.max(1, n)
                || (long) lda * Math.max(0, n - 1) + n > a.length
                || (long) ldb * Math.max(0, nrhs - 1) + n > b.length) {
            throw new IllegalArgumentException("dpotrs: n = " + n + ", lda = " + lda + ", nrhs = " + nrhs + ", ldb = "
                    + ldb + " do not fit arrays of " + a.length + " and " + b.length);
        }
        if (n == 0 || nrhs == 0) {
            return 0;
        }
        try {
            return (int) dpotrs.invokeExact(
                    COL_MAJOR, LOWER, n, nrhs, MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("LAPACKE_dpotrs failed", e);
        }
    }
}
