package io.github.saestitch.stitch;

import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;

/**
 * Co-activation sums {@code C[j][i] = Σ_t f_j^L(t)·f_i^S(t)} for a tile of L latents
 * {@code [from, to)} against every S latent, in double, for the activation correlation.
 *
 * <p><b>Why a dense tile of L latents, not sparse accumulation.</b> The correlation of j with i needs
 * C[j][i] for every pair (its max over i may also be a pair that never co-fires, whose correlation is
 * negative but the largest available), and on realistic SAEs most pairs do co-fire somewhere in
 * 10⁵ tokens (6144 × 3072 latents at l0 ≈ 50: ≈ 26,000 co-firings per L latent spread over 3072 S
 * latents). A hash of pairs would then hold nearly every pair at 3–4× the bytes of a dense row and
 * cost a hashed probe per co-firing (l0_S·l0_L ≈ 2,500 per token), while a dense row is one indexed
 * add. So the sums are dense rows, and memory is bounded by covering L in tiles
 * ({@link CompareOptions#correlationMemoryBytes}; extra tiles cost extra passes over the set).
 *
 * <p><b>Why buffered, not per block.</b> Adding each token's {@code l0_L × l0_S} products as it
 * comes would touch every row of the tile for every block of tokens; instead the sparse codes of up
 * to {@link #PENDING_ENTRIES} entries (a few blocks) are buffered, the L entries are bucketed by
 * latent (a counting sort that keeps token order), and each row is then updated in one burst while it
 * sits in cache: for each token t where j fires, {@code row_j += f_j(t) · f^S(t)} over S's sparse row.
 * Rows are split between threads by latent, so every row is summed in token order by one thread and
 * the result does not depend on the thread count.
 */
final class Coactivation {
    /**
     * Buffered code entries (S + L) before a flush: 2 M entries (16 MiB; ≈ 24k tokens at l0 ≈ 40 each).
     * A flush reads a buffered S row per L entry in random token order, so the buffered S codes (half
     * of it) should stay in the last-level cache; each flush also streams every row of the tile once,
     * so much smaller buffers would make that traffic dominate.
     */
    static final int PENDING_ENTRIES = 2 << 20;
    /**
     * Events whose S rows are gathered at once before adding (see {@link #flush}): 16 rows at l0 ≈ 40
     * are ≈ 5 KiB, which with a 24 KiB tile row (F_S = 3072 doubles) stays within a 32 KiB L1d.
     */
    static final int GATHER_EVENTS = 16;
    /** Initial capacity of the gather buffer in entries (16 events × l0 ≤ 64 fit; grown if needed). */
    static final int GATHER_ENTRIES = 1024;

    private final int from; // first L latent of the tile
    private final int to; // one past the last
    private final int fSmall;
    private final double[][] rows; // [to − from][F_S] co-activation sums

    // Buffered tokens: S codes as CSR over buffered tokens, L entries of the tile as (token, latent, value).
    private int tokens;
    private int[] sPtr = new int[1025]; // [tokens + 1]
    private int[] sIdx = new int[1 << 16];
    private float[] sVal = new float[1 << 16];
    private int lCount;
    private int[] lTok = new int[1 << 16];
    private int[] lLat = new int[1 << 16];
    private float[] lVal = new float[1 << 16];

    Coactivation(int from, int to, int fSmall) {
        this.from = from;
        this.to = to;
        this.fSmall = fSmall;
        this.rows = new double[to - from][fSmall];
    }

    int from() {
        return from;
    }

    int to() {
        return to;
    }

    /** The sums of L latent {@code j} (in the tile) with every S latent: [F_S]. Complete after {@link #flush}. */
    double[] row(int j) {
        return rows[j - from];
    }

