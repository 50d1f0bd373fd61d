package io.github.saestitch.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed access to a JSON config file ({@code cfg.json}, {@code config.json}) whose every failure is a
 * {@link SaeFormatException} naming the file and the key, plus conversion between JSON trees and the
 * plain Java values kept in {@code SaeMetadata.extraConfig} (maps, lists, strings, numbers, booleans, null).
 */
final class CfgJson {
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    final Path file;
    final ObjectNode root;

    CfgJson(Path file, ObjectNode root) {
        this.file = file;
        this.root = root;
    }

    /** Reads and parses {@code file}, which must hold a JSON object. */
    static CfgJson read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SaeFormatException(file, "file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new SaeFormatException(file, "not UTF-8 text", e);
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SaeFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new SaeFormatException(
                    file,
                    "must hold a JSON object, found "
                            + (node == null || node.isMissingNode() ? "nothing" : describe(node)));
        }
        return new CfgJson(file, (ObjectNode) node);
    }

    /** Writes {@code root} as indented UTF-8 JSON (no atomicity: callers write inside an atomic directory). */
    static void write(Path file, ObjectNode root) throws IOException {
        Files.write(file, JSON.writeValueAsBytes(root));
    }

    boolean has(String key) {
        return root.has(key);
    }

    /** A required integer key (JSON integer; {@code 16.0} and {@code "16"} are refused). */
    long requireLong(String key) throws SaeFormatException {
        return integer(root, key, "");
    }

    /** A required positive integer that fits an int. */
    int requirePositiveInt(String key) throws SaeFormatException {
        long v = requireLong(key);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw error("key \"" + key + "\" must be a positive integer, got " + v);
        }
        return (int) v;
    }

    /** An optional integer key; {@code fallback} when absent or null. */
    long optLong(String key, long fallback) throws SaeFormatException {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? fallback : integer(root, key, "");
    }

    long integer(ObjectNode obj, String key, String where) throws SaeFormatException {
        JsonNode n = obj.get(key);
        if (n == null) {
            throw error("missing required key \"" + where + key + "\"");
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw error("key \"" + where + key + "\" must be an integer, got " + describe(n));
        }
        return n.longValue();
    }

    /** An optional boolean; {@code fallback} when absent or null. */
    boolean optBoolean(String key, boolean fallback) throws SaeFormatException {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? fallback : bool(key, n);
    }

    private boolean bool(String key, JsonNode n) throws SaeFormatException {
        if (!n.isBoolean()) {
            throw error("key \"" + key + "\" must be true or false, got " + describe(n));
        }
        return n.booleanValue();
    }

    /** A required string. */
    String requireString(String key) throws SaeFormatException {
        JsonNode n = root.get(key);
        if (n == null) {
            throw error("missing required key \"" + key + "\"");
        }
        if (!n.isTextual()) {
            throw error("key \"" + key + "\" must be a string, got " + describe(n));
        }
        return n.textValue();
    }

    /** An optional string in {@code obj}; {@code fallback} when absent or null. */
    String optString(ObjectNode obj, String key, String fallback, String where) throws SaeFormatException {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw error("key \"" + where + key + "\" must be a string, got " + describe(n));
        }
        return n.textValue();
    }

    String optString(String key, String fallback) throws SaeFormatException {
        return optString(root, key, fallback, "");
    }

    /** An optional object; null when absent or JSON null. */
    ObjectNode optObject(String key) throws SaeFormatException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw error("key \"" + key + "\" must be an object, got " + describe(n));
        }
        return (ObjectNode) n;
    }

    SaeFormatException error(String problem) {
        return new SaeFormatException(file, problem);
    }

    static String describe(JsonNode n) {
        String type = switch (n.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> n.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            case ARRAY -> "array";
            case OBJECT -> "object";
            case MISSING -> "nothing";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
        String text = n.toString();
        return type + " " + (text.length() > 60 ? text.substring(0, 60) + "..." : text);
    }

    /** The JSON value as plain, unmodifiable Java values (nested maps keep key order). */
    static Object toJava(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                m.put(e.getKey(), toJava(e.getValue()));
            }
            return Collections.unmodifiableMap(m);
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode x : n) {
                l.add(toJava(x));
            }
            return Collections.unmodifiableList(l);
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNumber()) {
            return n.numberValue();
        }
        return n.toString();
    }

    /** The entries of an object as plain Java values, skipping {@code skip} keys, in file order. */
    static Map<String, Object> toJavaMap(ObjectNode obj, java.util.Set<String> skip) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : obj.properties()) {
            if (!skip.contains(e.getKey())) {
                m.put(e.getKey(), toJava(e.getValue()));
            }
        }
        return m;
    }

    /** A plain Java value (as produced by {@link #toJava}) back to a JSON tree. */
    static JsonNode fromJava(Object v) {
        return JSON.valueToTree(v);
    }
}
