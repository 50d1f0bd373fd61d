package io.github.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Access to the fixtures {@code scripts/make_fixtures.py} writes under {@code src/test/resources/fixtures}. */
public final class Fixtures {
    private static final JsonMapper JSON = new JsonMapper();

    private Fixtures() {}

    public static Path root() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(Files.readString(path(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entries of a JSON object, in order. */
    public static List<Map.Entry<String, JsonNode>> entries(JsonNode obj) {
        return new ArrayList<>(obj.properties());
    }

    /** A JSON array of uint32 float32 bit patterns as floats. */
    public static float[] floatsFromBits(JsonNode bits) {
        float[] out = new float[bits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat((int) bits.get(i).longValue());
        }
        return out;
    }

    /** The raw bit patterns of {@code v} (compare these, not float values, for bit-exactness). */
    public static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    public static int[] bits(JsonNode bits) {
        int[] out = new int[bits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) bits.get(i).longValue();
        }
        return out;
    }

    public static long[] longs(JsonNode arr) {
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).longValue();
        }
        return out;
    }

    /** SHA-256 of little-endian float32 values, as the fixture script hashes them. */
    public static String sha256(float[] values) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[values.length * 4];
            for (int i = 0; i < values.length; i++) {
                int v = Float.floatToRawIntBits(values[i]);
                b[4 * i] = (byte) v;
                b[4 * i + 1] = (byte) (v >>> 8);
                b[4 * i + 2] = (byte) (v >>> 16);
                b[4 * i + 3] = (byte) (v >>> 24);
            }
            return HexFormat.of().formatHex(md.digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
