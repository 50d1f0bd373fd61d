package io.github.saestitch.io;

import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * NumPy {@code .npy} files (format spec: {@code numpy.lib.format}, "NEP 1").
 *
 * <p>Layout: the magic {@code \x93NUMPY}, a major and a minor version byte, the header length (an
 * unsigned little-endian 16-bit integer in version 1.0, 32-bit in 2.0 and 3.0), then the header: the
 * {@code repr} of a Python dict with exactly the keys {@code descr}, {@code fortran_order} and
 * {@code shape}, latin-1 (UTF-8 in 3.0), padded with spaces and a final newline so the data starts on a
 * 64-byte boundary. The data follows, row-major unless {@code fortran_order} is true.
 *
 * <p>Read: versions 1.0, 2.0 and 3.0; dtypes {@code <f4}, {@code <f2}, {@code <f8} (converted to
 * float32); any rank (matrices and vectors have helpers); Fortran order is handled by transposing on read.
 * Files are memory-mapped and {@code <f4} C-order data is handed out zero-copy. Big-endian and
 * non-float dtypes are refused with a message saying how to convert.
 *
 * <p>Write: {@code <f4}, C order, byte-for-byte what {@code numpy.save} writes (version 1.0 unless the
 * header needs 2.0, the same spare header space numpy reserves so the row count can be rewritten), via
 * {@link NpyWriter}, which streams rows and finalises the header when finished.
 */
public final class Npy {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** numpy's {@code ARRAY_ALIGN}: the header is padded so data starts at a multiple of this. */
    static final int ARRAY_ALIGN = 64;

    /** numpy's {@code GROWTH_AXIS_MAX_DIGITS}: spare header spaces so the first dimension can grow in place. */
    static final int GROWTH_AXIS_MAX_DIGITS = 21;

    /**
     * Headers of plain arrays are about a hundred bytes (numpy itself refuses over 10,000 characters
     * unless pickles are allowed); anything over this is not a file we can read and is not decoded.
     */
    static final long MAX_HEADER_BYTES = 1 << 20;

    private static final Set<Object> EXPECTED_KEYS = Set.of("descr", "fortran_order", "shape");

    /** The element types read (and, for F4, written). */
    public enum DType {
        /** {@code <f2}: IEEE half precision. */
        F2("<f2", FloatConversions.Encoding.F16),
        /** {@code <f4}: IEEE single precision. */
        F4("<f4", FloatConversions.Encoding.F32),
        /** {@code <f8}: IEEE double precision, rounded to float32 on read. */
        F8("<f8", FloatConversions.Encoding.F64);

        private final String descr;
        private final FloatConversions.Encoding encoding;

        DType(String descr, FloatConversions.Encoding encoding) {
            this.descr = descr;
            this.encoding = encoding;
        }

        /** The numpy type string, e.g. {@code <f4}. */
        public String descr() {
            return descr;
        }

        public int byteSize() {
            return encoding.bytes;
        }

        FloatConversions.Encoding encoding() {
            return encoding;
        }
    }

    /**
     * A parsed header.
     *
     * @param major        format major version (1, 2 or 3)
     * @param minor        format minor version (0)
     * @param dtype        element type
     * @param fortranOrder whether the data is column-major
     * @param shape        dimensions; empty for a 0-d array
     * @param dataOffset   byte offset of the first element
     */
    public record Header(int major, int minor, DType dtype, boolean fortranOrder, long[] shape, long dataOffset) {
        public Header {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        public long numElements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public long dataBytes() {
            return numElements() * dtype.byteSize();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h
                    && major == h.major
                    && minor == h.minor
                    && dtype == h.dtype
                    && fortranOrder == h.fortranOrder
                    && Arrays.equals(shape, h.shape)
                    && dataOffset == h.dataOffset;
        }

        @Override
        public int hashCode() {
            return Objects.hash(major, minor, dtype, fortranOrder, Arrays.hashCode(shape), dataOffset);
        }

        @Override
        public String toString() {
            return "npy v" + major + "." + minor + " " + dtype.descr() + " " + Arrays.toString(shape)
                    + (fortranOrder ? " fortran_order" : "");
        }
    }

    private Npy() {}

