package io.github.saestitch.frankenstein;

import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.Vec;
import java.util.Objects;

/**
 * The normal equations of the decoder refit with the encoders fixed (docs/definitions.md#frankenstein:
 * the refit of W_dec and b_dec with every encoder fixed): for codes {@code F [N, n]} and tokens {@code X [N, d]},
 * {@code min Σ_t ‖f_t·W + b − x_t‖²} over {@code W [n, d]}, {@code b [d]} is the least-squares problem
 * with the design matrix {@code [1, F]}, whose normal equations are
 * <pre>
 *   A·[b; W] = B,   A = [N, 1ᵀF; Fᵀ1, FᵀF]  [(n+1)², the Gram],   B = [1ᵀX; FᵀX]  [(n+1), d]
 * </pre>
 * Index 0 is the constant column, index {@code 1 + i} latent i: putting the constant first makes the
 * equations of every prefix of the latents (every stage of a selection) the leading block, so one
 * Cholesky factor serves them all ({@link DecoderRefit}).
 *
 * <p><b>Accumulation</b> in double from the sparse codes: per token the sparse outer product
 * {@code f_tᵀ f_t} (its upper triangle: {@code l0_t(l0_t+1)/2} products) and {@code f_tᵀ x_t}
 * ({@code l0_t·d}). It is done latent by latent (a CSC index of the codes): row {@code 1 + i} of A and
 * B receives, for every token where i fires, {@code f_ti·f_t[j ≥ i]} and {@code f_ti·x_t}, so each row
 * stays in cache while it is summed, rows are split between threads with no sharing, and every row is
 * summed in token order by one thread: the result does not depend on the thread count. Each product
 * of two floats is exact in double. Work: {@link #gramUpdates} and {@link #rhsUpdates}.
 *
 * <p>Storage: {@code gram} is row-major {@code [(n+1), (n+1)]} with only the upper triangle
 * ({@code j ≥ i}) filled — exactly the lower triangle of the column-major matrix LAPACK reads
 * ({@code tensor.Lapack}); {@code null} when not materialized (matrix-free conjugate gradients need
 * only the diagonal). {@code rhs} is row-major {@code [(n+1), d]}.
 */
final class NormalEquations {
    final int n; // latents
    final int m; // n + 1 unknown rows
    final int d;
    final long tokens;
    final double[] gram; // [m, m] upper triangle row-major, or null
    final double[] diag; // [m] A_ii
    final double[] rhs; // [m, d]
    final int[] fires; // [n] tokens on which latent i is non-zero
    final long gramUpdates; // Σ_t l0_t(l0_t+1)/2 (0 when the Gram is not materialized)
    final long rhsUpdates; // Σ_t l0_t·d

    private NormalEquations(
            int n,
            int d,
            long tokens,
            double[] gram,
            double[] diag,
            double[] rhs,
            int[] fires,
            long gramUpdates,
            long rhsUpdates) {
        this.n = n;
        this.m = n + 1;
        this.d = d;
        this.tokens = tokens;
        this.gram = gram;
        this.diag = diag;
        this.rhs = rhs;
        this.fires = fires;
        this.gramUpdates = gramUpdates;
        this.rhsUpdates = rhsUpdates;
    }

    /**
     * Accumulates the equations of {@code codes [N, n]} and {@code x [N, d]} (row-major).
     *
     * @param withGram materialize the dense Gram ({@code (n+1)²} doubles); else only its diagonal
     * @param parts    number of parallel parts (≥ 1); the result does not depend on it
     */
    static NormalEquations accumulate(SparseRows codes, float[] x, int d, boolean withGram, int parts) {
        return accumulate(codes, x, d, withGram, parts, null);
    }

    /**
     * As {@link #accumulate(SparseRows, float[], int, boolean, int)}, with {@code FᵀX} given (e.g. gathered
     * from {@link SourceCodes#transposeTimesTokens}), so only the Gram is accumulated here.
     *
     * @param fx [n, d] {@code FᵀX} row-major, or null to accumulate it here
     */
    static NormalEquations accumulate(SparseRows codes, float[] x, int d, boolean withGram, int parts, double[] fx) {
        Objects.requireNonNull(codes, "codes");
        int nTok = codes.rows();
        int n = codes.cols();
        if ((long) nTok * d != x.length) {
            throw new IllegalArgumentException(
                    "tokens [" + x.length + " floats] do not match codes [" + nTok + ", " + n + "] and d = " + d);
        }
        int m = n + 1;
        if (withGram && (long) m * m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a dense Gram of " + m + "² entries does not fit one array");
        }
        Csc csc = Csc.of(codes);
        int[] rowPtr = codes.rowPtr();
        int[] col = codes.colIdx();
        float[] val = codes.values();
        double[] gram = withGram ? new double[m * m] : null;
        double[] diag = new double[m];
        double[] rhs = new double[Math.multiplyExact(m, d)];
        if (fx != null) {
            if (fx.length != n * d) {
                throw new IllegalArgumentException("FᵀX has " + fx.length + " values, expected " + n + " × " + d);
            }
            System.arraycopy(fx, 0, rhs, d, fx.length);
        }
        int[] fires = new int[n];
        // Row 0: the constant column.
        diag[0] = nTok;
        for (int t = 0; t < nTok; t++) {
            Vec.axpyToDouble(1, x, t * d, rhs, 0, d);
        }
        int[] bounds = balancedBounds(csc.colPtr, n, Math.max(1, parts));
        long[] work = new long[bounds.length - 1];
        Parallel.forEach(bounds.length - 1, p -> {
            long updates = 0;
            for (int i = bounds[p]; i < bounds[p + 1]; i++) {
                int row = 1 + i;
                int gRow = row * m;
                int rRow = row * d;
                double colSum = 0;
                double sq = 0;
                for (int k = csc.colPtr[i]; k < csc.colPtr[i + 1]; k++) {
                    int e = csc.entry[k];
                    int t = csc.token[k];
                    double f = val[e];
                    colSum += f;
                    sq += f * f;
                    if (gram != null) {
                        int end = rowPtr[t + 1];
                        for (int q = e; q < end; q++) {
                            gram[gRow + 1 + col[q]] += f * val[q];
                        }
                        updates += end - e;
                    }
                    if (fx == null) {
                        Vec.axpyToDouble(f, x, t * d, rhs, rRow, d);
                    }
                }
                fires[i] = csc.colPtr[i + 1] - csc.colPtr[i];
                diag[row] = sq;
                if (gram != null) {
                    gram[i + 1] = colSum; // A[0][1 + i] = Σ_t f_ti
                    gram[gRow + row] = sq; // identical sum, in the same order
                }
            }
            work[p] = updates;
        });
        if (gram != null) {
            gram[0] = nTok;
        }
        long gramUpdates = 0;
        for (long w : work) {
            gramUpdates += w;
        }
        return new NormalEquations(
                n, d, nTok, gram, diag, rhs, fires, gramUpdates, fx != null ? 0 : (long) codes.nnz() * d);
    }

