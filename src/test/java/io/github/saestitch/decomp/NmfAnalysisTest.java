package io.github.saestitch.decomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The NMF analysis functions ({@link NmfFactors}, {@link NmfGenres}, {@link NmfAnalysis}) against direct references.
 */
class NmfAnalysisTest {
    static final NmfOptions OPTIONS = new NmfOptions(1, 1, 0, 0, NmfOptions.Algorithm.HALS);

    /** A random [rows, k] W and [latents, k] Hᵀ with some zeros and some repeated values (ties). */
    static NmfResult random(int rows, int latents, int k, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] w = new double[rows * k];
        double[] ht = new double[latents * k];
        for (double[] x : new double[][] {w, ht}) {
            for (int i = 0; i < x.length; i++) {
                int c = rng.nextInt(5);
                x[i] = c == 0 ? 0 : c == 1 ? 0.5 : rng.nextDouble();
            }
        }
        return new NmfResult(
                rows,
                latents,
                k,
                w,
                ht,
                new double[] {1},
                0,
                false,
                1,
                new NmfOptions(k, 1, 0, 0, NmfOptions.Algorithm.HALS));
    }

    /** Reference NMI: entropies and mutual information from the (factor, genre) pairs, by the textbook sums. */
    static double referenceNmi(int[] factor, int[] genre) {
        int n = factor.length;
        java.util.Map<Integer, Integer> cf = new java.util.HashMap<>();
        java.util.Map<Integer, Integer> cg = new java.util.HashMap<>();
        java.util.Map<List<Integer>, Integer> cj = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            cf.merge(factor[i], 1, Integer::sum);
            cg.merge(genre[i], 1, Integer::sum);
            cj.merge(List.of(factor[i], genre[i]), 1, Integer::sum);
        }
        double hf = 0;
        for (int c : cf.values()) {
            hf -= (double) c / n * Math.log((double) c / n);
        }
        double hg = 0;
        for (int c : cg.values()) {
            hg -= (double) c / n * Math.log((double) c / n);
        }
        double mi = 0;
        for (var e : cj.entrySet()) {
            double p = (double) e.getValue() / n;
            double pf = (double) cf.get(e.getKey().get(0)) / n;
            double pg = (double) cg.get(e.getKey().get(1)) / n;
            mi += p * Math.log(p / (pf * pg));
        }
        return hf + hg > 0 ? 2 * mi / (hf + hg) : 0;
    }

    @Test
    void nmiMatchesTheTextbookFormulaAtOddSizes() {
        SplittableRandom rng = new SplittableRandom(17);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rng.nextInt(61);
            int kk = 1 + rng.nextInt(5);
            int ng = 1 + rng.nextInt(4);
            int[] factor = new int[n];
            int[] genre = new int[n];
            long[][] joint = new long[kk + 1][ng];
            int[] genreCount = new int[ng];
            for (int i = 0; i < n; i++) {
                factor[i] = rng.nextInt(kk + 1); // kk: unassigned, a cluster of its own
                genre[i] = rng.nextInt(ng);
                joint[factor[i]][genre[i]]++;
                genreCount[genre[i]]++;
            }
            assertThat(NmfGenres.nmi(joint, genreCount, n))
                    .as("trial %d", trial)
                    .isCloseTo(referenceNmi(factor, genre), within(1e-12));
        }
        // Hand cases: identical partitions score 1, independent ones 0, one cluster and one genre 0.
        assertThat(NmfGenres.nmi(new long[][] {{2, 0}, {0, 3}}, new int[] {2, 3}, 5))
                .isCloseTo(1, within(1e-15));
        assertThat(NmfGenres.nmi(new long[][] {{1, 1}, {1, 1}}, new int[] {2, 2}, 4))
                .isCloseTo(0, within(1e-15));
        assertThat(NmfGenres.nmi(new long[][] {{4}}, new int[] {4}, 4)).isZero();
    }

    @Test
    void assignmentPurityAndNmiFollowTheDominantFactorOfEachRow() {
        NmfResult r = random(23, 5, 3, 2);
        SplittableRandom rng = new SplittableRandom(4);
        int[] rowGenre = new int[23];
        for (int d = 0; d < 23; d++) {
            rowGenre[d] = rng.nextInt(3);
        }
        NmfGenres.GenreMix g = new NmfGenres.GenreMix(
                List.of("a", "b", "c"), new double[3], new double[3], new double[3][3], rowGenre);
        NmfResult n = r.normalized();
        int[] factor = new int[23];
        int[][] counts = new int[4][3];
        for (int d = 0; d < 23; d++) {
            int best = 3; // no factor when W's row is 0
            for (int k = 0; k < 3; k++) {
                if (n.w(d, k) > 0 && (best == 3 || n.w(d, k) > n.w(d, best))) {
                    best = k;
                }
            }
            factor[d] = best;
            counts[best][rowGenre[d]]++;
        }
        int correct = 0;
        for (int k = 0; k < 3; k++) {
            correct += IntStream.of(counts[k]).max().orElseThrow();
        }
        NmfGenres.Assignment a = NmfGenres.assignment(r, g);
        assertThat(a.purity()).isEqualTo((double) correct / 23);
        assertThat(a.nmi()).isCloseTo(referenceNmi(factor, rowGenre), within(1e-12));
        assertThat(NmfGenres.assignment(r, new NmfGenres.GenreMix(List.of("a"), new double[1], new double[1][1])))
                .as("token rows have no row genres")
                .isNull();
    }

    @Test
    void documentGenreMixSharesAreSumsOverTheRowsOfEachGenre() {
        NmfResult r = random(7, 4, 2, 8);
        String[] genre = {"x", "y", "", "x", "y", "y", "x"};
        long[] counts = {3, 1, 4, 1, 5, 9, 2};
        List<DocumentInfo> table = new ArrayList<>();
        for (int d = 0; d < 7; d++) {
            table.add(new DocumentInfo(d, "d" + d, genre[d]));
        }
        DocumentPooling.Pooled p = new DocumentPooling.Pooled(
                SparseRows.fromDense(io.github.saestitch.tensor.FloatMatrix.zeros(7, 4)),
                new int[] {0, 1, 2, 3, 4, 5, 6},
                counts,
                List.of(),
                null,
                25,
                0,
                0,
                DocumentPooling.Statistic.MEAN,
                DocumentPooling.Weighting.NONE);
        NmfGenres.GenreMix g = NmfGenres.documentGenreMix(r, new NmfAnalysis.DocumentRows(p, table));
        assertThat(g.genres()).containsExactly("x", "y", "(none)");
        assertThat(g.rowGenre()).containsExactly(0, 1, 2, 0, 1, 1, 0);
        assertThat(g.documentShare()[0]).isCloseTo(3 / 7.0, within(1e-15));
        assertThat(g.tokenShare()[1]).isCloseTo(15 / 25.0, within(1e-15));
        for (int k = 0; k < 2; k++) {
            double total = 0;
            double[] byGenre = new double[3];
            for (int d = 0; d < 7; d++) {
                total += r.w(d, k);
                byGenre[g.rowGenre()[d]] += r.w(d, k);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(g.share()[k][i]).isCloseTo(byGenre[i] / total, within(1e-14));
                assertThat(g.lift(k, i)).isCloseTo(g.share()[k][i] / g.documentShare()[i], within(1e-14));
            }
            int k2 = k;
            int top = IntStream.range(0, 3)
                    .boxed()
                    .max(Comparator.comparingDouble((Integer i) -> g.share()[k2][i])
                            .thenComparing(Comparator.reverseOrder()))
                    .orElseThrow();
            assertThat(g.topGenre(k)).isEqualTo(top);
            int[] byLift = g.byLift(k, 2);
            assertThat(byLift).hasSize(2);
            assertThat(g.lift(k, byLift[0])).isGreaterThanOrEqualTo(g.lift(k, byLift[1]));
            for (int i = 0; i < 3; i++) {
                assertThat(g.lift(k, byLift[0])).isGreaterThanOrEqualTo(g.lift(k, i));
            }
        }
        assertThat(NmfGenres.tokenGenreMix(r, null)).isNull();
    }

    @Test
    void topListsMatchASortAndDominantFactorsMatchALoop() {
        for (long seed = 1; seed <= 6; seed++) {
            NmfResult r = random(29, 17, 3, seed);
            for (int k = 0; k < 3; k++) {
                int kk = k;
                for (int count : new int[] {1, 4, 40}) {
                    int[] want = IntStream.range(0, 29)
                            .boxed()
                            .filter(t -> r.w(t, kk) > 0)
                            .sorted(Comparator.comparingDouble((Integer t) -> -r.w(t, kk))
                                    .thenComparing(t -> t))
                            .limit(count)
                            .mapToInt(Integer::intValue)
                            .toArray();
                    assertThat(NmfFactors.topTokens(r, k, count)).containsExactly(want);
                    int[] wantLatents = IntStream.range(0, 17)
                            .boxed()
                            .filter(j -> r.h(kk, j) > 0)
                            .sorted(Comparator.comparingDouble((Integer j) -> -r.h(kk, j))
                                    .thenComparing(j -> j))
                            .limit(count)
                            .mapToInt(Integer::intValue)
                            .toArray();
                    assertThat(NmfFactors.topLatents(r, count).stream()
                                    .filter(x -> x.factor() == kk)
                                    .mapToInt(NmfFactors.FactorLatent::latent)
                                    .toArray())
                            .containsExactly(wantLatents);
                }
            }
            boolean[] fired = new boolean[17];
            for (int j = 0; j < 17; j += 2) {
                fired[j] = true;
            }
            double[] wn = r.wColumnNorms();
            List<NmfFactors.LatentFactor> got = NmfFactors.dominantFactors(r, fired);
            assertThat(got).extracting(NmfFactors.LatentFactor::latent).containsExactly(0, 2, 4, 6, 8, 10, 12, 14, 16);
            for (NmfFactors.LatentFactor lf : got) {
                double[] s = IntStream.range(0, 3)
                        .mapToDouble(k -> r.h(k, lf.latent()) * wn[k])
                        .toArray();
                double sum = s[0] + s[1] + s[2];
                if (sum == 0) {
                    assertThat(lf.factor()).isEqualTo(-1);
                    assertThat(lf.share()).isNaN();
                    continue;
                }
                int best = s[1] > s[0] ? 1 : 0;
                best = s[2] > s[best] ? 2 : best;
                assertThat(lf.factor()).isEqualTo(best);
                assertThat(lf.share()).isCloseTo(s[best] / sum, within(1e-15));
            }
        }
    }

    @Test
    void tokenAnalysisWithoutAStoreNamesTokensByIndex() {
        NmfResult r = random(11, 6, 2, 3);
        SparseRows v = SparseRows.fromDense(io.github.saestitch.tensor.FloatMatrix.zeros(11, 6));
        NmfAnalysis a = NmfAnalysis.ofTokens("s", "a", r, v, null, 0, 0);
        assertThat(a.genreMix()).isNull();
        assertThat(a.assignment()).isNull();
        assertThat(a.topDocuments(3)).isEmpty();
        assertThat(a.firedLatents()).isZero();
        assertThat(a.result().hRowNorms()[0]).isCloseTo(1, within(1e-12));
        int[] top = NmfFactors.topTokens(r.normalized(), 1, NmfAnalysis.TOP_TOKENS);
        assertThat(a.contexts().get(1))
                .extracting(c -> c.token())
                .containsExactly(IntStream.of(top).mapToObj(t -> "#" + t).toArray(String[]::new));
        assertThat(a.contexts().get(1).get(0).source()).isEqualTo("token " + top[0]);
    }
}
