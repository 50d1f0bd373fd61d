package io.github.saestitch.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.sae.MultiSourceSae;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A composite model directory: a {@link MultiSourceSae} that is not one standard SAE (a topk source),
 * written by {@code stitch} and by {@code frankenstein} in the same format and run by {@code eval}.
 *
 * <p><b>Format version {@value #FORMAT_VERSION}</b> ({@value #FILE_NAME} beside
 * {@code decoder.safetensors} and the used sources, each unchanged as a SAELens SAE in
 * {@code source-<index>/}):
 * <pre>
 * {"format_version": 2, "kind": "composite", "built_by": "stitch" | "frankenstein", "description": "...",
 *  "sources": [{"index": 0, "dir": "source-0", "original": "path as the user gave it"}, ...],
 *  "latents": [[source, latent], ...], "decoder": "decoder.safetensors"}
 * </pre>
 * Latent h is latent {@code latents[h][1]} of source {@code latents[h][0]}, computing exactly its
 * activation inside that source; {@code x̂ = codes·W_dec + b_dec} with {@code W_dec [F, d_in]} and
 * {@code b_dec [d_in]} from the decoder file. A stitched hybrid's sources are S (index 0) and L (index 1),
 * its decoder S's kept rows and L's added rows, its b_dec S's; a Frankenstein's indices are family
 * indices (0 = smallest).
 *
 * <p><b>Older manifests still load</b> (both were format_version 1): {@value #STITCH_V1_FILE} of kind
 * {@code composite} ({@code kept_small}, {@code added_large}, S and L in the directories named by
 * {@code composite.small_dir} / {@code large_dir}, the decoder rebuilt from their rows and S's b_dec), and
 * {@value #FRANKENSTEIN_V1_FILE} (the same fields as version 2 without {@code built_by}). A
 * {@value #STITCH_V1_FILE} of kind {@code standard} is provenance beside a standard SAE, not a composite.
 */
public record CompositeManifest(
        Path file, int formatVersion, String builtBy, String description, MultiSourceSae model, List<String> origins) {
    public static final int FORMAT_VERSION = 2;
    public static final String FILE_NAME = "composite.json";
    public static final String DECODER_FILE = "decoder.safetensors";
    /** Composites written by {@code stitch} before version 2. */
    public static final String STITCH_V1_FILE = "stitch.json";
    /** Composites written by {@code frankenstein} before version 2. */
    public static final String FRANKENSTEIN_V1_FILE = "frankenstein.json";
    /** Largest source index a manifest may name (a family is a handful of SAEs). */
    static final int MAX_SOURCE_INDEX = 1 << 16;

    public CompositeManifest {
        Objects.requireNonNull(model, "model");
        builtBy = builtBy == null ? "" : builtBy;
        description = description == null ? "" : description;
        origins = List.copyOf(origins);
    }

    /** The directory of source {@code s}. */
    public static String sourceDir(int s) {
        return "source-" + s;
    }

    /**
     * Writes {@code model} into {@code dir} (created if missing): the manifest, the decoder and every used
     * source as a SAELens SAE.
     *
     * @param builtBy     {@code stitch} or {@code frankenstein}
     * @param description the model in words
     * @param origins     where each source came from, by source index (may be shorter; missing = "")
     */
    public static void write(MultiSourceSae model, String builtBy, String description, List<String> origins, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = Json.object();
        root.put("format_version", FORMAT_VERSION);
        root.put("kind", "composite");
        root.put("built_by", builtBy);
        root.put("description", description);
        ArrayNode sources = root.putArray("sources");
        for (int s : model.usedSources()) {
            ObjectNode o = sources.addObject();
            o.put("index", s);
            o.put("dir", sourceDir(s));
            o.put("original", s < origins.size() && origins.get(s) != null ? origins.get(s) : "");
            SaeFormats.save(model.source(s), dir.resolve(sourceDir(s)), SaeFormat.SAELENS, false);
        }
        ArrayNode lat = root.putArray("latents");
        int[] source = model.sourceOfLatents();
        int[] latent = model.latentInSource();
        for (int h = 0; h < source.length; h++) {
            lat.addArray().add(source[h]).add(latent[h]);
        }
        root.put("decoder", DECODER_FILE);
        Json.write(dir.resolve(FILE_NAME), root);
        SafeTensors.write(
                dir.resolve(DECODER_FILE),
                Map.of("format_version", Integer.toString(FORMAT_VERSION)),
                List.of(SafeTensors.Tensor.f32("W_dec", model.wDec()), SafeTensors.Tensor.f32("b_dec", model.bDec())));
    }

    /** Whether {@code dir} holds a composite of any version (see the class comment). */
    public static boolean isComposite(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(FILE_NAME)) || Files.isRegularFile(dir.resolve(FRANKENSTEIN_V1_FILE))) {
            return true;
        }
        Path stitch = dir.resolve(STITCH_V1_FILE);
        return Files.isRegularFile(stitch)
                && "composite".equals(tree(stitch).path("kind").asText());
    }

    /**
     * Reads the composite in {@code dir}, of any version.
     *
     * @throws FileFormatException on unreadable or inconsistent files (named in the message)
     */
    public static CompositeManifest read(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(FILE_NAME))) {
            return readSources(dir, dir.resolve(FILE_NAME), FORMAT_VERSION);
        }
        if (Files.isRegularFile(dir.resolve(FRANKENSTEIN_V1_FILE))) {
            return readSources(dir, dir.resolve(FRANKENSTEIN_V1_FILE), 1);
        }
        return readStitchV1(dir, dir.resolve(STITCH_V1_FILE));
    }

    /** Version 2, or a version-1 {@value #FRANKENSTEIN_V1_FILE}: sources, latents and a decoder file. */
    private static CompositeManifest readSources(Path dir, Path file, int version) throws IOException {
        JsonNode root = tree(file);
        if (root.path("format_version").asInt(-1) != version
                || !"composite".equals(root.path("kind").asText())) {
            throw new FileFormatException(file, "not a composite of format_version " + version + " (kind composite)");
        }
        int maxIndex = -1;
        for (JsonNode src : root.path("sources")) {
            maxIndex = Math.max(maxIndex, src.path("index").asInt(-1));
        }
        if (maxIndex > MAX_SOURCE_INDEX) {
            throw new FileFormatException(
                    file, "source index " + maxIndex + " is out of range (at most " + MAX_SOURCE_INDEX + ")");
        }
        Sae[] sources = new Sae[maxIndex + 1];
        List<String> origins = new ArrayList<>();
        for (int s = 0; s <= maxIndex; s++) {
            origins.add("");
        }
        for (JsonNode src : root.path("sources")) {
            int i = src.path("index").asInt(-1);
            String sub = src.path("dir").asText("");
            if (i < 0 || sub.isEmpty() || sub.contains("/") || sub.contains("\\") || sub.startsWith(".")) {
                throw new FileFormatException(
                        file, "a source needs an index >= 0 and a directory name inside " + dir + ", got " + src);
            }
            sources[i] = SaeFormats.load(dir.resolve(sub)).sae();
            origins.set(i, src.path("original").asText(""));
        }
        JsonNode lat = root.path("latents");
        int f = lat.size();
        int[] source = new int[f];
        int[] latent = new int[f];
        for (int h = 0; h < f; h++) {
            JsonNode pair = lat.get(h);
            if (pair == null
                    || !pair.isArray()
                    || pair.size() != 2
                    || !pair.get(0).canConvertToInt()
                    || !pair.get(1).canConvertToInt()) {
                throw new FileFormatException(file, "latents[" + h + "] is not a [source, latent] pair of integers");
            }
            source[h] = pair.get(0).intValue();
            latent[h] = pair.get(1).intValue();
        }
        String decoder = root.path("decoder").asText(DECODER_FILE);
        if (decoder.contains("/") || decoder.contains("\\") || decoder.startsWith(".")) {
            throw new FileFormatException(file, "the decoder must be a file name inside " + dir + ", got " + decoder);
        }
        FloatMatrix wDec;
        float[] bDec;
        try (SafeTensors st = SafeTensors.open(dir.resolve(decoder))) {
            wDec = st.matrix("W_dec").copy();
            bDec = st.vector("b_dec").clone();
        }
        try {
            MultiSourceSae model = new MultiSourceSae(sources, source, latent, wDec, bDec);
            String builtBy = root.path("built_by").asText(version == 1 ? "frankenstein" : "");
            return new CompositeManifest(
                    file, version, builtBy, root.path("description").asText(""), model, origins);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, e.getMessage(), e);
        }
    }

    /** A version-1 {@value #STITCH_V1_FILE} of kind composite: S, L and the plan's latents. */
    private static CompositeManifest readStitchV1(Path dir, Path file) throws IOException {
        JsonNode root = tree(file);
        if (root.path("format_version").asInt(-1) != 1
                || !"composite".equals(root.path("kind").asText())) {
            throw new FileFormatException(file, "not a composite of format_version 1 (kind composite)");
        }
        JsonNode dirs = root.path("composite");
        String smallDir = dirs.path("small_dir").asText("small");
        String largeDir = dirs.path("large_dir").asText("large");
        for (String sub : List.of(smallDir, largeDir)) {
            if (sub.isEmpty() || sub.contains("/") || sub.contains("\\") || sub.startsWith(".")) {
                throw new FileFormatException(file, "a source directory must be a name inside " + dir + ", got " + sub);
            }
        }
        int[] kept = ints(file, root, "kept_small");
        int[] added = ints(file, root, "added_large");
        Sae small = SaeFormats.load(dir.resolve(smallDir)).sae();
        Sae large = SaeFormats.load(dir.resolve(largeDir)).sae();
        int f = kept.length + added.length;
        int[] source = new int[f];
        int[] latent = new int[f];
        System.arraycopy(kept, 0, latent, 0, kept.length);
        for (int q = 0; q < added.length; q++) {
            source[kept.length + q] = 1;
            latent[kept.length + q] = added[q];
        }
        try {
            MultiSourceSae model =
                    MultiSourceSae.withSourceRows(new Sae[] {small, large}, source, latent, small.bDec());
            List<String> origins = List.of(
                    root.path("small").path("source").asText(""),
                    root.path("large").path("source").asText(""));
            return new CompositeManifest(
                    file, 1, "stitch", root.path("description").asText(""), model, origins);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, e.getMessage(), e);
        }
    }

    private static int[] ints(Path file, JsonNode root, String key) throws FileFormatException {
        JsonNode a = root.get(key);
        if (a == null || !a.isArray()) {
            throw new FileFormatException(file, "lacks the array '" + key + "'");
        }
        int[] out = new int[a.size()];
        for (int k = 0; k < out.length; k++) {
            if (!a.get(k).canConvertToInt()) {
                throw new FileFormatException(file, key + "[" + k + "] is not an integer");
            }
            out[k] = a.get(k).intValue();
        }
        return out;
    }

    private static JsonNode tree(Path file) throws IOException {
        try {
            JsonNode root = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (root == null || !root.isObject()) {
                throw new FileFormatException(file, "not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new FileFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
