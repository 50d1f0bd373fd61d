package io.github.saestitch.activations;

import io.github.saestitch.io.NpyInts;
import io.github.saestitch.io.NpyWriter;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * {@code .npy} interchange for activation stores, through the {@code io} package's reader and writer.
 *
 * <p>Export: activations as a float32 {@code [tokens, d]} {@code .npy} (byte-identical to what
 * {@code numpy.save} writes), and optionally the token ids as a 1-D int32 {@code .npy}.
 *
 * <p>Import: activations from elsewhere ({@code [tokens, d]} or {@code [batch, seq, d]}, any float dtype the
 * reader takes) into a new store, with or without token ids (an integer {@code .npy}, int8 to int64 signed or
 * unsigned, any rank flattened in C order like {@code [batch, seq]}; or a 1-D float array of integral
 * values, {@code <f2} refused since it cannot hold ids above 2,048 exactly: see {@code io.NpyInts}). Imported stores
 * have no corpus, so their
 * document ids and positions are {@code -1}; with token ids and a model named, {@link ActivationStore#context}
 * decodes the neighbouring tokens. Import is resumable like extraction (it writes through the same
 * shard-at-a-time writer), and refuses to mix into a store of other data.
 */
public final class StoreNpy {
    private StoreNpy() {}

    /** Opens a {@code .npy} activation file as an {@link ActivationSet}. */
    public static ActivationSet open(Path npy) {
        try {
            return NpyActivationSet.open(npy);
        } catch (IOException e) {
            throw new ActivationsException(npy, "cannot read the activations", e);
        }
    }

    /** Writes every token of {@code set} to {@code npy} as float32 {@code [tokens, d]}, atomically, in blocks. */
    public static void exportActivations(ActivationSet set, Path npy) {
        exportActivations(set, npy, true);
    }

    /** {@link #exportActivations(ActivationSet, Path)}, replacing an existing file only when {@code replace}. */
    public static void exportActivations(ActivationSet set, Path npy, boolean replace) {
        int block = Math.max(1, (1 << 22) / Math.max(1, set.dIn())); // ~16 MB of float32 per block
        try (NpyWriter w = NpyWriter.open(npy, set.dIn(), replace)) {
            for (long start = 0; start < set.numTokens(); start += block) {
                int n = (int) Math.min(block, set.numTokens() - start);
                w.append(set.block(start, n));
            }
            w.finish();
        } catch (IOException e) {
            throw new ActivationsException(npy, "cannot write the activations", e);
        }
    }

    /** Writes the store's token ids to {@code npy} as a 1-D int32 array ({@code <i4}), atomically. */
    public static void exportTokenIds(ActivationStore store, Path npy) {
        exportTokenIds(store, npy, true);
    }

    /** {@link #exportTokenIds(ActivationStore, Path)}, replacing an existing file only when {@code replace}. */
    public static void exportTokenIds(ActivationStore store, Path npy, boolean replace) {
        if (!store.hasTokenIds()) {
            throw new ActivationsException(store.dir(), "the store holds no token ids to export");
        }
        if (store.numTokens() > Integer.MAX_VALUE - 8) {
            throw new ActivationsException(
                    store.dir(), store.numTokens() + " token ids do not fit one .npy written in one piece");
        }
        try {
            NpyInts.write(npy, store.tokenIds(0, (int) store.numTokens()), replace);
        } catch (IOException e) {
            throw new ActivationsException(npy, "cannot write the token ids", e);
        }
    }

    /**
     * What to import.
     *
     * @param activations  the {@code .npy} of activations {@code [tokens, d]} (or {@code [batch, seq, d]})
     * @param tokenIds     a 1-D {@code .npy} of the token ids, one per row, or {@code null}
     * @param model        the model whose tokenizer the ids belong to (for decoding contexts), or {@code null}
     * @param hookName     where the activations were read, for the manifest (free text, e.g.
     *                     {@code blocks.6.hook_resid_post}), or {@code null}
     * @param out          the store directory to create (or continue)
     * @param dtype        the store's dtype
     * @param shardTokens  tokens per shard
     */
    public record ImportOptions(
            Path activations,
            Path tokenIds,
            TransformerModel model,
            String hookName,
            Path out,
            StoreDtype dtype,
            int shardTokens) {
        public ImportOptions {
            Objects.requireNonNull(activations, "activations");
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(dtype, "dtype");
            if (shardTokens < 1) {
                throw new ActivationsException("shard size must be >= 1 token, got " + shardTokens);
            }
        }

        /** Activations only, float32, default shard size. */
        public static ImportOptions of(Path activations, Path out) {
            return new ImportOptions(
                    activations, null, null, null, out, StoreDtype.FLOAT32, ExtractionOptions.DEFAULT_SHARD_TOKENS);
        }
    }

    /**
     * Imports a {@code .npy} into a new store (or continues an interrupted import of the same file).
     *
     * @return the store's manifest
     * @throws ActivationsException if a file is unreadable, the token ids do not match the activations, or {@code out}
     *                              holds other data
     */
    public static StoreManifest importNpy(ImportOptions o) {
        Path actsPath = o.activations().toAbsolutePath().normalize();
        try (NpyActivationSet acts = openSet(actsPath)) {
            if (acts.numTokens() == 0) {
                throw new ActivationsException(actsPath, "holds no tokens");
            }
            int[] ids = o.tokenIds() == null
                    ? null
                    : readTokenIds(o.tokenIds().toAbsolutePath().normalize(), acts.numTokens());
            if (o.model() != null && acts.dIn() != o.model().dModel()) {
                throw new ActivationsException(
                        actsPath,
                        "activations have d=" + acts.dIn() + " but " + o.model().id() + " has d="
                                + o.model().dModel());
            }
            StoreManifest fresh = importManifest(o, actsPath, acts);
            try (StoreWriter w = StoreWriter.open(o.out(), fresh, NO_DOCUMENTS, acts.numTokens())) {
                long n = acts.numTokens();
                int d = acts.dIn();
                int block = Math.max(1, Math.min(o.shardTokens(), (1 << 22) / d));
                for (long start = w.manifest().tokenCount(); start < n; start += block) {
                    int rows = (int) Math.min(block, n - start);
                    w.append(chunk(acts.block(start, rows), ids, start, o.dtype()));
                }
                w.finish(true);
                return w.manifest();
            } catch (IOException e) {
                throw new ActivationsException(o.out(), "cannot write the store", e);
            }
        }
    }

    private static NpyActivationSet openSet(Path p) {
        try {
            return NpyActivationSet.open(p);
        } catch (IOException e) {
            throw new ActivationsException(p, "cannot read the activations", e);
        }
    }

    private static int[] readTokenIds(Path p, long tokens) {
        int[] ids;
        try {
            ids = NpyInts.read(p);
        } catch (IOException e) {
            throw new ActivationsException(p, "cannot read the token ids: " + e.getMessage(), e);
        }
        if (ids.length != tokens) {
            throw new ActivationsException(
                    p, "holds " + ids.length + " token ids but the activations have " + tokens + " rows");
        }
        return ids;
    }

    private static StoreManifest importManifest(ImportOptions o, Path actsPath, NpyActivationSet acts) {
        TransformerModel m = o.model();
        String now = StoreWriter.now();
        long bytes;
        try {
            bytes = Files.size(actsPath);
        } catch (IOException e) {
            throw new ActivationsException(actsPath, "cannot read the file size", e);
        }
        StoreManifest.ModelInfo model = m == null
                ? null
                : new StoreManifest.ModelInfo(m.id(), m.hfName(), m.artifact(), null, m.numLayers(), m.dModel());
        StoreManifest.TokenizerInfo tok = null;
        if (m != null && o.tokenIds() != null) {
            try (ModelTokenizer t = ModelTokenizer.forModel(m)) {
                tok = new StoreManifest.TokenizerInfo(t.name(), t.sha256(), t.clsId(), t.sepId(), t.padId());
            }
        }
        // Content hashes, not only sizes and paths: a re-import of a regenerated file of the same shape must
        // not be taken for "already imported" (it was, before: the store silently kept the old data).
        String fingerprint = "tokens=" + acts.numTokens() + ",d=" + acts.dIn() + ",bytes=" + bytes
                + ",sha256=" + sha256(actsPath)
                + (o.tokenIds() == null
                        ? ""
                        : ",token_ids_sha256="
                                + sha256(o.tokenIds().toAbsolutePath().normalize()));
        return new StoreManifest(
                StoreManifest.FORMAT_VERSION,
                StoreManifest.KIND,
                model,
                -1,
                "unknown",
                o.hookName() == null ? ActivationOrigin.UNKNOWN_HOOK : o.hookName(),
                null,
                o.dtype().id(),
                acts.dIn(),
                0,
                acts.numTokens(),
                false,
                tok,
                new StoreManifest.CorpusInfo(
                        ActivationOrigin.IMPORTED_CORPUS_KIND, actsPath.toString(), fingerprint, 0),
                0,
                false,
                0,
                false,
                0,
                o.shardTokens(),
                o.tokenIds() != null,
                List.of(),
                new StoreManifest.Resume(0, 0, 0),
                now,
                now);
    }

    /** SHA-256 of a file's bytes, streamed (about 1 GB/s: a second or two for a large activation file). */
    private static String sha256(Path file) {
        try (var in = Files.newInputStream(file)) {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ActivationsException(file, "cannot read the file", e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows of an import as a writer chunk; doc ids and positions are unknown ({@code -1}). */
    private static RowChunk chunk(FloatMatrix block, int[] ids, long start, StoreDtype dtype) {
        int rows = block.rows();
        int d = block.cols();
        float[] values = block.toArray();
        ByteBuffer acts = ByteBuffer.allocate(rows * d * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        double[] norms = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int k = 0; k < d; k++) {
                float v = values[r * d + k];
                sq += (double) v * v;
                if (dtype == StoreDtype.FLOAT32) {
                    acts.putFloat((r * d + k) * 4, v);
                } else {
                    acts.putShort((r * d + k) * 2, StoreDtype.toBf16(v));
                }
            }
            norms[r] = Math.sqrt(sq);
        }
        int[] tok = new int[rows];
        int[] unknown = new int[rows];
        Arrays.fill(unknown, -1);
        if (ids != null) {
            System.arraycopy(ids, (int) start, tok, 0, rows);
        } else {
            Arrays.fill(tok, -1);
        }
        RowChunk.Cursor here = new RowChunk.Cursor(0, 0);
        return new RowChunk(rows, acts, tok, unknown, unknown.clone(), unknown.clone(), norms, here, here, 0, rows);
    }

    /** An empty document table for imported stores. */
    private static final Corpus NO_DOCUMENTS = new Corpus() {
        @Override
        public String kind() {
            return "npy";
        }

        @Override
        public String source() {
            return "";
        }

        @Override
        public String fingerprint() {
            return "";
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public Document document(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public DocumentInfo info(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public long approxChars() {
            return 0;
        }
    };
}
