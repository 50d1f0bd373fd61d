package io.github.saestitch.activations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The user's own text as JSONL: each non-blank line is a JSON object and its {@code textField} (a string)
 * is one document. Opening scans the file once and keeps the byte offset of each non-blank line (8 bytes
 * per document), so documents are read by index without holding the file in memory. A line that is not a
 * JSON object, or lacks the field, is reported with its line number when it is read.
 */
final class JsonlCorpus implements Corpus {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final Path file;
    private final String textField;
    private final long[] offsets; // [numDocs, 2] byte range (start, end) of each document's line
    private final int[] lineNumbers; // [numDocs] 1-based line number of each document
    private final long bytes;

    private JsonlCorpus(Path file, String textField, long[] offsets, int[] lineNumbers, long bytes) {
        this.file = file;
        this.textField = textField;
        this.offsets = offsets;
        this.lineNumbers = lineNumbers;
        this.bytes = bytes;
    }

    static JsonlCorpus open(Path path, String textField) {
        Path file = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new ActivationsException(file, "corpus not found");
        }
        long[] starts = new long[1024];
        long[] ends = new long[1024];
        int[] lines = new int[1024];
        int n = 0;
        long size;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            size = Files.size(file);
            long pos = 0;
            long lineStart = 0;
            int line = 1;
            boolean blank = true;
            int b;
            while (true) {
                b = in.read();
                if (b == '\n' || b == -1) {
                    if (!blank) {
                        if (n == starts.length) {
                            starts = Arrays.copyOf(starts, n * 2);
                            ends = Arrays.copyOf(ends, n * 2);
                            lines = Arrays.copyOf(lines, n * 2);
                        }
                        starts[n] = lineStart;
                        ends[n] = pos;
                        lines[n] = line;
                        n++;
                    }
                    if (b == -1) {
                        break;
                    }
                    pos++;
                    lineStart = pos;
                    line++;
                    blank = true;
                } else {
                    pos++;
                    if (b != ' ' && b != '\t' && b != '\r') {
                        blank = false;
                    }
                }
            }
        } catch (IOException e) {
            throw new ActivationsException(file, "cannot read the JSONL file", e);
        }
        if (n == 0) {
            throw new ActivationsException(file, "the JSONL file holds no documents (no non-blank lines)");
        }
        long[] offsets = new long[2 * n];
        for (int i = 0; i < n; i++) {
            offsets[2 * i] = starts[i];
            offsets[2 * i + 1] = ends[i];
        }
        JsonlCorpus corpus = new JsonlCorpus(file, textField, offsets, Arrays.copyOf(lines, n), size);
        corpus.document(0); // a wrong text field is reported now, before anything is written
        return corpus;
    }

    @Override
    public String kind() {
        return "jsonl";
    }

    @Override
    public String source() {
        return file.toString();
    }

    @Override
    public String fingerprint() {
        return "lines=" + lineNumbers.length + ",bytes=" + bytes + ",text_field=" + textField;
    }

    @Override
    public int size() {
        return lineNumbers.length;
    }

    @Override
    public Document document(int index) {
        long start = offsets[2 * index];
        long end = offsets[2 * index + 1];
        String where = file.getFileName() + ":" + lineNumbers[index];
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(end - start));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, start + buf.position()) < 0) {
                    throw new ActivationsException(file, "the file shrank while reading line " + lineNumbers[index]);
                }
            }
        } catch (IOException e) {
            throw new ActivationsException(file, "cannot read line " + lineNumbers[index], e);
        }
        String line = new String(buf.array(), StandardCharsets.UTF_8);
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (IOException e) {
            throw new ActivationsException(file, "line " + lineNumbers[index] + " is not valid JSON", e);
        }
        if (node == null || !node.isObject()) {
            throw new ActivationsException(file, "line " + lineNumbers[index] + " is not a JSON object");
        }
        JsonNode text = node.get(textField);
        if (text == null || !text.isTextual()) {
            throw new ActivationsException(
                    file,
                    "line " + lineNumbers[index] + " has no string field '" + textField
                            + "' (set the text field to the key that holds the text)");
        }
        return new Document(index, where, "", text.asText());
    }

    @Override
    public DocumentInfo info(int index) {
        return new DocumentInfo(index, file.getFileName() + ":" + lineNumbers[index], "");
    }

    @Override
    public long approxChars() {
        return bytes;
    }
}
