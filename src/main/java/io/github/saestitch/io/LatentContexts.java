package io.github.saestitch.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes top-activating contexts per latent as JSON lines, the files the report picks up from
 * a compare output directory: {@value #FILE} for the latents of the pair's larger SAE and, optionally,
 * {@value #SMALL_FILE} for those of its smaller SAE (the explorer's only source of contexts for the
 * smallest SAE of a chain of pairs, whose latents are no pair's larger SAE).
 *
 * <p><b>Format</b> (version {@value #FORMAT_VERSION}): one JSON object per line, one line per latent:
 * <pre>
 * {"format_version": 1, "latent": 17, "freq": 0.0123,
 *  "contexts": [{"before": "…the cat", "token": " sat", "after": " on the…", "activation": 4.2,
 *                "source": "brown ca01, token 1234",
 *                "spans": [["…the", 0.0], [" cat", 0.7], [" sat", 4.2], [" on", 0.0]]}]}
 * </pre>
 * {@code freq} (the fraction of the scanned tokens on which the latent fires), {@code source} and
 * {@code spans} are optional; a span's activation may be {@code null} (unknown). {@code contexts} may be
 * empty (a latent that never fired, listed for its {@code freq} of 0). Contexts keep their order (the
 * producer sorts them, normally by descending activation); the first one's token is the latent's label
 * in the report.
 */
public final class LatentContexts {
    /** File name inside a compare output directory. */
    public static final String FILE = "contexts.jsonl";
    /** File name inside a compare output directory for the latents of the pair's smaller SAE. */
    public static final String SMALL_FILE = "contexts_small.jsonl";
    /** Version of the line format. */
    public static final int FORMAT_VERSION = 1;

    private LatentContexts() {}

    /**
     * A whole file: contexts and, where given, the firing frequency per latent.
     *
     * @param contexts per latent index, in ascending latent order (a latent with an empty list had a line
     *                 without contexts)
     * @param freq     per latent index with a {@code freq} field, its value
     */
    public record Entries(Map<Integer, List<LatentContext>> contexts, Map<Integer, Double> freq) {
        public Entries {
            contexts = java.util.Collections.unmodifiableMap(new TreeMap<>(contexts));
            freq = java.util.Collections.unmodifiableMap(new TreeMap<>(freq));
        }

        /** No contexts, no frequencies. */
        public static final Entries NONE = new Entries(Map.of(), Map.of());
    }

    /**
     * Reads {@code file}.
     *
     * @return contexts per latent index, in ascending latent order
     * @throws FileFormatException naming the file and line on any malformed line
     */
    public static Map<Integer, List<LatentContext>> read(Path file) throws IOException {
        return readEntries(file).contexts();
    }

    /**
     * Reads {@code file} with its optional {@code freq} fields.
     *
     * @throws FileFormatException naming the file and line on any malformed line
     */
    public static Entries readEntries(Path file) throws IOException {
        Map<Integer, List<LatentContext>> out = new TreeMap<>();
        Map<Integer, Double> freq = new TreeMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new FileFormatException(
                            file, "line " + no + ": not valid JSON: " + e.getOriginalMessage(), e);
                }
                parseLine(file, no, n, out, freq);
            }
        } catch (NoSuchFileException e) {
            throw new FileFormatException(file, "file not found", e);
        }
        return new Entries(out, freq);
    }

    private static void parseLine(
            Path file, int no, JsonNode n, Map<Integer, List<LatentContext>> out, Map<Integer, Double> freq)
            throws FileFormatException {
        String where = "line " + no + ": ";
        if (!n.isObject()) {
            throw new FileFormatException(file, where + "expected a JSON object");
        }
        int version = n.path("format_version").asInt(-1);
        if (version < 1 || version > FORMAT_VERSION) {
            throw new FileFormatException(
                    file,
                    where + "format_version " + n.path("format_version")
                            + " is not supported (this saestitch reads 1 to " + FORMAT_VERSION + ")");
        }
        if (!n.path("latent").canConvertToInt() || n.path("latent").asInt() < 0) {
            throw new FileFormatException(file, where + "'latent' must be a non-negative integer");
        }
        int latent = n.get("latent").asInt();
        if (out.containsKey(latent)) {
            throw new FileFormatException(file, where + "latent " + latent + " appears on more than one line");
        }
        if (n.has("freq")) {
            JsonNode f = n.get("freq");
            if (!f.isNumber() || !(f.asDouble() >= 0 && f.asDouble() <= 1)) {
                throw new FileFormatException(file, where + "'freq' must be a number from 0 to 1, got " + f);
            }
            freq.put(latent, f.asDouble());
        }
        JsonNode arr = n.path("contexts");
        if (!arr.isArray()) {
            throw new FileFormatException(file, where + "'contexts' must be an array");
        }
        List<LatentContext> list = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode c = arr.get(i);
            String at = where + "contexts[" + i + "]: ";
            if (!c.path("token").isTextual()) {
                throw new FileFormatException(file, at + "'token' must be a string");
            }
            if (!c.path("activation").isNumber()) {
                throw new FileFormatException(file, at + "'activation' must be a number");
            }
            List<LatentContext.Span> spans = new ArrayList<>();
            if (c.has("spans")) {
                JsonNode sp = c.get("spans");
                if (!sp.isArray()) {
                    throw new FileFormatException(file, at + "'spans' must be an array of [text, activation]");
                }
                for (JsonNode s : sp) {
                    if (!s.isArray()
                            || s.size() != 2
                            || !s.get(0).isTextual()
                            || !(s.get(1).isNumber() || s.get(1).isNull())) {
                        throw new FileFormatException(file, at + "each span must be [text, activation or null]");
                    }
                    spans.add(new LatentContext.Span(
                            s.get(0).asText(),
                            s.get(1).isNull() ? Double.NaN : s.get(1).asDouble()));
                }
            }
            list.add(new LatentContext(
                    c.path("before").asText(""),
                    c.get("token").asText(),
                    c.path("after").asText(""),
                    c.get("activation").asDouble(),
                    c.path("source").asText(""),
                    spans));
        }
        out.put(latent, List.copyOf(list));
    }

    /** Writes {@code contexts} to {@code file} (atomically), one line per latent in ascending latent order. */
    public static void write(Map<Integer, List<LatentContext>> contexts, Path file) throws IOException {
        write(new Entries(contexts, Map.of()), file);
    }

    /**
     * Writes {@code entries} to {@code file} (atomically), one line per latent that has contexts or a
     * frequency, in ascending latent order.
     */
    public static void write(Entries entries, Path file) throws IOException {
        java.util.TreeSet<Integer> latents =
                new java.util.TreeSet<>(entries.contexts().keySet());
        latents.addAll(entries.freq().keySet());
        AtomicOutput.writeFile(file, tmp -> {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (int j : latents) {
                    w.write(Json.line(
                            line(j, entries.freq().get(j), entries.contexts().getOrDefault(j, List.of()))));
                    w.write('\n');
                }
            }
        });
    }

    /** The JSON object of one latent's line (also the shape embedded in the report). */
    static ObjectNode line(int latent, List<LatentContext> contexts) {
        return line(latent, null, contexts);
    }

    private static ObjectNode line(int latent, Double freq, List<LatentContext> contexts) {
        ObjectNode o = Json.object();
        o.put("format_version", FORMAT_VERSION);
        o.put("latent", latent);
        if (freq != null) {
            o.put("freq", freq);
        }
        ArrayNode arr = o.putArray("contexts");
        for (LatentContext c : contexts) {
            arr.add(context(c));
        }
        return o;
    }

    /** Longest label, in characters, before it is cut with an ellipsis. */
    static final int LABEL_CHARS = 16;

    /**
     * A latent's short label: the token of its first (top-activating) context, trimmed; "\u2423" for a
     * token of white space only; cut to {@value #LABEL_CHARS} characters; empty when it has no context.
     * The explorer's script computes the same label from the embedded contexts ({@code labelOf}).
     */
    public static String label(List<LatentContext> contexts) {
        if (contexts == null || contexts.isEmpty()) {
            return "";
        }
        // The same white space as the script's /[ \t\n\r\f\v\u00a0]+/ so both give one label.
        String t = contexts.get(0)
                .token()
                .replaceAll("[ \\t\\n\\r\\f\\u000B\\u00A0]+", " ")
                .strip();
        if (t.isEmpty()) {
            return "\u2423";
        }
        return t.codePointCount(0, t.length()) <= LABEL_CHARS
                ? t
                : t.substring(0, t.offsetByCodePoints(0, LABEL_CHARS - 1)) + "\u2026";
    }

    /** The JSON object of one context, as in a line's {@code contexts} array (the report embeds the same). */
    public static ObjectNode context(LatentContext c) {
        ObjectNode o = Json.object();
        o.put("before", c.before());
        o.put("token", c.token());
        o.put("after", c.after());
        o.put("activation", c.activation());
        if (!c.source().isEmpty()) {
            o.put("source", c.source());
        }
        if (!c.spans().isEmpty()) {
            ArrayNode sp = o.putArray("spans");
            for (LatentContext.Span s : c.spans()) {
                ArrayNode pair = sp.addArray();
                pair.add(s.text());
                if (Double.isFinite(s.activation())) {
                    pair.add(s.activation());
                } else {
                    pair.addNull();
                }
            }
        }
        return o;
    }
}
