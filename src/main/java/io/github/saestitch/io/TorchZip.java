package io.github.saestitch.io;

import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Reads a PyTorch checkpoint in the zip format {@code torch.save} writes since torch 1.6: a zip archive
 * whose entries are {@code <name>/data.pkl} (the pickled object, read by {@link TorchPickle}, which never
 * runs code), {@code <name>/data/<key>} (each storage's raw little-endian bytes, stored uncompressed and
 * 64-byte aligned by torch's writer, torch/csrc/jit/serialization) and small records such as
 * {@code <name>/version} and {@code <name>/byteorder}.
 *
 * <p>The file is memory-mapped and its central directory read here rather than through
 * {@code java.util.zip}: {@code ZipFile} does not expose where an entry's bytes start, and mapping the
 * storages in place needs exactly that (the local header's offset plus its name and extra lengths).
 * Every offset and length is checked against the file before use and every entry read is checked
 * against its CRC-32, so a truncated or corrupt file is a {@link FileFormatException}, and no
 * allocation is larger than the file: a tensor may not have more elements than its storage.
 *
 * <p>Tensors honour their storage offset and strides (a transposed {@code nn.Linear} weight is stored
 * with strides {@code (1, rows)}) and come back as row-major float32 heap copies converted from the
 * mapping. Refused with a clear message: the legacy pre-1.6 format (a bare pickle), zip64 archives,
 * compressed entries, big-endian storages, and any pickle global outside {@link TorchPickle}'s list.
 *
 * <p>As a {@link WeightsFile} the tensors are the top-level entries of a state_dict (the pickled object
 * must be a dict with string keys); the other values ({@code activation: "TopK"} in OpenAI's files) are
 * available through {@link #stateDict()}.
 */
public final class TorchZip implements WeightsFile {
    /** The pickle is read onto the heap; a state_dict's is a few KB, so 64 MiB is generous. */
    static final long MAX_PICKLE_BYTES = 64L << 20;

    private static final int EOCD_SIG = 0x06054b50;
    private static final int CEN_SIG = 0x02014b50;
    private static final int LOC_SIG = 0x04034b50;
    private static final ValueLayout.OfInt U32 = FloatConversions.I32_LE;
    private static final ValueLayout.OfShort U16 = FloatConversions.U16_LE;

    /** One central-directory entry. */
    private record Entry(String name, int method, long crc, long compressedSize, long size, long localOffset) {}

    private final Path path;
    private final MemorySegment whole;
    private final String prefix; // "<name>/"
    private final Map<String, Entry> entries;
    private final Object root;
    private final Map<String, TorchPickle.TensorRef> tensors;

    private TorchZip(Path path, MemorySegment whole, String prefix, Map<String, Entry> entries, Object root) {
        this.path = path;
        this.whole = whole;
        this.prefix = prefix;
        this.entries = entries;
        this.root = root;
        Map<String, TorchPickle.TensorRef> t = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() instanceof String k && e.getValue() instanceof TorchPickle.TensorRef ref) {
                    t.put(k, ref);
                }
            }
        }
        this.tensors = Collections.unmodifiableMap(t);
    }

    /** Whether {@code file} starts like a zip archive (a local file header). */
    public static boolean looksLikeZip(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) < 4) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            return b.getInt(0) == LOC_SIG;
        }
    }

    /** Maps {@code file} (views of it live as long as the garbage collector keeps this object) and reads its pickle. */
    public static TorchZip open(Path file) throws IOException {
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            whole = ch.size() == 0
                    ? MemorySegment.NULL
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        }
        long size = ch(whole);
        if (size >= 2 && (whole.get(ValueLayout.JAVA_BYTE, 0) & 0xFF) == 0x80) {
            throw new FileFormatException(
                    file,
                    "is a legacy (before torch 1.6) torch.save file, a bare pickle, which saestitch does not read;"
                            + " re-save it with a newer torch (torch.save(torch.load(f), f2)) or as safetensors");
        }
        Map<String, Entry> entries = centralDirectory(file, whole);
        String pkl = null;
        for (String name : entries.keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.indexOf('/', slash + 1) < 0 && name.endsWith("/data.pkl")) {
                if (pkl != null) {
                    throw new FileFormatException(file, "has two pickles (" + pkl + ", " + name + ")");
                }
                pkl = name;
            }
        }
        if (pkl == null) {
            throw new FileFormatException(
                    file, "is a zip archive without a <name>/data.pkl entry: not a PyTorch checkpoint");
        }
        String prefix = pkl.substring(0, pkl.indexOf('/') + 1);
        TorchZip z = new TorchZip(file, whole, prefix, entries, null);
        Entry order = entries.get(prefix + "byteorder");
        if (order != null) {
            String o = new String(z.entryBytes(order, 16), java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (!o.equals("little")) {
                throw new FileFormatException(file, "storages are stored " + o + "-endian; only little is read");
            }
        }
        Entry pe = entries.get(pkl);
        if (pe.size() > MAX_PICKLE_BYTES) {
            throw new FileFormatException(
                    file, pkl + " is " + pe.size() + " bytes; a state_dict's pickle is far smaller");
        }
        Object root = TorchPickle.load(file, z.entryBytes(pe, MAX_PICKLE_BYTES));
        return new TorchZip(file, whole, prefix, entries, root);
    }

    private static long ch(MemorySegment s) {
        return s == MemorySegment.NULL ? 0 : s.byteSize();
    }

    private static Map<String, Entry> centralDirectory(Path file, MemorySegment m) throws FileFormatException {
        long size = ch(m);
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 0xFFFF); p--) {
            if (m.get(U32, p) == EOCD_SIG) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) {
            throw new FileFormatException(
                    file,
                    "is not a zip archive (no end-of-central-directory record; truncated?), so not a PyTorch checkpoint");
        }
        // torch's writer (miniz) adds zip64 end records to every archive; they only matter when a field of
        // the classic record is saturated, i.e. for archives over 4 GiB, which are refused below.
        int count = u16(m, eocd + 10);
        long cdSize = u32(m, eocd + 12);
        long cdOffset = u32(m, eocd + 16);
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            throw new FileFormatException(
                    file, "is a zip64 archive (over 4 GiB or 65,535 entries), which saestitch does not read");
        }
        if (cdOffset + cdSize > eocd) {
            throw new FileFormatException(file, "zip central directory lies outside the file (truncated or corrupt)");
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        long p = cdOffset;
        for (int i = 0; i < count; i++) {
            if (p + 46 > cdOffset + cdSize || m.get(U32, p) != CEN_SIG) {
                throw new FileFormatException(file, "zip central directory entry " + i + " is corrupt");
            }
            int method = u16(m, p + 10);
            long crc = u32(m, p + 16);
            long comp = u32(m, p + 20);
            long usize = u32(m, p + 24);
            int nameLen = u16(m, p + 28);
            int extraLen = u16(m, p + 30);
            int commentLen = u16(m, p + 32);
            long local = u32(m, p + 42);
            long next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cdOffset + cdSize) {
                throw new FileFormatException(file, "zip central directory entry " + i + " runs past the directory");
            }
            if (comp == 0xFFFFFFFFL || usize == 0xFFFFFFFFL || local == 0xFFFFFFFFL) {
                throw new FileFormatException(file, "is a zip64 archive, which saestitch does not read");
            }
            byte[] nb = m.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE);
            String name = new String(nb, java.nio.charset.StandardCharsets.UTF_8);
            if (out.put(name, new Entry(name, method, crc, comp, usize, local)) != null) {
                throw new FileFormatException(file, "zip entry " + name + " appears twice");
            }
            p = next;
        }
        return out;
    }

    private static int u16(MemorySegment m, long at) {
        return m.get(U16, at) & 0xFFFF;
    }

    private static long u32(MemorySegment m, long at) {
        return m.get(U32, at) & 0xFFFFFFFFL;
    }

    /** The bytes of a stored entry, as a slice of the mapping, after checking the local header and bounds. */
    private MemorySegment entryData(Entry e) throws FileFormatException {
        long size = ch(whole);
        if (e.method() != 0) {
            throw new FileFormatException(
                    path,
                    "zip entry " + e.name() + " is compressed (method " + e.method()
                            + "); torch.save stores entries uncompressed, so this archive was rewritten");
        }
        if (e.compressedSize() != e.size()) {
            throw new FileFormatException(path, "zip entry " + e.name() + " has inconsistent sizes");
        }
        long loc = e.localOffset();
        if (loc > size - 30 || whole.get(U32, loc) != LOC_SIG) {
            throw new FileFormatException(path, "zip entry " + e.name() + " has no local header (corrupt archive)");
        }
        long data = loc + 30 + u16(whole, loc + 26) + u16(whole, loc + 28);
        if (data > size || e.size() > size - data) {
            throw new FileFormatException(
                    path, "zip entry " + e.name() + " runs past the end of the file (truncated?)");
        }
        MemorySegment s = whole.asSlice(data, e.size());
        CRC32 crc = new CRC32();
        crc.update(s.asByteBuffer());
        if (crc.getValue() != e.crc()) {
            throw new FileFormatException(path, "zip entry " + e.name() + " fails its CRC-32 check (corrupt file)");
        }
        return s;
    }

    private byte[] entryBytes(Entry e, long max) throws FileFormatException {
        if (e.size() > max) {
            throw new FileFormatException(path, "zip entry " + e.name() + " is larger than expected");
        }
        return entryData(e).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public Path path() {
        return path;
    }

    /** The unpickled top-level object: maps, lists, {@link TorchPickle.Tuple}s, scalars and tensors. */
    Object root() {
        return root;
    }

    /** The top-level object as a string-keyed state_dict. */
    Map<?, ?> stateDict() throws FileFormatException {
        if (!(root instanceof Map<?, ?> m)) {
            throw new FileFormatException(
                    path, "holds a pickled " + describe(root) + ", not a state_dict (a dict of tensors)");
        }
        return m;
    }

    private static String describe(Object o) {
        return o == null
                ? "None"
                : o instanceof java.util.List<?> ? "list" : o.getClass().getSimpleName();
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    private TorchPickle.TensorRef ref(String name) throws FileFormatException {
        TorchPickle.TensorRef t = tensors.get(name);
        if (t == null) {
            throw new FileFormatException(path, "no tensor \"" + name + "\" (the file has " + tensors.keySet() + ")");
        }
        return t;
    }

    @Override
    public SafeTensors.DType dtype(String name) throws FileFormatException {
        return ref(name).storage().dtype();
    }

    @Override
    public long[] shape(String name) throws FileFormatException {
        return ref(name).shape().clone();
    }

    /** Whether the tensor's elements are laid out row-major without gaps (what safetensors requires). */
    boolean contiguous(String name) throws FileFormatException {
        TorchPickle.TensorRef t = ref(name);
        long expect = 1;
        for (int i = t.shape().length - 1; i >= 0; i--) {
            if (t.shape()[i] != 1 && t.stride()[i] != expect) {
                return false;
            }
            expect *= t.shape()[i];
        }
        return true;
    }

    @Override
    public FloatMatrix matrix(String name) throws FileFormatException {
        long[] s = shape(name);
        if (s.length != 2) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" has shape " + Arrays.toString(s) + "; expected a 2-D tensor");
        }
        float[] v = floats(name);
        return FloatMatrix.wrap(v, (int) s[0], (int) s[1]);
    }

    @Override
    public float[] vector(String name) throws FileFormatException {
        long[] s = shape(name);
        if (s.length != 1) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" has shape " + Arrays.toString(s) + "; expected a 1-D tensor");
        }
        return floats(name);
    }

    @Override
    public float scalar(String name) throws FileFormatException {
        float[] v = floats(name);
        if (v.length != 1) {
            throw new FileFormatException(
                    path,
                    "tensor \"" + name + "\" has shape " + Arrays.toString(shape(name)) + "; expected a single value");
        }
        return v[0];
    }

    @Override
    public long integer(String name) throws FileFormatException {
        TorchPickle.TensorRef t = ref(name);
        SafeTensors.DType d = t.storage().dtype();
        if (d != SafeTensors.DType.I32 && d != SafeTensors.DType.I64) {
            throw new FileFormatException(path, "tensor \"" + name + "\" has dtype " + d + "; expected an integer");
        }
        if (checkView(name, t) != 1) {
            throw new FileFormatException(
                    path,
                    "tensor \"" + name + "\" has shape " + Arrays.toString(t.shape()) + "; expected a single value");
        }
        MemorySegment s = storage(name, t);
        long at = t.offset(); // one element: every dimension is 1, so strides do not move it
        return d == SafeTensors.DType.I32
                ? s.getAtIndex(FloatConversions.I32_LE, at)
                : s.getAtIndex(FloatConversions.I64_LE, at);
    }

    /** A floating-point tensor of any rank, row-major, as float32 (honouring offset and strides). */
    float[] floats(String name) throws FileFormatException {
        TorchPickle.TensorRef t = ref(name);
        SafeTensors.DType d = t.storage().dtype();
        if (!d.isFloat()) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" has dtype " + d + "; expected a floating-point dtype");
        }
        float[] out = new float[checkView(name, t)];
        gather(t, storage(name, t), d.encoding(), out);
        return out;
    }

    /** The storage's bytes, which must be exactly {@code numel × element size}. */
    private MemorySegment storage(String name, TorchPickle.TensorRef t) throws FileFormatException {
        TorchPickle.StorageRef st = t.storage();
        Entry e = entries.get(prefix + "data/" + st.key());
        if (e == null) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" refers to storage " + st.key() + ", which the archive lacks");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(st.numel(), (long) st.dtype().byteSize());
        } catch (ArithmeticException overflow) {
            bytes = -1;
        }
        if (bytes != e.size()) {
            throw new FileFormatException(
                    path,
                    "storage " + st.key() + " should hold " + st.numel() + " " + st.dtype()
                            + " values but its entry has " + e.size() + " bytes");
        }
        return entryData(e);
    }

    /**
     * Checks that the view fits its storage and returns its element count. Refuses views reaching past
     * the storage and views with more elements than the storage (stride-0 expansions), which bounds any
     * allocation by the file's size.
     */
    private int checkView(String name, TorchPickle.TensorRef t) throws FileFormatException {
        long[] shape = t.shape();
        long[] stride = t.stride();
        long numel = 1;
        long last = t.offset();
        try {
            for (int i = 0; i < shape.length; i++) {
                numel = Math.multiplyExact(numel, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException overflow) {
            throw new FileFormatException(path, "tensor \"" + name + "\" has an impossible size or stride");
        }
        long storageNumel = t.storage().numel();
        if (numel > storageNumel || (numel > 0 && last >= storageNumel)) {
            throw new FileFormatException(
                    path,
                    "tensor \"" + name + "\" (size " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride)
                            + ", offset " + t.offset() + ") does not fit its storage of " + storageNumel + " values");
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new FileFormatException(
                    path, "tensor \"" + name + "\" has " + numel + " elements, too many for one array");
        }
        return (int) numel;
    }

    /**
     * Copies the view into {@code out} row-major: an odometer over all but the last dimension, and along
     * the last one a bulk conversion when its stride is 1, else one element at a time (transposed weights).
     */
    private static void gather(TorchPickle.TensorRef t, MemorySegment s, FloatConversions.Encoding enc, float[] out) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        int rank = shape.length;
        if (out.length == 0) {
            return;
        }
        if (rank == 0) {
            out[0] = FloatConversions.read(s, enc, t.offset());
            return;
        }
        int inner = (int) shape[rank - 1];
        long innerStride = stride[rank - 1];
        long[] pos = new long[rank - 1];
        long rowStart = t.offset();
        for (int o = 0; o < out.length; o += inner) {
            if (innerStride == 1) {
                FloatConversions.convert(s, enc, rowStart, out, o, inner);
            } else {
                for (int j = 0; j < inner; j++) {
                    out[o + j] = FloatConversions.read(s, enc, rowStart + j * innerStride);
                }
            }
            for (int d = rank - 2; d >= 0; d--) {
                pos[d]++;
                rowStart += stride[d];
                if (pos[d] < shape[d]) {
                    break;
                }
                rowStart -= stride[d] * shape[d];
                pos[d] = 0;
            }
        }
    }

    @Override
    public String toString() {
        return "TorchZip[" + path + ", " + tensors.size() + " tensors]";
    }

    /** A copy of the state_dict's value for {@code key}, or null; never a tensor. */
    Object value(String key) throws FileFormatException {
        Object v = stateDict().get(key);
        return v instanceof TorchPickle.TensorRef ? null : v;
    }

    /** The names of all entries (for tests and messages). */
    Set<String> entryNames() {
        return new LinkedHashSet<>(entries.keySet());
    }
}