    /** Maps and validates {@code file}; its views die with {@link NpyArray#close()}. */
    public static NpyArray open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return open(file, arena, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Maps and validates {@code file} in the caller's arena. */
    public static NpyArray open(Path file, Arena arena) throws IOException {
        return open(file, Objects.requireNonNull(arena, "arena"), null);
    }

    private static NpyArray open(Path file, Arena arena, Arena owned) throws IOException {
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < MAGIC.length + 4) {
                throw new FileFormatException(file, "file is " + size + " bytes, too short for an .npy header");
            }
            whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        Header h = parseHeader(file, whole);
        long available = whole.byteSize() - h.dataOffset();
        if (available < h.dataBytes()) {
            throw new FileFormatException(
                    file,
                    "data is " + available + " bytes but " + h + " needs " + h.dataBytes() + " (file truncated?)");
        }
        return new NpyArray(file, h, whole.asSlice(h.dataOffset(), h.dataBytes()), owned);
    }

    /** Parses and validates the header at the start of {@code bytes}. */
    static Header parseHeader(Path file, MemorySegment bytes) throws FileFormatException {
        Raw r = parseRaw(file, bytes);
        DType dtype = parseDescr(file, r.descr());
        checkSize(file, r.shape(), dtype.byteSize());
        return new Header(r.major(), r.minor(), dtype, r.fortranOrder(), r.shape(), r.dataOffset());
    }

    /** A header whose {@code descr} is not yet mapped to an element type. */
    record Raw(int major, int minor, Object descr, boolean fortranOrder, long[] shape, long dataOffset) {}

