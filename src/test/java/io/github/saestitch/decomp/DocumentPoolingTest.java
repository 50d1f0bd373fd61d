package io.github.saestitch.decomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link DocumentPooling.Accumulator} against a direct dense computation, on seeded random codes. */
class DocumentPoolingTest {
    /**
     * The accumulator sums in double then stores float; the reference sums in another order in double:
     * the difference is float rounding of the stored value, ≤ 2^-24 relative (with margin).
     */
    static final double RELATIVE_TOLERANCE = 1e-6;

    /** Direct reference: dense per-document sums → statistic → weighting, rows in order of first token. */
    static double[][] reference(
            float[][] codes,
            int[] docIds,
            int[] pos,
            DocumentPooling.Statistic st,
            DocumentPooling.Weighting wt,
            List<Integer> docsOut) {
        int f = codes[0].length;
        Map<Integer, double[]> sums = new LinkedHashMap<>();
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (int t = 0; t < codes.length; t++) {
            if (docIds[t] < 0 || pos[t] < 0) {
                continue;
            }
            double[] s = sums.computeIfAbsent(docIds[t], d -> new double[f]);
            for (int j = 0; j < f; j++) {
                s[j] += codes[t][j];
            }
            counts.merge(docIds[t], 1, Integer::sum);
        }
        List<double[]> rows = new ArrayList<>();
        for (var e : sums.entrySet()) {
            int c = counts.get(e.getKey());
            if (c < DocumentPooling.MIN_DOCUMENT_TOKENS) {
                continue;
            }
            double[] r = e.getValue().clone();
            for (int j = 0; j < f; j++) {
                r[j] = st == DocumentPooling.Statistic.MEAN ? r[j] / c : r[j];
            }
            rows.add(r);
            docsOut.add(e.getKey());
        }
        int n = rows.size();
        for (int j = 0; j < f; j++) {
            double w = 1;
            if (wt == DocumentPooling.Weighting.IDF) {
                int df = 0;
                for (double[] r : rows) {
                    df += r[j] > 0 ? 1 : 0;
                }
                w = Math.log((1.0 + n) / (1.0 + df)) + 1;
            } else if (wt == DocumentPooling.Weighting.UNIT) {
                double s = 0;
                for (double[] r : rows) {
                    s += r[j] * r[j];
                }
                w = s > 0 ? 1 / Math.sqrt(s) : 0;
            }
            for (double[] r : rows) {
                r[j] *= w;
            }
        }
        return rows.toArray(new double[0][]);
    }

