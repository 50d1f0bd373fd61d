package io.github.saestitch.stitch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The swap groups (docs/definitions.md#swap-groups): the connected components of the bipartite parent/child graph
 * whose edges are the decoder-cosine pairs {@code cos(W_dec^L[j], W_dec^S[i]) > τ} (Bussmann, Leask et al. 2024,
 * "Can we swap features between SAEs?": "connected subgraphs represent potential swaps"). Swapping a group replaces
 * all its parents (latents of S) by all its children (latents of L).
 *
 * <p>Only latents with at least one edge belong to a group, so every group has ≥ 1 parent and ≥ 1
 * child, groups are disjoint, and the children of all groups are exactly the reconstruction latents
 * of L. <b>Numbering:</b> groups are numbered 0, 1, … in increasing order of their smallest parent
 * index (a property of the graph alone, so ids are stable across runs with the same τ whatever the
 * activations). <b>Group cosine:</b> the largest cosine of any edge in the group, i.e. how confidently
 * the group is a split of S's latents; the interpolation swaps groups in descending group cosine.
 *
 * @param groups       the groups, index = id
 * @param groupOfSmall [F_S] group of each S latent, −1 when it has no child
 * @param groupOfLarge [F_L] group of each L latent, −1 when it is novel (no parent)
 */
public record SwapGroups(List<Group> groups, int[] groupOfSmall, int[] groupOfLarge) {

    /**
     * One swap group.
     *
     * @param id       its number (see the class comment)
     * @param parents  latents of S, ascending
     * @param children latents of L, ascending
     * @param cosine   the largest edge cosine in the group
     * @param numEdges the number of parent/child edges in the group
     */
    public record Group(int id, int[] parents, int[] children, float cosine, int numEdges) {}

    public int size() {
        return groups.size();
    }

    /** The components of the graph with these edges, over {@code fSmall} latents of S and {@code fLarge} of L. */
    public static SwapGroups build(int fSmall, int fLarge, DecoderSimilarity.Edges edges) {
        Objects.requireNonNull(edges, "edges");
        // Union-find over F_S + F_L nodes: S latent i is node i, L latent j is node F_S + j.
        int[] up = new int[fSmall + fLarge];
        for (int v = 0; v < up.length; v++) {
            up[v] = v;
        }
        for (int e = 0; e < edges.size(); e++) {
            int a = find(up, edges.parent()[e]);
            int b = find(up, fSmall + edges.child()[e]);
            if (a != b) {
                up[Math.max(a, b)] = Math.min(a, b); // the root is the smallest node: a parent, if any
            }
        }
        // Every component with an edge has a parent, and the smallest node of it is its smallest parent,
        // so scanning S latents in order meets the roots in group-id order.
        int[] groupOfRoot = new int[up.length];
        Arrays.fill(groupOfRoot, -1);
        int[] groupOfSmall = new int[fSmall];
        int[] groupOfLarge = new int[fLarge];
        Arrays.fill(groupOfSmall, -1);
        Arrays.fill(groupOfLarge, -1);
        boolean[] hasEdgeSmall = new boolean[fSmall];
        for (int e = 0; e < edges.size(); e++) {
            hasEdgeSmall[edges.parent()[e]] = true;
        }
        int numGroups = 0;
        int[] parentCount = new int[Math.max(1, fSmall)];
        for (int i = 0; i < fSmall; i++) {
            if (hasEdgeSmall[i]) {
                int root = find(up, i);
                if (groupOfRoot[root] < 0) {
                    groupOfRoot[root] = numGroups++;
                }
                groupOfSmall[i] = groupOfRoot[root];
                parentCount[groupOfSmall[i]]++;
            }
        }
        int[] childCount = new int[Math.max(1, numGroups)];
        int[] edgeCount = new int[Math.max(1, numGroups)];
        float[] cosine = new float[Math.max(1, numGroups)];
        Arrays.fill(cosine, Float.NEGATIVE_INFINITY);
        for (int e = 0; e < edges.size(); e++) {
            int j = edges.child()[e];
            int g = groupOfSmall[edges.parent()[e]];
            if (groupOfLarge[j] < 0) {
                groupOfLarge[j] = g;
                childCount[g]++;
            }
            edgeCount[g]++;
            cosine[g] = Math.max(cosine[g], edges.cos()[e]);
        }
        int[][] parents = new int[numGroups][];
        int[][] children = new int[numGroups][];
        for (int g = 0; g < numGroups; g++) {
            parents[g] = new int[parentCount[g]];
            children[g] = new int[childCount[g]];
        }
        int[] fill = new int[Math.max(1, numGroups)];
        for (int i = 0; i < fSmall; i++) {
            int g = groupOfSmall[i];
            if (g >= 0) {
                parents[g][fill[g]++] = i;
            }
        }
        Arrays.fill(fill, 0);
        for (int j = 0; j < fLarge; j++) {
            int g = groupOfLarge[j];
            if (g >= 0) {
                children[g][fill[g]++] = j;
            }
        }
        List<Group> groups = new ArrayList<>(numGroups);
        for (int g = 0; g < numGroups; g++) {
            groups.add(new Group(g, parents[g], children[g], cosine[g], edgeCount[g]));
        }
        return new SwapGroups(List.copyOf(groups), groupOfSmall, groupOfLarge);
    }

    private static int find(int[] up, int v) {
        while (up[v] != v) {
            up[v] = up[up[v]];
            v = up[v];
        }
        return v;
    }
}
