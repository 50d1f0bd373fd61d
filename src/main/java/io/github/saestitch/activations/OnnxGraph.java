package io.github.saestitch.activations;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Just enough of the ONNX protobuf wire format to list a model's graph (inputs, outputs, nodes) and to
 * rewrite its list of graph outputs, without a protobuf library or generated classes.
 *
 * <p>Why: ONNX Runtime returns only the tensors named in {@code GraphProto.output}, and the residual
 * stream of each transformer layer is an internal tensor of the ONNX graph. Editing the serialized
 * {@code ModelProto} before the session is created exposes any internal tensor. Field numbers, checked
 * against {@code onnx/onnx.proto}: {@code ModelProto.graph = 7}; {@code GraphProto.node = 1},
 * {@code input = 11}, {@code output = 12}; {@code ValueInfoProto.name = 1}; {@code NodeProto.input = 1},
 * {@code output = 2}, {@code name = 3}, {@code op_type = 4}, {@code attribute = 5};
 * {@code AttributeProto.g = 6}, {@code graphs = 11}; {@code GraphProto.initializer = 5} with
 * {@code TensorProto.name = 8}. An appended output is a {@code ValueInfoProto} with only its name: ONNX
 * Runtime infers the type of an output that a node produces.
 *
 * <p>The rewrite keeps every other byte of the model as it was (initializers are copied, not parsed).
 * It can also prune the graph to the nodes the requested outputs depend on: ONNX Runtime 1.29 does not
 * do this itself (measured: a session whose only output is the embedding output ran at the speed of
 * the whole 6-layer model), so reading layer 2 of 6 costs half the compute once pruned.
 */
public final class OnnxGraph {
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int VALUE_INFO_NAME = 1;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_GRAPH = 6;
    private static final int ATTRIBUTE_GRAPHS = 11;
    private static final int TENSOR_NAME = 8;

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_I64 = 1;
    private static final int WIRE_LEN = 2;
    private static final int WIRE_I32 = 5;

