package io.github.saestitch.activations;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A transformer cut in two at a {@link HookPoint}: the layers up to the hook (which return the residual
 * stream x there) and the layers after it, which take the hook tensor as an input, so anything can be fed
 * in place of x (an SAE's reconstruction x̂, the mean of x) and the model's final hidden states come out.
 * Both halves are graphs edited from the shipped ONNX model ({@link OnnxGraph#withOutputs} with pruning,
 * and {@link OnnxGraph#withInput}); the attention mask is an input of both, so padding and the attention
 * pattern are exactly as in the whole model. Feeding the first half's x to the second reproduces the
 * whole model's {@code last_hidden_state} up to float rounding (a test checks it).
 *
 * <p>{@link #sentenceEmbeddings} is the pooling of sentence-transformers/all-MiniLM-L6-v2 (its
 * {@code modules.json}: {@code Pooling} with {@code pooling_mode_mean_tokens}, then {@code Normalize}):
 * the mean of the last hidden states over the tokens whose attention mask is 1 ({@code [CLS]} and
 * {@code [SEP]} included), then L2 normalisation.
 *
 * <p>Not thread-safe: one caller at a time.
 */
public final class SplicedTransformer implements AutoCloseable {
    private final TransformerModel model;
    private final HookPoint hook;
    private final OnnxTransformer upToHook;
    private final OrtEnvironment env;
    private final OrtSession afterHook; // null when the hook is the last layer's output (nothing after it)
    private final String hookTensor;
    private final String lastHiddenState;

    private SplicedTransformer(
            TransformerModel model,
            HookPoint hook,
            OnnxTransformer upToHook,
            OrtEnvironment env,
            OrtSession afterHook,
            String hookTensor,
            String lastHiddenState) {
        this.model = model;
        this.hook = hook;
        this.upToHook = upToHook;
        this.env = env;
        this.afterHook = afterHook;
        this.hookTensor = hookTensor;
        this.lastHiddenState = lastHiddenState;
    }

    /**
     * Both halves of {@code model} cut at {@code hook}.
     *
     * @throws ActivationsException if the hook does not exist in the model
     */
    public static SplicedTransformer open(TransformerModel model, HookPoint hook, int threads) {
        return open(model, model.readOnnx(), hook, threads);
    }

    /** Both halves of the graph {@code onnx} of {@code model} (its {@link TransformerModel#readOnnx()}). */
    public static SplicedTransformer open(TransformerModel model, byte[] onnx, HookPoint hook, int threads) {
        hook.validateFor(model);
        OnnxGraph graph = OnnxGraph.parse(onnx);
        String tensor = OnnxTransformer.tensorName(model, graph, hook);
        String last = graph.outputs().get(0);
        OnnxTransformer first = OnnxTransformer.open(model, onnx, List.of(hook), true, threads);
        OrtEnvironment env = OnnxTransformer.environment();
        OrtSession second = null;
        try {
            if (!tensor.equals(last)) {
                second = OnnxTransformer.session(
                        model, env, OnnxGraph.withInput(onnx, tensor, model.dModel(), List.of(last)), threads);
            }
            return new SplicedTransformer(model, hook, first, env, second, tensor, last);
        } catch (RuntimeException e) {
            first.close();
            throw e;
        }
    }

    /**
     * The model and hook an activation store was extracted from, cut at that hook.
     *
     * @throws ActivationsException (naming the store) if the store names no model we ship, its ONNX checksum is
     *     not that of the shipped model, or it records no hook
     */
    public static SplicedTransformer forStore(ActivationStore store, int threads) {
        StoreManifest m = store.manifest();
        if (m.model() == null || m.model().id() == null || m.model().id().isBlank()) {
            throw new ActivationsException(
                    store.dir(),
                    "names no model; the downstream score needs a store "
                            + "extracted by 'saestitch activations' from a model saestitch ships");
        }
        TransformerModel model;
        try {
            model = TransformerModel.byName(m.model().id());
        } catch (ActivationsException e) {
            throw new ActivationsException(
                    store.dir(),
                    "was made with model '" + m.model().id() + "', which saestitch does not ship; valid models: "
                            + TransformerModel.validNames());
        }
        if (m.hookName() == null || m.hookName().isBlank() || m.hookName().equals(ActivationOrigin.UNKNOWN_HOOK)) {
            throw new ActivationsException(
                    store.dir(),
                    "records no hook; the downstream score needs to know " + "where the activations were read");
        }
        byte[] onnx = model.readOnnx();
        String sha = ModelTokenizer.sha256(onnx);
        if (m.model().onnxSha256() != null && !m.model().onnxSha256().equals(sha)) {
            throw new ActivationsException(
                    store.dir(),
                    "was made with an ONNX file of " + model.id() + " with sha256 "
                            + m.model().onnxSha256() + " but this build ships " + sha);
        }
        return open(model, onnx, HookPoint.parse(m.hookName()), threads);
    }

    public TransformerModel model() {
        return model;
    }

    public HookPoint hook() {
        return hook;
    }

    /**
     * The residual stream at the hook.
     *
     * @param inputIds      [rows, seqLen] token ids
     * @param attentionMask [rows, seqLen] 1 for real tokens, 0 for padding
     * @return [rows, seqLen, dModel] row-major
     */
    public float[] hookActivations(long[] inputIds, long[] attentionMask, int rows, int seqLen) {
        return upToHook.run(inputIds, attentionMask, rows, seqLen).get(hook);
    }

    /**
     * The model's last hidden states when the hook tensor is {@code atHook}: the layers after the hook run
     * on it.
     *
     * @param atHook        [rows, seqLen, dModel] what the layers after the hook read (x, x̂, ...)
     * @param inputIds      [rows, seqLen] token ids (only shape computations may read them)
     * @param attentionMask [rows, seqLen]
     * @return [rows, seqLen, dModel] row-major
     */
    public float[] lastHiddenState(float[] atHook, long[] inputIds, long[] attentionMask, int rows, int seqLen) {
        int n = rows * seqLen;
        int d = model.dModel();
        if (atHook.length < (long) n * d || inputIds.length < n || attentionMask.length < n) {
            throw new IllegalArgumentException("inputs hold fewer than " + rows + " x " + seqLen + " values");
        }
        if (afterHook == null) {
            return java.util.Arrays.copyOf(atHook, n * d);
        }
        long[] shape = {rows, seqLen};
        List<OnnxTensor> inputs = new ArrayList<>(4);
        try {
            OnnxTensor ids = OnnxTensor.createTensor(env, OnnxTransformer.direct(inputIds, n), shape);
            inputs.add(ids);
            OnnxTensor mask = OnnxTensor.createTensor(env, OnnxTransformer.direct(attentionMask, n), shape);
            inputs.add(mask);
            OnnxTensor types = OnnxTensor.createTensor(env, OnnxTransformer.direct(new long[n], n), shape);
            inputs.add(types);
            FloatBuffer fb = ByteBuffer.allocateDirect(n * d * Float.BYTES)
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            fb.put(atHook, 0, n * d).flip();
            OnnxTensor x = OnnxTensor.createTensor(env, fb, new long[] {rows, seqLen, d});
            inputs.add(x);
            Map<String, OnnxTensor> feed =
                    Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types, hookTensor, x);
            try (OrtSession.Result result = afterHook.run(feed, Set.of(lastHiddenState))) {
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] values = new float[out.remaining()];
                out.get(values);
                return values;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed on the layers after " + hook + " for a [" + rows + ", " + seqLen + "] batch: "
                            + e.getMessage(),
                    e);
        } finally {
            for (OnnxTensor t : inputs) {
                t.close();
            }
        }
    }

    /**
     * Sentence embeddings as all-MiniLM-L6-v2 computes them: mean of {@code hidden} over the positions
     * whose mask is 1, then divided by its L2 norm (sentence-transformers' {@code Pooling} and
     * {@code Normalize}; its clamps: the token count at least 1e-9, the norm at least 1e-12).
     *
     * @param hidden        [rows, seqLen, d]
     * @param attentionMask [rows, seqLen]
     * @return [rows][d]
     */
    public static double[][] sentenceEmbeddings(float[] hidden, long[] attentionMask, int rows, int seqLen, int d) {
        Objects.requireNonNull(hidden, "hidden");
        double[][] out = new double[rows][d];
        for (int r = 0; r < rows; r++) {
            double[] e = out[r];
            double count = 0;
            for (int t = 0; t < seqLen; t++) {
                long m = attentionMask[r * seqLen + t];
                if (m == 0) {
                    continue;
                }
                count += m;
                int base = (r * seqLen + t) * d;
                for (int j = 0; j < d; j++) {
                    e[j] += (double) hidden[base + j] * m;
                }
            }
            double norm = 0;
            for (int j = 0; j < d; j++) {
                e[j] /= Math.max(count, 1e-9);
                norm += e[j] * e[j];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < d; j++) {
                e[j] /= norm;
            }
        }
        return out;
    }

    @Override
    public void close() {
        try {
            if (afterHook != null) {
                afterHook.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session", e);
        } finally {
            upToHook.close();
        }
    }
}
