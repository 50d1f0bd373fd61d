package io.github.saestitch.frankenstein;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MaxCosine;
import java.util.Arrays;
import java.util.Objects;

/**
 * The stitching post's Frankenstein rule (docs/definitions.md#frankenstein; Bussmann, Leask et al.
 * 2024): start from the smallest SAE; for each wider SAE in turn add every latent whose largest
 * decoder cosine against all latents currently in the Frankenstein is below τ.
 *
 * <p><b>"Currently" is the Frankenstein before this SAE's round.</b> The wording leaves open whether
 * latents added from the same wider SAE a moment earlier count. We compare against the Frankenstein as
 * it was before the round, for three reasons: (1) the round is then exactly "add the novel latents of
 * the pair (Frankenstein, L)" — the stitching step the source builds on — so each round is a compare
 * of two models; (2) the result does not depend on the arbitrary index order inside L (comparing
 * within the round would keep whichever of two similar latents of L has the lower index and drop the
 * other); (3) the latents of one SAE were trained jointly as one dictionary, so L itself already
 * decided they are distinct enough to coexist. (Within-round duplicates are rare anyway: decoder rows
 * of one trained SAE rarely exceed cosine 0.7 with each other.)
 *
 * <p>The test is strict ({@code max_cos < τ}) as the post's Frankenstein recipe says (the
 * stitching "novel" label uses {@code ≤}; the two differ only on an exact tie). Cost: one blocked
 * decoder-cosine sweep per round, {@code 2·F_L·F_current·d} flops ({@link Kernels#maxCosine}).
 */
public final class CosineSelection {
    private CosineSelection() {}

    /**
     * The cosine Frankenstein of {@code family} at threshold {@code tau}; stage s holds the latents added from member
     * s.
     */
    public static Selection select(Family family, Kernels kernels, double tau) {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(kernels, "kernels");
        if (!(tau > -1 && tau <= 1)) {
            throw new IllegalArgumentException("the cosine threshold must lie in (-1, 1], got " + tau);
        }
        int d = family.dIn();
        int cap = family.member(0).width() + family.candidateCount();
        int[] src = new int[cap];
        int[] lat = new int[cap];
        int[] stage = new int[cap];
        double[] cos = new double[cap];
        double[] delta = new double[cap];
        Arrays.fill(cos, Double.NaN);
        Arrays.fill(delta, Double.NaN);
        int f = family.member(0).width();
        for (int i = 0; i < f; i++) {
            lat[i] = i;
        }
        float[] dec = new float[Math.multiplyExact(cap, d)]; // [cap, d] the Frankenstein's decoder rows, filled up to f
        float[] base = family.sae(0).wDec().toArray();
        System.arraycopy(base, 0, dec, 0, base.length);
        for (int s = 1; s < family.size(); s++) {
            FloatMatrix wl = family.sae(s).wDec();
            MaxCosine mc = kernels.maxCosine(wl, FloatMatrix.wrap(dec, cap, d).rowSlice(0, f));
            int before = f;
            for (int j = 0; j < wl.rows(); j++) {
                if (mc.max()[j] < tau) {
                    src[f] = s;
                    lat[f] = j;
                    stage[f] = s;
                    cos[f] = mc.max()[j];
                    f++;
                }
            }
            for (int h = before; h < f; h++) {
                System.arraycopy(wl.row(lat[h]), 0, dec, h * d, d);
            }
        }
        return new Selection(
                "cosine",
                Arrays.copyOf(src, f),
                Arrays.copyOf(lat, f),
                Arrays.copyOf(stage, f),
                Arrays.copyOf(cos, f),
                Arrays.copyOf(delta, f));
    }
}
