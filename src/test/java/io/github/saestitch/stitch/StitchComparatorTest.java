package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.eval.InMemoryActivationSet;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.stitch.StitchFixtures.Arch;
import io.github.saestitch.stitch.StitchFixtures.Pair;
import io.github.saestitch.stitch.StitchFixtures.Spec;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link StitchComparator} against {@link LiteralStitch}: every number of the four files. */
class StitchComparatorTest {
    /** The bound: Δmse and every mse within 1e-4 relative of the literal procedure. */
    static final double MSE_REL_TOL = 1e-4;
    /**
     * Absolute floor, as a fraction of mse(S), for Δmse near 0: the literal Δ is a difference of two
     * evaluations, each carrying float32 rounding of x̂ (the mean-40 dim rounds at ~4e-6 per token), so
     * it is itself only known to ~1e-7·mse(S).
     */
    static final double DELTA_FLOOR_REL_TO_MSE = 1e-6;
    /** Grid fixtures are exact in float32: only double summation order differs. */
    static final double GRID_REL_TOL = 1e-10;
    /** Cosines: float32 normalized rows against double. */
    static final double COS_TOL = 1e-6;
    /** Correlations: double sums, one-pass moments (Σf²/N − μ²) against a two-pass reference. */
    static final double CORR_TOL = 1e-7;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 100;
        for (Arch s : Arch.values()) {
            for (Arch l : Arch.values()) {
                boolean applyS = (seed & 1) == 0;
                boolean applyL = (seed & 2) == 0;
                out.add(Arguments.of(StitchFixtures.spec(s, l, applyS, applyL, seed++)));
            }
        }
        // Every apply_b_dec_to_input combination for relu → jumprelu, plus identical b_dec.
        for (boolean applyS : new boolean[] {true, false}) {
            for (boolean applyL : new boolean[] {true, false}) {
                out.add(Arguments.of(StitchFixtures.spec(Arch.RELU, Arch.JUMPRELU, applyS, applyL, seed++)));
            }
        }
        Spec same = StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, seed++);
        out.add(Arguments.of(new Spec(
                same.archSmall(),
                same.archLarge(),
                true,
                true,
                true,
                same.d(),
                same.fSmall(),
                same.fLarge(),
                same.tokens(),
                0,
                same.threshold(),
                same.seed())));
        return out.stream();
    }

    static Stream<Arguments> gridCases() {
        return Stream.of(Arch.RELU, Arch.JUMPRELU, Arch.TOPK, Arch.BATCHTOPK)
                .map(a -> Arguments.of(
                        StitchFixtures.spec(a, a == Arch.TOPK ? Arch.RELU : a, true, a != Arch.RELU, 500 + a.ordinal())
                                .withQuantum(0.25)));
    }

    static CompareResult fast(Pair p, CompareOptions options) {
        return new StitchComparator(new ScalarKernels())
                .compare(p.small(), p.large(), new InMemoryActivationSet(p.x(), "x"), options);
    }

    static CompareOptions options() {
        return CompareOptions.defaults().withBlockTokens(64).withThreads(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyNumberMatchesTheLiteralProcedure(Spec spec) {
        Pair p = StitchFixtures.pair(spec);
        CompareResult r = fast(p, options());
        LiteralStitch.Result lit = LiteralStitch.compute(p.small(), p.large(), p.x(), spec.threshold());
        assertAgree(r, lit, MSE_REL_TOL, DELTA_FLOOR_REL_TO_MSE);
        assertThat(r.groups()).as("the fixture plants swap groups").isNotEmpty();
        assertThat(r.numNovel()).as("the fixture plants novel latents").isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gridCases")
    void gridFixturesMatchToDoubleRounding(Spec spec) {
        Pair p = StitchFixtures.pair(spec);
        CompareResult r = fast(p, options());
        LiteralStitch.Result lit = LiteralStitch.compute(p.small(), p.large(), p.x(), spec.threshold());
        assertAgree(r, lit, GRID_REL_TOL, GRID_REL_TOL);
    }

    static void assertAgree(CompareResult r, LiteralStitch.Result lit, double rel, double floorRel) {
        int fl = lit.maxCos().length;
        double floor = floorRel * lit.mseSmall();
        assertThat(r.latents()).hasSize(fl);
        assertClose("mse(S)", r.small().mse(), lit.mseSmall(), rel, 0);
        assertClose("fvu(S)", r.small().fvu(), lit.fvuSmall(), rel, 0);
        assertClose("l0(S)", r.small().l0(), lit.l0Small(), 1e-12, 0);
        assertClose("mse(L)", r.large().mse(), lit.mseLarge(), rel, 0);
        assertClose("fvu(L)", r.large().fvu(), lit.fvuLarge(), rel, 0);
        assertClose("l0(L)", r.large().l0(), lit.l0Large(), 1e-12, 0);
        for (int j = 0; j < fl; j++) {
            LatentResult l = r.latents().get(j);
            assertThat(l.latent()).isEqualTo(j);
            assertThat((double) l.maxCos())
                    .as("max_cos %d", j)
                    .isCloseTo(lit.maxCos()[j], org.assertj.core.data.Offset.offset(COS_TOL));
            assertThat(l.nearest()).as("nearest %d", j).isEqualTo(lit.nearest()[j]);
            assertThat(l.kind())
                    .as("kind %d", j)
                    .isEqualTo(lit.novel()[j] ? LatentKind.NOVEL : LatentKind.RECONSTRUCTION);
            assertClose("delta_mse " + j, l.deltaMse(), lit.deltaMse()[j], rel, floor);
            assertThat(l.freq()).as("freq %d", j).isEqualTo(lit.freq()[j]);
            assertCorr("max_act_corr " + j, l.maxActCorr(), lit.maxActCorr()[j]);
            assertCorr("nearest_act_corr " + j, l.nearestActCorr(), lit.nearestActCorr()[j]);
            if (!Double.isNaN(lit.maxActCorr()[j])) {
                assertThat(l.actNearest()).as("act_nearest %d", j).isEqualTo(lit.actNearest()[j]);
            }
        }
        assertThat(r.groups()).hasSize(lit.groups().size());
        for (int g = 0; g < lit.groups().size(); g++) {
            SwapGroupResult sg = r.groups().get(g);
            assertThat(sg.parents())
                    .as("parents of %d", g)
                    .containsExactly(lit.groups().get(g)[0]);
            assertThat(sg.children())
                    .as("children of %d", g)
                    .containsExactly(lit.groups().get(g)[1]);
            assertThat((double) sg.cosine())
                    .isCloseTo(lit.groupCosine()[g], org.assertj.core.data.Offset.offset(COS_TOL));
            assertClose("group delta_mse " + g, sg.deltaMse(), lit.groupDeltaMse()[g], rel, floor);
            assertClose("group delta_l0 " + g, sg.deltaL0(), lit.groupDeltaL0()[g], 1e-12, 1e-12);
        }
        assertThat(r.interpolation()).hasSize(lit.path().size());
        for (int k = 0; k < lit.path().size(); k++) {
            InterpolationStep s = r.interpolation().get(k);
            LiteralStitch.Row row = lit.path().get(k);
            assertThat(s.step()).isEqualTo(k);
            assertThat(s.action().label()).as("action %d", k).isEqualTo(row.action());
            assertThat(s.target()).as("target %d", k).isEqualTo(row.target());
            assertThat(s.numLatents()).as("num_latents %d", k).isEqualTo(row.numLatents());
            assertClose("interpolation mse " + k, s.mse(), row.mse(), rel, floor);
            assertClose("interpolation l0 " + k, s.l0(), row.l0(), 1e-12, 1e-12);
        }
        // The contingency is the table of the literal kinds and signs.
        int ni = 0, nw = 0, ri = 0, rw = 0;
        for (int j = 0; j < fl; j++) {
            double d = lit.deltaMse()[j];
            if (lit.novel()[j]) {
                ni += d < 0 ? 1 : 0;
                nw += d > 0 ? 1 : 0;
            } else {
                ri += d < 0 ? 1 : 0;
                rw += d > 0 ? 1 : 0;
            }
        }
        Contingency c = r.contingency();
        assertThat(new int[] {c.novelImproves(), c.novelWorsens(), c.reconstructionImproves(), c.reconstructionWorsens()
                })
                .as("contingency")
                .containsExactly(ni, nw, ri, rw);
    }

    static void assertClose(String what, double actual, double expected, double rel, double abs) {
        double tol = rel * Math.abs(expected) + abs;
        assertThat(Math.abs(actual - expected))
                .as("%s: %s vs literal %s (tolerance %s)", what, actual, expected, tol)
                .isLessThanOrEqualTo(tol);
    }

    static void assertCorr(String what, double actual, double expected) {
        if (Double.isNaN(expected)) {
            assertThat(actual).as(what).isNaN();
        } else {
            assertThat(Math.abs(actual - expected))
                    .as("%s: %s vs %s", what, actual, expected)
                    .isLessThanOrEqualTo(CORR_TOL);
        }
    }

    /**
     * More tokens than one pass block ({@link ComparePass#PASS_TOKENS}): pass blocks made of several
     * encoder blocks, a short last pass block with a short last encoder block, and one encoder block
     * larger than a pass block all give the literal procedure's numbers.
     */
    @Test
    void passBlocksOfSeveralEncoderBlocksMatchTheLiteralProcedure() {
        Spec base = StitchFixtures.spec(Arch.RELU, Arch.JUMPRELU, true, false, 91);
        Spec spec = new Spec(
                base.archSmall(),
                base.archLarge(),
                base.applySmall(),
                base.applyLarge(),
                base.sameBDec(),
                base.d(),
                base.fSmall(),
                base.fLarge(),
                2 * ComparePass.PASS_TOKENS + 333,
                base.quantum(),
                base.threshold(),
                base.seed());
        Pair p = StitchFixtures.pair(spec);
        LiteralStitch.Result lit = LiteralStitch.compute(p.small(), p.large(), p.x(), spec.threshold());
        for (CompareOptions o : List.of(
                CompareOptions.defaults().withBlockTokens(7).withThreads(2),
                CompareOptions.defaults()
                        .withBlockTokens(ComparePass.PASS_TOKENS + 100)
                        .withThreads(3))) {
            CompareResult r = fast(p, o);
            assertThat(r.tokens()).isEqualTo(spec.tokens());
            assertAgree(r, lit, MSE_REL_TOL, DELTA_FLOOR_REL_TO_MSE);
        }
    }

    @Test
    void threadCountChangesNotOneByteOfTheWrittenFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Pair p = StitchFixtures.pair(
                new StitchFixtures.Spec(Arch.RELU, Arch.JUMPRELU, true, true, false, 24, 14, 36, 3000, 0, 0.7, 78));
        java.util.Map<String, byte[]> reference = null;
        for (int threads : new int[] {1, 2, 3}) {
            java.nio.file.Path out = dir.resolve("t" + threads);
            CompareWriter.write(
                    fast(
                            p,
                            CompareOptions.defaults()
                                    .withBlockTokens(100)
                                    .withThreads(threads)
                                    .withGreedyPath(true)),
                    out,
                    false);
            java.util.Map<String, byte[]> files = new java.util.TreeMap<>();
            try (var list = java.nio.file.Files.list(out)) {
                for (java.nio.file.Path f : list.toList()) {
                    files.put(f.getFileName().toString(), java.nio.file.Files.readAllBytes(f));
                }
            }
            if (reference == null) {
                reference = files;
                assertThat(files).containsKey("summary.json").containsKey("greedy_path.csv");
            } else {
                assertThat(files.keySet()).isEqualTo(reference.keySet());
                for (String name : files.keySet()) {
                    assertThat(files.get(name))
                            .as("%s with %d threads", name, threads)
                            .isEqualTo(reference.get(name));
                }
            }
        }
    }

    @Test
    void rangesRunAsTasksGiveTheBitsOfOneProcess(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Pair p = StitchFixtures.pair(
                new StitchFixtures.Spec(Arch.JUMPRELU, Arch.RELU, true, true, false, 24, 14, 36, 2900, 0, 0.7, 79));
        CompareOptions o = CompareOptions.defaults().withActivationCorrelation(false);
        CompareWriter.write(fast(p, o), dir.resolve("one"), false);
        for (int ranges : new int[] {1, 2, 3, 7}) {
            CompareResult r = new StitchComparator(
                            new ScalarKernels(),
                            new StitchComparator.Distributed(
                                    io.github.saestitch.cluster.RangeRunner.LOCAL,
                                    () -> new InMemoryActivationSet(p.x(), "x"),
                                    ranges,
                                    "scalar"))
                    .compare(p.small(), p.large(), new InMemoryActivationSet(p.x(), "x"), o);
            CompareWriter.write(r, dir.resolve("r" + ranges), false);
            for (String f : List.of("summary.json", "latents.csv", "groups.csv", "interpolation.csv")) {
                assertThat(java.nio.file.Files.readAllBytes(
                                dir.resolve("r" + ranges).resolve(f)))
                        .as("%s with %d ranges", f, ranges)
                        .isEqualTo(java.nio.file.Files.readAllBytes(
                                dir.resolve("one").resolve(f)));
            }
        }
        assertThatThrownBy(() -> new StitchComparator(
                                new ScalarKernels(),
                                new StitchComparator.Distributed(
                                        io.github.saestitch.cluster.RangeRunner.LOCAL,
                                        () -> new InMemoryActivationSet(p.x(), "x"),
                                        2,
                                        "scalar"))
                        .compare(
                                p.small(), p.large(), new InMemoryActivationSet(p.x(), "x"), CompareOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--no-correlation");
    }

    @Test
    void threadsBlocksAndCorrelationTilesChangeNothingButRounding() {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.JUMPRELU, true, true, 77));
        CompareResult a =
                fast(p, CompareOptions.defaults().withBlockTokens(1000).withThreads(1));
        for (CompareOptions o : List.of(
                CompareOptions.defaults().withBlockTokens(7).withThreads(3),
                CompareOptions.defaults()
                        .withBlockTokens(64)
                        .withThreads(2)
                        .withCorrelationMemoryBytes(8L * 14 * 5)
                        .withMaxCorrelationPasses(8))) {
            CompareResult b = fast(p, o);
            for (int j = 0; j < a.latents().size(); j++) {
                assertClose(
                        "delta " + j,
                        b.latents().get(j).deltaMse(),
                        a.latents().get(j).deltaMse(),
                        1e-12,
                        1e-15);
                assertThat(b.latents().get(j).maxActCorr())
                        .isCloseTo(a.latents().get(j).maxActCorr(), org.assertj.core.data.Offset.offset(1e-12));
                assertThat(b.latents().get(j).actNearest())
                        .isEqualTo(a.latents().get(j).actNearest());
            }
            for (int k = 0; k < a.interpolation().size(); k++) {
                assertClose(
                        "step " + k,
                        b.interpolation().get(k).mse(),
                        a.interpolation().get(k).mse(),
                        1e-12,
                        0);
            }
        }
        CompareResult tiled = fast(
                p,
                CompareOptions.defaults()
                        .withCorrelationMemoryBytes(8L * 14 * 5)
                        .withMaxCorrelationPasses(8));
        assertThat(tiled.activationSimilarity().passes()).isEqualTo((36 + 4) / 5);
        CompareResult skipped = fast(p, CompareOptions.defaults().withCorrelationMemoryBytes(8L * 14 * 5));
        assertThat(skipped.activationSimilarity().computed()).isFalse();
        assertThat(skipped.activationSimilarity().note()).contains("8 passes").contains("allow more memory");
        assertThat(skipped.latents().get(0).maxActCorr()).isNaN();
        assertThat(skipped.latents().get(0).deltaMse())
                .isEqualTo(tiled.latents().get(0).deltaMse());
    }

    @Test
    void maxTokensTakesThePrefixAndCorrelationCanBeOff() {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, 78));
        int n = 101;
        CompareResult r = fast(p, options().withMaxTokens(n).withActivationCorrelation(false));
        LiteralStitch.Result lit = LiteralStitch.compute(p.small(), p.large(), p.x().rowSlice(0, n), 0.7);
        assertThat(r.tokens()).isEqualTo(n);
        assertClose("mse(S)", r.small().mse(), lit.mseSmall(), MSE_REL_TOL, 0);
        for (int j = 0; j < lit.deltaMse().length; j++) {
            assertClose(
                    "delta " + j,
                    r.latents().get(j).deltaMse(),
                    lit.deltaMse()[j],
                    MSE_REL_TOL,
                    DELTA_FLOOR_REL_TO_MSE * lit.mseSmall());
            assertThat(r.latents().get(j).maxActCorr()).isNaN();
            assertThat(r.latents().get(j).actNearest()).isEqualTo(-1);
        }
        assertThat(r.activationSimilarity().computed()).isFalse();
    }

    @Test
    void thresholdSweepIsTheContingencyAtEachThreshold() {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, 79));
        CompareResult r = fast(p, options());
        assertThat(r.thresholdSweep())
                .extracting(ThresholdSweepRow::threshold)
                .containsExactly(0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9);
        for (ThresholdSweepRow row : r.thresholdSweep()) {
            int novel = (int) r.latents().stream()
                    .filter(l -> l.maxCos() <= row.threshold())
                    .count();
            int novelImproves = (int) r.latents().stream()
                    .filter(l -> l.maxCos() <= row.threshold() && l.deltaMse() < 0)
                    .count();
            assertThat(row.contingency().novel()).isEqualTo(novel);
            assertThat(row.contingency().novelImproves()).isEqualTo(novelImproves);
            assertThat(row.contingency().novel() + row.contingency().reconstruction())
                    .isEqualTo(r.latents().size());
        }
        assertThat(r.thresholdSweep().get(4).contingency()).isEqualTo(r.contingency());
    }

    @Test
    void badInputIsAClearIllegalArgument() {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, 80));
        StitchComparator cmp = new StitchComparator(new ScalarKernels());
        InMemoryActivationSet acts = new InMemoryActivationSet(p.x(), "acts.npy");
        assertThatThrownBy(() -> cmp.compare(p.large(), p.small(), acts, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wider")
                .hasMessageContaining("swap");
        Pair other = StitchFixtures.pair(new Spec(Arch.RELU, Arch.RELU, true, true, false, 20, 14, 36, 50, 0, 0.7, 81));
        assertThatThrownBy(() -> cmp.compare(p.small(), other.large(), acts, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("d_in = 24")
                .hasMessageContaining("d_in = 20");
        assertThatThrownBy(() -> cmp.compare(other.small(), other.large(), acts, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acts.npy")
                .hasMessageContaining("d_in");
        InMemoryActivationSet empty = new InMemoryActivationSet(FloatMatrix.zeros(0, 24), "empty.npy");
        assertThatThrownBy(() -> cmp.compare(p.small(), p.large(), empty, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        FloatMatrix bad = p.x().copy();
        bad.set(70, 3, Float.NaN);
        assertThatThrownBy(
                        () -> cmp.compare(p.small(), p.large(), new InMemoryActivationSet(bad, "bad.npy"), options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token 70")
                .hasMessageContaining("dim 3");
        assertThatThrownBy(() -> options().withThreshold(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options().withMaxTokens(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void compositeIsReportedForTopkSources() {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.TOPK, true, true, 82));
        assertThat(p.large().activation()).isInstanceOf(Activation.TopK.class);
        CompareResult r = fast(p, options());
        assertThat(r.composite()).isTrue();
        assertThat(r.hybridNote()).contains("composite");
        Sae relu = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, 83))
                .small();
        assertThat(StitchComparator.composite(relu, relu)).isFalse();
    }
}
