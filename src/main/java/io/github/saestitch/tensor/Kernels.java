package io.github.saestitch.tensor;

/**
 * The numeric kernels SAEs need, on row-major float32 matrices.
 *
 * <p>Implementations: {@link ScalarKernels} (plain loops, double accumulation: the reference every
 * other backend is tested against), {@code VectorKernels} (pure-Java Vector API: the fallback) and
 * {@code OpenBlasKernels} (native sgemm). Pick one once at start-up with {@link KernelsProvider} and
 * pass it in through constructors.
 *
 * <p>Each method's javadoc states the formula and which arguments it writes; all other arguments are
 * read only. Shapes are checked and a mismatch is an {@link IllegalArgumentException} naming them.
 */
public interface Kernels {

    /** Short backend name, e.g. {@code openblas}, {@code vector}, {@code scalar}. */
    String name();

    /**
     * General matrix multiply: {@code C = alpha · op(A) · op(B) + beta · C}, where {@code op(X)} is
     * {@code X} or its transpose. {@code op(A)} is {@code [m, k]}, {@code op(B)} is {@code [k, n]} and
     * {@code C} is {@code [m, n]}. Writes {@code c}. When {@code beta == 0}, {@code C}'s old contents
     * are ignored (NaN in C does not propagate). {@code c} must not overlap {@code a} or {@code b}.
     */
    void sgemm(boolean transA, boolean transB, float alpha, FloatMatrix a, FloatMatrix b, float beta, FloatMatrix c);

    /** {@code C = A · B}. Writes {@code c}. */
    default void mult(FloatMatrix a, FloatMatrix b, FloatMatrix c) {
        sgemm(false, false, 1f, a, b, 0f, c);
    }

    /** {@code C = Aᵀ · B}. Writes {@code c}. */
    default void multTransA(FloatMatrix a, FloatMatrix b, FloatMatrix c) {
        sgemm(true, false, 1f, a, b, 0f, c);
    }

    /** {@code C = A · Bᵀ}. Writes {@code c}. */
    default void multTransB(FloatMatrix a, FloatMatrix b, FloatMatrix c) {
        sgemm(false, true, 1f, a, b, 0f, c);
    }

    /**
     * Encoder epilogue, in place: {@code v = pre[r, j] + bias[j]}, then
     * {@code pre[r, j] = (v > threshold[j] && v > 0) ? v : 0}, i.e. {@code relu(v)·[v > θ_j]} as SAELens's
     * JumpReLU computes it (identical to the JumpReLU paper's {@code pre·[pre > θ]} for θ ≥ 0; a negative θ
     * never lets a negative value through). With {@code threshold == null} the threshold is 0 for every
     * latent (ReLU). A JumpReLU uses its per-latent θ; BatchTopK at inference uses one global θ
     * repeated. Writes {@code pre}.
     *
     * @param pre       [tokens, F] pre-activations without bias; overwritten with activations
     * @param bias      [F]
     * @param threshold [F] or null for ReLU
     */
    void addBiasActivate(FloatMatrix pre, float[] bias, float[] threshold);

    /**
     * The encoder epilogue and compression in one: the CSR of {@code addBiasActivate(pre, bias,
     * threshold)} followed by {@link #compress}, i.e. for every row the entries
     * {@code v = pre[r, j] + bias[j]} with {@code v > 0 && v > threshold[j]} (threshold 0 when null), in
     * increasing columns. NaN and non-positive values are never kept. {@code pre}'s contents afterwards
     * are unspecified (the default overwrites it with the activations; a backend may leave it as it
     * was). Backends override this to read the pre-activations once instead of three times.
     *
     * @param pre       [tokens, F] pre-activations without bias; may be overwritten
     * @param bias      [F]
     * @param threshold [F] or null for ReLU
     */
    default SparseRows activateSparse(FloatMatrix pre, float[] bias, float[] threshold) {
        addBiasActivate(pre, bias, threshold);
        return compress(pre);
    }

    /**
     * Per-row top-k of non-negative activations: for each row, the {@code k} largest values that are
     * strictly positive, as CSR with increasing columns (rows with fewer positives keep all of them).
     * Ties are broken towards the lower column. Reads {@code acts}; writes nothing.
     *
     * @param acts [tokens, F] activations, usually after {@link #addBiasActivate} with ReLU
     */
    SparseRows topK(FloatMatrix acts, int k);

    /**
     * The strictly non-zero entries of {@code acts} as CSR (the sparse codes of a ReLU / JumpReLU
     * layer). Reads {@code acts}.
     */
    default SparseRows compress(FloatMatrix acts) {
        return SparseRows.fromDense(acts);
    }

    /**
     * Sparse codes times a dense decoder: {@code out[r, :] (+)= Σ_k codes[r, k] · dec[k, :]}, summing
     * over the stored entries of row {@code r}. With {@code accumulate} false, {@code out} is
     * overwritten, else added to. Writes {@code out}.
     *
     * @param codes [tokens, F]
     * @param dec   [F, d]
     * @param out   [tokens, d]
     */
    void sparseMult(SparseRows codes, FloatMatrix dec, FloatMatrix out, boolean accumulate);

    /**
     * Euclidean row norms: {@code out[r] = sqrt(Σ_c a[r, c]²)}. Writes {@code out} ([rows]).
     */
    void rowNorms(FloatMatrix a, float[] out);

    /**
     * For every row {@code i} of {@code a}: the largest cosine similarity to any row of {@code b}, and
     * the index of that row (the lowest on ties). Blocked over both matrices with {@link #sgemm}, so at
     * most {@code blockA × blockB} similarities exist at once; the {@code a.rows × b.rows} matrix is
     * never materialized. A zero row has cosine 0 with everything. When {@code b} has no rows, every
     * max is {@code -Infinity} and every index {@code -1}. Reads {@code a} and {@code b}.
     *
     * @param a [n, d]
     * @param b [m, d]
     */
    default MaxCosine maxCosine(FloatMatrix a, FloatMatrix b) {
        return MaxCosine.compute(this, a, b, MaxCosine.DEFAULT_BLOCK_A, MaxCosine.DEFAULT_BLOCK_B);
    }

    /** Checks sgemm shapes and returns {@code {m, n, k}}; shared by the backends. */
    static int[] gemmShape(boolean transA, boolean transB, FloatMatrix a, FloatMatrix b, FloatMatrix c) {
        int m = transA ? a.cols() : a.rows();
        int ka = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (ka != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("sgemm shapes do not match: op(A) [" + m + ", " + ka + "] · op(B) [" + kb
                    + ", " + n + "] -> C " + c + " (transA=" + transA + ", transB=" + transB + ")");
        }
        return new int[] {m, n, ka};
    }
}
