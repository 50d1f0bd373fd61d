package io.github.saestitch.eval;

import io.github.saestitch.tensor.Moments;
import java.io.Serializable;

/**
 * The raw sums of an evaluation over a range of tokens (nothing divided by the token count yet; that is
 * {@link #result}), immutable and serializable: the unit {@link Evaluator} merges block by block through
 * {@link io.github.saestitch.tensor.MergeTree}, and what a distributed eval sends from a task to the
 * driver. Treat the arrays as read-only.
 *
 * @param tokens      tokens the sums are over
 * @param sse         Σ_t ‖x_t − x̂_t‖²
 * @param nnz         Σ_t number of non-zero latents
 * @param mean        [dIn] mean of x over the tokens
 * @param m2          [dIn] Σ_t (x_t − mean)² per dim
 * @param activeCount [F] tokens on which latent i is non-zero
 */
public record EvalSums(long tokens, double sse, long nnz, double[] mean, double[] m2, long[] activeCount)
        implements Serializable {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /** The sums of no tokens. */
    public static EvalSums empty(int dIn, int numLatents) {
        return new EvalSums(0, 0, 0, new double[dIn], new double[dIn], new long[numLatents]);
    }

    /**
     * The sums of this range followed by {@code later}'s: counts added exactly, {@code sse} added once,
     * moments by the Chan–Golub–LeVeque update (not commutative bitwise: the lower range goes first).
     */
    public EvalSums merge(EvalSums later) {
        if (later.mean.length != mean.length || later.activeCount.length != activeCount.length) {
            throw new IllegalArgumentException("cannot merge the sums of different models");
        }
        if (later.tokens == 0) {
            return this;
        }
        if (tokens == 0) {
            return later;
        }
        double[] m = mean.clone();
        double[] v = m2.clone();
        Moments.merge(m, v, tokens, later.mean, later.m2, later.tokens);
        long[] counts = activeCount.clone();
        for (int i = 0; i < counts.length; i++) {
            counts[i] += later.activeCount[i];
        }
        return new EvalSums(tokens + later.tokens, sse + later.sse, nnz + later.nnz, m, v, counts);
    }

    /** The metrics of these sums: the one place they are divided by the token count. */
    public EvalResult result() {
        if (tokens <= 0) {
            throw new IllegalStateException("no tokens were evaluated");
        }
        double sst = 0;
        for (double v : m2) {
            sst += v;
        }
        int f = activeCount.length;
        double[] freq = new double[f];
        int dead = 0;
        for (int i = 0; i < f; i++) {
            freq[i] = (double) activeCount[i] / tokens;
            if (activeCount[i] == 0) {
                dead++;
            }
        }
        double fvu = sst > 0 ? sse / sst : Double.NaN;
        return new EvalResult(tokens, sse / tokens, fvu, (double) nnz / tokens, dead, freq, sse, sst);
    }
}
