package io.github.saestitch.frankenstein;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Lapack;
import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.SplitMix64;
import io.github.saestitch.tensor.Vec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The decoder refit with encoders fixed (docs/definitions.md#frankenstein: the last step, refit
 * W_dec and b_dec with every encoder fixed): given a Frankenstein's codes {@code f_t} on the training
 * tokens, the best decoder is the least-squares solution
 * <pre>
 *   min over W [n, d], b [d] of  Σ_t ‖f_t·W + b − x_t‖²
 * </pre>
 * Since every encoder is fixed (and the Frankenstein applies no b_dec to its input, see
 * {@link FrankensteinModel}), the codes do not move and this is the whole optimum, found exactly.
 *
 * <p><b>{@link #exact}.</b> The normal equations ({@link NormalEquations}), accumulated in double from
 * the sparse codes, solved either by Cholesky ({@link Cholesky}: LAPACK {@code dpotrf}/{@code dpotrs}
 * when the native library loads, else the plain-Java reference) or by Jacobi-preconditioned conjugate
 * gradients ({@link ConjugateGradients}, matrix-free on the codes). {@link Solver#AUTO} uses Cholesky
 * while the dense Gram, {@code (n+1)²} doubles, fits in {@link Options#gramMemoryBytes} (default 2 GiB:
 * up to 16,383 latents), else conjugate gradients, whose memory is {@code N·d} doubles whatever the
 * width. Every prefix of the latents asked for (the stages of a selection) is solved from the same
 * factorization: the equations of a prefix are the leading block, and so is its Cholesky factor.
 *
 * <p><b>Latents that never fire</b> on the training tokens have no equation (a zero row and column):
 * they keep their decoder row ({@code w_i = w0_i} exactly) and do not affect the others.
 *
 * <p><b>Ridge.</b> Two latents whose codes are proportional on the training tokens (e.g. two rare
 * latents that fire once, on the same token) make the Gram singular, and nearly so makes the solution
 * for them arbitrary and large. A ridge towards the source decoder, {@code λ·A_ii·‖w_i − w0_i‖²} per
 * latent with {@code λ = } {@link #DEFAULT_RIDGE} relative to the latent's own {@code A_ii = Σ_t f_ti²},
 * bounds the condition number by ≈ 1/λ relative to the diagonal and leaves such directions at the
 * source decoder; for well-determined latents it moves the solution by ~λ relative. Scaling by
 * {@code A_ii} makes it independent of the units and of which prefix is solved.
 *
 * <p><b>{@link #adam}.</b> For comparison: a few epochs of Adam on {@code W_dec, b_dec} only, mean
 * squared error per token as the loss, mini-batches in a seeded random order.
 */
public final class DecoderRefit {
    /** λ, relative to each latent's {@code Σ_t f_ti²} (see the class comment). */
    public static final double DEFAULT_RIDGE = 1e-8;
    /** Dense Gram budget of {@link Solver#AUTO}: 2 GiB. */
    public static final long DEFAULT_GRAM_BYTES = 2L << 30;

    /** How {@link #exact} solves. */
    public enum Solver {
        /** Cholesky when the Gram fits the budget, else conjugate gradients. */
        AUTO,
        /** Cholesky on the dense Gram. */
        CHOLESKY,
        /** Matrix-free conjugate gradients. */
        CG
    }

    /**
     * @param solver          see {@link Solver}
     * @param ridge           λ relative to {@code A_ii} (≥ 0)
     * @param gramMemoryBytes the dense Gram budget of {@link Solver#AUTO}
     * @param lapack          use LAPACK for Cholesky (else the Java reference)
     * @param cgTolerance     CG stops when every column's relative residual is at most this
     * @param cgMaxIterations CG's iteration cap
     * @param parts           parallel parts of the accumulation and the CG operator
     */
    public record Options(
            Solver solver,
            double ridge,
            long gramMemoryBytes,
            boolean lapack,
            double cgTolerance,
            int cgMaxIterations,
            int parts) {
        public Options {
            Objects.requireNonNull(solver, "solver");
            if (!(ridge >= 0) || !Double.isFinite(ridge)) {
                throw new IllegalArgumentException("ridge must be finite and >= 0, got " + ridge);
            }
            if (parts < 1 || cgMaxIterations < 1 || !(cgTolerance > 0)) {
                throw new IllegalArgumentException("parts and cgMaxIterations must be >= 1 and cgTolerance > 0");
            }
        }

        /** AUTO, {@link #DEFAULT_RIDGE}, 2 GiB, LAPACK when it loads, CG to 1e-6 in at most 500 iterations. */
        public static Options defaults() {
            return new Options(
                    Solver.AUTO,
                    DEFAULT_RIDGE,
                    DEFAULT_GRAM_BYTES,
                    Lapack.available(),
                    1e-6,
                    500,
                    Runtime.getRuntime().availableProcessors());
        }

        public Options withSolver(Solver s) {
            return new Options(s, ridge, gramMemoryBytes, lapack, cgTolerance, cgMaxIterations, parts);
        }

        public Options withLapack(boolean l) {
            return new Options(solver, ridge, gramMemoryBytes, l, cgTolerance, cgMaxIterations, parts);
        }

        public Options withRidge(double r) {
            return new Options(solver, r, gramMemoryBytes, lapack, cgTolerance, cgMaxIterations, parts);
        }

        public Options withCg(double tol, int maxIters) {
            return new Options(solver, ridge, gramMemoryBytes, lapack, tol, maxIters, parts);
        }
    }

    /**
     * A refit decoder for the first {@code numLatents} latents.
     *
     * @param wDec [numLatents, d]
     * @param bDec [d]
     */
    public record Solution(int numLatents, FloatMatrix wDec, float[] bDec) {}

    /**
     * What a refit did.
     *
     * @param solver            {@code cholesky (lapack)}, {@code cholesky (java)}, {@code cg}, {@code adam}
     * @param numLatents        latents of the largest prefix
     * @param fired             of them, latents that fire on the training tokens
     * @param tokens            training tokens
     * @param gramUpdates       multiply-adds into the Gram ({@code Σ_t l0_t(l0_t+1)/2}); 0 for CG/Adam
     * @param rhsUpdates        multiply-adds into {@code FᵀX} ({@code Σ_t l0_t·d}; 0 when it was given);
     *                          per epoch for Adam
     * @param iterations        CG iterations (largest prefix) or Adam steps; 0 for Cholesky
     * @param relativeResidual  CG's final largest relative residual; NaN otherwise
     * @param accumulateSeconds time of the accumulation
     * @param solveSeconds      time of the factorization and solves (CG, Adam: everything else)
     */
    public record Stats(
            String solver,
            int numLatents,
            int fired,
            long tokens,
            long gramUpdates,
            long rhsUpdates,
            int iterations,
            double relativeResidual,
            double accumulateSeconds,
            double solveSeconds) {}

    /** Solutions in the order of the prefixes asked for, and the stats. */
    public record Result(List<Solution> solutions, Stats stats) {}

    private DecoderRefit() {}

    /**
     * The exact least-squares decoder for every prefix in {@code prefixes} of the latents of
     * {@code codes}.
     *
     * @param codes    [N, n] the codes on the training tokens
     * @param x        [N, d] the training tokens, row-major
     * @param w0       [n, d] the current decoder (kept for never-firing latents; the ridge's centre; CG's start)
     * @param b0       [d] the current b_dec (CG's start)
     * @param prefixes numbers of latents to solve for, each in [0, n]
     */
    public static Result exact(
            SparseRows codes, float[] x, FloatMatrix w0, float[] b0, int[] prefixes, Options options) {
        return exact(codes, x, null, w0, b0, prefixes, options);
    }

    /**
     * As {@link #exact(SparseRows, float[], FloatMatrix, float[], int[], Options)} with {@code FᵀX} given
     * ({@link SourceCodes#transposeTimesTokens(Selection)}: shared between refits), so only the Gram is
     * accumulated.
     *
     * @param fx [n, d] {@code FᵀX} row-major in double, or null to accumulate it here
     */
    public static Result exact(
            SparseRows codes, float[] x, double[] fx, FloatMatrix w0, float[] b0, int[] prefixes, Options options) {
        Objects.requireNonNull(options, "options");
        int n = codes.cols();
        int d = b0.length;
        check(codes, x, w0, d);
        int pMax = 0;
        for (int p : prefixes) {
            if (p < 0 || p > n) {
                throw new IllegalArgumentException("prefix " + p + " outside [0, " + n + "]");
            }
            pMax = Math.max(pMax, p);
        }
        long gramBytes = 8L * (pMax + 1) * (pMax + 1);
        boolean cholesky = switch (options.solver()) {
            case CHOLESKY -> true;
            case CG -> false;
            case AUTO ->
                gramBytes <= options.gramMemoryBytes() && (long) (pMax + 1) * (pMax + 1) <= Integer.MAX_VALUE - 8;
        };
        SparseRows used = pMax == n ? codes : leadingColumns(codes, pMax);
        long t0 = System.nanoTime();
        double[] fxUsed = fx == null || pMax == n ? fx : Arrays.copyOf(fx, pMax * d);
        NormalEquations eq = NormalEquations.accumulate(used, x, d, cholesky, options.parts(), fxUsed);
        long t1 = System.nanoTime();
        float[] w0a = w0.toArray();
        double[] b = regularizedRhs(eq, w0a, options.ridge());
        List<Solution> out = new ArrayList<>();
        int iterations = 0;
        double residual = Double.NaN;
        String solver;
        if (cholesky) {
            int m = eq.m;
            double[] a = eq.gram;
            for (int i = 1; i < m; i++) {
                a[i * m + i] = ConjugateGradients.effectiveDiag(i, eq.diag, options.ridge(), eq.fires);
            }
            int info = Cholesky.factor(a, m, m, options.lapack());
            if (info != 0) {
                throw new IllegalArgumentException("the refit's Gram is not positive definite at unknown " + (info - 1)
                        + " (ridge " + options.ridge() + "); raise the ridge");
            }
            for (int p : prefixes) {
                double[] bp = Arrays.copyOf(b, (p + 1) * d);
                Cholesky.solve(a, p + 1, m, bp, d, options.lapack());
                out.add(solution(bp, p, d));
            }
            solver = options.lapack() ? "cholesky (lapack)" : "cholesky (java)";
        } else {
            NormalEquations.Csc csc = NormalEquations.Csc.of(used);
            for (int p : prefixes) {
                double[] z = new double[(p + 1) * d];
                for (int c = 0; c < d; c++) {
                    z[c] = b0[c];
                }
                for (int k = 0; k < p * d; k++) {
                    z[d + k] = w0a[k];
                }
                ConjugateGradients.Operator op = ConjugateGradients.codesOperator(used, csc, p, d, options.parts());
                ConjugateGradients.Outcome o = ConjugateGradients.solve(
                        op,
                        p + 1,
                        d,
                        Arrays.copyOf(b, (p + 1) * d),
                        eq.diag,
                        options.ridge(),
                        eq.fires,
                        z,
                        options.cgTolerance(),
                        options.cgMaxIterations());
                if (p == pMax) {
                    iterations = o.iterations();
                    residual = o.relativeResidual();
                }
                out.add(solution(z, p, d));
            }
            solver = "cg";
        }
        long t2 = System.nanoTime();
        int fired = 0;
        for (int f : eq.fires) {
            fired += f > 0 ? 1 : 0;
        }
        return new Result(
                out,
                new Stats(
                        solver,
                        pMax,
                        fired,
                        eq.tokens,
                        eq.gramUpdates,
                        eq.rhsUpdates,
                        iterations,
                        residual,
                        (t1 - t0) / 1e9,
                        (t2 - t1) / 1e9));
    }

    /**
     * The right-hand sides with the regularization: row 0 {@code Σ x_t}; a firing latent
     * {@code FᵀX_i + λ·A_ii·w0_i}; a never-firing latent {@code w0_i} (its equation is {@code w_i = w0_i}).
     */
    static double[] regularizedRhs(NormalEquations eq, float[] w0, double ridge) {
        int d = eq.d;
        double[] b = eq.rhs.clone();
        for (int i = 1; i < eq.m; i++) {
            int o = i * d;
            int w = (i - 1) * d;
            if (eq.fires[i - 1] == 0) {
                for (int c = 0; c < d; c++) {
                    b[o + c] = w0[w + c];
                }
            } else if (ridge > 0) {
                double lam = ridge * eq.diag[i];
                for (int c = 0; c < d; c++) {
                    b[o + c] += lam * w0[w + c];
                }
            }
        }
        return b;
    }

    private static Solution solution(double[] z, int p, int d) {
        float[] bDec = new float[d];
        for (int c = 0; c < d; c++) {
            bDec[c] = (float) z[c];
        }
        float[] w = new float[p * d];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) z[d + k];
        }
        return new Solution(p, FloatMatrix.wrap(w, p, d), bDec);
    }

    /** The codes of latents [0, p) only. */
    static SparseRows leadingColumns(SparseRows codes, int p) {
        int[] ptr = new int[codes.rows() + 1];
        int[] idx = new int[codes.nnz()];
        float[] val = new float[codes.nnz()];
        int k = 0;
        for (int t = 0; t < codes.rows(); t++) {
            for (int e = codes.rowPtr()[t]; e < codes.rowPtr()[t + 1]; e++) {
                if (codes.colIdx()[e] < p) {
                    idx[k] = codes.colIdx()[e];
                    val[k++] = codes.values()[e];
                }
            }
            ptr[t + 1] = k;
        }
        return new SparseRows(codes.rows(), p, ptr, Arrays.copyOf(idx, k), Arrays.copyOf(val, k));
    }

    private static void check(SparseRows codes, float[] x, FloatMatrix w0, int d) {
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(x, "x");
        if (w0.rows() != codes.cols() || w0.cols() != d || (long) codes.rows() * d != x.length) {
            throw new IllegalArgumentException("refit shapes do not match: codes [" + codes.rows() + ", " + codes.cols()
                    + "], W_dec " + w0 + ", d = " + d + ", tokens " + x.length + " floats");
        }
        if (codes.rows() == 0) {
            throw new IllegalArgumentException("no training tokens to refit on");
        }
    }

    /**
     * Adam settings of {@link #adam}.
     *
     * @param epochs passes over the training tokens
     * @param lr     learning rate (constant)
     * @param batch  tokens per step
     * @param seed   order of the mini-batches
     */
    public record AdamOptions(int epochs, double lr, int batch, long seed) {
        /** Default passes over the training tokens. */
        public static final int DEFAULT_EPOCHS = 3;
        /** Default learning rate. */
        public static final double DEFAULT_LR = 3e-3;

        public AdamOptions {
            if (epochs < 1 || batch < 1 || !(lr > 0)) {
                throw new IllegalArgumentException("adam needs epochs >= 1, batch >= 1 and lr > 0");
            }
        }

        /** 3 epochs, lr 3e-3, 4096 tokens per step, seed 0 (the README has the sweep behind them). */
        public static AdamOptions defaults() {
            return new AdamOptions(DEFAULT_EPOCHS, DEFAULT_LR, 4096, 0);
        }
    }

    /**
     * Adam (PyTorch's update, β = (0.9, 0.999), ε = 1e-8, the same as {@code train.Adam}) on
     * {@code W_dec, b_dec} only, minimizing the mean over a mini-batch of {@code ‖f_t·W + b − x_t‖²},
     * from {@code w0, b0}. The codes are fixed, so each step costs {@code 2·nnz_batch·d} multiply-adds
     * plus the update of every parameter.
     */
    public static Result adam(SparseRows codes, float[] x, FloatMatrix w0, float[] b0, AdamOptions o, int parts) {
        int n = codes.cols();
        int d = b0.length;
        check(codes, x, w0, d);
        long t0 = System.nanoTime();
        float[] w = w0.toArray(); // [n, d]
        float[] bias = b0.clone();
        float[] mw = new float[w.length];
        float[] vw = new float[w.length];
        float[] mb = new float[d];
        float[] vb = new float[d];
        float[] gw = new float[w.length];
        float[] gb = new float[d];
        int nTok = codes.rows();
        int batches = (nTok + o.batch() - 1) / o.batch();
        SplitMix64 rng = new SplitMix64(o.seed());
        int[] rowPtr = codes.rowPtr();
        int[] col = codes.colIdx();
        float[] val = codes.values();
        int maxBatch = Math.min(nTok, o.batch());
        float[] err = new float[Math.multiplyExact(maxBatch, d)]; // [batch, d] f_t·W + b − x_t
        int[] colPtr = new int[n + 1]; // the batch's codes by latent, in token order (a CSC index)
        int[] entry = new int[codes.nnz()];
        int[] token = new int[codes.nnz()];
        long step = 0;
        int fired = 0;
        boolean[] seen = new boolean[n];
        for (int e = 0; e < codes.nnz(); e++) {
            if (!seen[col[e]]) {
                seen[col[e]] = true;
                fired++;
            }
        }
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            for (int bi : batchOrder(rng, batches)) {
                int tb0 = bi * o.batch();
                int tb1 = Math.min(nTok, tb0 + o.batch());
                int nb = tb1 - tb0;
                float scale = 2f / nb; // gradient of (1/nb)·Σ_t ‖e_t‖²: 2/nb · Σ_t f_ti e_t and 2/nb · Σ_t e_t
                // Each token's error on its own (any split of the tokens gives the same values); then every
                // gradient element is summed over the batch's tokens in token order by one task (the
                // latents split between parts, b_dec's d elements in one), so the gradient, and the refit,
                // do not depend on the number of parts: they are the sums of one sequential pass.
                int tokenChunks = Parallel.chunks(nb, 2L * d * (1 + (rowPtr[tb1] - rowPtr[tb0]) / Math.max(1, nb)));
                Parallel.forEach(tokenChunks, parts, ch -> {
                    for (int t = tb0 + Parallel.chunkStart(nb, tokenChunks, ch),
                                    end = tb0 + Parallel.chunkStart(nb, tokenChunks, ch + 1);
                            t < end;
                            t++) {
                        tokenError(codes, x, w, bias, t, err, (t - tb0) * d);
                    }
                });
                Arrays.fill(gb, 0f);
                for (int t = 0; t < nb; t++) {
                    Vec.axpy(scale, err, t * d, gb, 0, d);
                }
                Arrays.fill(colPtr, 0);
                for (int e = rowPtr[tb0]; e < rowPtr[tb1]; e++) {
                    colPtr[col[e] + 1]++;
                }
                for (int i = 0; i < n; i++) {
                    colPtr[i + 1] += colPtr[i];
                }
                int base = rowPtr[tb0];
                for (int t = tb0; t < tb1; t++) {
                    for (int e = rowPtr[t]; e < rowPtr[t + 1]; e++) {
                        int at = base + colPtr[col[e]]++;
                        entry[at] = e;
                        token[at] = t - tb0;
                    }
                }
                for (int i = n; i > 0; i--) {
                    colPtr[i] = colPtr[i - 1]; // back to the starts
                }
                colPtr[0] = 0;
                int[] bounds = NormalEquations.balancedBounds(colPtr, n, parts);
                Parallel.forEach(bounds.length - 1, parts, p -> {
                    for (int i = bounds[p]; i < bounds[p + 1]; i++) {
                        Arrays.fill(gw, i * d, (i + 1) * d, 0f);
                        for (int k = base + colPtr[i], end = base + colPtr[i + 1]; k < end; k++) {
                            Vec.axpy(scale * val[entry[k]], err, token[k] * d, gw, i * d, d);
                        }
                    }
                });
                step++;
                adamStep(w, gw, mw, vw, step, o.lr(), parts);
                adamStep(bias, gb, mb, vb, step, o.lr(), 1);
            }
        }
        long t1 = System.nanoTime();
        Solution s = new Solution(n, FloatMatrix.wrap(w, n, d), bias);
        return new Result(
                List.of(s),
                new Stats(
                        "adam", n, fired, nTok, 0, (long) codes.nnz() * d, (int) step, Double.NaN, 0, (t1 - t0) / 1e9));
    }

    /** The mini-batches of one epoch in their seeded random order (the generator advances). */
    static int[] batchOrder(SplitMix64 rng, int batches) {
        int[] order = new int[batches];
        for (int k = 0; k < batches; k++) {
            order[k] = k;
        }
        rng.shuffle(order);
        return order;
    }

    /** {@code err[eo, eo + d) = f_t·W + b − x_t} of token t (the codes' row t, W [n, d] row-major). */
    static void tokenError(SparseRows codes, float[] x, float[] w, float[] bias, int t, float[] err, int eo) {
        int d = bias.length;
        for (int c = 0; c < d; c++) {
            err[eo + c] = bias[c] - x[t * d + c];
        }
        for (int e = codes.rowPtr()[t]; e < codes.rowPtr()[t + 1]; e++) {
            Vec.axpy(codes.values()[e], w, codes.colIdx()[e] * d, err, eo, d);
        }
    }

    /** One Adam update of {@code p} with gradient {@code g} (PyTorch's formula, see {@link #adam}). Writes p, m, v. */
    static void adamStep(float[] p, float[] g, float[] m, float[] v, long t, double lr, int parts) {
        final double beta1 = 0.9;
        final double beta2 = 0.999;
        final float eps = 1e-8f;
        float stepSize = (float) (lr / (1 - Math.pow(beta1, t)));
        float invSqrtBc2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, t)));
        Parallel.forEach(parts, part -> {
            int i0 = (int) ((long) p.length * part / parts);
            int i1 = (int) ((long) p.length * (part + 1) / parts);
            for (int i = i0; i < i1; i++) {
                float gi = g[i];
                float mi = 0.9f * m[i] + 0.1f * gi;
                float vi = 0.999f * v[i] + 0.001f * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] -= stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
            }
        });
    }
}
