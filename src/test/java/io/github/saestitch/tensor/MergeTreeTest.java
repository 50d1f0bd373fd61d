package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MergeTree}: with a merge that records its grouping (not associative, not commutative), every cut
 * of the blocks into ranges, pushed in order, gives the tree of the definition (a simple recursive
 * reference), and out-of-order nodes are refused.
 */
class MergeTreeTest {
    private static String merge(String a, String b) {
        return "(" + a + " " + b + ")";
    }

    /** The definition: node (level, index) = merge(left, right) over [index·2^level, …) cut at n. */
    private static String reference(int level, long index, long n) {
        long first = index << level;
        if (level == 0) {
            return Long.toString(first);
        }
        long mid = (2 * index + 1) << (level - 1);
        String left = reference(level - 1, 2 * index, n);
        return mid >= n ? left : merge(left, reference(level - 1, 2 * index + 1, n));
    }

    private static String root(long n) {
        int level = 0;
        while ((1L << level) < n) {
            level++;
        }
        return reference(level, 0, n);
    }

    @Test
    void everyCutGivesTheTreeOfTheDefinition() {
        Random random = new Random(12);
        for (int n = 1; n <= 70; n++) {
            String expected = root(n);
            for (int trial = 0; trial < 20; trial++) {
                List<Long> cuts = new ArrayList<>(List.of(0L));
                for (long b = 1; b < n; b++) {
                    if (random.nextInt(trial % 4 + 2) == 0) {
                        cuts.add(b);
                    }
                }
                cuts.add((long) n);
                MergeTree<String> total = new MergeTree<>(MergeTreeTest::merge);
                for (int k = 0; k + 1 < cuts.size(); k++) {
                    MergeTree<String> task = new MergeTree<>(MergeTreeTest::merge);
                    for (long b = cuts.get(k); b < cuts.get(k + 1); b++) {
                        task.add(b, Long.toString(b));
                    }
                    assertThat(task.nodes().size()).isLessThanOrEqualTo(2 * 64);
                    total.pushAll(task.nodes());
                }
                assertThat(total.result("")).as("n = %d, cuts %s", n, cuts).isEqualTo(expected);
            }
        }
        assertThat(root(5)).isEqualTo("(((0 1) (2 3)) 4)");
        assertThat(new MergeTree<String>(MergeTreeTest::merge).result("none")).isEqualTo("none");
    }

    @Test
    void rangesOfAPowerOfTwoOfUnitsAreOneNodeEach() {
        long[] b = io.github.saestitch.cluster.RangeRunner.bounds(15 * 100 - 7, 100, 3);
        assertThat(b).containsExactly(0, 800, 1493);
        assertThat(io.github.saestitch.cluster.RangeRunner.bounds(1493, 100, 7))
                .containsExactly(0, 300 + 100, 800, 1200, 1493);
        assertThat(io.github.saestitch.cluster.RangeRunner.bounds(5, 100, 4)).containsExactly(0, 5);
        for (long[] bounds : new long[][] {io.github.saestitch.cluster.RangeRunner.bounds(64 * 10, 10, 8)}) {
            for (int k = 0; k + 1 < bounds.length; k++) {
                MergeTree<String> task = new MergeTree<>(MergeTreeTest::merge);
                for (long u = bounds[k] / 10; u < bounds[k + 1] / 10; u++) {
                    task.add(u, Long.toString(u));
                }
                assertThat(task.nodes()).hasSize(1);
            }
        }
    }

    @Test
    void refusesNodesThatDoNotFollow() {
        MergeTree<String> tree = new MergeTree<>(MergeTreeTest::merge);
        tree.add(0, "0");
        assertThatThrownBy(() -> tree.add(2, "2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tree.push(new MergeTree.Node<>(1, 1, "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
