package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import io.github.saestitch.eval.InMemoryActivationSet;
import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.stitch.StitchFixtures.Arch;
import io.github.saestitch.stitch.StitchFixtures.Pair;
import io.github.saestitch.stitch.StitchFixtures.Spec;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Stitcher}: the built hybrid, evaluated, reproduces the mse that compare predicted. */
class StitcherTest {
    private static final ScalarKernels KERNELS = new ScalarKernels();

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 300;
        for (Arch s : Arch.values()) {
            for (Arch l : Arch.values()) {
                out.add(Arguments.of(StitchFixtures.spec(s, l, (seed & 1) == 0, (seed & 2) == 0, seed++)));
            }
        }
        return out.stream();
    }

    static double mse(Autoencoder model, FloatMatrix x) {
        return new Evaluator(KERNELS)
                .evaluate(model, new InMemoryActivationSet(x, "x"), null)
                .mse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void builtHybridsReproduceThePredictedMse(Spec spec) {
        Pair p = StitchFixtures.pair(spec);
        CompareResult r = StitchComparatorTest.fast(p, StitchComparatorTest.options());
        Stitcher stitcher = new Stitcher(KERNELS);
        double base = r.small().mse();
        double floor = StitchComparatorTest.DELTA_FLOOR_REL_TO_MSE * base;
        double rel = StitchComparatorTest.MSE_REL_TOL;
        // Every interpolation row, including "all novel added" and "everything applied".
        for (InterpolationStep s : r.interpolation()) {
            StitchedModel m = stitcher.build(p.small(), p.large(), StitchPlan.forInterpolationStep(r, s.step()));
            assertThat(m.model().numLatents()).isEqualTo(s.numLatents());
            StitchComparatorTest.assertClose("step " + s.step(), mse(m.model(), p.x()), s.mse(), rel, floor);
        }
        // Single latents (a novel and a reconstruction one) and every group.
        for (LatentResult l : List.of(firstOfKind(r, LatentKind.NOVEL), firstOfKind(r, LatentKind.RECONSTRUCTION))) {
            StitchedModel m = stitcher.build(p.small(), p.large(), StitchPlan.forLatent(r, l.latent()));
            StitchComparatorTest.assertClose(
                    "latent " + l.latent(), mse(m.model(), p.x()) - base, l.deltaMse(), rel, floor);
        }
        for (SwapGroupResult g : r.groups()) {
            StitchedModel m = stitcher.build(p.small(), p.large(), StitchPlan.forGroup(r, g.group()));
            EvalResult e = new Evaluator(KERNELS).evaluate(m.model(), new InMemoryActivationSet(p.x(), "x"), null);
            StitchComparatorTest.assertClose("group " + g.group(), e.mse() - base, g.deltaMse(), rel, floor);
            StitchComparatorTest.assertClose(
                    "group l0 " + g.group(), e.l0() - r.small().l0(), g.deltaL0(), 1e-12, 1e-12);
        }
        // The kind of model: standard unless a topk source is involved.
        StitchedModel all = stitcher.build(
                p.small(),
                p.large(),
                StitchPlan.forInterpolationStep(r, r.interpolation().size() - 1));
        boolean topk = spec.archSmall() == Arch.TOPK || spec.archLarge() == Arch.TOPK;
        assertThat(all.isComposite()).isEqualTo(topk);
        assertThat(all.standardSae().isPresent()).isEqualTo(!topk);
        if (!topk) {
            Sae h = all.sae();
            Sae literal = LiteralStitch.foldedSae(
                    p.small(), p.large(), all.plan().keptSmall(), all.plan().addedLarge());
            assertThat(h.bEnc()).as("folded b_enc").containsExactly(literal.bEnc());
            assertThat(h.wEnc().toArray()).containsExactly(literal.wEnc().toArray());
            assertThat(h.wDec().toArray()).containsExactly(literal.wDec().toArray());
            assertThat(h.bDec()).containsExactly(p.small().bDec());
            assertThat(h.applyBDecToInput()).isEqualTo(p.small().applyBDecToInput());
            if (spec.archSmall() == Arch.RELU && spec.archLarge() == Arch.RELU) {
                assertThat(h.activation()).isInstanceOf(Activation.Relu.class);
            } else {
                assertThat(h.activation()).isInstanceOf(Activation.JumpRelu.class);
                assertThat(((Activation.JumpRelu) h.activation()).threshold())
                        .containsExactly(((Activation.JumpRelu) literal.activation()).threshold());
            }
        } else {
            assertThat(all.description()).contains("composite").contains("Not one standard SAE");
        }
    }

    private static LatentResult firstOfKind(CompareResult r, LatentKind kind) {
        return r.latents().stream()
                .filter(l -> l.kind() == kind && l.freq() > 0)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void gridHybridIsExactlyTheLiteralComposite() {
        Spec spec = StitchFixtures.spec(Arch.JUMPRELU, Arch.BATCHTOPK, true, false, 401)
                .withQuantum(0.25);
        Pair p = StitchFixtures.pair(spec);
        CompareResult r = StitchComparatorTest.fast(p, StitchComparatorTest.options());
        StitchPlan plan = StitchPlan.forInterpolationStep(r, r.interpolation().size() - 1);
        StitchedModel m = new Stitcher(KERNELS).build(p.small(), p.large(), plan);
        double literal = LiteralStitch.eval(p.small(), p.large(), plan.keptSmall(), plan.addedLarge(), p.x())
                .mse();
        assertThat(mse(m.model(), p.x())).isEqualTo(literal);
        StitchComparatorTest.assertClose(
                "all applied", r.allApplied().mse(), literal, StitchComparatorTest.GRID_REL_TOL, 0);
    }

    /**
     * The fold by hand, d = 2: S has b_dec (1, 0), L has b_dec (0, 2), the moved latent has
     * w = (1, 1), c = 0.5. Its pre-activation inside L at x = (3, 4) is 5.5 with L applying b_dec
     * ((3 − 0) + (4 − 2) + 0.5) and 7.5 without; the hybrid must compute the same.
     */
    @Test
    void bDecFoldByHandForEveryApplyCombination() {
        for (boolean applyS : new boolean[] {true, false}) {
            for (boolean applyL : new boolean[] {true, false}) {
                Sae s = new Sae(
                        new Activation.Relu(),
                        applyS,
                        FloatMatrix.wrap(new float[] {1, 0}, 2, 1),
                        new float[] {0},
                        FloatMatrix.wrap(new float[] {1, 0}, 1, 2),
                        new float[] {1, 0},
                        null);
                Sae l = new Sae(
                        new Activation.Relu(),
                        applyL,
                        FloatMatrix.wrap(new float[] {1, 1, 0, 1}, 2, 2),
                        new float[] {0, 0.5f},
                        FloatMatrix.wrap(new float[] {1, 0, 0, 1}, 2, 2),
                        new float[] {0, 2},
                        null);
                StitchPlan plan =
                        new StitchPlan(1, 2, new int[] {0}, new int[] {1}, new int[0], new int[0], 0.7, "hand");
                Sae h = new Stitcher(KERNELS).build(s, l, plan).sae();
                float expected = applyS && applyL ? -0.5f : applyS ? 1.5f : applyL ? -1.5f : 0.5f;
                assertThat(h.bEnc()[1])
                        .as("applyS=%s applyL=%s", applyS, applyL)
                        .isEqualTo(expected);
                FloatMatrix x = FloatMatrix.wrap(new float[] {3, 4}, 1, 2);
                float inL = applyL ? 5.5f : 7.5f;
                assertThat(new io.github.saestitch.sae.SaeRunner(h, KERNELS)
                                .encodeDense(x)
                                .get(0, 1))
                        .isEqualTo(inL);
            }
        }
    }

    @Test
    void mixedActivationsBecomeOnePerLatentJumpRelu() {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.BATCHTOPK, Arch.JUMPRELU, true, true, 402));
        Pair q = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.BATCHTOPK, true, true, 403));
        StitchPlan plan = new Stitcher(KERNELS).plan(p.small(), p.large(), StitchOptions.novelOnly());
        Sae h = new Stitcher(KERNELS).build(p.small(), p.large(), plan).sae();
        float[] theta = ((Activation.JumpRelu) h.activation()).threshold();
        float global = ((Activation.BatchTopK) p.small().activation()).threshold();
        for (int k = 0; k < p.small().numLatents(); k++) {
            assertThat(theta[k]).isEqualTo(global);
        }
        float[] thetaL = ((Activation.JumpRelu) p.large().activation()).threshold();
        for (int q2 = 0; q2 < plan.addedLarge().length; q2++) {
            assertThat(theta[p.small().numLatents() + q2]).isEqualTo(thetaL[plan.addedLarge()[q2]]);
        }
        StitchPlan plan2 = new Stitcher(KERNELS).plan(q.small(), q.large(), StitchOptions.novelOnly());
        float[] theta2 = ((Activation.JumpRelu) new Stitcher(KERNELS)
                        .build(q.small(), q.large(), plan2)
                        .sae()
                        .activation())
                .threshold();
        assertThat(theta2[0]).as("relu latents of S get θ = 0").isZero();
        assertThat(theta2[theta2.length - 1])
                .isEqualTo(((Activation.BatchTopK) q.large().activation()).threshold());
    }

    @Test
    void optionsParseAndPlansResolveAddAndSwap() {
        assertThat(StitchOptions.Add.parse("novel")).isInstanceOf(StitchOptions.Add.Novel.class);
        assertThat(StitchOptions.Add.parse(" ALL ")).isInstanceOf(StitchOptions.Add.All.class);
        assertThat(StitchOptions.Add.parse("none")).isInstanceOf(StitchOptions.Add.None.class);
        assertThat(((StitchOptions.Add.Listed) StitchOptions.Add.parse("17, 3 42")).latents())
                .containsExactly(3, 17, 42);
        assertThat(StitchOptions.Swap.parse("all")).isInstanceOf(StitchOptions.Swap.All.class);
        assertThat(((StitchOptions.Swap.Listed) StitchOptions.Swap.parse("2,0")).groups())
                .containsExactly(0, 2);
        assertThatThrownBy(() -> StitchOptions.Add.parse("nvel"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--add")
                .hasMessageContaining("nvel");
        assertThatThrownBy(() -> StitchOptions.Swap.parse("1,1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twice");

        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, 404));
        CompareResult r = StitchComparatorTest.fast(p, StitchComparatorTest.options());
        Stitcher stitcher = new Stitcher(KERNELS);
        StitchPlan novel = stitcher.plan(p.small(), p.large(), StitchOptions.novelOnly());
        assertThat(novel.addedLarge()).hasSize(r.numNovel());
        assertThat(novel.keptSmall()).hasSize(p.small().numLatents());
        StitchPlan swapAll = stitcher.plan(
                p.small(),
                p.large(),
                new StitchOptions(new StitchOptions.Add.Novel(), new StitchOptions.Swap.All(), 0.7));
        StitchPlan last = StitchPlan.forInterpolationStep(r, r.interpolation().size() - 1);
        assertThat(swapAll.keptSmall()).containsExactly(last.keptSmall());
        assertThat(swapAll.addedLarge()).containsExactly(last.addedLarge());
        StitchPlan viaCompare = StitchPlan.of(r, new StitchOptions.Add.Novel(), new StitchOptions.Swap.All());
        assertThat(viaCompare.addedLarge()).containsExactly(last.addedLarge());
        // A listed group together with a listed latent that is also one of its children: taken once.
        SwapGroupResult g0 = r.groups().get(0);
        StitchPlan both = StitchPlan.of(
                r,
                new StitchOptions.Add.Listed(new int[] {g0.children()[0]}),
                new StitchOptions.Swap.Listed(new int[] {0}));
        assertThat(both.addedLarge()).containsExactly(g0.children());
        assertThat(both.removedSmall()).containsExactly(g0.parents());
        assertThatThrownBy(() -> stitcher.plan(
                        p.small(),
                        p.large(),
                        new StitchOptions(
                                new StitchOptions.Add.Listed(new int[] {999}), new StitchOptions.Swap.None(), 0.7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("999");
        assertThatThrownBy(() -> stitcher.plan(
                        p.small(),
                        p.large(),
                        new StitchOptions(
                                new StitchOptions.Add.None(), new StitchOptions.Swap.Listed(new int[] {999}), 0.7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group 999");
        StitchedModel same = stitcher.build(
                p.small(),
                p.large(),
                stitcher.plan(
                        p.small(),
                        p.large(),
                        new StitchOptions(new StitchOptions.Add.None(), new StitchOptions.Swap.None(), 0.7)));
        assertThat(same.sae()).isSameAs(p.small());
    }

    /** The hybrid of the last interpolation row (every novel latent added, every group swapped). */
    private static StitchedModel allApplied(Pair p) {
        CompareResult r = StitchComparatorTest.fast(p, StitchComparatorTest.options());
        return new Stitcher(KERNELS)
                .build(
                        p.small(),
                        p.large(),
                        StitchPlan.forInterpolationStep(r, r.interpolation().size() - 1));
    }

    @Test
    void compositeRoundTripsThroughTheSharedManifest(@TempDir Path dir) throws Exception {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.TOPK, Arch.RELU, true, true, 405));
        StitchedModel m = allApplied(p);
        StitchPlan plan = m.plan();
        assertThat(m.isComposite()).isTrue();
        Path out = dir.resolve("hybrid");
        CompositeManifest.write(m.composite(), "stitch", m.description(), List.of("small-sae/", "large-sae/"), out);
        assertThat(CompositeManifest.isComposite(out)).isTrue();
        CompositeManifest back = CompositeManifest.read(out);
        assertThat(back.formatVersion()).isEqualTo(CompositeManifest.FORMAT_VERSION);
        assertThat(back.builtBy()).isEqualTo("stitch");
        assertThat(back.origins()).containsExactly("small-sae/", "large-sae/");
        assertThat(back.model().countFrom(0)).isEqualTo(plan.keptSmall().length);
        assertThat(back.model().countFrom(1)).isEqualTo(plan.addedLarge().length);
        assertThat(back.model().wDec().toArray())
                .containsExactly(m.composite().wDec().toArray());
        assertThat(mse(back.model().runner(KERNELS), p.x())).isEqualTo(mse(m.model(), p.x()));
        java.nio.file.Files.writeString(
                out.resolve(CompositeManifest.FILE_NAME), "{\"format_version\": 99, \"kind\": \"composite\"}");
        assertThatThrownBy(() -> CompositeManifest.read(out))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("format_version 2");
    }

    /**
     * A composite written before the shared manifest: {@code stitch.json} (format_version 1, kind
     * composite) with S and L in {@code small/} and {@code large/}, exactly as the old writer laid it out.
     * It still loads, and evaluates to the same numbers as the hybrid built now.
     */
    @Test
    void anOldStitchCompositeStillLoads(@TempDir Path dir) throws Exception {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.TOPK, true, false, 406));
        StitchedModel m = allApplied(p);
        StitchPlan plan = m.plan();
        io.github.saestitch.io.SaeFormats.save(
                p.small(), dir.resolve("small"), io.github.saestitch.io.SaeFormat.SAELENS, false);
        io.github.saestitch.io.SaeFormats.save(
                p.large(), dir.resolve("large"), io.github.saestitch.io.SaeFormat.SAELENS, false);
        String v1 = """
                {
                  "format_version" : 1,
                  "kind" : "composite",
                  "description" : "composite SAE of S and L",
                  "threshold" : 0.7,
                  "small" : { "source" : "s/", "num_latents" : %d },
                  "large" : { "source" : "l/", "num_latents" : %d },
                  "kept_small" : %s,
                  "added_large" : %s,
                  "removed_small" : %s,
                  "swapped_groups" : %s,
                  "plan" : "everything applied",
                  "composite" : { "small_dir" : "small", "large_dir" : "large" }
                }
                """.formatted(
                        p.small().numLatents(),
                        p.large().numLatents(),
                        java.util.Arrays.toString(plan.keptSmall()),
                        java.util.Arrays.toString(plan.addedLarge()),
                        java.util.Arrays.toString(plan.removedSmall()),
                        java.util.Arrays.toString(plan.swappedGroups()));
        java.nio.file.Files.writeString(dir.resolve("stitch.json"), v1);
        assertThat(CompositeManifest.isComposite(dir)).isTrue();
        CompositeManifest old = CompositeManifest.read(dir);
        assertThat(old.formatVersion()).isEqualTo(1);
        assertThat(old.builtBy()).isEqualTo("stitch");
        assertThat(old.origins()).containsExactly("s/", "l/");
        assertThat(old.model().wDec().toArray())
                .containsExactly(m.composite().wDec().toArray());
        assertThat(old.model().bDec()).containsExactly(p.small().bDec());
        assertThat(mse(old.model().runner(KERNELS), p.x())).isEqualTo(mse(m.model(), p.x()));
        // A stitch.json of kind standard is provenance beside a standard SAE, not a composite.
        java.nio.file.Files.writeString(dir.resolve("stitch.json"), v1.replace("\"composite\",", "\"standard\","));
        assertThat(CompositeManifest.isComposite(dir)).isFalse();
    }
}
