package io.github.saestitch.decomp;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.ShuffledBatchSource;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.TrainResult;
import io.github.saestitch.train.Trainer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A meta-SAE: a BatchTopK SAE trained on the decoder rows of another SAE L (Bussmann, Pearce, Leask,
 * Bloom, Sharkey, Nanda 2024, "Showing SAE latents are not atomic using meta-SAEs": k = 4, about 1/20
 * of L's width). Each latent of L then reads as a short weighted list of meta-latents ("this latent =
 * these broader ones").
 *
 * <h2>The training vectors are unit-normalised decoder rows</h2>
 * A meta-SAE decomposes <em>directions</em>. In a relu SAE trained with the decoder-norm-weighted L1
 * penalty (ours, SAELens's "standard") a row's norm is a free scale traded against the latent's
 * activation ({@code f_i·‖W_dec,i‖} is what matters), so it says nothing about the direction; on the
 * demo's 6,144-latent SAE the norms range over a factor of several (README "meta-sae"). Left in, the
 * norms would weight the meta-SAE's loss towards large-norm latents and make its activations mix scale
 * and membership. So every row is divided by its norm first (the paper's GPT-2 SAEs already had unit
 * rows); a zero row (a latent with no decoder direction) cannot be normalised and is left out: it gets
 * no meta-latents. b_dec of the meta-SAE is trained as usual and is the direction all latents share.
 *
 * <h2>Training</h2>
 * {@link Trainer} with {@link Architecture#BATCHTOPK} on a {@link MatrixActivationSet} of the rows,
 * shuffled in seeded epochs ({@link ShuffledBatchSource}) for {@link MetaSaeOptions#epochs()} passes,
 * no held-out set (the rows are the whole population being described). Dead meta-latents for AuxK are
 * those silent for {@value #DEAD_EPOCHS} epochs (the trainer's default window of 256k tokens would be
 * dozens of epochs here). The inference threshold is the trainer's calibration (mean l0 = k).
 *
 * <h2>Assignment</h2>
 * Each row is encoded with the threshold (the SAE as saved); its active meta-latents, largest activation
 * first, are capped at k (a row with more than k above the threshold keeps its k largest; the count of
 * such rows is reported). The weight of a meta-latent on a latent is its activation on that unit row.
 */
public final class MetaSae {
    /** A meta-latent silent this many epochs counts as dead for AuxK. */
    static final int DEAD_EPOCHS = 5;

    private MetaSae() {}

    /**
     * What training produced.
     *
     * @param meta       the meta-SAE (d_in = L's d_in), as saved
     * @param numLatents latents of L
     * @param metaOf     [numLatents][≤ k] active meta-latents of each latent, largest weight first
     * @param weightOf   [numLatents][≤ k] their weights (activations on the unit row)
     * @param members    [M] how many latents of L list each meta-latent
     * @param eval       mse / fvu / l0 / dead of the meta-SAE on the unit rows it was trained on
     * @param fvuCapped  fvu of the reconstructions from the listed (capped at k) meta-latents only
     * @param zeroRows   latents with an all-zero decoder row (left out)
     * @param cappedRows rows with more than k meta-latents above the threshold (capped at k)
     * @param rowNorms   [numLatents] decoder row norms of L before normalisation
     * @param options    the options, with the resolved width
     * @param steps      optimisation steps taken
     * @param seconds    wall time of training and assignment
     */
    public record Result(
            Sae meta,
            int numLatents,
            int[][] metaOf,
            float[][] weightOf,
            int[] members,
            EvalResult eval,
            double fvuCapped,
            int zeroRows,
            int cappedRows,
            float[] rowNorms,
            MetaSaeOptions options,
            int steps,
            double seconds) {
        public int metaLatents() {
            return meta.numLatents();
        }
    }

    /** Trains a meta-SAE on the decoder rows of {@code l} (see the class comment). */
    public static Result train(Sae l, MetaSaeOptions options, Kernels kernels, TrainListener listener) {
        Objects.requireNonNull(l, "l");
        long t0 = System.nanoTime();
        int f = l.numLatents();
        int d = l.dIn();
        float[] norms = new float[f];
        kernels.rowNorms(l.wDec(), norms);
        int m = 0;
        for (float n : norms) {
            m += n > 0f ? 1 : 0;
        }
        if (m == 0) {
            throw new IllegalArgumentException("every decoder row of the SAE is zero: nothing to decompose");
        }
        int[] latentOfRow = new int[m];
        FloatMatrix rows = FloatMatrix.zeros(m, d);
        for (int i = 0, r = 0; i < f; i++) {
            if (norms[i] > 0f) {
                float[] row = l.wDec().row(i);
                float inv = 1f / norms[i];
                for (int c = 0; c < d; c++) {
                    row[c] *= inv;
                }
                rows.setRow(r, row);
                latentOfRow[r++] = i;
            }
        }
        int width = options.resolvedMetaLatents(f);
        if (options.k() > width) {
            throw new IllegalArgumentException("k = " + options.k() + " exceeds the meta-SAE's width " + width);
        }
        int batch = Math.min(options.batchSize(), m);
        long steps = Math.max(1, ((long) options.epochs() * m + batch - 1) / batch);
        TrainOptions to = TrainOptions.builder(Architecture.BATCHTOPK, width)
                .k(options.k())
                .batchSize(batch)
                .trainingTokens(steps * batch)
                .learningRate(options.learningRate())
                .seed(options.seed())
                .initSampleTokens(m)
                .evalTokens(0)
                .deadTokens((long) DEAD_EPOCHS * m)
                .build();
        MatrixActivationSet set = new MatrixActivationSet(rows, "unit-normalised decoder rows");
        TrainResult tr =
                new Trainer(to, kernels).trainInMemory(new ShuffledBatchSource(set, options.seed()), null, listener);
        Sae meta = tr.sae();
        EvalResult eval = new Evaluator(kernels).evaluate(meta, set);
        SparseRows codes = new SaeRunner(meta, kernels).encode(rows);

        int k = options.k();
        int[][] metaOf = new int[f][0];
        float[][] weightOf = new float[f][0];
        int[] members = new int[width];
        int capped = 0;
        double sse = 0; // of the capped reconstructions b_dec + Σ_listed w·W_dec[q]
        float[] wDec = meta.wDec().toArray();
        for (int r = 0; r < m; r++) {
            int p0 = codes.rowPtr()[r];
            int n = codes.rowPtr()[r + 1] - p0;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = p0 + i;
            }
            // Largest activation first; equal ones by lower meta-latent (entries are in increasing column order).
            Arrays.sort(order, (a, b) -> Float.compare(codes.values()[b], codes.values()[a]));
            int keep = Math.min(n, k);
            capped += n > k ? 1 : 0;
            int[] idx = new int[keep];
            float[] w = new float[keep];
            for (int i = 0; i < keep; i++) {
                idx[i] = codes.colIdx()[order[i]];
                w[i] = codes.values()[order[i]];
                members[idx[i]]++;
            }
            metaOf[latentOfRow[r]] = idx;
            weightOf[latentOfRow[r]] = w;
            float[] x = rows.row(r);
            for (int c = 0; c < d; c++) {
                double xh = meta.bDec()[c];
                for (int i = 0; i < keep; i++) {
                    xh += (double) w[i] * wDec[idx[i] * d + c];
                }
                sse += (x[c] - xh) * (x[c] - xh);
            }
        }
        double fvuCapped = eval.totalSumOfSquares() > 0 ? sse / eval.totalSumOfSquares() : Double.NaN;
        MetaSaeOptions resolved =
                new MetaSaeOptions(width, options.k(), options.epochs(), batch, options.learningRate(), options.seed());
        return new Result(
                meta,
                f,
                metaOf,
                weightOf,
                members,
                eval,
                fvuCapped,
                f - m,
                capped,
                norms,
                resolved,
                tr.steps(),
                (System.nanoTime() - t0) / 1e9);
    }
}
