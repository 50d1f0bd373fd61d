package io.github.saestitch.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's one Jackson mapper and the two ways it writes JSON: indented ({@link #pretty}, every
 * {@code summary.json} and manifest) and one line ({@link #line}, JSON lines and the report's embedded
 * data). Reading is lenient in two ways every reader wants: unknown properties are ignored (newer
 * writers may add keys within a format version) and {@code NaN} / {@code Infinity} are accepted.
 * Records are serialised directly; a record whose file uses snake_case keys says so with
 * {@code @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)}.
 *
 * <p>Formats with their own stricter rules (safetensors headers, SAE {@code cfg.json}: duplicate keys
 * and trailing tokens are errors) keep their own mapper beside their parser.
 */
public final class Json {
    /** The shared mapper: indented output, unknown properties ignored, non-numeric numbers accepted. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final ObjectWriter LINE = MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /** A new empty object node. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Puts {@code v} under {@code key}, or JSON null when it is NaN or infinite (JSON has no such numbers). */
    public static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    /** {@code value} as indented JSON (no trailing line break). */
    public static String pretty(Object value) throws JsonProcessingException {
        return MAPPER.writeValueAsString(value);
    }

    /** {@code value} as JSON on one line (no trailing line break). */
    public static String line(Object value) throws JsonProcessingException {
        return LINE.writeValueAsString(value);
    }

    /** Writes {@code value} as indented JSON plus a final line break, UTF-8. */
    public static void write(Path file, Object value) throws IOException {
        Files.writeString(file, pretty(value) + "\n", StandardCharsets.UTF_8);
    }

    /**
     * A Jackson parse or mapping error as one line a user can act on: Jackson's own sentence (its first
     * line, without the source excerpt it appends on further lines) and where in the file, e.g.
     * {@code Unexpected end-of-input (line 3, column 1)}.
     */
    public static String oneLine(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        m = m.lines().findFirst().orElse("").strip();
        var at = e.getLocation();
        return at == null || at.getLineNr() < 1
                ? m
                : m + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    /** Parses a whole JSON text. */
    public static JsonNode read(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }
}
