package io.github.saestitch.frankenstein;

import java.util.Arrays;
import java.util.Objects;

/**
 * Which latents of a {@link Family} a Frankenstein has, in the order they were chosen: latent h of the
 * Frankenstein is latent {@code latent[h]} of family member {@code source[h]}. Every prefix of the
 * order is itself a Frankenstein (the state after some stage or step), which is what lets one decoder
 * refit serve all of them ({@link DecoderRefit}).
 *
 * @param name     the selection rule: {@code cosine} or {@code greedy}
 * @param source   [F] family member of each latent
 * @param latent   [F] its index in that member
 * @param stage    [F] when it was chosen: 0 for the smallest SAE's latents; for {@code cosine} the
 *                 family member whose round added it, for {@code greedy} the step (1, 2, ...)
 * @param maxCos   [F] for {@code cosine}: its largest decoder cosine to the Frankenstein before its
 *                 round; NaN where undefined (stage 0, greedy)
 * @param deltaMse [F] for {@code greedy}: the exact mse change it made when it was added (selection
 *                 tokens); NaN where undefined (stage 0, cosine)
 */
public record Selection(String name, int[] source, int[] latent, int[] stage, double[] maxCos, double[] deltaMse) {
    public Selection {
        Objects.requireNonNull(name, "name");
        int f = source.length;
        if (latent.length != f || stage.length != f || maxCos.length != f || deltaMse.length != f) {
            throw new IllegalArgumentException("selection arrays differ in length");
        }
    }

    public int numLatents() {
        return source.length;
    }

    /** The first {@code m} latents as a selection. */
    public Selection prefix(int m) {
        if (m < 0 || m > numLatents()) {
            throw new IllegalArgumentException("prefix " + m + " outside [0, " + numLatents() + "]");
        }
        return new Selection(
                name,
                Arrays.copyOf(source, m),
                Arrays.copyOf(latent, m),
                Arrays.copyOf(stage, m),
                Arrays.copyOf(maxCos, m),
                Arrays.copyOf(deltaMse, m));
    }

    /** Number of latents with {@code stage ≤ s} (the selection is ordered by stage). */
    public int sizeThroughStage(int s) {
        int m = 0;
        while (m < stage.length && stage[m] <= s) {
            m++;
        }
        return m;
    }

    /** Number of latents taken from family member {@code s}. */
    public int countFrom(int s) {
        int c = 0;
        for (int v : source) {
            if (v == s) {
                c++;
            }
        }
        return c;
    }
}