    /**
     * One graph node: its name, operator, the tensors it reads and writes, and whether it carries a
     * subgraph attribute (If/Loop/Scan), whose implicit reads of outer tensors this reader does not follow.
     */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs, boolean hasSubgraph) {}

    private final List<Node> nodes;
    private final List<String> inputs;
    private final List<String> outputs;

    private OnnxGraph(List<Node> nodes, List<String> inputs, List<String> outputs) {
        this.nodes = List.copyOf(nodes);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /**
     * Reads the graph of a serialized {@code ModelProto}.
     *
     * @throws IllegalArgumentException if the bytes are not a well-formed ModelProto with a graph
     */
    public static OnnxGraph parse(byte[] model) {
        Objects.requireNonNull(model, "model");
        Field graph = findSingle(model, 0, model.length, MODEL_GRAPH);
        List<Node> nodes = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Reader r = new Reader(model, graph.start, graph.end);
        while (r.hasMore()) {
            Field f = r.next();
            switch (f.number) {
                case GRAPH_NODE -> nodes.add(parseNode(model, f));
                case GRAPH_INPUT -> inputs.add(valueInfoName(model, f));
                case GRAPH_OUTPUT -> outputs.add(valueInfoName(model, f));
                default -> {}
            }
        }
        return new OnnxGraph(nodes, inputs, outputs);
    }

    /** Nodes in graph (topological) order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** Names of the graph inputs, in order. */
    public List<String> inputs() {
        return inputs;
    }

    /** Names of the graph outputs, in order. */
    public List<String> outputs() {
        return outputs;
    }

    /** The node whose name is {@code name}, or {@code null}. */
    public Node node(String name) {
        for (Node n : nodes) {
            if (n.name.equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** Whether some node writes a tensor of this name. */
    public boolean producesTensor(String tensor) {
        for (Node n : nodes) {
            if (n.outputs.contains(tensor)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A copy of {@code model} whose graph outputs are the given tensors, in order. An existing graph output
     * listed in {@code outputs} keeps its original {@code ValueInfoProto} (with its declared type); other
     * names get a name-only entry. Existing outputs not listed are dropped.
     *
     * <p>With {@code prune}, nodes that none of the outputs depends on are removed, and so are the
     * initializers that only they read; graph inputs are all kept (feeding an unused input is allowed).
     * Pruning is skipped when a needed node has a subgraph attribute, whose implicit inputs are not
     * followed here.
     *
     * @throws IllegalArgumentException if a name is neither a node output nor an existing graph output
     */
    public static byte[] withOutputs(byte[] model, List<String> outputs, boolean prune) {
        OnnxGraph graph = parse(model);
        for (String name : outputs) {
            if (!graph.outputs.contains(name) && !graph.producesTensor(name)) {
                throw new IllegalArgumentException("no node of the graph produces a tensor named '" + name + "'");
            }
        }
        boolean[] keepNode = graph.neededNodes(outputs, prune);
        Set<String> neededTensors = graph.tensorsRead(keepNode, outputs);
        boolean pruning = prune && !allTrue(keepNode);
        Field g = findSingle(model, 0, model.length, MODEL_GRAPH);
        // Existing outputs by name, with their original bytes (tag included).
        List<String> oldNames = new ArrayList<>();
        List<byte[]> oldBytes = new ArrayList<>();
        Chunks body = new Chunks();
        Reader r = new Reader(model, g.start, g.end);
        int nodeIndex = 0;
        while (r.hasMore()) {
            Field f = r.next();
            if (f.number == GRAPH_OUTPUT) {
                oldNames.add(valueInfoName(model, f));
                oldBytes.add(Arrays.copyOfRange(model, f.tagStart, f.end));
            } else if (f.number == GRAPH_NODE) {
                if (keepNode[nodeIndex++]) {
                    body.add(model, f.tagStart, f.end);
                }
            } else if (f.number == GRAPH_INITIALIZER && pruning) {
                if (neededTensors.contains(tensorName(model, f))) {
                    body.add(model, f.tagStart, f.end);
                }
            } else {
                body.add(model, f.tagStart, f.end);
            }
        }
        for (String name : outputs) {
            int i = oldNames.indexOf(name);
            if (i >= 0) {
                body.add(oldBytes.get(i));
            } else {
                byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
                body.add(lenPrefixed(GRAPH_OUTPUT, lenPrefixed(VALUE_INFO_NAME, nameBytes)));
            }
        }
        byte[] newGraph = body.toBytes();
        Chunks out = new Chunks();
        out.add(model, 0, g.tagStart);
        out.add(lenPrefixed(MODEL_GRAPH, newGraph));
        out.add(model, g.end, model.length);
        return out.toBytes();
    }

    /**
     * A copy of {@code model} that takes the internal tensor {@code tensor} as a new graph input (float32,
     * shape {@code [batch, sequence, width]}) and computes only {@code outputs} from it: the nodes that
     * produced {@code tensor} and everything only they needed are removed, so the graph runs the layers
     * after a hook on whatever is fed there. The existing inputs stay (the attention mask still reaches the
     * later layers' attention; an input no kept node reads may be fed and is ignored).
     *
     * <p>Why: splicing an SAE's reconstruction into the model (the "CE loss recovered" evaluation of SAELens,
     * dictionary_learning and SAEBench) needs the layers after the hook run on x̂ instead of x. A graph input
     * needs a declared element type (ONNX {@code ValueInfoProto.type = 2}: {@code TypeProto.tensor_type = 1}
     * with {@code elem_type = 1} (FLOAT) and {@code shape = 2}, each {@code Dimension} a {@code dim_param = 2}
     * or {@code dim_value = 1}).
     *
     * @throws IllegalArgumentException if no node produces {@code tensor}, an output is neither produced nor
     *     a graph output, a needed node carries a subgraph, or the outputs do not depend on {@code tensor}
     */
    public static byte[] withInput(byte[] model, String tensor, int width, List<String> outputs) {
        OnnxGraph graph = parse(model);
        if (!graph.producesTensor(tensor)) {
            throw new IllegalArgumentException("no node of the graph produces a tensor named '" + tensor + "'");
        }
        boolean[] keep = graph.nodesFrom(tensor, outputs);
        Set<String> neededTensors = graph.tensorsRead(keep, outputs);
        if (!neededTensors.contains(tensor)) {
            throw new IllegalArgumentException("the outputs " + outputs + " do not depend on '" + tensor + "'");
        }
        Field g = findSingle(model, 0, model.length, MODEL_GRAPH);
        Chunks body = new Chunks();
        Reader r = new Reader(model, g.start, g.end);
        int nodeIndex = 0;
        boolean inputAdded = false;
        while (r.hasMore()) {
            Field f = r.next();
            if (f.number == GRAPH_NODE) {
                if (keep[nodeIndex++]) {
                    body.add(model, f.tagStart, f.end);
                }
                continue;
            }
            if (f.number == GRAPH_INITIALIZER && !neededTensors.contains(tensorName(model, f))) {
                continue;
            }
            if (f.number == GRAPH_OUTPUT && !outputs.contains(valueInfoName(model, f))) {
                continue;
            }
            if (f.number == GRAPH_OUTPUT && !inputAdded) {
                body.add(floatInput(tensor, width));
                inputAdded = true;
            }
            body.add(model, f.tagStart, f.end);
        }
        if (!inputAdded) {
            body.add(floatInput(tensor, width));
        }
        for (String name : outputs) {
            if (!graph.outputs.contains(name)) {
                body.add(
                        lenPrefixed(GRAPH_OUTPUT, lenPrefixed(VALUE_INFO_NAME, name.getBytes(StandardCharsets.UTF_8))));
            }
        }
        Chunks out = new Chunks();
        out.add(model, 0, g.tagStart);
        out.add(lenPrefixed(MODEL_GRAPH, body.toBytes()));
        out.add(model, g.end, model.length);
        return out.toBytes();
    }

    /** {@code outputs} and every tensor a kept node reads. */
    private Set<String> tensorsRead(boolean[] keep, List<String> outputs) {
        Set<String> tensors = new HashSet<>(outputs);
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                tensors.addAll(nodes.get(i).inputs());
            }
        }
        return tensors;
    }

    /** A graph input {@code name}: float32 {@code [batch, sequence, width]}. */
    private static byte[] floatInput(String name, int width) {
        Chunks shape = new Chunks();
        shape.add(lenPrefixed(1, lenPrefixed(2, "batch".getBytes(StandardCharsets.UTF_8))));
        shape.add(lenPrefixed(1, lenPrefixed(2, "sequence".getBytes(StandardCharsets.UTF_8))));
        Chunks dimValue = new Chunks();
        dimValue.add(varint(1L << 3 | WIRE_VARINT));
        dimValue.add(varint(width));
        shape.add(lenPrefixed(1, dimValue.toBytes()));
        Chunks tensorType = new Chunks();
        tensorType.add(varint(1L << 3 | WIRE_VARINT));
        tensorType.add(varint(1)); // TensorProto.DataType.FLOAT
        tensorType.add(lenPrefixed(2, shape.toBytes()));
        Chunks valueInfo = new Chunks();
        valueInfo.add(lenPrefixed(VALUE_INFO_NAME, name.getBytes(StandardCharsets.UTF_8)));
        valueInfo.add(lenPrefixed(2, lenPrefixed(1, tensorType.toBytes())));
        return lenPrefixed(GRAPH_INPUT, valueInfo.toBytes());
    }

    /** The nodes {@code outputs} need when {@code source} is given (its producers are not followed). */
    private boolean[] nodesFrom(String source, List<String> outputs) {
        boolean[] keep = new boolean[nodes.size()];
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String t : nodes.get(i).outputs()) {
                producer.put(t, i);
            }
        }
        for (String o : outputs) {
            if (!producer.containsKey(o) && !this.outputs.contains(o)) {
                throw new IllegalArgumentException("no node of the graph produces a tensor named '" + o + "'");
            }
        }
        ArrayDeque<String> work = new ArrayDeque<>(outputs);
        while (!work.isEmpty()) {
            String t = work.pop();
            Integer p = t.equals(source) ? null : producer.get(t);
            if (p != null && !keep[p]) {
                keep[p] = true;
                Node n = nodes.get(p);
                if (n.hasSubgraph()) {
                    throw new IllegalArgumentException(
                            "node " + n.name() + " has a subgraph, whose inputs this reader does not follow");
                }
                work.addAll(n.inputs());
            }
        }
        return keep;
    }

    /** Which nodes the tensors {@code outputs} depend on (all of them when {@code prune} is off or unsafe). */
    private boolean[] neededNodes(List<String> outputs, boolean prune) {
        boolean[] keep = new boolean[nodes.size()];
        if (!prune) {
            Arrays.fill(keep, true);
            return keep;
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String t : nodes.get(i).outputs()) {
                producer.put(t, i);
            }
        }
        ArrayDeque<String> work = new ArrayDeque<>(outputs);
        while (!work.isEmpty()) {
            Integer p = producer.get(work.pop());
            if (p != null && !keep[p]) {
                keep[p] = true;
                Node n = nodes.get(p);
                if (n.hasSubgraph()) {
                    Arrays.fill(keep, true);
                    return keep;
                }
                work.addAll(n.inputs());
            }
        }
        return keep;
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean b : a) {
            if (!b) {
                return false;
            }
        }
        return true;
    }

    private static String tensorName(byte[] b, Field tensor) {
        Reader r = new Reader(b, tensor.start, tensor.end);
        while (r.hasMore()) {
            Field f = r.next();
            if (f.number == TENSOR_NAME && f.wire == WIRE_LEN) {
                return f.string(b);
            }
        }
        return "";
    }

    private static Node parseNode(byte[] b, Field node) {
        String name = "";
        String op = "";
        List<String> ins = new ArrayList<>();
        List<String> outs = new ArrayList<>();
        boolean subgraph = false;
        Reader r = new Reader(b, node.start, node.end);
        while (r.hasMore()) {
            Field f = r.next();
            if (f.wire != WIRE_LEN) {
                continue;
            }
            switch (f.number) {
                case NODE_INPUT -> ins.add(f.string(b));
                case NODE_OUTPUT -> outs.add(f.string(b));
                case NODE_NAME -> name = f.string(b);
                case NODE_OP_TYPE -> op = f.string(b);
                case NODE_ATTRIBUTE -> subgraph |= hasSubgraph(b, f);
                default -> {}
            }
        }
        return new Node(name, op, ins, outs, subgraph);
    }

    private static boolean hasSubgraph(byte[] b, Field attribute) {
        Reader r = new Reader(b, attribute.start, attribute.end);
        while (r.hasMore()) {
            Field f = r.next();
            if (f.number == ATTRIBUTE_GRAPH || f.number == ATTRIBUTE_GRAPHS) {
                return true;
            }
        }
        return false;
    }

    private static String valueInfoName(byte[] b, Field valueInfo) {
        Reader r = new Reader(b, valueInfo.start, valueInfo.end);
        while (r.hasMore()) {
            Field f = r.next();
            if (f.number == VALUE_INFO_NAME && f.wire == WIRE_LEN) {
                return f.string(b);
            }
        }
        return "";
    }

    private static Field findSingle(byte[] b, int start, int end, int number) {
        Field found = null;
        Reader r = new Reader(b, start, end);
        while (r.hasMore()) {
            Field f = r.next();
            if (f.number == number) {
                if (f.wire != WIRE_LEN) {
                    throw new IllegalArgumentException(
                            "field " + number + " has wire type " + f.wire + ", expected a message");
                }
                if (found != null) {
                    throw new IllegalArgumentException(
                            "field " + number + " occurs more than once; not a canonical ONNX model");
                }
                found = f;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("not an ONNX model: no graph (ModelProto field " + number + ")");
        }
        return found;
    }

    private static byte[] lenPrefixed(int number, byte[] payload) {
        Chunks c = new Chunks();
        c.add(varint(((long) number << 3) | WIRE_LEN));
        c.add(varint(payload.length));
        c.add(payload);
        return c.toBytes();
    }

    private static byte[] varint(long v) {
        byte[] tmp = new byte[10];
        int n = 0;
        while ((v & ~0x7FL) != 0) {
            tmp[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        tmp[n++] = (byte) v;
        return Arrays.copyOf(tmp, n);
    }

    /** One field: its number, wire type, where its tag starts, and (for LEN fields) its payload range. */
    private record Field(int number, int wire, int tagStart, int start, int end) {
        String string(byte[] b) {
            return new String(b, start, end - start, StandardCharsets.UTF_8);
        }
    }

    /** Sequential reader of the fields in {@code b[pos, end)}. */
    private static final class Reader {
        private final byte[] b;
        private final int end;
        private int pos;

        Reader(byte[] b, int start, int end) {
            this.b = b;
            this.pos = start;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        Field next() {
            int tagStart = pos;
            long tag = readVarint();
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            int start;
            int stop;
            switch (wire) {
                case WIRE_VARINT -> {
                    start = pos;
                    readVarint();
                    stop = pos;
                }
                case WIRE_I64 -> {
                    start = pos;
                    stop = pos + 8;
                }
                case WIRE_LEN -> {
                    long len = readVarint();
                    if (len < 0 || len > end - pos) {
                        throw new IllegalArgumentException("field " + number + " claims " + len + " bytes at offset "
                                + pos + " but only " + (end - pos) + " remain; truncated or not an ONNX model");
                    }
                    start = pos;
                    stop = pos + (int) len;
                }
                case WIRE_I32 -> {
                    start = pos;
                    stop = pos + 4;
                }
                default ->
                    throw new IllegalArgumentException("unsupported protobuf wire type " + wire + " at offset "
                            + tagStart + "; not an ONNX model");
            }
            if (stop > end) {
                throw new IllegalArgumentException(
                        "field " + number + " runs past the end of its message at offset " + tagStart);
            }
            pos = stop;
            return new Field(number, wire, tagStart, start, stop);
        }

        private long readVarint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint at offset " + pos);
                }
                byte x = b[pos++];
                result |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint before offset " + pos);
        }
    }

    /** Byte ranges gathered first and copied once into an exactly sized array. */
    private static final class Chunks {
        private final List<byte[]> arrays = new ArrayList<>();
        private final List<int[]> ranges = new ArrayList<>();
        private long size;

        void add(byte[] a) {
            add(a, 0, a.length);
        }

        void add(byte[] a, int from, int to) {
            arrays.add(a);
            ranges.add(new int[] {from, to});
            size += to - from;
        }

        byte[] toBytes() {
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("model of " + size + " bytes is too large for one array");
            }
            byte[] out = new byte[(int) size];
            int p = 0;
            for (int i = 0; i < arrays.size(); i++) {
                int[] r = ranges.get(i);
                System.arraycopy(arrays.get(i), r[0], out, p, r[1] - r[0]);
                p += r[1] - r[0];
            }
            return out;
        }
    }
}
