package io.github.saestitch.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout (from the format's README): an unsigned little-endian 64-bit header length {@code N}; {@code N}
 * bytes of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * plus an optional {@code "__metadata__"} string→string map; then the data region, in which offsets are
 * relative to its start, tensors are little-endian and row-major, and the tensors tile the region
 * exactly (no gaps, no overlaps, nothing left over).
 *
 * <p><b>Reading</b> maps the file ({@link FileChannel#map(FileChannel.MapMode, long, long, Arena)}) and
 * validates the whole header up front, with the checks of the reference Rust implementation: file shorter
 * than 8 bytes, header length past the end of the file or over 100 MB, header not UTF-8 JSON or not an
 * object, duplicate names, unknown dtype, negative or non-integer dimensions, {@code shape × dtype}
 * bytes ≠ {@code end − begin}, offsets outside the data region, overlapping tensors, gaps, or bytes not
 * covered by any tensor. Float32 tensors come back as zero-copy {@link FloatMatrix} views of the mapping
 * (when the host is little-endian and the data is 4-byte aligned, which it is in files written by the
 * reference library); F16, BF16 and F64 are converted to float32 on the heap.
 *
 * <p>Views stay valid as long as the arena that mapped them: {@link #open(Path)} uses its own arena,
 * closed by {@link #close()}; {@link #open(Path, Arena)} uses the caller's ({@code Arena.ofAuto()} leaves
 * unmapping to the garbage collector, which is what SAE loading does).
 *
 * <p><b>Writing</b> ({@link #write}) follows the reference writer's layout: compact JSON with
 * {@code __metadata__} first, the header padded with spaces to a multiple of 8 bytes, tensors ordered by
 * dtype (larger {@link DType} first, as the Rust {@code prepare} sorts) and then by name, offsets
 * contiguous from 0. The output is byte-identical to the fixture script's spec-following writer; the
 * Python library itself could differ only in the order of {@code __metadata__} keys (it keeps them in a
 * hash map). Float32 and bfloat16 (round to nearest even, as PyTorch) output are supported.
 */
public final class SafeTensors implements AutoCloseable, WeightsFile {

    /** The reference implementation refuses headers over 100 MB (its {@code MAX_HEADER_SIZE}). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The header key holding the free-form string map. */
    public static final String METADATA_KEY = "__metadata__";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Write buffer: large enough to amortise syscalls, small enough to stay in cache. */
    private static final int WRITE_CHUNK_BYTES = 1 << 20;

    /**
     * Element types of the format, in the order of the reference Rust {@code Dtype} enum (the writer sorts
     * by it). Only the floating-point ones convert to float32; the others can be inspected as raw bytes.
     */
    public enum DType {
        BOOL(1, null),
        U8(1, null),
        I8(1, null),
        F8_E5M2(1, null),
        F8_E4M3(1, null),
        F8_E8M0(1, null),
        I16(2, null),
        U16(2, null),
        F16(2, FloatConversions.Encoding.F16),
        BF16(2, FloatConversions.Encoding.BF16),
        I32(4, null),
        U32(4, null),
        F32(4, FloatConversions.Encoding.F32),
        C64(8, null),
        F64(8, FloatConversions.Encoding.F64),
        I64(8, null),
        U64(8, null);

        private final int byteSize;
        private final FloatConversions.Encoding encoding;

        DType(int byteSize, FloatConversions.Encoding encoding) {
            this.byteSize = byteSize;
            this.encoding = encoding;
        }

        /** Bytes per element. */
        public int byteSize() {
            return byteSize;
        }

        /** Whether {@link SafeTensors} can convert it to float32 (F16, BF16, F32, F64). */
        public boolean isFloat() {
            return encoding != null;
        }

        FloatConversions.Encoding encoding() {
            return encoding;
        }

        static DType parse(String s) {
            for (DType t : values()) {
                if (t.name().equals(s)) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * One header entry. {@code begin} and {@code end} are byte offsets into the data region.
     *
     * @param shape dimensions, row-major; empty for a scalar
     */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        public TensorInfo {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        /** Product of the dimensions (1 for a scalar). */
        public long numElements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public long byteSize() {
            return end - begin;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t
                    && name.equals(t.name)
                    && dtype == t.dtype
                    && Arrays.equals(shape, t.shape)
                    && begin == t.begin
                    && end == t.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape);
        }
    }

    private final Path path;
    private final Arena ownedArena; // null when the caller's arena maps the file
    private final MemorySegment data; // the data region (file bytes after the header)
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors; // in data-offset order

    private SafeTensors(
            Path path,
            Arena ownedArena,
            MemorySegment data,
            Map<String, String> metadata,
            Map<String, TensorInfo> tensors) {
        this.path = path;
        this.ownedArena = ownedArena;
        this.data = data;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /**
     * Maps and validates {@code file} in an arena owned by the returned object: views it hands out die
     * with {@link #close()}.
     */
    public static SafeTensors open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return open(file, arena, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Maps and validates {@code file} in {@code arena}; views live as long as that arena and
     * {@link #close()} does nothing.
     */
    public static SafeTensors open(Path file, Arena arena) throws IOException {
        return open(file, Objects.requireNonNull(arena, "arena"), null);
    }

    private static SafeTensors open(Path file, Arena arena, Arena owned) throws IOException {
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < Long.BYTES) {
                throw new FileFormatException(
                        file, "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
            }
            whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        long size = whole.byteSize();
        long n = whole.get(FloatConversions.I64_LE, 0);
        if (n < 0 || n > size - Long.BYTES) {
            throw new FileFormatException(
                    file,
                    "header length " + Long.toUnsignedString(n) + " runs past the end of the file (" + size
                            + " bytes, so at most " + (size - Long.BYTES) + ")");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new FileFormatException(
                    file, "header length " + n + " exceeds the format's limit of " + MAX_HEADER_BYTES + " bytes");
        }
        String headerText;
        try {
            headerText = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(whole.asSlice(Long.BYTES, n).asByteBuffer())
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FileFormatException(file, "header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(headerText);
        } catch (JsonProcessingException e) {
            throw new FileFormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new FileFormatException(file, "header is not a JSON object");
        }
        MemorySegment data = whole.asSlice(Long.BYTES + n);
        Map<String, String> metadata = Map.of();
        List<TensorInfo> infos = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, e.getValue());
            } else {
                infos.add(parseEntry(file, e.getKey(), e.getValue(), data.byteSize()));
            }
        }
        checkLayout(file, infos, data.byteSize());
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            byName.put(t.name(), t);
        }
        return new SafeTensors(file, owned, data, metadata, Collections.unmodifiableMap(byName));
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws FileFormatException {
        if (!node.isObject()) {
            throw new FileFormatException(
                    file, METADATA_KEY + " must be a JSON object of strings, got " + CfgJson.describe(node));
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new FileFormatException(
                        file, METADATA_KEY + " value for \"" + e.getKey() + "\" must be a string, got " + e.getValue());
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataBytes)
            throws FileFormatException {
        if (!node.isObject()) {
            throw new FileFormatException(file, "tensor \"" + name + "\": entry must be an object, got " + node);
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new FileFormatException(file, "tensor \"" + name + "\": missing or non-string \"dtype\"");
        }
        DType dtype = DType.parse(dt.textValue());
        if (dtype == null) {
            throw new FileFormatException(
                    file,
                    "tensor \"" + name + "\": unknown dtype \"" + dt.textValue() + "\" (known: "
                            + Arrays.toString(DType.values()) + ")");
        }
        JsonNode sh = node.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new FileFormatException(file, "tensor \"" + name + "\": missing or non-array \"shape\"");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw new FileFormatException(
                        file, "tensor \"" + name + "\": dimension " + i + " is not an integer: " + d);
            }
            shape[i] = d.longValue();
            if (shape[i] < 0) {
                throw new FileFormatException(
                        file, "tensor \"" + name + "\": negative dimension " + shape[i] + " in shape " + sh);
            }
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new FileFormatException(file, "tensor \"" + name + "\": \"data_offsets\" must be [begin, end]");
        }
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = off.get(i);
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw new FileFormatException(
                        file, "tensor \"" + name + "\": data offset " + o + " is not a non-negative integer");
            }
            be[i] = o.longValue();
        }
        if (be[1] < be[0]) {
            throw new FileFormatException(
                    file, "tensor \"" + name + "\": data_offsets [" + be[0] + ", " + be[1] + "] end before they begin");
        }
        if (be[1] > dataBytes) {
            throw new FileFormatException(
                    file,
                    "tensor \"" + name + "\": data_offsets [" + be[0] + ", " + be[1]
                            + "] lie outside the data region of " + dataBytes + " bytes");
        }
        long need = dtype.byteSize();
        for (long d : shape) {
            try {
                need = Math.multiplyExact(need, d);
            } catch (ArithmeticException overflow) {
                throw new FileFormatException(file, "tensor \"" + name + "\": shape " + sh + " overflows 64 bits");
            }
        }
        if (need != be[1] - be[0]) {
            throw new FileFormatException(
                    file,
                    "tensor \"" + name + "\": shape " + sh + " of " + dtype + " needs " + need
                            + " bytes but data_offsets [" + be[0] + ", " + be[1] + "] hold " + (be[1] - be[0]));
        }
        return new TensorInfo(name, dtype, shape, be[0], be[1]);
    }

    /** The tensors must tile {@code [0, dataBytes)}: sorted by offset, each starts where the last ended. */
    private static void checkLayout(Path file, List<TensorInfo> infos, long dataBytes) throws FileFormatException {
        infos.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long at = 0;
        String prev = null;
        for (TensorInfo t : infos) {
            if (t.begin() < at) {
                throw new FileFormatException(
                        file,
                        "tensor \"" + t.name() + "\" at [" + t.begin() + ", " + t.end() + ") overlaps tensor \"" + prev
                                + "\" ending at " + at);
            }
            if (t.begin() > at) {
                throw new FileFormatException(
                        file,
                        "bytes [" + at + ", " + t.begin() + ") of the data region "
                                + "belong to no tensor (gap before \"" + t.name() + "\")");
            }
            at = t.end();
            prev = t.name();
        }
        if (at != dataBytes) {
            throw new FileFormatException(
                    file,
                    "the data region has " + dataBytes + " bytes but the tensors cover only " + at + " ("
                            + (dataBytes - at) + " trailing bytes belong to no tensor)");
        }
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map (empty when absent), in file order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in data-offset order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /** Tensor names, sorted. */
    public Set<String> names() {
        return Collections.unmodifiableSet(new java.util.TreeSet<>(tensors.keySet()));
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry for {@code name}. @throws FileFormatException if there is none */
    public TensorInfo info(String name) throws FileFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new FileFormatException(path, "no tensor named \"" + name + "\" (the file has " + names() + ")");
        }
        return t;
    }

    @Override
    public DType dtype(String name) throws FileFormatException {
        return info(name).dtype();
    }

    @Override
    public long[] shape(String name) throws FileFormatException {
        return info(name).shape();
    }

    /** An I32 or I64 tensor holding exactly one element. */
    @Override
    public long integer(String name) throws FileFormatException {
        TensorInfo t = info(name);
        if ((t.dtype() != DType.I32 && t.dtype() != DType.I64) || t.numElements() != 1) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" is " + t + "; expected a single I32 or I64 value");
        }
        MemorySegment b = data.asSlice(t.begin(), t.byteSize());
        return t.dtype() == DType.I32 ? b.get(FloatConversions.I32_LE, 0) : b.get(FloatConversions.I64_LE, 0);
    }

    /** The raw little-endian bytes of a tensor, as a read-only view of the mapping. */
    public MemorySegment bytes(String name) throws FileFormatException {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteSize());
    }

    /**
     * A 2-D floating-point tensor as float32 {@code [rows, cols]}: a read-only zero-copy view for F32
     * (see the class comment), a converted heap copy for F16, BF16 and F64.
     */
    public FloatMatrix matrix(String name) throws FileFormatException {
        TensorInfo t = floatTensor(name);
        if (t.rank() != 2) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" has shape " + Arrays.toString(t.shape) + "; expected a 2-D tensor");
        }
        if (t.shape[0] > Integer.MAX_VALUE || t.shape[1] > Integer.MAX_VALUE) {
            throw new FileFormatException(
                    path,
                    "tensor \"" + name + "\" shape " + Arrays.toString(t.shape) + " has a dimension over 2^31 - 1");
        }
        int rows = (int) t.shape[0];
        int cols = (int) t.shape[1];
        MemorySegment src = data.asSlice(t.begin(), t.byteSize());
        if (t.dtype() == DType.F32 && FloatConversions.zeroCopyOk(src)) {
            return FloatMatrix.of(src, rows, cols);
        }
        float[] out = heapArray(t);
        FloatConversions.convert(src, t.dtype().encoding(), 0, out, 0, out.length);
        return FloatMatrix.wrap(out, rows, cols);
    }

    /** A 1-D floating-point tensor copied into a new float32 array. */
    public float[] vector(String name) throws FileFormatException {
        TensorInfo t = floatTensor(name);
        if (t.rank() != 1) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" has shape " + Arrays.toString(t.shape) + "; expected a 1-D tensor");
        }
        return floats(name);
    }

    /** A floating-point tensor of any rank, flattened row-major into a new float32 array. */
    public float[] floats(String name) throws FileFormatException {
        TensorInfo t = floatTensor(name);
        float[] out = heapArray(t);
        FloatConversions.convert(
                data.asSlice(t.begin(), t.byteSize()), t.dtype().encoding(), 0, out, 0, out.length);
        return out;
    }

    /** A floating-point tensor holding exactly one element (shape {@code []}, {@code [1]}, ...), as float32. */
    public float scalar(String name) throws FileFormatException {
        TensorInfo t = floatTensor(name);
        if (t.numElements() != 1) {
            throw new FileFormatException(
                    path,
                    "tensor \"" + name + "\" has shape " + Arrays.toString(t.shape) + "; expected a single value");
        }
        return FloatConversions.read(
                data.asSlice(t.begin(), t.byteSize()), t.dtype().encoding(), 0);
    }

    private TensorInfo floatTensor(String name) throws FileFormatException {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw new FileFormatException(
                    path,
                    "tensor \"" + name + "\" has dtype " + t.dtype()
                            + "; expected a floating-point dtype (F16, BF16, F32, F64)");
        }
        return t;
    }

    private float[] heapArray(TensorInfo t) throws FileFormatException {
        long n = t.numElements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new FileFormatException(
                    path, "tensor \"" + t.name() + "\" has " + n + " elements, too many for one heap array");
        }
        return new float[(int) n];
    }

    /** Closes the arena this object owns (invalidating its views); a no-op for a caller's arena. */
    @Override
    public void close() {
        if (ownedArena != null) {
            ownedArena.close();
        }
    }

    @Override
    public String toString() {
        return "SafeTensors[" + path + ", " + tensors.size() + " tensors]";
    }

    // ------------------------------------------------------------------------------------------ writing

    /**
     * A tensor to write: float32 source values (native order, e.g. a {@link FloatMatrix#segment()} or
     * {@code MemorySegment.ofArray(float[])}) stored in the file as {@code dtype} (F32 or BF16).
     *
     * @param shape  dimensions; empty for a scalar
     * @param values exactly {@code product(shape)} float32 values
     */
    public record Tensor(String name, DType dtype, long[] shape, MemorySegment values) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(values, "values");
            if (name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name \"" + name + "\"");
            }
            if (dtype != DType.F32 && dtype != DType.BF16) {
                throw new IllegalArgumentException("can write F32 or BF16, not " + dtype);
            }
            shape = shape.clone();
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, d);
            }
            if (values.byteSize() != n * Float.BYTES) {
                throw new IllegalArgumentException("tensor \"" + name + "\" " + Arrays.toString(shape) + " needs "
                        + n * Float.BYTES + " bytes of float32, got " + values.byteSize());
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** A 2-D float32 tensor. */
        public static Tensor f32(String name, FloatMatrix m) {
            return new Tensor(name, DType.F32, new long[] {m.rows(), m.cols()}, m.segment());
        }

        /** A 1-D float32 tensor. */
        public static Tensor f32(String name, float[] v) {
            return new Tensor(name, DType.F32, new long[] {v.length}, MemorySegment.ofArray(v));
        }

        /** A 0-D (scalar) float32 tensor. */
        public static Tensor f32Scalar(String name, float v) {
            return new Tensor(name, DType.F32, new long[0], MemorySegment.ofArray(new float[] {v}));
        }

        /** The same values stored as another dtype (F32 or BF16). */
        public Tensor as(DType other) {
            return new Tensor(name, other, shape, values);
        }

        long fileBytes() {
            return values.byteSize() / Float.BYTES * dtype.byteSize();
        }
    }

    /**
     * Writes a safetensors file atomically ({@link AtomicOutput}): see the class comment for the exact
     * byte layout.
     *
     * @param metadata the {@code __metadata__} map, written in its iteration order; omitted when empty
     * @throws IllegalArgumentException for duplicate tensor names
     */
    public static void write(Path file, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
        AtomicOutput.writeFile(file, tmp -> writeDirect(tmp, metadata, tensors));
    }

    /** Writes without the atomic wrapper, for files inside a directory {@link AtomicOutput} is building. */
    static void writeDirect(Path file, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
        List<Tensor> ordered = orderForWriting(tensors);
        byte[] header = headerBytes(metadata, ordered);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(WRITE_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            MemorySegment bufSeg = MemorySegment.ofBuffer(buf); // the whole buffer, whatever its position later
            writeFully(
                    ch,
                    ByteBuffer.allocate(Long.BYTES)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(0, header.length));
            writeFully(ch, ByteBuffer.wrap(header));
            for (Tensor t : ordered) {
                writeValues(ch, buf, bufSeg, t);
            }
        }
    }

    /** Rust {@code prepare}: larger dtype first, then name (byte order of the UTF-8 names). */
    static List<Tensor> orderForWriting(List<Tensor> tensors) {
        Set<String> seen = new HashSet<>();
        for (Tensor t : tensors) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name \"" + t.name() + "\"");
            }
        }
        List<Tensor> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparing(Tensor::dtype, Comparator.reverseOrder())
                .thenComparing(t -> t.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return ordered;
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes (the Python library's alignment). */
    static byte[] headerBytes(Map<String, String> metadata, List<Tensor> ordered) throws JsonProcessingException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> m.put(Objects.requireNonNull(k), Objects.requireNonNull(v, "metadata value")));
        }
        long offset = 0;
        for (Tensor t : ordered) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode s = e.putArray("shape");
            for (long d : t.shape) {
                s.add(d);
            }
            long end = offset + t.fileBytes();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeValues(FileChannel ch, ByteBuffer buf, MemorySegment bufSeg, Tensor t) throws IOException {
        MemorySegment src = t.values();
        long n = src.byteSize() / Float.BYTES;
        int outBytes = t.dtype().byteSize();
        int perChunk = WRITE_CHUNK_BYTES / outBytes;
        for (long start = 0; start < n; start += perChunk) {
            int count = (int) Math.min(perChunk, n - start);
            if (t.dtype() == DType.F32) {
                MemorySegment.copy(
                        src,
                        ValueLayout.JAVA_FLOAT_UNALIGNED,
                        start * Float.BYTES,
                        bufSeg,
                        FloatConversions.F32_LE,
                        0,
                        count);
            } else {
                for (int k = 0; k < count; k++) {
                    float f = src.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, start + k);
                    bufSeg.setAtIndex(FloatConversions.U16_LE, k, FloatConversions.floatToBf16(f));
                }
            }
            buf.clear().limit(count * outBytes);
            writeFully(ch, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
