package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.eval.InMemoryActivationSet;
import io.github.saestitch.stitch.StitchFixtures.Arch;
import io.github.saestitch.stitch.StitchFixtures.Pair;
import io.github.saestitch.stitch.StitchFixtures.Spec;
import io.github.saestitch.tensor.ScalarKernels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ComparePass.Sums}: the pass run per shard of the tokens and merged in token order gives one
 * pass's sums (counts exactly, double sums to rounding), and the merge depends only on the shard sums
 * and their order, not on where or in which order the shards were computed.
 */
class ComparePassTest {
    private static final ScalarKernels KERNELS = new ScalarKernels();
    /** Merged vs one pass: double addition in another order, relative to the S squared-error sum. */
    private static final double REL = 1e-12;

    @Test
    void shardsMergedInOrderGiveOnePassAndTheMergeIsOrderFixed() throws Exception {
        Spec spec = new Spec(Arch.JUMPRELU, Arch.RELU, true, false, false, 24, 14, 36, 2500, 0, 0.7, 77);
        Pair p = StitchFixtures.pair(spec);
        InMemoryActivationSet set = new InMemoryActivationSet(p.x(), "x");
        DecoderSimilarity sim =
                DecoderSimilarity.compute(KERNELS, p.large().wDec(), p.small().wDec(), spec.threshold());
        SwapGroups groups = SwapGroups.build(p.small().numLatents(), p.large().numLatents(), sim.edges());
        ComparePass.Plan plan = ComparePass.Plan.of(sim, groups);
        long n = p.x().rows();
        // Odd shards, one of a single token, one empty, one longer than a pass block (ComparePass.PASS_TOKENS).
        long[] bounds = {0, 1, 300, 300, 301, 2450, n};
        int workers = 2;
        ComparePass pass = new ComparePass(p.small(), p.large(), KERNELS, 64, workers);
        ComparePass.Sums whole = pass.run(set, 0, n, plan, null, CompareProgress.NONE);
        List<ComparePass.Sums> shards = new ArrayList<>();
        for (int k = 0; k + 1 < bounds.length; k++) {
            shards.add(pass.run(set, bounds[k], bounds[k + 1], plan, null, CompareProgress.NONE));
        }
        ComparePass.Sums merged = mergeInOrder(shards);
        assertClose(merged, whole, REL * whole.sseSmall());
        assertThat(merged.perToken(merged.sseSmall()))
                .isCloseTo(whole.perToken(whole.sseSmall()), within(REL * whole.perToken(whole.sseSmall())));

        // The same shards computed in reverse order by another pass object, one of them sent through
        // Java serialization (as to a driver), merged in token order: the same bits.
        ComparePass other = new ComparePass(p.small(), p.large(), KERNELS, 64, workers);
        ComparePass.Sums[] again = new ComparePass.Sums[shards.size()];
        for (int k = again.length - 1; k >= 0; k--) {
            again[k] = other.run(set, bounds[k], bounds[k + 1], plan, null, CompareProgress.NONE);
        }
        again[3] = roundTrip(again[3]);
        assertIdentical(mergeInOrder(List.of(again)), merged);
        // The empty sums are the merge's identity.
        ComparePass.Sums empty = ComparePass.Sums.empty(
                p.small().dIn(), p.small().numLatents(), p.large().numLatents(), plan);
        assertIdentical(empty.merge(whole).merge(empty), whole);
    }

