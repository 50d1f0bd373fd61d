package io.github.saestitch.stitch;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;
import java.util.Objects;

/**
 * A hybrid of S and L that is not one standard SAE: each latent keeps the activation it has inside its own source
 * SAE, encoders included (docs/definitions.md#folding-b_dec-into-the-bias: a topk latent moved from L keeps the
 * activation it has inside L). A topk latent's activation depends on the whole source SAE (it is active only if it
 * is among that SAE's k largest), so it cannot be moved into another SAE's top-k, nor written as a per-latent
 * threshold.
 *
 * <p>encode(x) runs S and L (each with its own encoder, b_dec handling and activation) and keeps the
 * plan's latents: S latent {@code keptSmall[h]} becomes hybrid latent h, L latent {@code addedLarge[q]}
 * hybrid latent {@code keptSmall.length + q}. decode is {@code codes · W_dec^H + b_dec^S}, with
 * {@code W_dec^H} the kept rows of S followed by the added rows of L.
 *
 * <p>To save it, write S and L as they are plus the plan ({@link StitchManifest}); to load it, read
 * those and call {@link #CompositeSae(Sae, Sae, StitchPlan, Kernels)}. Not thread-safe (it owns two
 * {@link SaeRunner}s).
 */
public final class CompositeSae implements Autoencoder {
    private final Sae small;
    private final Sae large;
    private final StitchPlan plan;
    private final Kernels kernels;
    private final SaeRunner runSmall;
    private final SaeRunner runLarge; // null when nothing of L is used
    private final int[] mapSmall; // [F_S] hybrid latent of each S latent, −1 if removed
    private final int[] mapLarge; // [F_L] hybrid latent of each L latent, −1 if not added
    private final FloatMatrix wDec; // [numLatents, dIn] hybrid decoder
    private final float[] bDec; // [dIn] S's

    /** The composite of {@code small} and {@code large} with the latents of {@code plan}. */
    public CompositeSae(Sae small, Sae large, StitchPlan plan, Kernels kernels) {
        this.small = Objects.requireNonNull(small, "small");
        this.large = Objects.requireNonNull(large, "large");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        Stitcher.checkPlanFits(small, large, plan);
        this.runSmall = new SaeRunner(small, kernels);
        this.runLarge = plan.addedLarge().length == 0 ? null : new SaeRunner(large, kernels);
        this.mapSmall = new int[small.numLatents()];
        this.mapLarge = new int[large.numLatents()];
        Arrays.fill(mapSmall, -1);
        Arrays.fill(mapLarge, -1);
        int k = plan.keptSmall().length;
        for (int h = 0; h < k; h++) {
            mapSmall[plan.keptSmall()[h]] = h;
        }
        for (int q = 0; q < plan.addedLarge().length; q++) {
            mapLarge[plan.addedLarge()[q]] = k + q;
        }
        this.wDec = Stitcher.stackRows(small.wDec(), plan.keptSmall(), large.wDec(), plan.addedLarge());
        this.bDec = small.bDec().clone();
    }

    public Sae small() {
        return small;
    }

    public Sae large() {
        return large;
    }

    public StitchPlan plan() {
        return plan;
    }

    /** [numLatents, dIn] the hybrid's decoder rows. */
    public FloatMatrix wDec() {
        return wDec;
    }

    /** [dIn] the hybrid's b_dec (S's). */
    public float[] bDec() {
        return bDec.clone();
    }

    @Override
    public int dIn() {
        return small.dIn();
    }

    @Override
    public int numLatents() {
        return plan.numLatents();
    }

    /** What this model is, in words, for outputs and cfg files. */
    public String description() {
        return "composite SAE of " + plan.keptSmall().length + " latents of S (" + describe(small.activation()) + ", "
                + "computed by S's own encoder) and " + plan.addedLarge().length + " latents of L ("
                + describe(large.activation()) + ", computed by L's own encoder, each with the activation it has inside L); "
                + "decoder rows concatenated, b_dec from S. Not one standard SAE: a topk latent's activation depends on its "
                + "whole source SAE. " + plan.description();
    }

    private static String describe(Activation a) {
        return switch (a) {
            case Activation.TopK t -> "topk k=" + t.k();
            case Activation.BatchTopK b -> "batchtopk θ=" + b.threshold();
            default -> a.name();
        };
    }

    @Override
    public SparseRows encode(FloatMatrix x) {
        SparseRows cs = runSmall.encode(x);
        SparseRows cl = runLarge == null ? null : runLarge.encode(x);
        int n = x.rows();
        int cap = cs.nnz() + (cl == null ? 0 : cl.nnz());
        int[] ptr = new int[n + 1];
        int[] idx = new int[cap];
        float[] val = new float[cap];
        int m = 0;
        for (int t = 0; t < n; t++) {
            // Kept S latents map to [0, k) and added L latents to [k, F_H), both increasing: rows stay sorted.
            for (int e = cs.rowPtr()[t]; e < cs.rowPtr()[t + 1]; e++) {
                int h = mapSmall[cs.colIdx()[e]];
                if (h >= 0) {
                    idx[m] = h;
                    val[m++] = cs.values()[e];
                }
            }
            if (cl != null) {
                for (int e = cl.rowPtr()[t]; e < cl.rowPtr()[t + 1]; e++) {
                    int h = mapLarge[cl.colIdx()[e]];
                    if (h >= 0) {
                        idx[m] = h;
                        val[m++] = cl.values()[e];
                    }
                }
            }
            ptr[t + 1] = m;
        }
        return new SparseRows(n, plan.numLatents(), ptr, idx, val);
    }

    @Override
    public void decode(SparseRows codes, FloatMatrix out) {
        Objects.requireNonNull(codes, "codes");
        if (codes.cols() != numLatents() || out.rows() != codes.rows() || out.cols() != dIn()) {
            throw new IllegalArgumentException("decode needs codes [t, " + numLatents() + "] and out [t, " + dIn()
                    + "], got codes [" + codes.rows() + ", " + codes.cols() + "] and out " + out);
        }
        for (int r = 0; r < out.rows(); r++) {
            out.setRow(r, bDec);
        }
        kernels.sparseMult(codes, wDec, out, true);
    }
}
