package io.github.saestitch.activations;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code manifest.json} of an activation store: what the activations are (model, hook, dtype, width),
 * where they came from (tokenizer, corpus, context length, seed) and which shards are complete. JSON keys
 * are the snake_case of the component names ({@code @JsonNaming} on every record, read and written by
 * the project's mapper {@link Json#MAPPER}).
 *
 * @param formatVersion    {@value #FORMAT_VERSION}; readers refuse newer versions
 * @param kind             always {@value #KIND}
 * @param model            the transformer, or {@code null} for activations imported from elsewhere
 * @param layer            0-based block of the hook ({@code -1} if unknown, for imports)
 * @param site             {@code resid_pre}, {@code resid_mid}, {@code resid_post} (or {@code unknown})
 * @param hookName         SAELens-style hook name, e.g. {@code blocks.3.hook_resid_post}
 * @param onnxTensor       the graph tensor read, e.g. {@code /encoder/layer.3/output/LayerNorm/Add_1_output_0}
 * @param dtype            {@code float32} or {@code bfloat16}
 * @param d                activation width
 * @param tokenCount       tokens in the complete shards (the store's size)
 * @param targetTokens     tokens asked for ({@code -1}: the whole corpus)
 * @param complete         the target was reached or the corpus ran out
 * @param tokenizer        the tokenizer ({@code null} for imports without token ids)
 * @param corpus           the corpus ({@code null} for imports)
 * @param contextLength    tokens per model input window, {@code [CLS]} and {@code [SEP]} included
 * @param specialTokens    whether {@code [CLS]}/{@code [SEP]} rows are stored (default: not)
 * @param seed             seed of the document order
 * @param shuffleDocuments whether documents were visited in a seeded random order (else corpus order)
 * @param batchSize        windows per model call (part of the identity: resumed runs batch alike)
 * @param shardTokens      tokens per shard (the last one may hold fewer)
 * @param hasTokenIds      whether the shards hold token ids, doc ids and positions
 * @param shards           the complete shards, in order
 * @param resume           where a resumed extraction continues (documents order index, window, stored tokens to skip)
 * @param created          ISO-8601 time the store was created
 * @param updated          ISO-8601 time of the last change
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StoreManifest(
        int formatVersion,
        String kind,
        ModelInfo model,
        int layer,
        String site,
        String hookName,
        String onnxTensor,
        String dtype,
        int d,
        long tokenCount,
        long targetTokens,
        boolean complete,
        TokenizerInfo tokenizer,
        CorpusInfo corpus,
        int contextLength,
        boolean specialTokens,
        long seed,
        boolean shuffleDocuments,
        int batchSize,
        int shardTokens,
        boolean hasTokenIds,
        List<Shard> shards,
        Resume resume,
        String created,
        String updated) {

    /** The store format this code writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** The {@code kind} of every store manifest. */
    public static final String KIND = "saestitch.activation_store";
    /** The manifest file name inside a store directory. */
    public static final String FILE = "manifest.json";

    /** The mapper of all store JSON files (the project's; the records name their keys in snake_case). */
    static final ObjectMapper MAPPER = Json.MAPPER;

    public StoreManifest {
        shards = shards == null ? List.of() : List.copyOf(shards);
    }

    /** The transformer: id, original name, the jar it came from, checksum of the ONNX bytes, shape. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ModelInfo(String id, String hfName, String artifact, String onnxSha256, int numLayers, int dModel) {}

    /** The tokenizer file, its checksum, and its special token ids. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TokenizerInfo(String file, String sha256, int clsId, int sepId, int padId) {}

    /** The corpus: kind ({@code brown}, {@code text}, {@code jsonl}), source, fingerprint, document count. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CorpusInfo(String kind, String source, String fingerprint, int documents) {}

    /**
     * One complete shard: its directory name, token count, and the sum and sum of squares of the token
     * activation norms (so the summary's norm statistics cover a resumed store without re-reading it).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Shard(String name, long tokens, double normSum, double normSqSum) implements java.io.Serializable {}

    /**
     * Where extraction continues: the model batch that holds the next token to store starts at document
     * {@code orderIndex} (an index into the seeded document order) and window {@code window} of it; its
     * first {@code skipTokens} stored tokens are already in the store.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Resume(int orderIndex, int window, long skipTokens) implements java.io.Serializable {}

    /** This manifest with the given shards, counts and resume point. */
    StoreManifest withProgress(
            List<Shard> newShards,
            long newTokenCount,
            Resume newResume,
            boolean newComplete,
            long newTarget,
            String now) {
        return new StoreManifest(
                formatVersion,
                kind,
                model,
                layer,
                site,
                hookName,
                onnxTensor,
                dtype,
                d,
                newTokenCount,
                newTarget,
                newComplete,
                tokenizer,
                corpus,
                contextLength,
                specialTokens,
                seed,
                shuffleDocuments,
                batchSize,
                shardTokens,
                hasTokenIds,
                newShards,
                newResume,
                created,
                now);
    }

    /** This manifest with other timestamps (tests compare manifests of two runs with it). */
    StoreManifest withTimes(String newCreated, String newUpdated) {
        return new StoreManifest(
                formatVersion,
                kind,
                model,
                layer,
                site,
                hookName,
                onnxTensor,
                dtype,
                d,
                tokenCount,
                targetTokens,
                complete,
                tokenizer,
                corpus,
                contextLength,
                specialTokens,
                seed,
                shuffleDocuments,
                batchSize,
                shardTokens,
                hasTokenIds,
                shards,
                resume,
                newCreated,
                newUpdated);
    }

    /**
     * How this manifest's identity (everything that decides the values stored) differs from {@code other}'s;
     * empty when a run described by {@code other} may continue this store.
     */
    List<String> identityDifferences(StoreManifest other) {
        List<String> diffs = new ArrayList<>();
        diff(diffs, "model", model == null ? null : model.id(), other.model == null ? null : other.model.id());
        diff(
                diffs,
                "model checksum (onnx_sha256)",
                model == null ? null : model.onnxSha256(),
                other.model == null ? null : other.model.onnxSha256());
        diff(diffs, "layer", layer, other.layer);
        diff(diffs, "site", site, other.site);
        diff(diffs, "dtype", dtype, other.dtype);
        diff(diffs, "d", d, other.d);
        diff(
                diffs,
                "tokenizer checksum",
                tokenizer == null ? null : tokenizer.sha256(),
                other.tokenizer == null ? null : other.tokenizer.sha256());
        diff(
                diffs,
                "corpus",
                corpus == null ? null : corpus.kind() + ":" + corpus.source(),
                other.corpus == null ? null : other.corpus.kind() + ":" + other.corpus.source());
        diff(
                diffs,
                "corpus fingerprint",
                corpus == null ? null : corpus.fingerprint(),
                other.corpus == null ? null : other.corpus.fingerprint());
        diff(diffs, "context_length", contextLength, other.contextLength);
        diff(diffs, "special_tokens", specialTokens, other.specialTokens);
        diff(diffs, "seed", seed, other.seed);
        diff(diffs, "shuffle_documents", shuffleDocuments, other.shuffleDocuments);
        diff(diffs, "batch_size", batchSize, other.batchSize);
        diff(diffs, "shard_tokens", shardTokens, other.shardTokens);
        return diffs;
    }

    private static void diff(List<String> out, String what, Object mine, Object theirs) {
        if (!Objects.equals(mine, theirs)) {
            out.add(what + ": store has " + mine + ", this run has " + theirs);
        }
    }

    /**
     * Reads and checks {@code dir/manifest.json}.
     *
     * @throws ActivationsException if it is missing, not JSON, not a store manifest, or of a newer format
     */
    static StoreManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ActivationsException(dir, "not an activation store (no " + FILE + ")");
        }
        StoreManifest m;
        try {
            m = MAPPER.readValue(file.toFile(), StoreManifest.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ActivationsException(file, "damaged store manifest: " + Json.oneLine(e));
        } catch (IOException e) {
            throw new ActivationsException(file, "unreadable store manifest", e);
        }
        if (m == null) { // the JSON literal null (found by the fuzzer)
            throw new ActivationsException(file, "damaged store manifest: it holds no object");
        }
        if (!KIND.equals(m.kind)) {
            throw new ActivationsException(
                    file, "not an activation store manifest (kind is " + m.kind + ", expected " + KIND + ")");
        }
        if (m.formatVersion < 1 || m.formatVersion > FORMAT_VERSION) {
            throw new ActivationsException(
                    file,
                    "store format_version " + m.formatVersion + " is not supported (this saestitch reads 1.."
                            + FORMAT_VERSION + "); upgrade saestitch");
        }
        if (m.d <= 0) {
            throw new ActivationsException(file, "d must be positive, is " + m.d);
        }
        StoreDtype.byName(m.dtype);
        long sum = 0;
        for (Shard s : m.shards) {
            // a shard is a folder of the store: a plain name (found by the fuzzer: a missing name was an NPE)
            if (s == null
                    || s.name() == null
                    || !s.name().matches("[A-Za-z0-9._-]+")
                    || s.name().matches("\\.+")) {
                throw new ActivationsException(
                        file,
                        "a shard has no valid name (" + (s == null ? "null" : s.name()) + "); the manifest is damaged");
            }
            if (s.tokens() < 0) {
                throw new ActivationsException(file, "shard " + s.name() + " has a negative token count " + s.tokens());
            }
            sum += s.tokens();
        }
        if (sum != m.tokenCount) {
            throw new ActivationsException(
                    file, "the shards hold " + sum + " tokens but token_count says " + m.tokenCount);
        }
        return m;
    }

    /** Writes {@code dir/manifest.json} atomically (temp file, fsync, rename). */
    void write(Path dir) {
        try {
            AtomicOutput.writeFile(dir.resolve(FILE), MAPPER.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new ActivationsException(dir.resolve(FILE), "cannot write the store manifest", e);
        }
    }
}
