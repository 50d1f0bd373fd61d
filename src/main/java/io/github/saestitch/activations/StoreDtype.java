package io.github.saestitch.activations;

import java.util.Locale;

/** How an activation store keeps its activations on disk. */
public enum StoreDtype {
    /** IEEE float32, little-endian: exact, 4 bytes per value; blocks are zero-copy views of the mapped file. */
    FLOAT32("float32", "f32", 4),
    /**
     * bfloat16 (the top 16 bits of a float32, rounded to nearest even), little-endian: half the disk and
     * page cache, relative error below 2^-8; blocks are converted to float32 when read.
     */
    BFLOAT16("bfloat16", "bf16", 2);

    private final String id;
    private final String suffix;
    private final int bytes;

    StoreDtype(String id, String suffix, int bytes) {
        this.id = id;
        this.suffix = suffix;
        this.bytes = bytes;
    }

    /** The manifest name: {@code float32} or {@code bfloat16}. */
    public String id() {
        return id;
    }

    /** File suffix of the activation files: {@code f32} or {@code bf16}. */
    public String suffix() {
        return suffix;
    }

    /** Bytes per value. */
    public int bytes() {
        return bytes;
    }

    /** The dtype named {@code name} ({@code float32}/{@code f32}, {@code bfloat16}/{@code bf16}). */
    public static StoreDtype byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (StoreDtype d : values()) {
            if (d.id.equals(n) || d.suffix.equals(n)) {
                return d;
            }
        }
        throw new ActivationsException("unknown dtype '" + name + "'; valid: float32, bfloat16");
    }

    /** float32 to bfloat16 bits, rounding to nearest even; NaN stays NaN. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x007FFFFF) != 0) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** bfloat16 bits to float32 (exact). */
    static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }
}
