package io.github.saestitch.frankenstein;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fast greedy selection (exact Δ updates from co-activations, tournament tree, parallel parts,
 * decoder Gram or per-step dots) picks exactly what the naive greedy picks (every candidate
 * re-evaluated from the residual at every step), on seeded random families; and every recorded Δ is
 * the mse change of actually adding that latent.
 */
class GreedySelectionTest {
    /** Δs from the two methods: double sums of float dots over a few hundred tokens. */
    static final double DELTA_RELATIVE = 1e-6;

    @ParameterizedTest(name = "d={0} F={1}..{2} tokens={3} seed={4}")
    @CsvSource({"16, 12, 40, 300, 1", "24, 20, 64, 500, 2", "9, 7, 23, 211, 3", "32, 16, 48, 400, 4"})
    void fastGreedyEqualsNaiveGreedy(int d, int fS, int fL, int tokens, long seed) {
        Families.Case c = Families.relu(d, fS, fL, tokens, seed);
        Kernels k = new ScalarKernels();
        SourceCodes codes = SourceCodes.compute(c.family(), new MatrixActivationSet(c.x(), "test"), tokens, k, null);
        int all = c.family().candidateCount();
        GreedySelection.Result naive = GreedySelection.naive(c.family(), codes, all, Double.POSITIVE_INFINITY);
        for (int parts : new int[] {1, 3}) {
            for (boolean gram : new boolean[] {false, true}) {
                // Every step's co-activation pass split between the parts (threshold 1 token).
                GreedySelection.Result fast = GreedySelection.select(
                        c.family(),
                        codes,
                        all,
                        Double.POSITIVE_INFINITY,
                        parts,
                        gram ? k : null,
                        gram ? 1L << 30 : 0,
                        1);
                assertThat(fast.selection().source())
                        .containsExactly(naive.selection().source());
                assertThat(fast.selection().latent())
                        .containsExactly(naive.selection().latent());
                for (int h = 0; h < naive.selection().numLatents(); h++) {
                    double dn = naive.selection().deltaMse()[h];
                    if (!Double.isNaN(dn)) {
                        assertThat(fast.selection().deltaMse()[h])
                                .isCloseTo(dn, within(DELTA_RELATIVE * naive.mseAfter()[0]));
                    }
                }
                assertThat(fast.stats().firstNonImproving())
                        .isEqualTo(naive.stats().firstNonImproving());
                assertThat(fast.stats().maxDiscrepancy()).isLessThan(1e-6);
            }
        }
        assertThat(naive.selection().numLatents()).isEqualTo(fS + all);
    }

    @ParameterizedTest(name = "seed={0}")
    @CsvSource({"5", "6"})
    void recordedDeltasAreTheMseChangesOfAddingEachLatent(long seed) {
        Families.Case c = Families.relu(12, 10, 30, 250, seed);
        Kernels k = KernelsProvider.byName("vector");
        MatrixActivationSet set = new MatrixActivationSet(c.x(), "test");
        SourceCodes codes = SourceCodes.compute(c.family(), set, 250, k, null);
        GreedySelection.Result g = GreedySelection.select(c.family(), codes, 8, 0, 2, k, 1L << 30);
        assertThat(g.stats().steps()).isEqualTo(8);
        io.github.saestitch.eval.Evaluator ev = new io.github.saestitch.eval.Evaluator(k);
        double prev = ev.evaluate(
                        FrankensteinModel.fromSources(c.family(), g.selection().prefix(10))
                                .autoencoder(k),
                        set,
                        null)
                .mse();
        assertThat(prev).isCloseTo(g.mseAfter()[0], within(1e-5 * prev));
        for (int step = 1; step <= 8; step++) {
            FrankensteinModel m =
                    FrankensteinModel.fromSources(c.family(), g.selection().prefix(10 + step));
            var e = ev.evaluate(m.autoencoder(k), set, null);
            assertThat(e.mse() - prev)
                    .as("step %d", step)
                    .isCloseTo(g.selection().deltaMse()[9 + step], within(1e-4 * prev));
            assertThat(e.mse()).isCloseTo(g.mseAfter()[step], within(1e-4 * prev));
            assertThat(e.l0()).isCloseTo(g.l0After()[step], within(1e-9));
            prev = e.mse();
        }
        // The first step is the single best latent of any wider SAE.
        double best = Double.POSITIVE_INFINITY;
        for (int s = 1; s < c.family().size(); s++) {
            for (int j = 0; j < c.family().member(s).width(); j++) {
                Selection one = g.selection().prefix(10);
                int[] src = java.util.Arrays.copyOf(one.source(), 11);
                int[] lat = java.util.Arrays.copyOf(one.latent(), 11);
                src[10] = s;
                lat[10] = j;
                Selection sel = new Selection("t", src, lat, new int[11], new double[11], new double[11]);
                best = Math.min(
                        best,
                        ev.evaluate(
                                        FrankensteinModel.fromSources(c.family(), sel)
                                                .autoencoder(k),
                                        set,
                                        null)
                                .mse());
            }
        }
        assertThat(g.mseAfter()[1]).isCloseTo(best, within(1e-5 * best));
        SparseRows unused = codes.codesOf(g.selection());
        assertThat(unused.cols()).isEqualTo(18);
        assertThat(g.prefixReachingL0(g.l0After()[3])).isEqualTo(13);
        assertThat(g.prefixReachingL0(Double.POSITIVE_INFINITY)).isEqualTo(18);
    }
}