    /** The header at the start of {@code bytes}, any {@code descr}. */
    static Raw parseRaw(Path file, MemorySegment bytes) throws FileFormatException {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                throw new FileFormatException(file, "not an .npy file (missing the \\x93NUMPY magic)");
            }
        }
        int major = Byte.toUnsignedInt(bytes.get(ValueLayout.JAVA_BYTE, 6));
        int minor = Byte.toUnsignedInt(bytes.get(ValueLayout.JAVA_BYTE, 7));
        if (major < 1 || major > 3 || minor != 0) {
            throw new FileFormatException(
                    file, "unsupported .npy format version " + major + "." + minor + " (known: 1.0, 2.0, 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        long headerStart = MAGIC.length + 2 + lengthBytes;
        if (bytes.byteSize() < headerStart) {
            throw new FileFormatException(file, "file ends inside the header length");
        }
        long hlen = major == 1
                ? Short.toUnsignedInt(bytes.get(FloatConversions.U16_LE, 8))
                : Integer.toUnsignedLong(bytes.get(FloatConversions.I32_LE, 8));
        if (headerStart + hlen > bytes.byteSize()) {
            throw new FileFormatException(
                    file, "header length " + hlen + " runs past the end of the file (" + bytes.byteSize() + " bytes)");
        }
        if (hlen > MAX_HEADER_BYTES) {
            throw new FileFormatException(
                    file, "header length " + hlen + " is over " + MAX_HEADER_BYTES + " bytes; not a plain float array");
        }
        String text;
        try {
            var decoder = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1)
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            text = decoder.decode(bytes.asSlice(headerStart, hlen).asByteBuffer())
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FileFormatException(file, "header is not valid " + (major == 3 ? "UTF-8" : "latin-1"), e);
        }
        Object parsed;
        try {
            parsed = PyLiteral.parse(text);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "cannot parse the header " + quote(text) + ": " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> d)) {
            throw new FileFormatException(file, "header is not a dict: " + quote(text));
        }
        if (!d.keySet().equals(EXPECTED_KEYS)) {
            throw new FileFormatException(
                    file,
                    "header keys are " + d.keySet() + "; an .npy header has exactly descr, fortran_order and shape");
        }
        if (!(d.get("fortran_order") instanceof Boolean fortran)) {
            throw new FileFormatException(file, "fortran_order is not a bool: " + d.get("fortran_order"));
        }
        if (!(d.get("shape") instanceof PyLiteral.Tuple t)) {
            throw new FileFormatException(file, "shape is not a tuple: " + d.get("shape"));
        }
        long[] shape = new long[t.items().size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(t.items().get(i) instanceof Long dim) || dim < 0) {
                throw new FileFormatException(file, "shape " + t.items() + " has an invalid dimension at index " + i);
            }
            shape[i] = dim;
        }
        return new Raw(major, minor, d.get("descr"), fortran, shape, headerStart + hlen);
    }

    /** Refuses a shape whose byte size overflows 64 bits. */
    static void checkSize(Path file, long[] shape, long elementBytes) throws FileFormatException {
        long n = elementBytes;
        for (long dim : shape) {
            try {
                n = Math.multiplyExact(n, dim);
            } catch (ArithmeticException e) {
                throw new FileFormatException(file, "shape " + Arrays.toString(shape) + " overflows 64 bits");
            }
        }
    }

    private static DType parseDescr(Path file, Object descr) throws FileFormatException {
        if (!(descr instanceof String s)) {
            throw new FileFormatException(
                    file,
                    "structured dtype " + descr + " is not supported; save a plain float array (e.g. a.astype('<f4'))");
        }
        for (DType t : DType.values()) {
            if (t.descr().equals(s)) {
                return t;
            }
        }
        if (s.length() == 3 && s.charAt(0) == '>' && s.charAt(1) == 'f') {
            throw new FileFormatException(
                    file,
                    "big-endian dtype '" + s + "' is not supported; convert it with a.astype('<" + s.substring(1)
                            + "')");
        }
        throw new FileFormatException(
                file,
                "dtype '" + s + "' is not supported (readable: <f4, <f2, <f8"
                        + (NpyInts.Type.byDescr(s) != null
                                ? "; integer arrays are read only where integers are expected, e.g. token ids"
                                : "")
                        + "); convert it with a.astype('<f4')");
    }

    private static String quote(String header) {
        String t = header.strip();
        return "\"" + (t.length() > 200 ? t.substring(0, 200) + "..." : t) + "\"";
    }

    // ------------------------------------------------------------------------------------------ writing

    /** Writes a 2-D float32 array ({@code <f4}, C order) atomically. */
    public static void write(Path file, FloatMatrix m) throws IOException {
        try (NpyWriter w = NpyWriter.open(file, m.cols())) {
            w.append(m);
            w.finish();
        }
    }

    /** Writes a 1-D float32 array ({@code <f4}) atomically. */
    public static void write(Path file, float[] v) throws IOException {
        try (NpyWriter w = NpyWriter.openVector(file)) {
            w.append(v);
            w.finish();
        }
    }

    /**
     * The header bytes numpy's {@code _write_array_header} produces for a C-order {@code <f4} array of
     * {@code shape}: the dict repr with sorted keys, {@link #GROWTH_AXIS_MAX_DIGITS} minus the digits of the
     * first dimension in spare spaces, then {@code _wrap_header}'s padding (1 to 64 spaces and a newline
     * so magic + length + header is a multiple of 64), version 1.0 unless the length overflows 16 bits.
     */
    static byte[] headerFor(long[] shape) {
        return headerFor(DType.F4.descr(), shape);
    }

    /** {@link #headerFor(long[])} for any element type string, e.g. {@code <i4}. */
    static byte[] headerFor(String descr, long[] shape) {
        StringBuilder d = new StringBuilder("{'descr': '")
                .append(descr)
                .append("', 'fortran_order': False, 'shape': ")
                .append(tupleRepr(shape))
                .append(", }");
        if (shape.length > 0) {
            d.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length()));
        }
        return wrapHeader(d.toString());
    }

    /** numpy {@code _wrap_header_guess_version}: version 1.0 if the length fits 16 bits, else 2.0. */
    static byte[] wrapHeader(String dict) {
        byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
        for (int major = 1; major <= 2; major++) {
            int lengthBytes = major == 1 ? 2 : 4;
            long hlen = h.length + 1L;
            long padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lengthBytes + hlen) % ARRAY_ALIGN);
            long total = hlen + padlen;
            if (major == 1 && total > 0xFFFF) {
                continue;
            }
            byte[] out = new byte[(int) (MAGIC.length + 2 + lengthBytes + total)];
            System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
            out[6] = (byte) major;
            out[7] = 0;
            for (int i = 0; i < lengthBytes; i++) {
                out[8 + i] = (byte) (total >>> (8 * i));
            }
            int p = 8 + lengthBytes;
            System.arraycopy(h, 0, out, p, h.length);
            Arrays.fill(out, p + h.length, out.length - 1, (byte) ' ');
            out[out.length - 1] = '\n';
            return out;
        }
        throw new IllegalArgumentException("header of " + h.length + " bytes is too long even for .npy version 2.0");
    }

    /** Python's repr of a tuple of ints: {@code ()}, {@code (5,)}, {@code (3, 4)}. */
    static String tupleRepr(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(shape[i]);
        }
        return b.append(')').toString();
    }
}
