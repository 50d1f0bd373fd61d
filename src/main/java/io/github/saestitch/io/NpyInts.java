package io.github.saestitch.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Integer {@code .npy} arrays, for token ids: Hugging Face tokenizers and {@code torch} hand them out as
 * int64, {@code datasets} often as int32 or uint16, so those are read exactly; float arrays of
 * integral values are accepted too (earlier saestitch versions wrote token ids as float32). Written as
 * {@code <i4}, byte for byte what {@code numpy.save} writes for an int32 array.
 *
 * <p>Values are returned as {@code int}: an element outside [0, 2^31) is refused with its position,
 * since a token id is never negative and no vocabulary is that large.
 */
public final class NpyInts {

    /** The integer element types read. */
    public enum Type {
        I1("|i1", 1, true),
        U1("|u1", 1, false),
        I2("<i2", 2, true),
        U2("<u2", 2, false),
        I4("<i4", 4, true),
        U4("<u4", 4, false),
        I8("<i8", 8, true),
        U8("<u8", 8, false);

        final String descr;
        final int bytes;
        final boolean signed;

        Type(String descr, int bytes, boolean signed) {
            this.descr = descr;
            this.bytes = bytes;
            this.signed = signed;
        }

        /** The type with numpy type string {@code descr}, or null. */
        static Type byDescr(String descr) {
            for (Type t : values()) {
                if (t.descr.equals(descr)) {
                    return t;
                }
            }
            return null;
        }
    }

    private NpyInts() {}

    /**
     * All elements of {@code file} in C order (any rank, e.g. {@code [batch, seq]} token ids flatten row
     * by row, like the activations {@code [batch, seq, d]} they belong to).
     *
     * @throws FileFormatException if the file is not an integer or float {@code .npy}, is Fortran-ordered
     *                             with rank above 1, or holds a value that is not an integer in [0, 2^31)
     */
    public static int[] read(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined();
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < Npy.MAGIC.length + 4) {
                throw new FileFormatException(file, "file is " + size + " bytes, too short for an .npy header");
            }
            MemorySegment whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Npy.Raw raw = Npy.parseRaw(file, whole);
            Type t = raw.descr() instanceof String s ? Type.byDescr(s) : null;
            if (t == null) {
                return fromFloats(file);
            }
            if (raw.fortranOrder() && raw.shape().length > 1) {
                throw new FileFormatException(
                        file, "Fortran-ordered integer arrays are not read; save np.ascontiguousarray(ids)");
            }
            Npy.checkSize(file, raw.shape(), t.bytes);
            long n = 1;
            for (long d : raw.shape()) {
                n *= d;
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new FileFormatException(file, "holds " + n + " elements, more than one Java array can");
            }
            long available = whole.byteSize() - raw.dataOffset();
            if (available < n * t.bytes) {
                throw new FileFormatException(
                        file,
                        "data is " + available + " bytes but " + n + " " + t.descr + " elements need " + n * t.bytes
                                + " (file truncated?)");
            }
            MemorySegment data = whole.asSlice(raw.dataOffset(), n * t.bytes);
            int[] out = new int[(int) n];
            for (int i = 0; i < out.length; i++) {
                long v = element(data, t, i);
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw new FileFormatException(
                            file,
                            "element " + i + " is "
                                    + (t == Type.U8 && v < 0 ? Long.toUnsignedString(v) : Long.toString(v))
                                    + ", not a token id (an integer in [0, 2^31))");
                }
                out[i] = (int) v;
            }
            return out;
        }
    }

    private static long element(MemorySegment data, Type t, long i) {
        long at = i * t.bytes;
        return switch (t) {
            case I1 -> data.get(ValueLayout.JAVA_BYTE, at);
            case U1 -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, at));
            case I2 -> data.get(FloatConversions.U16_LE, at);
            case U2 -> Short.toUnsignedInt(data.get(FloatConversions.U16_LE, at));
            case I4 -> data.get(FloatConversions.I32_LE, at);
            case U4 -> Integer.toUnsignedLong(data.get(FloatConversions.I32_LE, at));
            case I8, U8 -> data.get(FloatConversions.I64_LE, at);
        };
    }

    /** A 1-D float array whose every element is integral (float16 refused: exact only up to 2,048). */
    private static int[] fromFloats(Path file) throws IOException {
        float[] v;
        try (NpyArray a = Npy.open(file)) {
            if (a.dtype() == Npy.DType.F2) {
                throw new FileFormatException(
                        file, "token ids in float16 cannot be exact above 2,048; save them as int32 or int64");
            }
            v = a.vector();
        }
        int[] ids = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            float f = v[i];
            if (!(f >= 0 && f < (1 << 24)) || f != Math.rint(f)) {
                throw new FileFormatException(
                        file,
                        "element " + i + " is " + f
                                + ", not a token id (a float array must hold integers in [0, 2^24); better, save int32 or int64)");
            }
            ids[i] = (int) f;
        }
        return ids;
    }

    /** Writes {@code values} as a 1-D {@code <i4} array, atomically. */
    public static void write(Path file, int[] values) throws IOException {
        write(file, values, true);
    }

    /** {@link #write(Path, int[])}, replacing an existing file only when {@code replace}. */
    public static void write(Path file, int[] values, boolean replace) throws IOException {
        byte[] header = Npy.headerFor(Type.I4.descr, new long[] {values.length});
        AtomicOutput.writeFile(file, replace, tmp -> {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (int v : values) {
                    if (!buf.hasRemaining()) {
                        writeFully(ch, buf.flip());
                        buf.clear();
                    }
                    buf.putInt(v);
                }
                writeFully(ch, buf.flip());
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
