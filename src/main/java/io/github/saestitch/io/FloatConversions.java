package io.github.saestitch.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Bit-exact conversions between the floating-point encodings found in safetensors and .npy files and
 * float32. All file data is little-endian (safetensors spec: "little-endian"; npy {@code <} descr).
 */
final class FloatConversions {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** True when mapped little-endian float32 bytes can be handed out as a {@code FloatMatrix} view. */
    static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /** The floating-point element encodings this project reads. */
    enum Encoding {
        /** IEEE binary16. */
        F16(2),
        /** bfloat16: the upper 16 bits of a float32. */
        BF16(2),
        /** IEEE binary32. */
        F32(4),
        /** IEEE binary64, rounded to nearest float32 on read. */
        F64(8);

        final int bytes;

        Encoding(int bytes) {
            this.bytes = bytes;
        }
    }

    private FloatConversions() {}

    /**
     * Whether little-endian float32 file bytes can be handed out as a {@code FloatMatrix} view: it reads
     * native-order floats, and its bulk copies need 4-byte alignment.
     */
    static boolean zeroCopyOk(MemorySegment s) {
        return NATIVE_LITTLE_ENDIAN && s.address() % Float.BYTES == 0;
    }

    /** bfloat16 bits → float32: exact, the 16 bits become the high half. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * float32 → bfloat16 bits, rounding to nearest with ties to even, as PyTorch's
     * {@code c10::BFloat16} does; NaN stays NaN (quiet bit set, sign and top payload kept).
     */
    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Reads element {@code i} of {@code src} (little-endian, unaligned) as float32. */
    static float read(MemorySegment src, Encoding enc, long i) {
        return switch (enc) {
            case F16 -> Float.float16ToFloat(src.getAtIndex(U16_LE, i));
            case BF16 -> bf16ToFloat(src.getAtIndex(U16_LE, i));
            case F32 -> src.getAtIndex(F32_LE, i);
            case F64 -> (float) src.getAtIndex(F64_LE, i);
        };
    }

    /**
     * Converts {@code count} elements of {@code src} starting at element {@code srcIndex} into
     * {@code dst[dstIndex ..]}.
     */
    static void convert(MemorySegment src, Encoding enc, long srcIndex, float[] dst, int dstIndex, int count) {
        if (enc == Encoding.F32) {
            MemorySegment.copy(src, F32_LE, srcIndex * Float.BYTES, dst, dstIndex, count);
            return;
        }
        for (int k = 0; k < count; k++) {
            dst[dstIndex + k] = read(src, enc, srcIndex + k);
        }
    }
}
