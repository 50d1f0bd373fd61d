package io.github.saestitch.decomp;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.DocumentInfo;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How the NMF factors line up with the genres of an activation store's documents: each factor's share
 * of its row weights per genre (its purity and lift over the genre's share of the rows) and, when the
 * rows are documents, how well "each document's dominant factor" agrees with its genre (purity, NMI).
 */
public final class NmfGenres {
    private NmfGenres() {}

    /**
     * Genre shares of the factors' row weights (rows are tokens, or documents when pooled).
     *
     * @param genres        the genres, in order of first appearance among the rows ("(none)" for rows
     *                      without a genre)
     * @param tokenShare    [genres] fraction of the tokens in each genre
     * @param documentShare [genres] fraction of the documents (rows) in each genre; null for token rows
     * @param share         [factors][genres] fraction of {@code Σ_rows W[row, k]} on rows of each genre
     * @param rowGenre      [rows] the genre index of every row (for the document assignment); null for
     *                      token rows
     */
    public record GenreMix(
            List<String> genres, double[] tokenShare, double[] documentShare, double[][] share, int[] rowGenre) {
        /** Token rows. */
        public GenreMix(List<String> genres, double[] tokenShare, double[][] share) {
            this(genres, tokenShare, null, share, null);
        }

        /** The share of the rows per genre that lifts are measured against. */
        public double[] baseShare() {
            return documentShare != null ? documentShare : tokenShare;
        }

        /** Factor k's genre of largest share (the first on ties): its purity is {@code share[k][topGenre(k)]}. */
        public int topGenre(int k) {
            int best = 0;
            for (int g = 1; g < genres.size(); g++) {
                if (share[k][g] > share[k][best]) {
                    best = g;
                }
            }
            return best;
        }

        /** Factor k's lift on genre g: its share over the genre's base share (0 when the base is 0). */
        public double lift(int k, int g) {
            double b = baseShare()[g];
            return b > 0 ? share[k][g] / b : 0;
        }

        /**
         * The {@code count} genres of factor k's largest {@code share[k][g] / baseShare[g]}, largest first
         * (the earlier genre on ties).
         */
        public int[] byLift(int k, int count) {
            return IntStream.range(0, genres.size())
                    .boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -share[k][i] / baseShare()[i]))
                    .limit(count)
                    .mapToInt(Integer::intValue)
                    .toArray();
        }
    }

    /**
     * Rows given to their dominant factor: {@code purity} (fraction whose factor's most common genre is
     * their own), {@code majorityBaseline} (largest genre's share of the rows: the purity of one cluster)
     * and {@code nmi} (normalised mutual information between factor and genre, arithmetic mean of the two
     * entropies in the denominator; 0 when both entropies are 0).
     */
    public record Assignment(double purity, double majorityBaseline, double nmi) {}

    /**
     * The genre shares of each factor's token weights; null without a store or without a document table.
     * Row t of V is token t of the store.
     */
    public static GenreMix tokenGenreMix(NmfResult r, ActivationStore store) {
        if (store == null) {
            return null;
        }
        List<DocumentInfo> docs;
        try {
            docs = store.documents();
        } catch (RuntimeException e) {
            return null; // no document table: no genres to report
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        int[] genreOf = new int[r.tokens()];
        for (int t = 0; t < r.tokens(); t++) {
            int d = store.docId(t);
            String g = d >= 0 && d < docs.size() ? docs.get(d).genre() : "";
            genreOf[t] = index.computeIfAbsent(g.isEmpty() ? "(none)" : g, x -> index.size());
        }
        int ng = index.size();
        double[] tokenShare = new double[ng];
        double[][] share = new double[r.factors()][ng];
        double[] total = new double[r.factors()];
        for (int t = 0; t < r.tokens(); t++) {
            tokenShare[genreOf[t]] += 1.0 / r.tokens();
            for (int k = 0; k < r.factors(); k++) {
                double w = r.w(t, k);
                share[k][genreOf[t]] += w;
                total[k] += w;
            }
        }
        for (int k = 0; k < r.factors(); k++) {
            for (int g = 0; g < ng; g++) {
                share[k][g] = total[k] > 0 ? share[k][g] / total[k] : 0;
            }
        }
        return new GenreMix(List.copyOf(index.keySet()), tokenShare, share);
    }

    /** The genre shares of each factor's document weights; {@code r}'s rows are {@code docs}' rows. */
    public static GenreMix documentGenreMix(NmfResult r, NmfAnalysis.DocumentRows docs) {
        Map<String, Integer> index = new LinkedHashMap<>();
        int n = r.tokens();
        int[] genreOf = new int[n];
        for (int d = 0; d < n; d++) {
            String g = docs.info(d).genre();
            genreOf[d] = index.computeIfAbsent(g.isEmpty() ? "(none)" : g, x -> index.size());
        }
        int ng = index.size();
        double[] docShare = new double[ng];
        double[] tokenShare = new double[ng];
        long[] counts = docs.pooled().tokenCounts();
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[][] share = new double[r.factors()][ng];
        double[] sum = new double[r.factors()];
        for (int d = 0; d < n; d++) {
            docShare[genreOf[d]] += 1.0 / n;
            tokenShare[genreOf[d]] += (double) counts[d] / total;
            for (int k = 0; k < r.factors(); k++) {
                share[k][genreOf[d]] += r.w(d, k);
                sum[k] += r.w(d, k);
            }
        }
        for (int k = 0; k < r.factors(); k++) {
            for (int g = 0; g < ng; g++) {
                share[k][g] = sum[k] > 0 ? share[k][g] / sum[k] : 0;
            }
        }
        return new GenreMix(List.copyOf(index.keySet()), tokenShare, docShare, share, genreOf);
    }

    /**
     * Each row given to its factor {@code argmax_k W[row, k]} (normalised W; rows with W = 0 go to no
     * factor and count as wrong for purity), compared with the rows' genres; null without row genres.
     */
    public static Assignment assignment(NmfResult r, GenreMix g) {
        if (g == null || g.rowGenre() == null) {
            return null;
        }
        NmfResult nr = r.normalized();
        int n = nr.tokens();
        int kk = nr.factors();
        int ng = g.genres().size();
        long[][] joint = new long[kk + 1][ng]; // row kk: unassigned
        int[] genreCount = new int[ng];
        for (int d = 0; d < n; d++) {
            int best = kk;
            double max = 0;
            for (int k = 0; k < kk; k++) {
                if (nr.w(d, k) > max) {
                    max = nr.w(d, k);
                    best = k;
                }
            }
            joint[best][g.rowGenre()[d]]++;
            genreCount[g.rowGenre()[d]]++;
        }
        long correct = 0;
        for (int k = 0; k < kk; k++) {
            long m = 0;
            for (long c : joint[k]) {
                m = Math.max(m, c);
            }
            correct += m;
        }
        int majority = 0;
        for (int c : genreCount) {
            majority = Math.max(majority, c);
        }
        return new Assignment((double) correct / n, (double) majority / n, nmi(joint, genreCount, n));
    }

    /**
     * {@code 2·I(K; G) / (H(G) + H(K))} from the joint counts {@code joint[k][g]} (rows may be empty) and
     * the genre counts (its column sums) of {@code n} rows; 0 when both entropies are 0.
     */
    static double nmi(long[][] joint, int[] genreCount, int n) {
        double hG = 0;
        for (int c : genreCount) {
            hG -= c > 0 ? (double) c / n * Math.log((double) c / n) : 0;
        }
        double hK = 0;
        double mi = 0;
        for (long[] row : joint) {
            long rowSum = 0;
            for (long c : row) {
                rowSum += c;
            }
            if (rowSum == 0) {
                continue;
            }
            double pk = (double) rowSum / n;
            hK -= pk * Math.log(pk);
            for (int gi = 0; gi < row.length; gi++) {
                if (row[gi] > 0) {
                    double p = (double) row[gi] / n;
                    mi += p * Math.log(p / (pk * genreCount[gi] / n));
                }
            }
        }
        return hG + hK > 0 ? 2 * mi / (hG + hK) : 0;
    }
}