    @ParameterizedTest
    @CsvSource({
        "mean,none,1,37,13,5",
        "sum,none,2,211,7,64",
        "mean,idf,3,500,29,101",
        "mean,unit,4,333,1,17",
        "sum,idf,5,97,31,97",
        "sum,unit,6,1,5,1"
    })
    void matchesTheDirectComputation(String stat, String weight, long seed, int tokens, int latents, int block) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] codes = new float[tokens][latents];
        int[] docIds = new int[tokens];
        int[] pos = new int[tokens];
        int doc = rng.nextInt(5);
        for (int t = 0; t < tokens; t++) {
            if (rng.nextDouble() < 0.04) {
                doc = rng.nextInt(9); // documents revisit earlier ids: non-contiguous documents
            }
            docIds[t] = rng.nextDouble() < 0.01 ? -1 : doc;
            pos[t] = rng.nextDouble() < 0.03 ? -1 : t; // special tokens
            for (int j = 0; j < latents; j++) {
                // Latent 0 never fires (an empty column); the others sparsely.
                codes[t][j] = j > 0 && rng.nextDouble() < 0.2 ? (float) (0.05 + 4 * rng.nextDouble()) : 0f;
            }
        }
        DocumentPooling.Statistic st = DocumentPooling.Statistic.parse(stat);
        DocumentPooling.Weighting wt = DocumentPooling.Weighting.parse(weight);
        DocumentPooling.Accumulator acc = new DocumentPooling.Accumulator(latents);
        for (int start = 0; start < tokens; start += block) {
            int len = Math.min(block, tokens - start);
            FloatMatrix m = FloatMatrix.zeros(len, latents);
            for (int i = 0; i < len; i++) {
                for (int j = 0; j < latents; j++) {
                    m.set(i, j, codes[start + i][j]);
                }
            }
            acc.add(
                    SparseRows.fromDense(m),
                    start,
                    java.util.Arrays.copyOfRange(docIds, start, start + len),
                    java.util.Arrays.copyOfRange(pos, start, start + len));
        }
        DocumentPooling.Pooled p = acc.finish(st, wt);
        List<Integer> docs = new ArrayList<>();
        double[][] ref = reference(codes, docIds, pos, st, wt, docs);
        assertThat(p.documents())
                .containsExactly(docs.stream().mapToInt(Integer::intValue).toArray());
        FloatMatrix got = p.matrix().toDense();
        assertThat(got.rows()).isEqualTo(ref.length);
        for (int r = 0; r < ref.length; r++) {
            for (int j = 0; j < latents; j++) {
                assertThat((double) got.get(r, j))
                        .as("row %d latent %d", r, j)
                        .isCloseTo(ref[r][j], within(RELATIVE_TOLERANCE * Math.max(1e-30, Math.abs(ref[r][j]))));
            }
        }
        // Bookkeeping: counted tokens, runs covering exactly those tokens, skipped = everything else.
        long used = 0;
        for (int r = 0; r < p.documents().length; r++) {
            long inRuns = 0;
            long[] runs = p.runs().get(r);
            for (int q = 0; q < runs.length; q += 2) {
                for (long t = runs[q]; t < runs[q + 1]; t++) {
                    assertThat(docIds[(int) t]).isEqualTo(p.documents()[r]);
                    assertThat(pos[(int) t]).isNotNegative();
                    inRuns++;
                }
            }
            assertThat(inRuns).isEqualTo(p.tokenCounts()[r]);
            used += p.tokenCounts()[r];
        }
        assertThat(p.tokensUsed()).isEqualTo(used);
        assertThat(p.tokensUsed() + p.skippedTokens()).isEqualTo(tokens);
    }

    /** Assignment purity and NMI against a hand computation. */
    @Test
    void assignmentScoresMatchAHandComputation() {
        // Four documents, genres a, a, b, b; W sends documents 0, 1, 2 to factor 0 and 3 to factor 1.
        double[] w = {1, 0, 2, 0.5, 0.9, 0.1, 0, 3};
        double[] ht = {1, 1};
        NmfResult r = new NmfResult(
                4, 1, 2, w, ht, new double[] {0.5}, 1, true, 1, new NmfOptions(2, 1, 0, 0, NmfOptions.Algorithm.HALS));
        NmfGenres.GenreMix g = new NmfGenres.GenreMix(
                List.of("a", "b"), new double[] {0.5, 0.5}, new double[] {0.5, 0.5}, new double[2][2], new int[] {
                    0, 0, 1, 1
                });
        NmfGenres.Assignment a = NmfGenres.assignment(r, g);
        // joint counts: factor 0 {a: 2, b: 1}, factor 1 {b: 1} → purity (2 + 1) / 4.
        assertThat(a.purity()).isEqualTo(0.75);
        assertThat(a.majorityBaseline()).isEqualTo(0.5);
        double hG = Math.log(2);
        double hK = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
        double mi = 0.5 * Math.log(0.5 / (0.75 * 0.5))
                + 0.25 * Math.log(0.25 / (0.75 * 0.5))
                + 0.25 * Math.log(0.25 / (0.25 * 0.5));
        assertThat(a.nmi()).isCloseTo(2 * mi / (hG + hK), within(1e-12));
        // A perfect assignment scores 1.
        double[] w2 = {1, 0, 1, 0, 0, 1, 0, 1};
        NmfResult r2 = new NmfResult(4, 1, 2, w2, ht, new double[] {0.5}, 1, true, 1, r.options());
        assertThat(NmfGenres.assignment(r2, g).nmi()).isCloseTo(1, within(1e-12));
        assertThat(NmfGenres.assignment(r2, g).purity()).isEqualTo(1);
    }

    @Test
    void refusesMismatchedShapesAndNamesTheStatistic() {
        DocumentPooling.Accumulator acc = new DocumentPooling.Accumulator(3);
        SparseRows two = SparseRows.fromDense(FloatMatrix.zeros(2, 3));
        assertThatThrownBy(() -> acc.add(two, 0, new int[1], new int[2])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> acc.add(SparseRows.fromDense(FloatMatrix.zeros(2, 4)), 0, new int[2], new int[2]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DocumentPooling.Statistic.parse("median")).hasMessageContaining("mean or sum");
        assertThatThrownBy(() -> DocumentPooling.Weighting.parse("tfidf")).hasMessageContaining("none, idf or unit");
        // Nothing added: no rows, nothing skipped.
        DocumentPooling.Pooled p = acc.finish(DocumentPooling.Statistic.MEAN, DocumentPooling.Weighting.NONE);
        assertThat(p.matrix().rows()).isZero();
        assertThat(p.skippedTokens()).isZero();
    }
}