    @Test
    void sumsDependOnTheDataNotOnThreadsOrHowTheTokensAreCutIntoTasks() throws Exception {
        Spec spec = new Spec(Arch.RELU, Arch.JUMPRELU, true, false, false, 20, 12, 30, 5300, 0, 0.7, 91);
        Pair p = StitchFixtures.pair(spec);
        InMemoryActivationSet set = new InMemoryActivationSet(p.x(), "x");
        ComparePass.Plan plan = planOf(p, spec);
        long n = p.x().rows();
        // An encoder block that does not divide the pass block, so the pass block is rounded up to chunks.
        ComparePass one = new ComparePass(p.small(), p.large(), KERNELS, 100, 1);
        ComparePass.Sums reference = one.run(set, 0, n, plan, null, CompareProgress.NONE);
        for (int workers : new int[] {2, 3, 7}) {
            ComparePass pass = new ComparePass(p.small(), p.large(), KERNELS, 100, workers);
            assertIdentical(pass.run(set, 0, n, plan, null, CompareProgress.NONE), reference);
        }
        int block = one.passBlockTokens();
        assertThat(block % ComparePass.CHUNK_TOKENS).isZero();
        // Tasks of 1, 2 or uneven numbers of pass blocks, computed in reverse and sent through
        // serialization, their nodes pushed in token order: the bits of one pass.
        for (long[] cuts : new long[][] {{0, n}, {0, block, n}, {0, block, 2L * block, n}, {0, 2L * block, n}}) {
            List<List<io.github.saestitch.tensor.MergeTree.Node<ComparePass.Sums>>> parts = new ArrayList<>();
            for (int k = cuts.length - 2; k >= 0; k--) {
                ComparePass pass = new ComparePass(p.small(), p.large(), KERNELS, 100, 1 + k);
                parts.addFirst(roundTrip(pass.nodes(set, cuts[k], cuts[k + 1], plan, CompareProgress.NONE)));
            }
            io.github.saestitch.tensor.MergeTree<ComparePass.Sums> tree =
                    new io.github.saestitch.tensor.MergeTree<>(ComparePass.Sums::merge);
            parts.forEach(tree::pushAll);
            assertIdentical(tree.result(null), reference);
        }
        assertThatThrownBy(() -> one.nodes(set, 1, n, plan, CompareProgress.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The interpolation plan of a fixture pair (decoder cosines and swap groups at its threshold). */
    private static ComparePass.Plan planOf(Pair p, Spec spec) {
        DecoderSimilarity sim =
                DecoderSimilarity.compute(KERNELS, p.large().wDec(), p.small().wDec(), spec.threshold());
        SwapGroups groups = SwapGroups.build(p.small().numLatents(), p.large().numLatents(), sim.edges());
        return ComparePass.Plan.of(sim, groups);
    }

    private static ComparePass.Sums mergeInOrder(List<ComparePass.Sums> shards) {
        ComparePass.Sums acc = shards.get(0);
        for (int k = 1; k < shards.size(); k++) {
            acc = acc.merge(shards.get(k));
        }
        return acc;
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    private static void assertClose(ComparePass.Sums a, ComparePass.Sums b, double tol) {
        assertThat(a.tokens()).isEqualTo(b.tokens());
        assertThat(a.countSmall()).containsExactly(b.countSmall());
        assertThat(a.countLarge()).containsExactly(b.countLarge());
        assertThat(a.sseSmall()).isCloseTo(b.sseSmall(), within(tol));
        assertThat(a.sseLarge()).isCloseTo(b.sseLarge(), within(tol));
        assertThat(a.sst()).isCloseTo(b.sst(), within(REL * b.sst()));
        for (int k = 0; k < a.mean().length; k++) {
            assertThat(a.mean()[k]).isCloseTo(b.mean()[k], within(REL * (1 + Math.abs(b.mean()[k]))));
        }
        close(a.deltaLatent(), b.deltaLatent(), tol);
        close(a.deltaGroup(), b.deltaGroup(), tol);
        close(a.deltaStep(), b.deltaStep(), tol);
        close(a.deltaExtend(), b.deltaExtend(), tol);
    }

    private static void close(double[] a, double[] b, double tol) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("entry %d", i).isCloseTo(b[i], within(tol));
        }
    }

    private static void assertIdentical(ComparePass.Sums a, ComparePass.Sums b) {
        assertThat(a.tokens()).isEqualTo(b.tokens());
        assertThat(Double.doubleToRawLongBits(a.sseSmall())).isEqualTo(Double.doubleToRawLongBits(b.sseSmall()));
        assertThat(Double.doubleToRawLongBits(a.sseLarge())).isEqualTo(Double.doubleToRawLongBits(b.sseLarge()));
        for (double[][] pair : new double[][][] {
            {a.mean(), b.mean()},
            {a.m2(), b.m2()},
            {a.sumSmall(), b.sumSmall()},
            {a.sumSqSmall(), b.sumSqSmall()},
            {a.sumLarge(), b.sumLarge()},
            {a.sumSqLarge(), b.sumSqLarge()},
            {a.deltaLatent(), b.deltaLatent()},
            {a.deltaGroup(), b.deltaGroup()},
            {a.deltaStep(), b.deltaStep()},
            {a.deltaExtend(), b.deltaExtend()}
        }) {
            assertThat(pair[0]).containsExactly(pair[1]);
        }
        assertThat(a.countSmall()).containsExactly(b.countSmall());
        assertThat(a.countLarge()).containsExactly(b.countLarge());
    }
}
