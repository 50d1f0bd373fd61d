package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.stitch.StitchFixtures.Arch;
import io.github.saestitch.stitch.StitchFixtures.Pair;
import io.github.saestitch.stitch.StitchFixtures.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The joint sweep (S + every latent with max_cos ≤ τ, from the compare pass) and the greedy path against
 * building each hybrid and evaluating it ({@link LiteralStitch}).
 */
class JointSweepTest {
    /** The compare's bound: every mse within 1e-4 relative of the literal hybrid (float32 x̂). */
    static final double REL = StitchComparatorTest.MSE_REL_TOL;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 900;
        for (Arch[] a : new Arch[][] {
            {Arch.RELU, Arch.RELU}, {Arch.JUMPRELU, Arch.RELU}, {Arch.TOPK, Arch.RELU}, {Arch.BATCHTOPK, Arch.TOPK}
        }) {
            for (double tau : new double[] {0.7, 0.5}) {
                out.add(Arguments.of(StitchFixtures.spec(a[0], a[1], (seed & 1) == 0, true, seed++), tau));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} τ={1}")
    @MethodSource("cases")
    void everyJointMseIsTheLiteralHybrid(Spec spec, double tau) {
        Pair p = StitchFixtures.pair(spec);
        CompareResult r =
                StitchComparatorTest.fast(p, StitchComparatorTest.options().withThreshold(tau));
        float[] maxCos = maxCos(r);
        int fs = p.small().numLatents();
        int[] kept = IntStream.range(0, fs).toArray();
        double mseSmall = r.small().mse();
        double floor = StitchComparatorTest.DELTA_FLOOR_REL_TO_MSE * mseSmall;
        JointSweep joint = r.joint();
        assertThat(joint.limit()).isEqualTo(Math.max(tau, 0.9));
        // Every row of the joint path is the hybrid of its prefix; the prefix of the add rows is the path's.
        List<InterpolationStep> path = joint.path();
        for (int k = 1; k < path.size(); k++) {
            if (k > 1) {
                assertThat(path.get(k).cosine())
                        .isGreaterThanOrEqualTo(path.get(k - 1).cosine());
            }
            assertThat((double) path.get(k).cosine()).isLessThanOrEqualTo(joint.limit());
        }
        for (int k = 0; k <= r.numNovel(); k++) {
            assertThat(path.get(k)).isEqualTo(r.interpolation().get(k));
        }
        if (tau == 0.5 && spec.archLarge() == Arch.RELU && spec.archSmall() != Arch.TOPK) {
            assertThat(path.size() - 1)
                    .as("the fixture has latents above τ = 0.5 to extend with")
                    .isGreaterThan(r.numNovel());
        }
        for (int k = 0; k < path.size(); k++) {
            int[] added = path.subList(1, k + 1).stream()
                    .mapToInt(InterpolationStep::target)
                    .toArray();
            var lit = LiteralStitch.eval(p.small(), p.large(), kept, added, p.x());
            StitchComparatorTest.assertClose(
                    "joint path row " + k + " mse", path.get(k).mse(), lit.mse(), REL, floor);
            StitchComparatorTest.assertClose(
                    "joint path row " + k + " l0", path.get(k).l0(), lit.l0(), 1e-12, 1e-12);
        }
        // The sweep's joint mse at each τ: S + {j : max_cos ≤ τ}, built literally.
        for (ThresholdSweepRow row : r.thresholdSweep()) {
            int[] added = IntStream.range(0, maxCos.length)
                    .filter(j -> maxCos[j] <= row.threshold())
                    .toArray();
            assertThat(added).hasSize(row.contingency().novel());
            double lit =
                    LiteralStitch.eval(p.small(), p.large(), kept, added, p.x()).mse();
            StitchComparatorTest.assertClose("joint mse at τ " + row.threshold(), row.jointMse(), lit, REL, floor);
        }
        // The minimum over every τ ≤ limit (each distinct max_cos, and "none"), by brute force.
        double best = mseSmall;
        for (float t : maxCos) {
            if (t <= joint.limit()) {
                int[] added = IntStream.range(0, maxCos.length)
                        .filter(j -> maxCos[j] <= t)
                        .toArray();
                best = Math.min(
                        best,
                        LiteralStitch.eval(p.small(), p.large(), kept, added, p.x())
                                .mse());
            }
        }
        StitchComparatorTest.assertClose("joint minimum", joint.minimumRow().mse(), best, REL, floor);
        double t = joint.minimumThreshold();
        int[] atMin =
                IntStream.range(0, maxCos.length).filter(j -> maxCos[j] <= t).toArray();
        assertThat(atMin).hasSize(joint.minimumRow().numLatents() - fs);
    }

    @ParameterizedTest(name = "{0} τ={1}")
    @MethodSource("cases")
    void greedyPathIsTheLiteralGreedyOrder(Spec spec, double tau) {
        Pair p = StitchFixtures.pair(spec);
        CompareResult r = StitchComparatorTest.fast(
                p, StitchComparatorTest.options().withThreshold(tau).withGreedyPath(true));
        GreedyPath g = r.greedy();
        int fs = p.small().numLatents();
        int[] kept = IntStream.range(0, fs).toArray();
        double floor = StitchComparatorTest.DELTA_FLOOR_REL_TO_MSE * r.small().mse();
        List<InterpolationStep> steps = g.steps();
        assertThat(steps).hasSize(r.numNovel() + 1);
        StitchComparatorTest.assertClose(
                "greedy start", steps.get(0).mse(), r.small().mse(), REL, floor);
        StitchComparatorTest.assertClose(
                "greedy end = S + every novel latent",
                steps.get(r.numNovel()).mse(),
                r.novelAdded().mse(),
                REL,
                floor);
        List<Integer> chosen = new ArrayList<>();
        List<Integer> remaining = new ArrayList<>();
        for (LatentResult l : r.latents()) {
            if (l.kind() == LatentKind.NOVEL) {
                remaining.add(l.latent());
            }
        }
        for (int k = 1; k < steps.size(); k++) {
            int pick = steps.get(k).target();
            assertThat(remaining)
                    .as("step %d adds a novel latent not yet added", k)
                    .contains(pick);
            double bestLit = Double.POSITIVE_INFINITY;
            double pickLit = Double.NaN;
            for (int j : remaining) {
                int[] added = Stream.concat(chosen.stream(), Stream.of(j))
                        .mapToInt(Integer::intValue)
                        .toArray();
                double m = LiteralStitch.eval(p.small(), p.large(), kept, added, p.x())
                        .mse();
                bestLit = Math.min(bestLit, m);
                if (j == pick) {
                    pickLit = m;
                }
            }
            StitchComparatorTest.assertClose(
                    "greedy row " + k + " mse", steps.get(k).mse(), pickLit, REL, floor);
            assertThat(pickLit)
                    .as("step %d picks the best remaining latent", k)
                    .isLessThanOrEqualTo(bestLit + REL * bestLit + floor);
            chosen.add(pick);
            remaining.remove(Integer.valueOf(pick));
        }
        PathShape shape = g.shape();
        assertThat(shape.steps()).isEqualTo(r.numNovel());
        if (g.firstNonImproving() == 0) {
            assertThat(shape.monotone()).isTrue();
        }
    }

    @Test
    void pathShapeCountsRisingSteps() {
        PathShape s = PathShape.of(new double[] {5, 4, 4.5, 3, 3.5, 9}, 6);
        assertThat(s.steps()).isEqualTo(5);
        assertThat(s.risingSteps()).isEqualTo(3);
        assertThat(s.rise()).isEqualTo(0.5 + 0.5 + 5.5);
        assertThat(s.minimumStep()).isEqualTo(3);
        assertThat(s.minimumMse()).isEqualTo(3);
        assertThat(s.endMse()).isEqualTo(9);
        assertThat(s.monotone()).isFalse();
        assertThat(PathShape.of(new double[] {2, 2, 1}, 3).monotone()).isTrue();
        assertThat(PathShape.of(new double[] {2, 2, 1, 7}, 3).monotone())
                .as("only the first rows count")
                .isTrue();
    }

    private static float[] maxCos(CompareResult r) {
        float[] m = new float[r.latents().size()];
        for (LatentResult l : r.latents()) {
            m[l.latent()] = l.maxCos();
        }
        return m;
    }
}
