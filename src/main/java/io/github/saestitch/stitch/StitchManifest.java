package io.github.saestitch.stitch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code stitch.json}: what a standard stitched SAE directory was built from, written beside the SAE
 * files for provenance. A composite hybrid (a topk source) is written as {@code io.CompositeManifest}
 * instead, the format {@code frankenstein} writes too; older composite directories hold a
 * {@code stitch.json} of kind {@code composite} (S and L in {@code small/} and {@code large/}), which
 * {@code io.CompositeManifest} still loads.
 *
 * <p>Format version {@value #FORMAT_VERSION}:
 * <pre>
 * {"format_version": 1, "kind": "standard", "description": "...", "threshold": 0.7,
 *  "small": {"source": "...", "num_latents": F_S}, "large": {"source": "...", "num_latents": F_L},
 *  "kept_small": [...], "added_large": [...], "removed_small": [...], "swapped_groups": [...],
 *  "plan": "..."}
 * </pre>
 * Hybrid latent h is S latent {@code kept_small[h]} for h &lt; |kept_small|, else L latent
 * {@code added_large[h − |kept_small|]}.
 *
 * @param kind        standard (composite only in directories written before composite.json)
 * @param description the model in words
 * @param smallSource where S came from (a path, as the user gave it; may be empty)
 * @param largeSource where L came from
 * @param plan        its latents
 */
public record StitchManifest(String kind, String description, String smallSource, String largeSource, StitchPlan plan) {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "stitch.json";

    private static final ObjectMapper JSON = Json.MAPPER;

    public StitchManifest {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(plan, "plan");
        description = description == null ? "" : description;
        smallSource = smallSource == null ? "" : smallSource;
        largeSource = largeSource == null ? "" : largeSource;
    }

    /** The manifest of a built model. */
    public static StitchManifest of(StitchedModel model, String smallSource, String largeSource) {
        return new StitchManifest(
                model.isComposite() ? "composite" : "standard",
                model.description(),
                smallSource,
                largeSource,
                model.plan());
    }

    /** Writes {@value #FILE_NAME} into {@code dir} (which must exist). */
    public void write(Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        root.put("kind", kind);
        root.put("description", description);
        root.put("threshold", plan.threshold());
        ObjectNode s = root.putObject("small");
        s.put("source", smallSource);
        s.put("num_latents", plan.smallLatents());
        ObjectNode l = root.putObject("large");
        l.put("source", largeSource);
        l.put("num_latents", plan.largeLatents());
        ints(root.putArray("kept_small"), plan.keptSmall());
        ints(root.putArray("added_large"), plan.addedLarge());
        ints(root.putArray("removed_small"), plan.removedSmall());
        ints(root.putArray("swapped_groups"), plan.swappedGroups());
        root.put("plan", plan.description());
        Files.writeString(dir.resolve(FILE_NAME), JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Reads {@code dir}/{@value #FILE_NAME}; a missing key or a newer format version is an
     * {@link IllegalArgumentException}.
     */
    public static StitchManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        int version = required(root, "format_version", file).asInt();
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException(
                    file + " has format_version " + version + "; this saestitch reads up to " + FORMAT_VERSION);
        }
        StitchPlan plan = new StitchPlan(
                required(required(root, "small", file), "num_latents", file).asInt(),
                required(required(root, "large", file), "num_latents", file).asInt(),
                ints(required(root, "kept_small", file)),
                ints(required(root, "added_large", file)),
                ints(required(root, "removed_small", file)),
                ints(required(root, "swapped_groups", file)),
                required(root, "threshold", file).asDouble(),
                root.path("plan").asText(""));
        return new StitchManifest(
                required(root, "kind", file).asText(),
                root.path("description").asText(""),
                root.path("small").path("source").asText(""),
                root.path("large").path("source").asText(""),
                plan);
    }

    private static JsonNode required(JsonNode node, String key, Path file) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(file + " lacks the key '" + key + "'");
        }
        return v;
    }

    private static void ints(ArrayNode a, int[] v) {
        for (int x : v) {
            a.add(x);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = a.get(k).asInt();
        }
        return out;
    }
}
