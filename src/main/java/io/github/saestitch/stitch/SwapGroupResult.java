package io.github.saestitch.stitch;

/**
 * One swap group and what swapping it into S does: one row of {@code groups.csv}.
 *
 * @param group    id (groups are numbered by their smallest parent; see {@link SwapGroups})
 * @param parents  latents of S the swap removes, ascending
 * @param children latents of L the swap adds, ascending
 * @param cosine   the group's cosine: its largest parent/child edge cosine (the interpolation swaps
 *                 groups in descending order of it)
 * @param numEdges parent/child edges in the group
 * @param deltaMse mse(S − parents + children) − mse(S)
 * @param deltaL0  l0(S − parents + children) − l0(S) = Σ freq(children) − Σ freq(parents)
 * @param step     the interpolation step that swaps this group
 */
public record SwapGroupResult(
        int group,
        int[] parents,
        int[] children,
        float cosine,
        int numEdges,
        double deltaMse,
        double deltaL0,
        int step) {}
