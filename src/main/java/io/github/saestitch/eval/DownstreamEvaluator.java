package io.github.saestitch.eval;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.ActivationsException;
import io.github.saestitch.activations.SplicedTransformer;
import io.github.saestitch.activations.StoreManifest;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.tensor.FloatMatrix;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * What an SAE's reconstruction does to the model's output: the layers after the hook run on x̂ instead of
 * x ({@link SplicedTransformer}), and the sentence embedding that comes out is compared with the model's own.
 * The analog, for a sentence-embedding model, of the "CE loss recovered" score that SAELens
 * ({@code ce_loss_score}), dictionary_learning ({@code frac_recovered}) and SAEBench report for language
 * models: with cos(·) the cosine between the final embedding of a window when the hook holds · and when it
 * holds x, averaged over windows,
 * <pre>
 *   embedding_recovered = (cos(x̂) − cos(mean)) / (1 − cos(mean))
 * </pre>
 * where "mean" replaces x at every stored position by the mean of x over the evaluated tokens (mean ablation:
 * the baseline that knows the average and nothing per token). 1: the embedding is unchanged; 0: no better
 * than the mean; negative: worse.
 *
 * <p><b>Windows.</b> The store's rows are regrouped into the model windows they came from (same document,
 * consecutive window positions); each window is fed again as {@code [CLS] tokens [SEP]} (a store with
 * special tokens already holds them), whole even where the evaluated range cuts it (the rows outside the
 * range are context, not replaced). A window the extractor stored only in part (the store's last one,
 * when {@code --tokens} ended inside it) is fed as far as stored, so its x differs from the store's. Only the positions the store holds are replaced ({@code [CLS]} and
 * {@code [SEP]}, which the SAE was not trained on unless the store kept them, keep x), and x is the
 * model's own activation recomputed here, so feeding x back gives the unmodified embedding exactly.
 * {@link #storeMaxAbsDifference} says how far the recomputed x is from the store's rows (batching and
 * padding change only float rounding; a large value means the store was not made from this model).
 *
 * <p>{@link #prepare} runs the model once (x, the clean and the mean-ablated embeddings, kept in memory:
 * about 1.6 KB per token for MiniLM); each {@link #evaluate} then costs the SAE and one run of the layers
 * after the hook.
 */
public final class DownstreamEvaluator implements AutoCloseable {
    /** Model input tokens per batch (padding included). */
    private static final int BATCH_TOKENS = 2048;

    private final SplicedTransformer model;
    private final int d;
    private final List<Batch> batches;
    private final float[] mean; // [d] mean of x over the spliced positions
    private final long tokens;
    private final int windows;
    private final int documents;
    private final double cosAblated;
    private final float storeMaxAbsDifference;

    /** One padded model batch. */
    private record Batch(
            int rows,
            int seqLen,
            long[] ids, // [rows, seqLen]
            long[] mask, // [rows, seqLen]
            int[] spliced, // positions (row * seqLen + t) the store holds, in store order
            float[] x, // [rows, seqLen, d] the hook activations
            double[][] clean) {} // [rows][d] the unmodified sentence embeddings

    private DownstreamEvaluator(
            SplicedTransformer model,
            List<Batch> batches,
            float[] mean,
            long tokens,
            int windows,
            int documents,
            double cosAblated,
            float storeMaxAbsDifference) {
        this.model = model;
        this.d = model.model().dModel();
        this.batches = batches;
        this.mean = mean;
        this.tokens = tokens;
        this.windows = windows;
        this.documents = documents;
        this.cosAblated = cosAblated;
        this.storeMaxAbsDifference = storeMaxAbsDifference;
    }

    /**
     * Runs the model of {@code store} over its tokens {@code [start, start + count)}: x at the hook, the clean
     * and the mean-ablated embeddings.
     *
     * @param progress receives the tokens done; may be null
     * @throws ActivationsException if the store has no token ids or was not made from a model saestitch ships
     */
    public static DownstreamEvaluator prepare(
            ActivationStore store, long start, long count, int threads, LongConsumer progress) {
        Objects.requireNonNull(store, "store");
        if (!store.hasTokenIds()) {
            throw new ActivationsException(
                    store.dir(), "holds no token ids; the downstream score needs the model's input windows");
        }
        if (start < 0 || count < 1 || start + count > store.numTokens()) {
            throw new IllegalArgumentException("tokens [" + start + ", " + (start + count) + ") are not inside [0, "
                    + store.numTokens() + ") of " + store.dir());
        }
        SplicedTransformer model = SplicedTransformer.forStore(store, threads);
        try {
            return prepare(store, model, start, count, progress);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static DownstreamEvaluator prepare(
            ActivationStore store, SplicedTransformer model, long start, long count, LongConsumer progress) {
        StoreManifest m = store.manifest();
        boolean addSpecials = !m.specialTokens();
        int d = model.model().dModel();
        if (store.dIn() != d) {
            throw new ActivationsException(
                    store.dir(),
                    "has d_in = " + store.dIn() + " but " + model.model().id() + " has d = " + d);
        }
        // Windows: runs of rows of one document with consecutive window positions, extended over the store's
        // rows outside [start, end) that belong to the same window (fed as context, not replaced), so a window
        // cut by the range is fed whole, as the extractor fed it.
        List<long[]> windows = new ArrayList<>(); // {first row, rows, first replaced row, replaced rows}
        int documents = 0;
        long end = start + count;
        long n = store.numTokens();
        for (long i = start; i < end; ) {
            long j = i + 1;
            while (j < end && sameWindow(store, j - 1, j)) {
                j++;
            }
            if (i == start || store.docId(i) != store.docId(i - 1)) {
                documents++;
            }
            long first = i;
            while (first > 0 && sameWindow(store, first - 1, first)) {
                first--;
            }
            long last = j;
            while (last < n && sameWindow(store, last - 1, last)) {
                last++;
            }
            windows.add(new long[] {first, last - first, i, j - i});
            i = j;
        }
        List<Batch> batches = new ArrayList<>();
        float maxDiff = 0;
        double[] sum = new double[d];
        float[] stored = new float[d];
        long done = 0;
        for (int w0 = 0; w0 < windows.size(); ) {
            int maxLen = 0;
            int w1 = w0;
            while (w1 < windows.size()) {
                int len = (int) windows.get(w1)[1] + (addSpecials ? 2 : 0);
                int newMax = Math.max(maxLen, len);
                if (w1 > w0 && (long) newMax * (w1 - w0 + 1) > BATCH_TOKENS) {
                    break;
                }
                maxLen = newMax;
                w1++;
            }
            int rows = w1 - w0;
            long[] ids = new long[rows * maxLen];
            long[] mask = new long[rows * maxLen];
            java.util.Arrays.fill(ids, m.tokenizer().padId());
            int nSpliced = 0;
            for (int r = 0; r < rows; r++) {
                nSpliced += (int) windows.get(w0 + r)[3];
            }
            int[] spliced = new int[nSpliced];
            int k = 0;
            for (int r = 0; r < rows; r++) {
                long first = windows.get(w0 + r)[0];
                int len = (int) windows.get(w0 + r)[1];
                int p = r * maxLen;
                if (addSpecials) {
                    ids[p] = m.tokenizer().clsId();
                    mask[p++] = 1;
                }
                long from = windows.get(w0 + r)[2];
                long to = from + windows.get(w0 + r)[3];
                for (int t = 0; t < len; t++) {
                    ids[p] = store.tokenId(first + t);
                    mask[p] = 1;
                    if (first + t >= from && first + t < to) {
                        spliced[k++] = p;
                    }
                    p++;
                }
                if (addSpecials) {
                    ids[p] = m.tokenizer().sepId();
                    mask[p] = 1;
                }
            }
            float[] x = model.hookActivations(ids, mask, rows, maxLen);
            k = 0;
            for (int r = 0; r < rows; r++) {
                long from = windows.get(w0 + r)[2];
                int len = (int) windows.get(w0 + r)[3];
                for (int t = 0; t < len; t++) {
                    int base = spliced[k++] * d;
                    FloatMatrix row = store.block(from + t, 1);
                    MemorySegment.copy(row.segment(), FloatMatrix.FLOAT, 0, stored, 0, d);
                    for (int j = 0; j < d; j++) {
                        sum[j] += x[base + j];
                        maxDiff = Math.max(maxDiff, Math.abs(x[base + j] - stored[j]));
                    }
                }
            }
            double[][] clean = SplicedTransformer.sentenceEmbeddings(
                    model.lastHiddenState(x, ids, mask, rows, maxLen), mask, rows, maxLen, d);
            batches.add(new Batch(rows, maxLen, ids, mask, spliced, x, clean));
            done += nSpliced;
            if (progress != null) {
                progress.accept(done);
            }
            w0 = w1;
        }
        float[] mean = new float[d];
        for (int j = 0; j < d; j++) {
            mean[j] = (float) (sum[j] / count);
        }
        DownstreamEvaluator ev =
                new DownstreamEvaluator(model, batches, mean, count, windows.size(), documents, Double.NaN, maxDiff);
        double cosAblated = ev.meanCosine(b -> {
            float[] h = b.x.clone();
            for (int p : b.spliced) {
                System.arraycopy(mean, 0, h, p * d, d);
            }
            return h;
        });
        return new DownstreamEvaluator(model, batches, mean, count, windows.size(), documents, cosAblated, maxDiff);
    }

    /** Whether stored rows {@code a} and {@code a + 1} came from one model window. */
    private static boolean sameWindow(ActivationStore store, long a, long b) {
        return store.docId(b) == store.docId(a) && store.contextPosition(b) == store.contextPosition(a) + 1;
    }

    /** What the hook holds in a batch: [rows, seqLen, d]. */
    private interface HookInput {
        float[] of(Batch b);
    }

    /** The mean over windows of the cosine between the embedding with {@code input} and the clean one. */
    private double meanCosine(HookInput input) {
        double total = 0;
        int n = 0;
        for (Batch b : batches) {
            double[][] e = SplicedTransformer.sentenceEmbeddings(
                    model.lastHiddenState(input.of(b), b.ids, b.mask, b.rows, b.seqLen), b.mask, b.rows, b.seqLen, d);
            for (int r = 0; r < b.rows; r++) {
                total += cosine(e[r], b.clean[r]);
                n++;
            }
        }
        return total / n;
    }

    /**
     * {@code a·b / sqrt(|a|²|b|²)} in double; exactly 1 for identical vectors (the square root of a rounded
     * square is the number itself).
     */
    static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int j = 0; j < a.length; j++) {
            dot += a[j] * b[j];
            na += a[j] * a[j];
            nb += b[j] * b[j];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** The score of {@code sae} (its reconstruction spliced in at every stored position). */
    public DownstreamResult evaluate(Autoencoder sae) {
        Objects.requireNonNull(sae, "sae");
        if (sae.dIn() != d) {
            throw new IllegalArgumentException("the SAE has dIn = " + sae.dIn() + " but the model has d = " + d);
        }
        double[] sse = {0};
        double cosSae = meanCosine(b -> {
            int n = b.spliced.length;
            float[] in = new float[n * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(b.x, b.spliced[i] * d, in, i * d, d);
            }
            float[] out = new float[n * d];
            sae.forward(
                    FloatMatrix.of(MemorySegment.ofArray(in), n, d), FloatMatrix.of(MemorySegment.ofArray(out), n, d));
            float[] h = b.x.clone();
            for (int i = 0; i < n; i++) {
                System.arraycopy(out, i * d, h, b.spliced[i] * d, d);
            }
            for (int i = 0; i < n * d; i++) {
                double e = (double) in[i] - out[i];
                sse[0] += e * e;
            }
            return h;
        });
        return new DownstreamResult(
                tokens,
                windows,
                documents,
                cosSae,
                cosAblated,
                recovered(cosSae, cosAblated),
                sse[0] / tokens,
                storeMaxAbsDifference);
    }

    /** {@code (cosSae − cosAblated) / (1 − cosAblated)}; NaN when the ablation changes nothing. */
    public static double recovered(double cosSae, double cosAblated) {
        return cosAblated == 1 ? Double.NaN : (cosSae - cosAblated) / (1 - cosAblated);
    }

    /** The mean of x over the evaluated tokens, the ablation's replacement: [d]. */
    public float[] mean() {
        return mean.clone();
    }

    /** Tokens evaluated (positions replaced per pass). */
    public long tokens() {
        return tokens;
    }

    /** max |x recomputed − x stored| over the evaluated tokens. */
    public float storeMaxAbsDifference() {
        return storeMaxAbsDifference;
    }

    @Override
    public void close() {
        model.close();
    }
}