    /** Buffers one block of codes (same tokens for both). Returns true when a flush is due. */
    boolean add(SparseRows small, SparseRows large) {
        int n = small.rows();
        int sNnz = small.nnz();
        int base = sPtr[tokens];
        if (sPtr.length < tokens + n + 1) {
            sPtr = Arrays.copyOf(sPtr, Math.max(sPtr.length * 2, tokens + n + 1));
        }
        if (sIdx.length < base + sNnz) {
            int cap = Math.max(sIdx.length * 2, base + sNnz);
            sIdx = Arrays.copyOf(sIdx, cap);
            sVal = Arrays.copyOf(sVal, cap);
        }
        System.arraycopy(small.colIdx(), 0, sIdx, base, sNnz);
        System.arraycopy(small.values(), 0, sVal, base, sNnz);
        for (int t = 0; t < n; t++) {
            sPtr[tokens + t + 1] = base + small.rowPtr()[t + 1];
        }
        int[] ptr = large.rowPtr();
        int[] col = large.colIdx();
        float[] val = large.values();
        if (lTok.length < lCount + large.nnz()) {
            int cap = Math.max(lTok.length * 2, lCount + large.nnz());
            lTok = Arrays.copyOf(lTok, cap);
            lLat = Arrays.copyOf(lLat, cap);
            lVal = Arrays.copyOf(lVal, cap);
        }
        for (int t = 0; t < n; t++) {
            for (int e = ptr[t]; e < ptr[t + 1]; e++) {
                int j = col[e];
                if (j >= from && j < to) {
                    lTok[lCount] = tokens + t;
                    lLat[lCount] = j - from;
                    lVal[lCount++] = val[e];
                }
            }
        }
        tokens += n;
        return (long) sPtr[tokens] + lCount >= PENDING_ENTRIES;
    }

    /** Adds the buffered tokens into the sums and empties the buffer; rows are split over {@code workers} threads. */
    void flush(int workers) {
        if (tokens == 0) {
            return;
        }
        int width = to - from;
        int[] start = new int[width + 1]; // bucket of latent q: [start[q], start[q + 1])
        for (int e = 0; e < lCount; e++) {
            start[lLat[e] + 1]++;
        }
        for (int q = 0; q < width; q++) {
            start[q + 1] += start[q];
        }
        int[] fill = Arrays.copyOf(start, width);
        int[] tokOf = new int[lCount];
        float[] valOf = new float[lCount];
        for (int e = 0; e < lCount; e++) { // stable: token order kept within each latent
            int at = fill[lLat[e]]++;
            tokOf[at] = lTok[e];
            valOf[at] = lVal[e];
        }
        // Split latents into chunks of about equal work (Σ over entries of the S row lengths ≈ entries).
        int chunks = workers;
        int[] cut = new int[chunks + 1];
        cut[chunks] = width;
        for (int c = 1, q = 0; c < chunks; c++) {
            long target = (long) lCount * c / chunks;
            while (q < width && start[q] < target) {
                q++;
            }
            cut[c] = q;
        }
        int[] sp = sPtr;
        int[] si = sIdx;
        float[] sv = sVal;
        Parallel.forEach(chunks, workers, c -> {
            // Per batch of GATHER_EVENTS events of a latent: first copy their S rows into a small
            // contiguous buffer (independent loads: many cache misses in flight at once), then add
            // from it while both it and the tile row sit in L1. Adding straight from the buffered rows
            // waits for one random miss per event.
            int[] gi = new int[GATHER_ENTRIES];
            float[] gv = new float[GATHER_ENTRIES];
            int[] gEnd = new int[GATHER_EVENTS + 1];
            for (int q = cut[c]; q < cut[c + 1]; q++) {
                double[] row = rows[q];
                for (int e = start[q]; e < start[q + 1]; ) {
                    int m = 0;
                    int k = 0;
                    int first = e;
                    while (e < start[q + 1] && m < GATHER_EVENTS) {
                        int t = tokOf[e];
                        int len = sp[t + 1] - sp[t];
                        if (k + len > gi.length) {
                            if (m > 0) {
                                break;
                            }
                            gi = new int[len];
                            gv = new float[len];
                        }
                        System.arraycopy(si, sp[t], gi, k, len);
                        System.arraycopy(sv, sp[t], gv, k, len);
                        k += len;
                        gEnd[++m] = k;
                        e++;
                    }
                    for (int b = 0; b < m; b++) {
                        double f = valOf[first + b];
                        for (int p = gEnd[b]; p < gEnd[b + 1]; p++) {
                            row[gi[p]] += f * gv[p];
                        }
                    }
                }
            }
        });
        tokens = 0;
        lCount = 0;
        sPtr[0] = 0;
    }

    /** The number of S latents each row covers. */
    int smallLatents() {
        return fSmall;
    }
}
