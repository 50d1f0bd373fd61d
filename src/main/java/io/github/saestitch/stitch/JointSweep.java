package io.github.saestitch.stitch;

import java.util.List;

/**
 * The joint effect of the novel latents at every threshold (docs/definitions.md#joint-effects): the exact
 * mse of S + every latent of L with max_cos ≤ τ, for every τ up to {@link #limit}. The latents enter in
 * ascending max_cos (ties: lower index), so each τ's model is a prefix of {@link #path}: up to the
 * compare's τ these are the interpolation path's add rows (the same numbers), above it the pass adds the
 * reconstruction latents with max_cos ≤ limit in the same order. Computed in the compare's one pass.
 *
 * @param path    row 0 = S, row k = S + the k latents of lowest max_cos ({@code cosine} = the k-th latent's
 *                max_cos, {@code action} add); the rows of one max_cos value all enter together for a τ
 * @param minimum the row of lowest mse among the rows that a threshold selects (the last row of a run of
 *                equal max_cos; row 0 included)
 * @param limit   the largest τ covered: max(compare τ, the sweep's largest τ)
 */
public record JointSweep(List<InterpolationStep> path, int minimum, double limit) {
    public JointSweep {
        path = List.copyOf(path);
    }

    /**
     * The τ minimising the joint mse: the max_cos of the last latent of the best prefix (every τ from
     * there to the next latent's max_cos selects the same latents); NaN when adding nothing is best.
     */
    public double minimumThreshold() {
        return minimum == 0 ? Double.NaN : path.get(minimum).cosine();
    }

    /** The row of the minimum. */
    public InterpolationStep minimumRow() {
        return path.get(minimum);
    }

    /** The mse of S + every latent with max_cos ≤ τ (τ ≤ {@link #limit}): the last row with cosine ≤ τ. */
    public InterpolationStep at(double tau) {
        if (tau > limit) {
            throw new IllegalArgumentException("the joint sweep covers τ ≤ " + limit + ", not " + tau);
        }
        int k = 0;
        while (k + 1 < path.size() && path.get(k + 1).cosine() <= tau) {
            k++;
        }
        return path.get(k);
    }

    /** The shape of the whole path (is it monotone?). */
    public PathShape shape() {
        return PathShape.of(path, path.size());
    }

    /** Row {@code minimum} for a path: the lowest mse among rows a threshold can select. */
    static int minimumOf(List<InterpolationStep> path) {
        int best = 0;
        for (int k = 1; k < path.size(); k++) {
            boolean selectable = k + 1 == path.size()
                    || path.get(k + 1).cosine() > path.get(k).cosine();
            if (selectable && path.get(k).mse() < path.get(best).mse()) {
                best = k;
            }
        }
        return best;
    }
}
