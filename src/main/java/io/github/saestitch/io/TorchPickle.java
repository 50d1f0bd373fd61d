package io.github.saestitch.io;

import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader of the pickle inside a PyTorch zip checkpoint ({@code <name>/data.pkl}). It never
 * runs a pickle: it is a small stack machine over a fixed list of opcodes whose only "callables" are the
 * handful of globals a {@code state_dict} contains, each interpreted here in Java; every other global
 * (e.g. {@code os.system}, {@code builtins.eval}) is refused at the {@code GLOBAL} opcode that names it,
 * before anything is built, with an error naming the file and the global.
 *
 * <p>Why our own rather than {@code net.razorvine:pickle}: razorvine's {@code Unpickler} is a general
 * reader that turns unknown globals into {@code ClassDict} objects and accepts every opcode; making it
 * refuse would mean overriding its dispatch and auditing a 2,000-line library for each upgrade, while the
 * subset {@code torch.save} writes (protocol 2, pickle's own opcode table in CPython's
 * {@code Lib/pickletools.py}) needs about 30 opcodes. Owning the loop also lets every length be checked
 * against the bytes that remain, so a lying length cannot make us allocate more than the file holds.
 *
 * <p>Allowed globals: {@code collections.OrderedDict} (a state_dict, the empty backward-hook dicts);
 * {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter} and
 * {@code _rebuild_parameter_with_state} (what {@code torch.save} writes for tensors and
 * {@code nn.Parameter}s, torch/_utils.py); {@code torch.<Type>Storage} for the six dtypes of
 * {@link #STORAGES}, only as the storage type inside a persistent id. Python values become Java ones:
 * {@code str} → String, {@code int} → Long (up to 64 bits), {@code float} → Double, {@code bool},
 * {@code None} → null, {@code list} → {@link ArrayList}, {@code tuple} → {@link Tuple}, {@code dict} and
 * {@code OrderedDict} → {@link LinkedHashMap} (keys must be str, int, float, bool or None), tensors →
 * {@link TensorRef}.
 */
final class TorchPickle {

    /** torch storage class names → the element type of their bytes. */
    static final Map<String, SafeTensors.DType> STORAGES = Map.of(
            "FloatStorage", SafeTensors.DType.F32,
            "HalfStorage", SafeTensors.DType.F16,
            "BFloat16Storage", SafeTensors.DType.BF16,
            "DoubleStorage", SafeTensors.DType.F64,
            "LongStorage", SafeTensors.DType.I64,
            "IntStorage", SafeTensors.DType.I32);

    private static final Set<String> CALLABLES = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state");

    /** A Python tuple. */
    record Tuple(List<Object> items) {}

    /** An allowed global, pushed by {@code GLOBAL}: a callable or a storage type. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A persistent id {@code ('storage', torch.XStorage, key, location, numel)}. */
    record StorageRef(SafeTensors.DType dtype, String key, long numel) {}

    /**
     * A tensor view: {@code shape}, element {@code stride}s and {@code offset} (in elements) into a storage.
     */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

    private static final Object MARK = new Object();
    private static final Object NONE = new Object(); // stands for None on the stack (lists hold null fine)

    private final Path file;
    private final byte[] b;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private TorchPickle(Path file, byte[] bytes) {
        this.file = file;
        this.b = bytes;
    }

    /** Reads {@code bytes} (the pickle of {@code file}) and returns its top-level object. */
    static Object load(Path file, byte[] bytes) throws FileFormatException {
        try {
            return new TorchPickle(file, bytes).run();
        } catch (ClassCastException | ArithmeticException | IndexOutOfBoundsException e) {
            // Every cast and index below is checked first; this is the net under them.
            throw new FileFormatException(
                    file, "malformed pickle (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private Object run() throws FileFormatException {
        while (true) {
            if (pos >= b.length) {
                throw error("pickle ends without a STOP opcode");
            }
            int at = pos;
            int op = b[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > 5) {
                        throw error("pickle protocol " + v + " is not one this reader knows");
                    }
                }
                case 0x95 -> skip(8); // FRAME (protocol 4): a length hint only
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("pickle stops with " + stack.size() + " objects on the stack");
                    }
                    return unwrap(stack.get(0));
                }
                case '(' -> marks.add(stack.size()); // MARK
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) i32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (u8() | (u8() << 8))); // BININT2
                case 0x8a -> push(long1()); // LONG1
                case 'G' -> push(Double.longBitsToDouble(i64BigEndian())); // BINFLOAT
                case 'X' -> push(utf8(u32Length())); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 'T' -> push(latin1(u32Length())); // BINSTRING (protocol 1/2 str of Python 2)
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put((long) u32Length(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32Length())); // LONG_BINGET
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(new Tuple(Arrays.asList(unwrap(pop())))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object y = pop();
                    push(new Tuple(Arrays.asList(unwrap(pop()), unwrap(y))));
                }
                case 0x87 -> { // TUPLE3
                    Object z = pop();
                    Object y = pop();
                    push(new Tuple(Arrays.asList(unwrap(pop()), unwrap(y), unwrap(z))));
                }
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(unwrap(v));
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    List<Object> l = list(peek());
                    for (Object v : items) {
                        l.add(unwrap(v));
                    }
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    putPairs(dict(peek()), List.of(k, v));
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    putPairs(dict(peek()), items);
                }
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL (protocol 4)
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL operands are not strings");
                    }
                    push(global(m, n));
                }
                case 'Q' -> push(persistentId(pop())); // BINPERSID
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object fn = pop();
                    push(reduce(fn, args));
                }
                case 'b' -> { // BUILD: object state; only a state_dict's _metadata attribute reaches here
                    pop();
                    if (!(peek() instanceof Map<?, ?>)) {
                        throw error("BUILD on a " + typeName(peek()) + " is not allowed");
                    }
                }
                default ->
                    throw error(String.format(
                            "pickle opcode 0x%02x at byte %d is not allowed (a state_dict does not need it)", op, at));
            }
        }
    }

    // ------------------------------------------------------------------------------------ callables

    private Object global(String module, String name) throws FileFormatException {
        String q = module + "." + name;
        if (CALLABLES.contains(q) || (module.equals("torch") && STORAGES.containsKey(name))) {
            return new Global(module, name);
        }
        throw error("refers to the Python global " + q
                + ", which saestitch does not allow (a PyTorch state_dict only needs " + allowedGlobals()
                + "); nothing was run");
    }

    static String allowedGlobals() {
        List<String> all = new ArrayList<>(new java.util.TreeSet<>(CALLABLES));
        all.add("torch.{" + String.join(",", new java.util.TreeSet<>(STORAGES.keySet())) + "}");
        return String.join(", ", all);
    }

    private Object reduce(Object fn, Object argsObj) throws FileFormatException {
        if (!(fn instanceof Global g) || !CALLABLES.contains(g.qualified())) {
            throw error("REDUCE applied to " + typeName(fn) + "; only " + CALLABLES + " may be called");
        }
        if (!(argsObj instanceof Tuple(List<Object> args))) {
            throw error("REDUCE arguments are not a tuple");
        }
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                if (!args.isEmpty()) {
                    throw error("OrderedDict called with arguments");
                }
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (args.size() < 4 || args.size() > 7 || !(args.get(0) instanceof StorageRef s)) {
                    throw error("_rebuild_tensor_v2 called with unexpected arguments");
                }
                long offset = nonNegative(args.get(1), "storage offset");
                long[] shape = longs(args.get(2), "size");
                long[] stride = longs(args.get(3), "stride");
                if (shape.length != stride.length) {
                    throw error("tensor size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                            + " differ in rank");
                }
                return new TensorRef(s, offset, shape, stride);
            }
            default -> { // _rebuild_parameter(data, requires_grad, hooks[, state]): the tensor itself
                if (args.size() < 3 || !(args.get(0) instanceof TensorRef t)) {
                    throw error(g.name() + " called with unexpected arguments");
                }
                return t;
            }
        }
    }

    private StorageRef persistentId(Object pid) throws FileFormatException {
        // torch/serialization.py persistent_id: ('storage', storage_type, key, location, numel)
        if (!(pid instanceof Tuple(List<Object> t))
                || t.size() != 5
                || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof Global g)
                || !g.module().equals("torch")
                || !STORAGES.containsKey(g.name())
                || !(t.get(2) instanceof String key)
                || !(t.get(3) instanceof String)) {
            throw error("persistent id is not ('storage', torch.<Type>Storage, key, location, numel)");
        }
        return new StorageRef(STORAGES.get(g.name()), key, nonNegative(t.get(4), "storage size"));
    }

    // ------------------------------------------------------------------------------------ stack

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws FileFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("pickle pops from an empty stack at byte " + (pos - 1));
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws FileFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("pickle reads an empty stack at byte " + (pos - 1));
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws FileFormatException {
        if (marks.isEmpty()) {
            throw error("pickle uses a MARK it never set at byte " + (pos - 1));
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(sub.size());
        for (Object o : sub) {
            items.add(unwrap(o));
        }
        sub.clear();
        return items;
    }

    private Object memoGet(long key) throws FileFormatException {
        if (!memo.containsKey(key)) {
            throw error("pickle reads memo entry " + key + ", which was never stored");
        }
        return memo.get(key);
    }

    private static Object unwrap(Object o) {
        return o == NONE ? null : o;
    }

    private List<Object> list(Object o) throws FileFormatException {
        if (o instanceof ArrayList<?>) {
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) o;
            return l;
        }
        throw error("APPEND to a " + typeName(o));
    }

    private Map<Object, Object> dict(Object o) throws FileFormatException {
        if (o instanceof LinkedHashMap<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> m = (Map<Object, Object>) o;
            return m;
        }
        throw error("SETITEM on a " + typeName(o));
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws FileFormatException {
        if (items.size() % 2 != 0) {
            throw error("dict items come in an odd number");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object k = unwrap(items.get(i));
            // Only value types as keys: a list or dict key could be cyclic and make hashCode recurse forever.
            if (!(k == null
                    || k instanceof String
                    || k instanceof Long
                    || k instanceof Double
                    || k instanceof Boolean)) {
                throw error("dict key of type " + typeName(k) + " is not allowed");
            }
            m.put(k, unwrap(items.get(i + 1)));
        }
    }

    // ------------------------------------------------------------------------------------ bytes

    private int u8() throws FileFormatException {
        need(1);
        return b[pos++] & 0xFF;
    }

    private int i32() throws FileFormatException {
        need(4);
        int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    /** An unsigned 32-bit length that must fit in what remains of the pickle. */
    private int u32Length() throws FileFormatException {
        long v = i32() & 0xFFFFFFFFL;
        if (v > b.length - pos) {
            throw error("length " + v + " at byte " + (pos - 4) + " runs past the end of the pickle");
        }
        return (int) v;
    }

    private long i64BigEndian() throws FileFormatException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[pos++] & 0xFF);
        }
        return v;
    }

    private long long1() throws FileFormatException {
        int n = u8();
        need(n);
        if (n > 8) {
            throw error("integer of " + n + " bytes is too large");
        }
        byte[] be = new byte[Math.max(1, n)];
        for (int i = 0; i < n; i++) {
            be[n - 1 - i] = b[pos + i]; // little-endian two's complement in the pickle
        }
        pos += n;
        return n == 0 ? 0L : new BigInteger(be).longValueExact();
    }

    private void skip(int n) throws FileFormatException {
        need(n);
        pos += n;
    }

    private void need(int n) throws FileFormatException {
        if (n > b.length - pos) {
            throw error("pickle is truncated at byte " + pos);
        }
    }

    private String utf8(int n) throws FileFormatException {
        need(n);
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, pos, n))
                    .toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw error("string at byte " + pos + " is not valid UTF-8");
        }
    }

    private String latin1(int n) throws FileFormatException {
        need(n);
        String s = new String(b, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    /** A newline-terminated ASCII line (GLOBAL's operands), at most 256 bytes. */
    private String line() throws FileFormatException {
        int start = pos;
        while (pos < b.length && pos - start <= 256) {
            if (b[pos] == '\n') {
                String s = new String(b, start, pos - start, StandardCharsets.ISO_8859_1);
                pos++;
                return s;
            }
            pos++;
        }
        throw error("GLOBAL operand at byte " + start + " has no end of line");
    }

    // ------------------------------------------------------------------------------------ checks

    private long nonNegative(Object o, String what) throws FileFormatException {
        if (!(o instanceof Long v) || v < 0) {
            throw error("tensor " + what + " is not a non-negative integer");
        }
        return v;
    }

    private long[] longs(Object o, String what) throws FileFormatException {
        if (!(o instanceof Tuple(List<Object> items)) || items.size() > 16) {
            throw error("tensor " + what + " is not a tuple of at most 16 integers");
        }
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(items.get(i), what);
        }
        return out;
    }

    private static String typeName(Object o) {
        return switch (o) {
            case null -> "None";
            case Global g -> g.qualified();
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case TensorRef t -> "tensor";
            case StorageRef s -> "storage";
            default -> o == NONE ? "None" : o.getClass().getSimpleName();
        };
    }

    private FileFormatException error(String problem) {
        return new FileFormatException(file, problem);
    }
}
