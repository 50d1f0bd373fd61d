package io.github.saestitch.train;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SplitMix64;
import io.github.saestitch.tensor.Vec;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic activation source with known ground-truth latents: Nabeshima's (2024) toy model of feature
 * absorption (Nabeshima, "Matryoshka Sparse Autoencoders"; after Chanin et al. 2024).
 *
 * <p>Binary features form a tree; a child can only be present when its parent is. Each feature is a
 * random direction (mutually orthogonal, in a 30-dimensional space) with magnitude
 * {@code 1 + N(0, 0.05)} when present, and a token's activation is the sum of its present features'
 * vectors: no noise, no bias. The tree is {@code tree.json} of the author's repository that the post
 * links to (github.com/noanabeshima/matryoshka-saes; the post's figure draws the same tree): the root
 * (always on, not a feature) has
 * <ul>
 *   <li>three parents, each present with probability 0.15, whose children are mutually exclusive: one
 *       of three children (0.2 each) or none (0.4) is chosen, so each child is present on 3% of tokens
 *       and always together with its parent;</li>
 *   <li>eight independent features, each present with probability 0.05.</li>
 * </ul>
 * 20 features in all, numbered depth-first: parent 0 with children 1–3, parent 4 with 5–7, parent 8
 * with 9–11, then the singles 12–19. Mean active features per token: 3·0.15·1.6 + 8·0.05 = 1.12.
 *
 * <p>Token {@code i} of the stream is drawn from a SplitMix64 stream keyed by {@code (seed, i)}, so
 * the source is seekable and held-out tokens ({@link #sample} at a far-away offset) never overlap the
 * training stream.
 */
public final class ToyModel {
    /** Dimension of the activation space (Nabeshima 2024: 30). */
    public static final int DIM = 30;
    /** Standard deviation of a present feature's magnitude around 1 (Nabeshima 2024: 0.05). */
    public static final double MAGNITUDE_STD = 0.05;
    /** First token index of {@link #heldOut} samples: far beyond any training stream. */
    public static final long HELD_OUT_OFFSET = 1L << 50;

    /** A tree node: feature index (or -1 for a non-feature), probability, exclusivity, children. */
    private record Node(int feature, double prob, boolean exclusiveChildren, List<Node> children) {}

    private final long seed;
    private final Node root;
    private final int numFeatures;
    private final int[] parent; // [numFeatures] parent feature, -1 for top-level features
    private final float[] directions; // [numFeatures, DIM] orthonormal feature directions

    private ToyModel(long seed, Node root, int numFeatures, int[] parent) {
        this.seed = seed;
        this.root = root;
        this.numFeatures = numFeatures;
        this.parent = parent;
        this.directions = orthonormal(numFeatures, DIM, SplitMix64.stream(seed, 0xD1_0000L));
    }

    /** Nabeshima's tree (see the class comment), with directions drawn from {@code seed}. */
    public static ToyModel absorptionTree(long seed) {
        List<Node> top = new ArrayList<>();
        int[] parent = new int[20];
        int f = 0;
        for (int p = 0; p < 3; p++) {
            int pf = f++;
            parent[pf] = -1;
            List<Node> kids = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                parent[f] = pf;
                kids.add(new Node(f++, 0.2, false, List.of()));
            }
            kids.add(new Node(-1, 0.4, false, List.of())); // "no child"
            top.add(new Node(pf, 0.15, true, kids));
        }
        for (int s = 0; s < 8; s++) {
            parent[f] = -1;
            top.add(new Node(f++, 0.05, false, List.of()));
        }
        return new ToyModel(seed, new Node(-1, 1.0, false, top), f, parent);
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int dIn() {
        return DIM;
    }

    /** Parent feature of feature {@code f}, or -1. */
    public int parentOf(int f) {
        return parent[f];
    }

    /** Features that have children. */
    public List<Integer> parents() {
        List<Integer> out = new ArrayList<>();
        for (int f = 0; f < numFeatures; f++) {
            for (int c = 0; c < numFeatures; c++) {
                if (parent[c] == f) {
                    out.add(f);
                    break;
                }
            }
        }
        return out;
    }

    /** The ground-truth directions, a new {@code [numFeatures, DIM]} matrix of orthonormal rows. */
    public FloatMatrix directions() {
        return FloatMatrix.wrap(directions.clone(), numFeatures, DIM);
    }

    /**
     * Tokens {@code [first, first + n)} of the stream: their feature magnitudes and activations.
     *
     * @param features [n, numFeatures] written: the magnitude of each present feature, 0 when absent
     * @param acts     [n, DIM] written: {@code Σ_f features[t, f] · direction_f}
     */
    public void fill(long first, FloatMatrix features, FloatMatrix acts) {
        int n = acts.rows();
        float[] feat = new float[numFeatures];
        float[] row = new float[DIM];
        for (int t = 0; t < n; t++) {
            java.util.Arrays.fill(feat, 0f);
            SplitMix64 rng = SplitMix64.stream(seed, first + t);
            sample(root, true, null, rng, feat);
            java.util.Arrays.fill(row, 0f);
            for (int f = 0; f < numFeatures; f++) {
                if (feat[f] != 0f) {
                    Vec.axpyUnfusedTail(feat[f], directions, f * DIM, row, 0, DIM);
                }
            }
            acts.setRow(t, row);
            if (features != null) {
                features.setRow(t, feat);
            }
        }
    }

    private static void sample(Node node, boolean parentActive, Boolean forced, SplitMix64 rng, float[] feat) {
        boolean active = rng.nextDouble() < node.prob;
        double magnitude = 1 + MAGNITUDE_STD * rng.nextGaussian();
        if (forced != null) {
            active = forced;
        }
        active &= parentActive;
        if (node.feature >= 0 && active) {
            feat[node.feature] = (float) magnitude;
        }
        int chosen = -1;
        if (node.exclusiveChildren) {
            double total = 0;
            for (Node c : node.children) {
                total += c.prob;
            }
            double u = rng.nextDouble() * total;
            chosen = node.children.size() - 1;
            for (int i = 0; i < node.children.size(); i++) {
                u -= node.children.get(i).prob;
                if (u < 0) {
                    chosen = i;
                    break;
                }
            }
        }
        for (int i = 0; i < node.children.size(); i++) {
            sample(node.children.get(i), active, node.exclusiveChildren ? (Boolean) (i == chosen) : null, rng, feat);
        }
    }

    /** The training stream as a {@link BatchSource} (token i at position i). */
    public BatchSource batchSource() {
        return new BatchSource() {
            private long position;

            @Override
            public int dIn() {
                return DIM;
            }

            @Override
            public void next(FloatMatrix dst) {
                fill(position, null, dst);
                position += dst.rows();
            }

            @Override
            public long position() {
                return position;
            }

            @Override
            public void seek(long p) {
                position = p;
            }

            @Override
            public String describe() {
                return "Nabeshima toy model (seed " + seed + ", " + numFeatures + " features in " + DIM + " dims)";
            }
        };
    }

    /** {@code n} held-out tokens (from {@link #HELD_OUT_OFFSET}) with their ground truth. */
    public Sample heldOut(int n) {
        FloatMatrix feat = FloatMatrix.zeros(n, numFeatures);
        FloatMatrix acts = FloatMatrix.zeros(n, DIM);
        fill(HELD_OUT_OFFSET, feat, acts);
        return new Sample(feat, new MatrixActivationSet(acts, "Nabeshima toy model held-out tokens"));
    }

    /**
     * Tokens with their ground truth.
     *
     * @param features [n, numFeatures] magnitudes of the present features (0 = absent)
     * @param acts     [n, DIM] activations
     */
    public record Sample(FloatMatrix features, MatrixActivationSet acts) {}

    /** {@code n} orthonormal rows of length {@code dim} by Gram–Schmidt on Gaussian vectors (n ≤ dim). */
    static float[] orthonormal(int n, int dim, SplitMix64 rng) {
        double[][] v = new double[n][dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                v[i][j] = rng.nextGaussian();
            }
            for (int pass = 0; pass < 2; pass++) { // twice: re-orthogonalisation keeps it exact in double
                for (int q = 0; q < i; q++) {
                    double dot = 0;
                    for (int j = 0; j < dim; j++) {
                        dot += v[i][j] * v[q][j];
                    }
                    for (int j = 0; j < dim; j++) {
                        v[i][j] -= dot * v[q][j];
                    }
                }
            }
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                norm += v[i][j] * v[i][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim; j++) {
                v[i][j] /= norm;
            }
        }
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                out[i * dim + j] = (float) v[i][j];
            }
        }
        return out;
    }
}