    /** Latents per tile of {@link #transposeTimes}: their double rows fill about 1 MiB (a core's L2). */
    static int tileLatents(int d) {
        return Math.max(16, (1 << 20) / (8 * Math.max(1, d)));
    }

    /**
     * {@code FᵀX} [n, d] in double, tiled so memory traffic is sequential: for each tile of
     * {@link #tileLatents} latents (its rows stay in cache), stream the tokens in order and add
     * {@code f_ti·x_t} for the tile's entries. Measured on the demo's Frankenstein (100k tokens, 12.6 M
     * entries): latent-major order, which reads a random 1.5 KB token row per entry (19 GB), ran at
     * ≈ 0.7 G multiply-adds/s on one core; the tiled order reads the tokens once per tile. Tiles are
     * split between {@code parts} threads; each row is summed in token order by one thread.
     *
     * @param x [N, d] row-major
     */
    static double[] transposeTimes(SparseRows codes, float[] x, int d, int parts) {
        return transposeTimes(codes, x, d, parts, tileLatents(d));
    }

    /** {@link #transposeTimes(SparseRows, float[], int, int)} with tiles of {@code tile} latents. */
    static double[] transposeTimes(SparseRows codes, float[] x, int d, int parts, int tile) {
        int n = codes.cols();
        int nTok = codes.rows();
        double[] out = new double[Math.multiplyExact(n, d)];
        int tiles = (n + tile - 1) / tile;
        int p = Math.max(1, Math.min(parts, tiles));
        int[] rowPtr = codes.rowPtr();
        int[] col = codes.colIdx();
        float[] val = codes.values();
        Parallel.forEach(p, part -> {
            int firstTile = (int) ((long) tiles * part / p);
            int endTile = (int) ((long) tiles * (part + 1) / p);
            if (firstTile >= endTile) {
                return;
            }
            int[] cursor = new int[nTok]; // per token: first entry not yet added
            int lo = firstTile * tile;
            for (int t = 0; t < nTok; t++) {
                int e = rowPtr[t];
                while (e < rowPtr[t + 1] && col[e] < lo) {
                    e++;
                }
                cursor[t] = e;
            }
            for (int tl = firstTile; tl < endTile; tl++) {
                int hi = Math.min(n, (tl + 1) * tile);
                for (int t = 0; t < nTok; t++) {
                    int e = cursor[t];
                    int end = rowPtr[t + 1];
                    while (e < end && col[e] < hi) {
                        Vec.axpyToDouble(val[e], x, t * d, out, col[e] * d, d);
                        e++;
                    }
                    cursor[t] = e;
                }
            }
        });
        return out;
    }

    /** Splits latents [0, n) into {@code parts} contiguous ranges of about equal numbers of code entries. */
    static int[] balancedBounds(int[] colPtr, int n, int parts) {
        int p = Math.max(1, Math.min(parts, Math.max(1, n)));
        int[] b = new int[p + 1];
        b[p] = n;
        long total = colPtr[n];
        int i = 0;
        for (int k = 1; k < p; k++) {
            long target = total * k / p;
            while (i < n && colPtr[i] < target) {
                i++;
            }
            b[k] = Math.max(i, b[k - 1]);
        }
        return b;
    }

    /**
     * A column index of CSR codes: for latent i, positions {@code [colPtr[i], colPtr[i+1])} list its
     * entries in token order: {@code entry} (position in the CSR arrays) and {@code token}.
     */
    record Csc(int[] colPtr, int[] entry, int[] token) {
        static Csc of(SparseRows codes) {
            int n = codes.cols();
            int nnz = codes.nnz();
            int[] colPtr = new int[n + 1];
            int[] col = codes.colIdx();
            for (int e = 0; e < nnz; e++) {
                colPtr[col[e] + 1]++;
            }
            for (int i = 0; i < n; i++) {
                colPtr[i + 1] += colPtr[i];
            }
            int[] fill = java.util.Arrays.copyOf(colPtr, n);
            int[] entry = new int[nnz];
            int[] token = new int[nnz];
            int[] rowPtr = codes.rowPtr();
            for (int t = 0; t < codes.rows(); t++) {
                for (int e = rowPtr[t]; e < rowPtr[t + 1]; e++) {
                    int at = fill[col[e]]++;
                    entry[at] = e;
                    token[at] = t;
                }
            }
            return new Csc(colPtr, entry, token);
        }
    }
}
