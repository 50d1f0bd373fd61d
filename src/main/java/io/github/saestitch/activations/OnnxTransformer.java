package io.github.saestitch.activations;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One of the {@link TransformerModel}s in an ONNX Runtime session that returns the residual stream at
 * chosen {@link HookPoint}s.
 *
 * <p>ONNX Runtime returns only graph outputs, so the session is created from a copy of the model whose
 * graph outputs are exactly the hooks' tensors ({@link OnnxGraph#withOutputs}); with pruning on, the layers
 * after the deepest hook are removed from the graph, since ONNX Runtime 1.29 computes them otherwise.
 * {@link #openUnmodified} runs the model as shipped (only {@code last_hidden_state}), the reference for
 * raw throughput and for the last-layer equality test.
 *
 * <p>Threads: one intra-op pool of {@code threads} workers (the machine's cores by default),
 * no inter-op parallelism (a BERT graph is a chain), and worker spinning off, so the tokenizer and writer
 * threads of the extractor get the cores while a worker waits. Not thread-safe: one caller at a time.
 */
public final class OnnxTransformer implements AutoCloseable {
    private final TransformerModel model;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<String> outputs;
    private final Map<HookPoint, String> tensorOf;

    private OnnxTransformer(
            TransformerModel model,
            OrtEnvironment env,
            OrtSession session,
            List<String> outputs,
            Map<HookPoint, String> tensorOf) {
        this.model = model;
        this.env = env;
        this.session = session;
        this.outputs = outputs;
        this.tensorOf = tensorOf;
    }

    /**
     * A session of {@code model} whose outputs are the given hooks' tensors, in order.
     *
     * @param onnx    the model bytes ({@link TransformerModel#readOnnx()}), passed in so callers can hash them once
     * @param prune   drop the graph nodes that no hook needs (faster for early layers; same values)
     * @param threads intra-op threads
     * @throws ActivationsException if a hook does not exist in the model
     */
    public static OnnxTransformer open(
            TransformerModel model, byte[] onnx, List<HookPoint> hooks, boolean prune, int threads) {
        OnnxGraph graph = OnnxGraph.parse(onnx);
        Map<HookPoint, String> tensorOf = new HashMap<>();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (HookPoint h : hooks) {
            h.validateFor(model);
            String tensor = tensorName(model, graph, h);
            tensorOf.put(h, tensor);
            names.add(tensor);
        }
        List<String> outs = List.copyOf(names);
        return create(model, OnnxGraph.withOutputs(onnx, outs, prune), outs, tensorOf, threads);
    }

    /**
     * The model exactly as shipped: its only output is {@code last_hidden_state} (the last block's {@code resid_post}).
     */
    public static OnnxTransformer openUnmodified(TransformerModel model, byte[] onnx, int threads) {
        OnnxGraph graph = OnnxGraph.parse(onnx);
        HookPoint last = HookPoint.residPost(model.numLayers() - 1);
        return create(model, onnx, graph.outputs(), Map.of(last, tensorName(model, graph, last)), threads);
    }

    /** The graph tensor that holds {@code hook} (e.g. {@code /encoder/layer.3/output/LayerNorm/Add_1_output_0}). */
    static String tensorName(TransformerModel model, OnnxGraph graph, HookPoint hook) {
        OnnxGraph.Node node = graph.node(hook.onnxNodeName());
        if (node == null || node.outputs().isEmpty()) {
            throw new ActivationsException("the ONNX graph of " + model.id() + " has no node " + hook.onnxNodeName()
                    + " for " + hook.hookName() + "; this export's naming is not the one saestitch knows");
        }
        return node.outputs().get(0);
    }

    private static OnnxTransformer create(
            TransformerModel model, byte[] onnx, List<String> outputs, Map<HookPoint, String> tensorOf, int threads) {
        OrtEnvironment env = environment();
        return new OnnxTransformer(model, env, session(model, env, onnx, threads), outputs, tensorOf);
    }

    /** The process's ONNX Runtime environment (errors only). */
    static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "saestitch");
    }

    /** A session of {@code onnx} (a graph of {@code model}) with the settings described in the class comment. */
    static OrtSession session(TransformerModel model, OrtEnvironment env, byte[] onnx, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
            return env.createSession(onnx, so);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not load " + model.id() + ": " + e.getMessage(), e);
        }
    }

    /** The model. */
    public TransformerModel model() {
        return model;
    }

    /** The graph tensor read for {@code hook}. */
    public String tensorFor(HookPoint hook) {
        String t = tensorOf.get(hook);
        if (t == null) {
            throw new IllegalArgumentException(
                    hook + " is not an output of this session; outputs: " + tensorOf.keySet());
        }
        return t;
    }

    /**
     * Runs a batch of {@code rows} sequences of length {@code seqLen}.
     *
     * @param inputIds      [rows, seqLen] token ids, row-major
     * @param attentionMask [rows, seqLen] 1 for real tokens, 0 for padding
     * @return per hook, its activations [rows, seqLen, dModel] as a row-major float array
     */
    public Map<HookPoint, float[]> run(long[] inputIds, long[] attentionMask, int rows, int seqLen) {
        int n = rows * seqLen;
        if (inputIds.length < n || attentionMask.length < n) {
            throw new IllegalArgumentException("inputs hold fewer than " + rows + " x " + seqLen + " values");
        }
        long[] shape = {rows, seqLen};
        List<OnnxTensor> inputs = new ArrayList<>(3);
        try {
            OnnxTensor ids = OnnxTensor.createTensor(env, direct(inputIds, n), shape);
            inputs.add(ids);
            OnnxTensor mask = OnnxTensor.createTensor(env, direct(attentionMask, n), shape);
            inputs.add(mask);
            OnnxTensor types = OnnxTensor.createTensor(env, direct(new long[n], n), shape);
            inputs.add(types);
            Map<String, OnnxTensor> feed = Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types);
            Map<String, float[]> byTensor = new HashMap<>();
            try (OrtSession.Result result = session.run(feed, new LinkedHashSet<>(outputs))) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
                    float[] values = new float[fb.remaining()];
                    fb.get(values);
                    byTensor.put(e.getKey(), values);
                }
            }
            Map<HookPoint, float[]> out = new HashMap<>();
            tensorOf.forEach((hook, tensor) -> out.put(hook, byTensor.get(tensor)));
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed on a [" + rows + ", " + seqLen + "] batch: " + e.getMessage(), e);
        } finally {
            for (OnnxTensor t : inputs) {
                t.close();
            }
        }
    }

    static LongBuffer direct(long[] values, int n) {
        LongBuffer b = ByteBuffer.allocateDirect(n * Long.BYTES)
                .order(ByteOrder.nativeOrder())
                .asLongBuffer();
        b.put(values, 0, n).flip();
        return b;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session", e);
        }
    }
}
