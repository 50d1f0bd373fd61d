package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.MaxCosine;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link DecoderSimilarity} and {@link SwapGroups} against brute force and hand-worked cases. */
class DecoderSimilarityTest {
    private static final ScalarKernels KERNELS = new ScalarKernels();

    @Test
    void blockedSweepEqualsBruteForceForEveryTiling() {
        Random rnd = new Random(7);
        int d = 9, fs = 13, fl = 29;
        FloatMatrix small = FloatMatrix.zeros(fs, d);
        FloatMatrix large = FloatMatrix.zeros(fl, d);
        for (int i = 0; i < fs; i++) {
            for (int c = 0; c < d; c++) {
                small.set(i, c, (float) rnd.nextGaussian());
            }
        }
        for (int j = 0; j < fl; j++) {
            int parent = rnd.nextInt(fs);
            boolean child = j % 2 == 0;
            for (int c = 0; c < d; c++) {
                large.set(
                        j,
                        c,
                        child ? small.get(parent, c) + 0.3f * (float) rnd.nextGaussian() : (float) rnd.nextGaussian());
            }
        }
        for (int c = 0; c < d; c++) {
            large.set(5, c, 0f); // a zero row: cosine 0 with everything
        }
        double tau = 0.7;
        List<long[]> expected = new ArrayList<>();
        for (int j = 0; j < fl; j++) {
            for (int i = 0; i < fs; i++) {
                double cos = StitchFixtures.cos(LiteralStitch.row(large, j), LiteralStitch.row(small, i));
                if (Math.abs(cos - tau) > 1e-5 && cos > tau) {
                    expected.add(new long[] {j, i});
                }
            }
        }
        MaxCosine reference = KERNELS.maxCosine(large, small);
        for (int[] tile : new int[][] {{1, 1}, {3, 5}, {29, 13}, {1024, 4096}, {7, 2}}) {
            DecoderSimilarity sim = DecoderSimilarity.compute(KERNELS, large, small, tau, tile[0], tile[1]);
            assertThat(sim.maxCos()).as("tile %dx%d", tile[0], tile[1]).containsExactly(reference.max());
            assertThat(sim.nearest()).containsExactly(reference.index());
            DecoderSimilarity.Edges e = sim.edges();
            assertThat(e.size()).isEqualTo(expected.size());
            for (int k = 0; k < e.size(); k++) {
                assertThat(new long[] {e.child()[k], e.parent()[k]}).containsExactly(expected.get(k));
                assertThat(e.cos()[k]).isGreaterThan((float) tau);
            }
            for (int j = 0; j < fl; j++) { // novel ⇔ no edge, exactly
                final int jj = j;
                boolean hasEdge = java.util.stream.IntStream.range(0, e.size()).anyMatch(k -> e.child()[k] == jj);
                assertThat(sim.maxCos()[j] > tau).isEqualTo(hasEdge);
            }
        }
        assertThat(DecoderSimilarity.compute(KERNELS, large, small, tau).maxCos()[5])
                .isZero();
    }

    /**
     * The screened row reduce against the plain scan, tile after tile on the same running state: random
     * rows of odd lengths with ties, NaNs and values at and around τ's float neighbours.
     */
    @Test
    void screenedRowReduceEqualsThePlainScan() {
        Random rnd = new Random(11);
        double tau = 0.7;
        float f = (float) tau;
        float[] special = {f, Math.nextUp(f), Math.nextDown(f), Float.NaN, 0.69999999f, 0.70000005f};
        for (int w : new int[] {1, 3, 16, 17, 63, 200}) {
            int rows = 5;
            float[] maxA = new float[rows], maxB = new float[rows];
            int[] argA = new int[rows], argB = new int[rows];
            java.util.Arrays.fill(maxA, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(maxB, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(argA, -1);
            java.util.Arrays.fill(argB, -1);
            DecoderSimilarity.EdgeBuffer ea = new DecoderSimilarity.EdgeBuffer();
            DecoderSimilarity.EdgeBuffer eb = new DecoderSimilarity.EdgeBuffer();
            for (int tileNo = 0; tileNo < 12; tileNo++) {
                float[] tile = new float[rows * w];
                for (int k = 0; k < tile.length; k++) {
                    int kind = rnd.nextInt(10);
                    tile[k] = kind == 0
                            ? special[rnd.nextInt(special.length)]
                            : kind == 1 ? 0.25f : (float) (0.3 * rnd.nextGaussian());
                }
                for (int j = 0; j < rows; j++) {
                    DecoderSimilarity.reduceRow(tile, j * w, w, tileNo * w, j, maxA, argA, tau, ea);
                    DecoderSimilarity.reduceRowReference(tile, j * w, w, tileNo * w, j, maxB, argB, tau, eb);
                }
            }
            assertThat(maxA).as("w=%d", w).containsExactly(maxB);
            assertThat(argA).containsExactly(argB);
            DecoderSimilarity.Edges a = ea.toEdges(), b = eb.toEdges();
            assertThat(a.child()).containsExactly(b.child());
            assertThat(a.parent()).containsExactly(b.parent());
            assertThat(a.cos()).containsExactly(b.cos());
        }
    }

    /**
     * Edges (child, parent): (0,1) (1,1) (2,3) (2,4) (3,4) (5,0). Components: {S0, L5}, {S1, L0, L1},
     * {S3, S4, L2, L3}; S2 and L4 have no edge.
     */
    @Test
    void groupsAreComponentsNumberedBySmallestParent() {
        DecoderSimilarity.Edges edges =
                new DecoderSimilarity.Edges(new int[] {0, 1, 2, 2, 3, 5}, new int[] {1, 1, 3, 4, 4, 0}, new float[] {
                    0.9f, 0.8f, 0.75f, 0.95f, 0.71f, 0.99f
                });
        SwapGroups g = SwapGroups.build(5, 6, edges);
        assertThat(g.size()).isEqualTo(3);
        assertThat(g.groups().get(0).parents()).containsExactly(0);
        assertThat(g.groups().get(0).children()).containsExactly(5);
        assertThat(g.groups().get(0).cosine()).isEqualTo(0.99f);
        assertThat(g.groups().get(1).parents()).containsExactly(1);
        assertThat(g.groups().get(1).children()).containsExactly(0, 1);
        assertThat(g.groups().get(1).numEdges()).isEqualTo(2);
        assertThat(g.groups().get(2).parents()).containsExactly(3, 4);
        assertThat(g.groups().get(2).children()).containsExactly(2, 3);
        assertThat(g.groups().get(2).cosine()).isEqualTo(0.95f);
        assertThat(g.groups().get(2).numEdges()).isEqualTo(3);
        assertThat(g.groupOfSmall()).containsExactly(0, 1, -1, 2, 2);
        assertThat(g.groupOfLarge()).containsExactly(1, 1, 2, 2, -1, 0);
    }
}
