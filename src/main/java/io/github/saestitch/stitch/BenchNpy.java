package io.github.saestitch.stitch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few {@code .npy} operations {@link CompareBenchmark} needs to hand arrays to its numpy peer:
 * write little-endian float32 arrays, read back a float64 vector. Format 1.0 (NEP 1): magic, version,
 * header length, a Python-dict header padded with spaces to a multiple of 64 bytes, then the data.
 * The project's general reader/writer is io's; this one exists only so the benchmark does not depend
 * on it.
 */
final class BenchNpy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private BenchNpy() {
    }

    /** Writes {@code data} as a little-endian float32 array of the given shape (1 or 2 dims). */
    static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " floats do not have shape " + java.util.Arrays.toString(shape));
        }
        String dims = shape.length == 1 ? shape[0] + "," : shape[0] + ", " + shape[1];
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0});
            int len = header.length();
            out.write(new byte[] {(byte) len, (byte) (len >>> 8)});
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < data.length; ) {
                buf.clear();
                int m = Math.min(buf.capacity() / 4, data.length - i);
                buf.asFloatBuffer().put(data, i, m);
                out.write(buf.array(), 0, m * 4);
                i += m;
            }
        }
    }

    /** Reads a 1-dim little-endian float64 array. */
    static double[] readFloat64Vector(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            int len = head.getShort(8) & 0xffff;
            ByteBuffer hb = ByteBuffer.allocate(len);
            ch.read(hb, 10);
            String header = new String(hb.array(), StandardCharsets.US_ASCII);
            Matcher shape = Pattern.compile("'shape': \\((\\d+),\\)").matcher(header);
            if (!header.contains("'<f8'") || header.contains("'fortran_order': True") || !shape.find()) {
                throw new IOException(file + " is not a 1-dim little-endian float64 .npy: " + header.strip());
            }
            int n = Integer.parseInt(shape.group(1));
            ByteBuffer data = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(data, 10 + len);
            data.flip();
            double[] out = new double[n];
            data.asDoubleBuffer().get(out);
            return out;
        }
    }
}
