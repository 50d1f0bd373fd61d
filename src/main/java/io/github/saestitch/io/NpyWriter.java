package io.github.saestitch.io;

import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a float32 {@code .npy} file whose first dimension is not known in advance (an activation dump
 * of {@code [tokens, d]}): rows are appended in blocks and the header is rewritten with the final count
 * by {@link #finish()}. The file appears at its path only when {@link #finish()} succeeds; closing
 * without finishing (an exception inside try-with-resources) deletes the partial file.
 *
 * <p>The header is sized the way numpy sizes it, with spare spaces for the first dimension to grow, so
 * the final header has the same length as the placeholder and the output is byte-identical to
 * {@code numpy.save} of the same array.
 */
public final class NpyWriter implements AutoCloseable {
    private static final int CHUNK_BYTES = 1 << 20;

    private final AtomicOutput.PendingFile pending;
    private final FileChannel channel;
    private final long cols; // -1 for a 1-D array
    private final int headerLength;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment bufSeg = MemorySegment.ofBuffer(buf);
    private long count; // first dimension so far
    private boolean closed;

    private NpyWriter(Path target, long cols, boolean replace) throws IOException {
        this.cols = cols;
        this.pending = AtomicOutput.beginFile(target, replace);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(pending.temporary(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            byte[] header = Npy.headerFor(shape(0));
            headerLength = header.length;
            writeFully(ch, ByteBuffer.wrap(header));
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            pending.close();
            throw e;
        }
        this.channel = ch;
    }

    /** Starts a 2-D array {@code [rows, cols]} with rows to be appended. */
    public static NpyWriter open(Path target, int cols) throws IOException {
        return open(target, cols, true);
    }

    /** {@link #open(Path, int)}, replacing an existing target at {@link #finish()} only when {@code replace}. */
    public static NpyWriter open(Path target, int cols, boolean replace) throws IOException {
        if (cols < 0) {
            throw new IllegalArgumentException("negative column count " + cols);
        }
        return new NpyWriter(target, cols, replace);
    }

    /** Starts a 1-D array whose elements are appended. */
    public static NpyWriter openVector(Path target) throws IOException {
        return new NpyWriter(target, -1, true);
    }

    /** Appends the rows of {@code block}; its column count must match. */
    public void append(FloatMatrix block) throws IOException {
        if (cols < 0) {
            throw new IllegalStateException("this writer holds a 1-D array; append float[] values");
        }
        if (block.cols() != cols) {
            throw new IllegalArgumentException(
                    "block " + block + " has " + block.cols() + " columns, the file has " + cols);
        }
        appendFloats(block.segment());
        count += block.rows();
    }

    /**
     * Appends values: elements of a 1-D array, or whole rows (row-major, a multiple of the column count)
     * of a 2-D one.
     */
    public void append(float[] values) throws IOException {
        if (cols > 0 && values.length % cols != 0) {
            throw new IllegalArgumentException(values.length + " values are not whole rows of " + cols);
        }
        if (cols == 0) {
            throw new IllegalArgumentException("a 0-column array has no values to append; append a [n, 0] matrix");
        }
        appendFloats(MemorySegment.ofArray(values));
        count += cols < 0 ? values.length : cols == 0 ? 0 : values.length / cols;
    }

    /** Rows written so far (elements, for a 1-D array). */
    public long rows() {
        return count;
    }

    private void appendFloats(MemorySegment src) throws IOException {
        ensureOpen();
        long n = src.byteSize() / Float.BYTES;
        int perChunk = CHUNK_BYTES / Float.BYTES;
        for (long start = 0; start < n; start += perChunk) {
            int count = (int) Math.min(perChunk, n - start);
            MemorySegment.copy(
                    src,
                    ValueLayout.JAVA_FLOAT_UNALIGNED,
                    start * Float.BYTES,
                    bufSeg,
                    FloatConversions.F32_LE,
                    0,
                    count);
            buf.clear().limit(count * Float.BYTES);
            writeFully(channel, buf);
        }
    }

    /** Rewrites the header with the final shape, flushes, and moves the file into place. */
    public void finish() throws IOException {
        ensureOpen();
        try {
            byte[] header = Npy.headerFor(shape(rows()));
            if (header.length != headerLength) {
                throw new IllegalStateException(
                        "final .npy header is " + header.length + " bytes, placeholder was " + headerLength);
            }
            ByteBuffer h = ByteBuffer.wrap(header);
            long at = 0;
            while (h.hasRemaining()) {
                at += channel.write(h, at);
            }
            channel.close();
            pending.commit();
        } finally {
            closed = true;
            closeQuietly();
        }
    }

    private long[] shape(long rows) {
        return cols < 0 ? new long[] {rows} : new long[] {rows, cols};
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("writer already finished or closed");
        }
    }

    /** Abandons the file unless {@link #finish()} succeeded. */
    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // The temporary is deleted next; nothing else refers to the channel.
        }
        pending.close();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
