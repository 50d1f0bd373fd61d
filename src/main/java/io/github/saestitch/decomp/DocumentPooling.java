package io.github.saestitch.decomp;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The documents × latents matrix V of {@code saestitch nmf --pool document}: row d is one document of an
 * activation store, entry (d, j) the {@link Statistic mean} (default) or sum of latent j's activation
 * over the document's tokens, optionally multiplied by a per-latent {@link Weighting} (default none).
 *
 * <p>Why: the per-token V of {@link CodeMatrix} is dominated by frequent token-class latents, so its
 * factors are word classes (README "nmf": relative error 0.96, factors "he", ",", "the"). Pooling over a
 * document averages those away into a near-constant profile and leaves what differs between documents.
 *
 * <p>Which tokens count: the first {@code maxTokens} tokens of the store (0 = all), minus special tokens
 * ({@code docPosition < 0}: {@code [CLS]}/{@code [SEP]} are not document text and have outsized
 * activations). Documents are rows in order of their first token; a document whose tokens are not
 * contiguous is still one row. A document with fewer than {@value #MIN_DOCUMENT_TOKENS} counted tokens
 * (the last one, cut by {@code --tokens}, or a one-line file) is left out and counted in
 * {@link Pooled#skippedTokens()}: its mean would rest on too few tokens to describe the document.
 *
 * <p>The pooling itself is {@link Accumulator} (pure: codes and document ids in, matrix out), which the
 * tests compare with a direct dense computation.
 */
public final class DocumentPooling {
    /** Documents with fewer counted tokens are left out (see the class comment). */
    public static final int MIN_DOCUMENT_TOKENS = 16;
    /** Most doubles the per-document accumulators may hold (1 GiB): documents × latents. */
    static final long MAX_ACCUMULATOR_DOUBLES = 1L << 27;

    private DocumentPooling() {}

    /** How a document's token activations become one value per latent. */
    public enum Statistic {
        /** Mean over the document's counted tokens (default: independent of the document's length). */
        MEAN,
        /** Sum over them: longer documents weigh more. */
        SUM;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Statistic parse(String s) {
            for (Statistic x : values()) {
                if (x.id().equals(s)) {
                    return x;
                }
            }
            throw new IllegalArgumentException("unknown document statistic '" + s + "' (expected mean or sum)");
        }
    }

    /** A per-latent factor applied to every column of the pooled matrix. */
    public enum Weighting {
        /** Every latent as it is (default). */
        NONE,
        /**
         * Smooth inverse document frequency {@code ln((1 + N) / (1 + df_j)) + 1}, df_j the documents in
         * which latent j fires at least once: down-weights latents that fire in almost every document.
         */
        IDF,
        /**
         * Each latent's column scaled to unit L2 norm over the documents (zero columns stay zero): every
         * latent weighs the same whatever its activation scale, so frequent high-activation latents no
         * longer dominate ‖V‖.
         */
        UNIT;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Weighting parse(String s) {
            for (Weighting x : values()) {
                if (x.id().equals(s)) {
                    return x;
                }
            }
            throw new IllegalArgumentException("unknown document weighting '" + s + "' (expected none, idf or unit)");
        }
    }

    /**
     * The pooled matrix and what each row is.
     *
     * @param matrix        [documents, latents] CSR (only positive entries stored)
     * @param documents     [rows] the document id of each row (index into the store's document table)
     * @param tokenCounts   [rows] counted tokens of each row's document
     * @param runs          [rows] the document's counted tokens as store index ranges, flattened
     *                      {@code {start0, end0, start1, end1, ...}} (ends exclusive; one range for a
     *                      contiguous document)
     * @param columnWeights [latents] the weighting's factor per latent (all 1 for {@link Weighting#NONE})
     * @param tokensUsed    tokens pooled into the rows
     * @param skippedTokens counted tokens of documents left out for being shorter than
     *                      {@value #MIN_DOCUMENT_TOKENS}, plus special tokens
     * @param skippedDocuments documents left out
     * @param statistic     mean or sum
     * @param weighting     the column weighting
     */
    public record Pooled(
            SparseRows matrix,
            int[] documents,
            long[] tokenCounts,
            List<long[]> runs,
            double[] columnWeights,
            long tokensUsed,
            long skippedTokens,
            int skippedDocuments,
            Statistic statistic,
            Weighting weighting) {}

    /**
     * Sums token codes per document. Feed blocks of consecutive tokens with {@link #add}, then
     * {@link #finish}.
     */
    public static final class Accumulator {
        private final int cols;
        private final Map<Integer, Integer> rowOf = new HashMap<>();
        private final List<double[]> sums = new ArrayList<>();
        private final List<Integer> docs = new ArrayList<>();
        private final List<long[]> counts = new ArrayList<>(); // {tokens}
        private final List<List<long[]>> runs = new ArrayList<>();
        private long specials;

        public Accumulator(int cols) {
            this.cols = cols;
        }

        /**
         * Adds the codes of tokens {@code [first, first + codes.rows())}: row i belongs to document
         * {@code docIds[i]}; it is skipped when {@code docPositions[i] < 0} (a special token) or
         * {@code docIds[i] < 0}.
         */
        public void add(SparseRows codes, long first, int[] docIds, int[] docPositions) {
            if (codes.cols() != cols || docIds.length != codes.rows() || docPositions.length != codes.rows()) {
                throw new IllegalArgumentException("codes [" + codes.rows() + ", " + codes.cols() + "] with "
                        + docIds.length + " document ids and " + docPositions.length + " positions for " + cols
                        + " latents");
            }
            for (int i = 0; i < codes.rows(); i++) {
                if (docIds[i] < 0 || docPositions[i] < 0) {
                    specials++;
                    continue;
                }
                int row = rowOf.computeIfAbsent(docIds[i], d -> newRow(d));
                double[] s = sums.get(row);
                for (int p = codes.rowPtr()[i]; p < codes.rowPtr()[i + 1]; p++) {
                    s[codes.colIdx()[p]] += codes.values()[p];
                }
                counts.get(row)[0]++;
                List<long[]> r = runs.get(row);
                long t = first + i;
                long[] last = r.isEmpty() ? null : r.get(r.size() - 1);
                if (last != null && last[1] == t) {
                    last[1] = t + 1;
                } else {
                    r.add(new long[] {t, t + 1});
                }
            }
        }

        private int newRow(int doc) {
            if ((long) (sums.size() + 1) * cols > MAX_ACCUMULATOR_DOUBLES) {
                throw new IllegalArgumentException("more than " + sums.size() + " documents x " + cols
                        + " latents do not fit the per-document sums; use --tokens to take fewer tokens");
            }
            sums.add(new double[cols]);
            docs.add(doc);
            counts.add(new long[1]);
            runs.add(new ArrayList<>());
            return sums.size() - 1;
        }

        /** The pooled matrix (see {@link DocumentPooling}). */
        public Pooled finish(Statistic statistic, Weighting weighting) {
            List<Integer> keep = new ArrayList<>();
            long used = 0;
            long skipped = specials;
            for (int r = 0; r < sums.size(); r++) {
                if (counts.get(r)[0] >= MIN_DOCUMENT_TOKENS) {
                    keep.add(r);
                    used += counts.get(r)[0];
                } else {
                    skipped += counts.get(r)[0];
                }
            }
            int n = keep.size();
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                int r = keep.get(i);
                double[] s = Arrays.copyOf(sums.get(r), cols);
                if (statistic == Statistic.MEAN) {
                    double c = counts.get(r)[0];
                    for (int j = 0; j < cols; j++) {
                        s[j] /= c;
                    }
                }
                rows[i] = s;
            }
            double[] w = columnWeights(rows, cols, weighting);
            int nnz = 0;
            for (double[] row : rows) {
                for (int j = 0; j < cols; j++) {
                    nnz += row[j] * w[j] > 0 ? 1 : 0;
                }
            }
            int[] ptr = new int[n + 1];
            int[] idx = new int[nnz];
            float[] val = new float[nnz];
            int p = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < cols; j++) {
                    double x = rows[i][j] * w[j];
                    if (x > 0) {
                        idx[p] = j;
                        val[p++] = (float) x;
                    }
                }
                ptr[i + 1] = p;
            }
            int[] docIds = new int[n];
            long[] tc = new long[n];
            List<long[]> rr = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int r = keep.get(i);
                docIds[i] = docs.get(r);
                tc[i] = counts.get(r)[0];
                List<long[]> runList = runs.get(r);
                long[] flat = new long[2 * runList.size()];
                for (int q = 0; q < runList.size(); q++) {
                    flat[2 * q] = runList.get(q)[0];
                    flat[2 * q + 1] = runList.get(q)[1];
                }
                rr.add(flat);
            }
            return new Pooled(
                    new SparseRows(n, cols, ptr, idx, val),
                    docIds,
                    tc,
                    List.copyOf(rr),
                    w,
                    used,
                    skipped,
                    sums.size() - n,
                    statistic,
                    weighting);
        }
    }

    /** [cols] the factor of {@code weighting} for each column of the (unweighted) pooled rows. */
    static double[] columnWeights(double[][] rows, int cols, Weighting weighting) {
        double[] w = new double[cols];
        Arrays.fill(w, 1);
        if (weighting == Weighting.IDF) {
            int n = rows.length;
            for (int j = 0; j < cols; j++) {
                int df = 0;
                for (double[] row : rows) {
                    df += row[j] > 0 ? 1 : 0;
                }
                w[j] = Math.log((1.0 + n) / (1.0 + df)) + 1;
            }
        } else if (weighting == Weighting.UNIT) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (double[] row : rows) {
                    s += row[j] * row[j];
                }
                w[j] = s > 0 ? 1 / Math.sqrt(s) : 0;
            }
        }
        return w;
    }

    /**
     * Encodes the first {@code maxTokens} tokens of {@code store} (0 = all) with {@code sae} and pools
     * them per document.
     *
     * @param progress receives the number of tokens done after each block; may be null
     * @throws IllegalArgumentException when the store has no document ids or table, d_in differs, or no
     *                                  document has {@value #MIN_DOCUMENT_TOKENS} tokens
     */
    public static Pooled encode(
            Sae sae,
            Kernels kernels,
            ActivationStore store,
            long maxTokens,
            Statistic statistic,
            Weighting weighting,
            LongConsumer progress) {
        requireDocuments(store);
        if (store.dIn() != sae.dIn()) {
            throw new IllegalArgumentException(
                    "the SAE has d_in " + sae.dIn() + " but " + store.describe() + " has d = " + store.dIn());
        }
        long n = Math.min(maxTokens > 0 ? maxTokens : Long.MAX_VALUE, store.numTokens());
        SaeRunner runner = new SaeRunner(sae, kernels);
        Accumulator acc = new Accumulator(sae.numLatents());
        for (long start = 0; start < n; start += CodeMatrix.BLOCK_TOKENS) {
            int len = (int) Math.min(CodeMatrix.BLOCK_TOKENS, n - start);
            int[] docIds = new int[len];
            int[] pos = new int[len];
            for (int i = 0; i < len; i++) {
                docIds[i] = store.docId(start + i);
                pos[i] = store.docPosition(start + i);
            }
            acc.add(runner.encode(store.block(start, len)), start, docIds, pos);
            if (progress != null) {
                progress.accept(start + len);
            }
        }
        Pooled p = acc.finish(statistic, weighting);
        if (p.matrix().rows() == 0) {
            throw new IllegalArgumentException("no document of " + store.dir() + " has " + MIN_DOCUMENT_TOKENS
                    + " tokens among the first " + n + ": nothing to pool");
        }
        return p;
    }

    /**
     * Checks that {@code store} knows each token's document: token ids (with document ids) and a
     * document table.
     *
     * @return the document table
     * @throws IllegalArgumentException naming what is missing
     */
    public static List<DocumentInfo> requireDocuments(ActivationStore store) {
        if (!store.hasTokenIds()) {
            throw new IllegalArgumentException(store.dir() + " stores no document ids per token (an imported store), "
                    + "so it cannot be pooled per document; use --pool token");
        }
        try {
            return store.documents();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    store.dir() + " has no document table (documents.json), so it cannot be "
                            + "pooled per document; use --pool token",
                    e);
        }
    }

    /**
     * The store index of the token of row {@code row}'s document that scores highest for factor
     * {@code k}: {@code argmax_t Σ_j codes[t, j]·columnWeights[j]·H[k, j]} (the first such token on ties;
     * −1 when none scores above 0). Re-encodes the document's tokens.
     */
    public static long bestToken(SaeRunner runner, ActivationStore store, Pooled pooled, int row, NmfResult r, int k) {
        long best = -1;
        double bestScore = 0;
        long[] runs = pooled.runs().get(row);
        double[] w = pooled.columnWeights();
        for (int q = 0; q < runs.length; q += 2) {
            for (long start = runs[q]; start < runs[q + 1]; start += CodeMatrix.BLOCK_TOKENS) {
                int len = (int) Math.min(CodeMatrix.BLOCK_TOKENS, runs[q + 1] - start);
                SparseRows codes = runner.encode(store.block(start, len));
                for (int i = 0; i < len; i++) {
                    double s = 0;
                    for (int p = codes.rowPtr()[i]; p < codes.rowPtr()[i + 1]; p++) {
                        int j = codes.colIdx()[p];
                        s += codes.values()[p] * w[j] * r.h(k, j);
                    }
                    if (s > bestScore) {
                        bestScore = s;
                        best = start + i;
                    }
                }
            }
        }
        return best;
    }
}
