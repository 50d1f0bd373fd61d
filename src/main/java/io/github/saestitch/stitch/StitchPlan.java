package io.github.saestitch.stitch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Exactly which latents a hybrid of S and L has: S's latents {@link #keptSmall} (in that order) followed
 * by L's latents {@link #addedLarge}. Hybrid latent {@code h} is S latent {@code keptSmall[h]} for
 * {@code h < keptSmall.length}, else L latent {@code addedLarge[h − keptSmall.length]}.
 *
 * @param smallLatents  F_S
 * @param largeLatents  F_L
 * @param keptSmall     S latents kept, ascending
 * @param addedLarge    L latents brought in, ascending
 * @param removedSmall  S latents removed (parents of swapped groups), ascending
 * @param swappedGroups ids of the swapped groups, ascending (empty when the plan is not made of groups)
 * @param threshold     τ the groups were formed with
 * @param description   what the plan does, in words (e.g. "S + 657 novel latents of L")
 */
public record StitchPlan(
        int smallLatents,
        int largeLatents,
        int[] keptSmall,
        int[] addedLarge,
        int[] removedSmall,
        int[] swappedGroups,
        double threshold,
        String description) {

    public StitchPlan {
        Objects.requireNonNull(description, "description");
        checkSubset(keptSmall, smallLatents, "kept small latent");
        checkSubset(addedLarge, largeLatents, "added large latent");
        checkSubset(removedSmall, smallLatents, "removed small latent");
        if (keptSmall.length + removedSmall.length != smallLatents) {
            throw new IllegalArgumentException("kept (" + keptSmall.length + ") and removed (" + removedSmall.length
                    + ") small latents must partition all " + smallLatents);
        }
    }

    /** Latents of the hybrid. */
    public int numLatents() {
        return keptSmall.length + addedLarge.length;
    }

    /** Whether the hybrid is S itself. */
    public boolean isIdentity() {
        return removedSmall.length == 0 && addedLarge.length == 0;
    }

    /**
     * The plan for {@code options} on S and L with these decoder similarities and groups (computed
     * with {@code options.threshold()}).
     */
    public static StitchPlan of(DecoderSimilarity sim, SwapGroups groups, StitchOptions options) {
        int fl = sim.maxCos().length;
        int fs = groups.groupOfSmall().length;
        boolean[] add = new boolean[fl];
        String addText;
        switch (options.add()) {
            case StitchOptions.Add.None n -> addText = "";
            case StitchOptions.Add.Novel n -> {
                int c = 0;
                for (int j = 0; j < fl; j++) {
                    if (groups.groupOfLarge()[j] < 0) {
                        add[j] = true;
                        c++;
                    }
                }
                addText = c + " novel latents of L";
            }
            case StitchOptions.Add.All a -> {
                Arrays.fill(add, true);
                addText = "all " + fl + " latents of L";
            }
            case StitchOptions.Add.Listed l -> {
                for (int j : l.latents()) {
                    if (j >= fl) {
                        throw new IllegalArgumentException("--add lists latent " + j + " but the large SAE has " + fl
                                + " latents (0.." + (fl - 1) + ")");
                    }
                    add[j] = true;
                }
                addText = l.latents().length + " listed latents of L";
            }
        }
        int[] swap = switch (options.swap()) {
            case StitchOptions.Swap.None n -> new int[0];
            case StitchOptions.Swap.All a ->
                groups.groups().stream().mapToInt(SwapGroups.Group::id).toArray();
            case StitchOptions.Swap.Listed l -> {
                for (int g : l.groups()) {
                    if (g >= groups.size()) {
                        throw new IllegalArgumentException("--swap lists group " + g + " but at threshold "
                                + options.threshold() + " there are " + groups.size() + " swap groups (0.."
                                + (groups.size() - 1) + ")");
                    }
                }
                yield l.groups();
            }
        };
        String text = addText.isEmpty() ? "" : "adds " + addText;
        if (swap.length > 0) {
            text += (text.isEmpty() ? "" : ", ") + "swaps " + swap.length + " groups";
        }
        return build(fs, fl, add, groups, swap, options.threshold(), text.isEmpty() ? "S unchanged" : "S " + text);
    }

    /** The plan of interpolation row {@code step} of a compare (0 = S). */
    public static StitchPlan forInterpolationStep(CompareResult result, int step) {
        if (step < 0 || step >= result.interpolation().size()) {
            throw new IllegalArgumentException("interpolation step " + step + " is outside 0.."
                    + (result.interpolation().size() - 1));
        }
        int fl = result.latents().size();
        boolean[] add = new boolean[fl];
        List<Integer> swapped = new ArrayList<>();
        for (InterpolationStep s : result.interpolation().subList(1, step + 1)) {
            if (s.action() == InterpolationStep.Action.ADD) {
                add[s.target()] = true;
            } else {
                swapped.add(s.target());
            }
        }
        return build(
                result.small().numLatents(),
                fl,
                add,
                groupsOf(result),
                swapped.stream().mapToInt(Integer::intValue).sorted().toArray(),
                result.threshold(),
                "interpolation step " + step + " of the compare");
    }

    /** S plus latent {@code j} of L: the model whose mse − mse(S) is {@code latents.csv}'s delta_mse. */
    public static StitchPlan forLatent(CompareResult result, int j) {
        int fl = result.latents().size();
        if (j < 0 || j >= fl) {
            throw new IllegalArgumentException("latent " + j + " is outside 0.." + (fl - 1));
        }
        boolean[] add = new boolean[fl];
        add[j] = true;
        return build(
                result.small().numLatents(),
                fl,
                add,
                groupsOf(result),
                new int[0],
                result.threshold(),
                "S + latent " + j + " of L");
    }

    /** S with group {@code g} swapped: the model of {@code groups.csv}'s deltas. */
    public static StitchPlan forGroup(CompareResult result, int g) {
        if (g < 0 || g >= result.groups().size()) {
            throw new IllegalArgumentException(
                    "group " + g + " is outside 0.." + (result.groups().size() - 1));
        }
        return build(
                result.small().numLatents(),
                result.latents().size(),
                new boolean[result.latents().size()],
                groupsOf(result),
                new int[] {g},
                result.threshold(),
                "S with swap group " + g);
    }

    /** The plan for {@code options} on a compare's groups (its τ; {@code options.threshold()} is not used). */
    public static StitchPlan of(CompareResult result, StitchOptions.Add add, StitchOptions.Swap swap) {
        int fl = result.latents().size();
        float[] maxCos = new float[fl];
        int[] nearest = new int[fl];
        for (LatentResult l : result.latents()) {
            maxCos[l.latent()] = l.maxCos();
            nearest[l.latent()] = l.nearest();
        }
        DecoderSimilarity sim = new DecoderSimilarity(
                maxCos, nearest, new DecoderSimilarity.Edges(new int[0], new int[0], new float[0]), result.threshold());
        return of(sim, groupsOf(result), new StitchOptions(add, swap, result.threshold()));
    }

    private static SwapGroups groupsOf(CompareResult result) {
        int[] ofSmall = new int[result.small().numLatents()];
        int[] ofLarge = new int[result.latents().size()];
        Arrays.fill(ofSmall, -1);
        Arrays.fill(ofLarge, -1);
        List<SwapGroups.Group> gs = new ArrayList<>();
        for (SwapGroupResult g : result.groups()) {
            gs.add(new SwapGroups.Group(g.group(), g.parents(), g.children(), g.cosine(), g.numEdges()));
            for (int i : g.parents()) {
                ofSmall[i] = g.group();
            }
            for (int j : g.children()) {
                ofLarge[j] = g.group();
            }
        }
        return new SwapGroups(List.copyOf(gs), ofSmall, ofLarge);
    }

    private static StitchPlan build(
            int fs, int fl, boolean[] add, SwapGroups groups, int[] swapped, double threshold, String description) {
        boolean[] removed = new boolean[fs];
        boolean[] added = add.clone();
        for (int g : swapped) {
            SwapGroups.Group group = groups.groups().get(g);
            for (int i : group.parents()) {
                removed[i] = true;
            }
            for (int j : group.children()) {
                added[j] = true;
            }
        }
        int[] kept = indices(removed, false);
        int[] gone = indices(removed, true);
        int[] in = indices(added, true);
        return new StitchPlan(fs, fl, kept, in, gone, swapped.clone(), threshold, description);
    }

    private static int[] indices(boolean[] mask, boolean value) {
        int c = 0;
        for (boolean b : mask) {
            if (b == value) {
                c++;
            }
        }
        int[] out = new int[c];
        for (int i = 0, k = 0; i < mask.length; i++) {
            if (mask[i] == value) {
                out[k++] = i;
            }
        }
        return out;
    }

    private static void checkSubset(int[] v, int size, String what) {
        Objects.requireNonNull(v, what + "s");
        for (int k = 0; k < v.length; k++) {
            if (v[k] < 0 || v[k] >= size) {
                throw new IllegalArgumentException(what + " " + v[k] + " is outside 0.." + (size - 1));
            }
            if (k > 0 && v[k] <= v[k - 1]) {
                throw new IllegalArgumentException(what + "s must be ascending and distinct");
            }
        }
    }
}
