package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end tests on MiniLM-L6 over a few short documents, with a 16-token context, 4-window batches and
 * 32-token shards, so that windows, batches and shards all split documents at different places.
 */
class ActivationExtractorTest {
    /** Windows of 16 tokens hold 14 content tokens. */
    private static final int CONTEXT = 16;

    @TempDir
    static Path shared;

    static Path texts;
    static ExtractionOptions base;
    static ExtractionSummary refSummary;
    static Path ref;
    static ModelTokenizer tokenizer;
    static Corpus corpus;

    @TempDir
    Path tmp;

    @BeforeAll
    static void extractReference() throws IOException {
        texts = TestTexts.textFolder(shared);
        ref = shared.resolve("ref");
        base = ExtractionOptions.defaults(ref)
                .withCorpus(new CorpusSource.TextFiles(texts))
                .withMaxTokens(0)
                .withContextLength(CONTEXT)
                .withBatchSize(4)
                .withShardTokens(32)
                .withThreads(2)
                .withHook(HookPoint.residPost(5));
        refSummary = ActivationExtractor.extract(base, ExtractionListener.NONE);
        tokenizer = ModelTokenizer.forModel(TransformerModel.MINILM_L6);
        corpus = new CorpusSource.TextFiles(texts).open();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** Each corpus document's content token ids. */
    private static Map<Integer, int[]> expectedTokens() {
        Map<Integer, int[]> out = new HashMap<>();
        for (int i = 0; i < corpus.size(); i++) {
            out.put(i, tokenizer.encode(corpus.document(i).text()));
        }
        return out;
    }

    @Test
    void storeHoldsEveryDocumentsTokensWithTheirIdsAndPositions() {
        Map<Integer, int[]> want = expectedTokens();
        long total = want.values().stream().mapToLong(a -> a.length).sum();
        assertThat(refSummary.tokens()).isEqualTo(total);
        assertThat(refSummary.complete()).isTrue();
        assertThat(refSummary.shards()).isEqualTo((int) ((total + 31) / 32));
        try (ActivationStore store = ActivationStore.open(ref)) {
            assertThat(store.numTokens()).isEqualTo(total);
            Map<Integer, List<Integer>> got = new HashMap<>();
            List<Integer> docOrder = new ArrayList<>();
            for (long i = 0; i < store.numTokens(); i++) {
                int doc = store.docId(i);
                if (docOrder.isEmpty() || docOrder.get(docOrder.size() - 1) != doc) {
                    assertThat(docOrder)
                            .as("documents are contiguous in the store")
                            .doesNotContain(doc);
                    docOrder.add(doc);
                }
                List<Integer> ids = got.computeIfAbsent(doc, k -> new ArrayList<>());
                assertThat(store.docPosition(i)).isEqualTo(ids.size());
                assertThat(store.contextPosition(i)).isEqualTo(ids.size() % (CONTEXT - 2) + 1);
                ids.add(store.tokenId(i));
            }
            for (Map.Entry<Integer, int[]> e : want.entrySet()) {
                if (e.getValue().length == 0) {
                    assertThat(got).doesNotContainKey(e.getKey());
                } else {
                    assertThat(got.get(e.getKey()))
                            .as("tokens of %s", corpus.info(e.getKey()).name())
                            .containsExactly(Arrays.stream(e.getValue()).boxed().toArray(Integer[]::new));
                }
            }
            // The seeded shuffle visits documents out of corpus order.
            assertThat(docOrder)
                    .hasSize(4)
                    .isNotEqualTo(docOrder.stream().sorted().toList());
            assertThat(store.documents())
                    .extracting(DocumentInfo::name)
                    .containsExactly(
                            "a-flood.txt",
                            "b-bridge.txt",
                            "e-empty.txt",
                            "letters/c-letter.txt",
                            "letters/d-physics.txt");
            assertThat(store.documents().get(3).genre()).isEqualTo("letters");
        }
    }

    @Test
    void contextAtAnIndexDecodesTheSurroundingText() {
        try (ActivationStore store = ActivationStore.open(ref)) {
            long found = -1;
            for (long i = 0; i < store.numTokens() && found < 0; i++) {
                if (tokenizer.token(store.tokenId(i)).equals("committee")) {
                    found = i;
                }
            }
            assertThat(found).as("the token 'committee' is stored").isGreaterThanOrEqualTo(0);
            TokenContext c = store.context(found, 6);
            assertThat(c.token()).isEqualTo("committee");
            assertThat(c.tokenText().strip()).isEqualTo("committee");
            assertThat(c.before()).isEqualTo("a");
            assertThat(c.after()).startsWith(" of three was appointed to study");
            assertThat(c.document().name()).isEqualTo("b-bridge.txt");
            assertThat(c.docPosition()).isEqualTo(1);
            assertThat(c.contextPosition()).isEqualTo(2);
            assertThat(c.text()).isEqualTo(tokenizer.decode(store.tokenIds(found - 1, 8), true));
            // Radius stops at document boundaries.
            TokenContext wide = store.context(found, 1000);
            assertThat(wide.text()).startsWith("a committee").endsWith("autumn rains.");
        }
    }

    @Test
    void lastLayerEqualsTheShippedModelsOwnOutput() {
        Map<Integer, int[]> want = expectedTokens();
        TransformerModel m = TransformerModel.MINILM_L6;
        int windowTokens = CONTEXT - 2;
        int batch = base.batchSize();
        try (ActivationStore store = ActivationStore.open(ref);
                OnnxTransformer plain = OnnxTransformer.openUnmodified(m, m.readOnnx(), 2)) {
            assertThat(store.manifest().onnxTensor()).isEqualTo("last_hidden_state");
            // Rebuild the extractor's windows in store order ([CLS] tokens [SEP] [PAD]...), and run them through
            // the unmodified model in the same batches of 4.
            List<long[]> windows = new ArrayList<>();
            List<Integer> lengths = new ArrayList<>();
            for (long i = 0; i < store.numTokens(); ) {
                int[] ids = want.get(store.docId(i));
                for (int first = 0; first < ids.length; first += windowTokens) {
                    int len = Math.min(windowTokens, ids.length - first);
                    long[] w = new long[CONTEXT];
                    w[0] = tokenizer.clsId();
                    for (int k = 0; k < len; k++) {
                        w[1 + k] = ids[first + k];
                    }
                    w[1 + len] = tokenizer.sepId();
                    windows.add(w);
                    lengths.add(len);
                }
                i += ids.length;
            }
            long row = 0;
            for (int b0 = 0; b0 < windows.size(); b0 += batch) {
                int rows = Math.min(batch, windows.size() - b0);
                long[] in = new long[rows * CONTEXT];
                long[] mask = new long[rows * CONTEXT];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(windows.get(b0 + r), 0, in, r * CONTEXT, CONTEXT);
                    for (int k = 0; k < lengths.get(b0 + r) + 2; k++) {
                        mask[r * CONTEXT + k] = 1;
                    }
                }
                float[] h = plain.run(in, mask, rows, CONTEXT).get(HookPoint.residPost(5)); // [rows, CONTEXT, 384]
                for (int r = 0; r < rows; r++) {
                    int len = lengths.get(b0 + r);
                    FloatMatrix stored = store.block(row, len);
                    float[] own = Arrays.copyOfRange(h, (r * CONTEXT + 1) * 384, (r * CONTEXT + 1 + len) * 384);
                    assertThat(stored.toArray()).as("window %d", b0 + r).isEqualTo(own);
                    row += len;
                }
            }
            assertThat(row).isEqualTo(store.numTokens());
        }
    }

    @Test
    void interruptedRunResumesToTheSameBytesAsAnUninterruptedOne() throws IOException {
        Path out = tmp.resolve("resumed");
        ExtractionOptions o = base.withOut(out);
        // Stop after the batch that passes 150 tokens: the writer has then finished the 32-token shards it could
        // fill and holds the rest of a shard, which must be discarded.
        List<Long> afterBatch = new ArrayList<>();
        ExtractionListener stopMidway = new ExtractionListener() {
            @Override
            public void progress(Progress p) {
                afterBatch.add(p.newTokens());
                if (p.newTokens() >= 150) {
                    throw new IllegalStateException("simulated kill after " + p.newTokens() + " tokens");
                }
            }
        };
        assertThatThrownBy(() -> ActivationExtractor.extract(o, stopMidway)).hasMessageContaining("simulated kill");
        StoreManifest half = StoreManifest.read(out);
        long submitted = afterBatch.get(afterBatch.size() - 1);
        assertThat(half.tokenCount()).isEqualTo(submitted / 32 * 32);
        assertThat(half.shards()).hasSize((int) (submitted / 32));
        assertThat(half.complete()).isFalse();
        // The last complete shard ends inside a batch: the resume point is that batch, skipping what is stored.
        long batchStart = afterBatch.get(afterBatch.size() - 2);
        assertThat(half.tokenCount()).isGreaterThan(batchStart);
        assertThat(half.resume().skipTokens()).isEqualTo(half.tokenCount() - batchStart);
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
        }
        // A kill between a shard's rename and the manifest update leaves an unlisted shard, and a kill
        // mid-shard a partial one: both must be discarded, not counted.
        int next = half.shards().size();
        Files.createDirectories(out.resolve(StoreLayout.shardName(next)));
        Files.writeString(out.resolve(StoreLayout.shardName(next)).resolve("acts.f32"), "garbage");
        Files.createDirectories(out.resolve(StoreLayout.shardName(next + 1) + ".partial"));

        ExtractionSummary s = ActivationExtractor.extract(o, ExtractionListener.NONE);
        assertThat(s.resumed()).isTrue();
        assertThat(s.newTokens()).isEqualTo(refSummary.tokens() - half.tokenCount());
        assertThat(s.tokens()).isEqualTo(refSummary.tokens());
        assertThat(s.normMean()).isEqualTo(refSummary.normMean());
        assertSameStore(ref, out);
    }

    @Test
    void raisingTheBudgetExtendsAStoreToTheBytesOfOneLongerRun() throws IOException {
        Path out = tmp.resolve("grown");
        ExtractionSummary first =
                ActivationExtractor.extract(base.withOut(out).withMaxTokens(50), ExtractionListener.NONE);
        assertThat(first.tokens()).isEqualTo(50);
        assertThat(first.complete()).isTrue();
        ExtractionSummary again =
                ActivationExtractor.extract(base.withOut(out).withMaxTokens(50), ExtractionListener.NONE);
        assertThat(again.newTokens()).isZero();
        ExtractionSummary grown =
                ActivationExtractor.extract(base.withOut(out).withMaxTokens(0), ExtractionListener.NONE);
        assertThat(grown.tokens()).isEqualTo(refSummary.tokens());
        try (ActivationStore a = ActivationStore.open(ref);
                ActivationStore b = ActivationStore.open(out)) {
            assertThat(b.block(0, (int) b.numTokens()).toArray())
                    .isEqualTo(a.block(0, (int) a.numTokens()).toArray());
            assertThat(b.tokenIds(0, (int) b.numTokens())).isEqualTo(a.tokenIds(0, (int) a.numTokens()));
        }
    }

    @Test
    void aStoreFromAnotherLayerOrContextIsRefusedAndLeftAlone() throws IOException {
        byte[] before = Files.readAllBytes(ref.resolve(StoreManifest.FILE));
        assertThatThrownBy(() ->
                        ActivationExtractor.extract(base.withHook(HookPoint.residPost(3)), ExtractionListener.NONE))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining(ref.toString())
                .hasMessageContaining("layer: store has 5, this run has 3");
        assertThatThrownBy(() ->
                        ActivationExtractor.extract(base.withContextLength(32).withSeed(9), ExtractionListener.NONE))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("context_length: store has 16, this run has 32")
                .hasMessageContaining("seed: store has 0, this run has 9");
        assertThat(Files.readAllBytes(ref.resolve(StoreManifest.FILE))).isEqualTo(before);

        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("thesis.tex"), "mine");
        assertThatThrownBy(() -> ActivationExtractor.extract(base.withOut(foreign), ExtractionListener.NONE))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("is not empty and is not an activation store");
        try (Stream<Path> files = Files.list(foreign)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("thesis.tex"); // nothing of ours left beside it
        }
    }

    @Test
    void emptyOrMissingTextIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("a.txt"), "   \n\n");
        Path out = tmp.resolve("never");
        assertThatThrownBy(() -> ActivationExtractor.extract(
                        base.withOut(out).withCorpus(new CorpusSource.TextFiles(empty)), ExtractionListener.NONE))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("the corpus has no text");
        assertThatThrownBy(() -> ActivationExtractor.extract(
                        base.withOut(out).withCorpus(new CorpusSource.TextFiles(tmp.resolve("nowhere"))),
                        ExtractionListener.NONE))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("nowhere")
                .hasMessageContaining("corpus not found");
        Path noTxt = Files.createDirectories(tmp.resolve("notxt"));
        Files.writeString(noTxt.resolve("a.md"), "text");
        assertThatThrownBy(
                        () -> CorpusSource.parse(noTxt.toString(), "text", tmp).open())
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("holds no .txt files");
        assertThat(out).doesNotExist();
    }

    @Test
    void jsonlDocumentsAreTokenizedLikeTheSameTextInFiles() throws IOException {
        Path jsonl = TestTexts.jsonl(tmp);
        Path out = tmp.resolve("jsonl-store");
        ExtractionOptions o = base.withOut(out)
                .withCorpus(new CorpusSource.Jsonl(jsonl, "body"))
                .withHook(HookPoint.embeddings())
                .withShuffleDocuments(false);
        ExtractionSummary s = ActivationExtractor.extract(o, ExtractionListener.NONE);
        try (ActivationStore store = ActivationStore.open(out)) {
            assertThat(store.manifest().hookName()).isEqualTo("blocks.0.hook_resid_pre");
            assertThat(store.manifest().onnxTensor()).isEqualTo("/embeddings/LayerNorm/Add_1_output_0");
            long i = 0;
            for (int doc = 0; doc < TestTexts.DOCS.size(); doc++) {
                int[] want = tokenizer.encode(TestTexts.DOCS.get(doc));
                assertThat(store.tokenIds(i, want.length)).isEqualTo(want);
                assertThat(store.docId(i)).isEqualTo(doc);
                i += want.length;
            }
            assertThat(i).isEqualTo(s.tokens());
            assertThat(store.documents().get(2).name()).isEqualTo("docs.jsonl:4");
        }
        assertThatThrownBy(() -> new CorpusSource.Jsonl(jsonl, "text").open())
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining(jsonl.toString())
                .hasMessageContaining("line 1 has no string field 'text'");
    }

    @Test
    void specialTokensAreStoredOnlyWhenAsked() {
        Path out = tmp.resolve("specials");
        ExtractionSummary s = ActivationExtractor.extract(
                base.withOut(out)
                        .withSpecialTokens(true)
                        .withHook(HookPoint.residPost(0))
                        .withDtype(StoreDtype.BFLOAT16),
                ExtractionListener.NONE);
        long windows = expectedTokens().values().stream()
                .mapToLong(a -> (a.length + CONTEXT - 3) / (CONTEXT - 2))
                .sum();
        assertThat(s.tokens()).isEqualTo(refSummary.tokens() + 2 * windows);
        try (ActivationStore store = ActivationStore.open(out)) {
            assertThat(store.manifest().dtype()).isEqualTo("bfloat16");
            assertThat(store.tokenId(0)).isEqualTo(tokenizer.clsId());
            assertThat(store.contextPosition(0)).isZero();
            assertThat(store.docPosition(0)).isEqualTo(-1);
            assertThat(store.docPosition(1)).isZero();
            assertThat(store.tokenId(15)).isEqualTo(tokenizer.sepId());
            assertThat(store.contextPosition(15)).isEqualTo(15);
        }
    }

    @Test
    void anExtractedStoreRoundTripsThroughNpyWithItsTokenIds() {
        Path acts = tmp.resolve("acts.npy");
        Path ids = tmp.resolve("ids.npy");
        Path back = tmp.resolve("imported");
        try (ActivationStore store = ActivationStore.open(ref)) {
            StoreNpy.exportActivations(store, acts);
            StoreNpy.exportTokenIds(store, ids);
        }
        StoreNpy.importNpy(new StoreNpy.ImportOptions(
                acts, ids, TransformerModel.MINILM_L6, "blocks.5.hook_resid_post", back, StoreDtype.FLOAT32, 1000));
        try (ActivationStore a = ActivationStore.open(ref);
                ActivationStore b = ActivationStore.open(back)) {
            int n = (int) a.numTokens();
            assertThat(b.block(0, n).toArray()).isEqualTo(a.block(0, n).toArray());
            assertThat(b.tokenIds(0, n)).isEqualTo(a.tokenIds(0, n));
            // Imported stores know no documents, but decode contexts with the named model's tokenizer.
            TokenContext c = b.context(20, 3);
            assertThat(c.text()).isEqualTo(tokenizer.decode(a.tokenIds(17, 7), true));
            assertThat(c.document().id()).isEqualTo(-1);
        }
    }

    /**
     * The distributed extraction's tasks, run here out of order and one of them twice (a retried task whose
     * earlier attempt finished its shards), beside what a killed attempt leaves (a half shard under its own
     * name): the store is the single-process one, without the half shard.
     */
    @Test
    void distributedTasksWriteTheSingleProcessStoreWhateverTheirOrderAndRetries() throws IOException {
        Path out = tmp.resolve("distributed");
        try (DistributedExtraction run = DistributedExtraction.open(base.withOut(out))) {
            long[] bounds = run.bounds(2);
            assertThat(bounds).hasSize(3).startsWith(0L).endsWith(refSummary.tokens());
            assertThat(bounds[1] % 32).isZero(); // ranges of whole shards
            DistributedExtraction.Task task = run.task();
            DistributedExtraction.Result second = task.apply(bounds[1], bounds[2]);
            DistributedExtraction.Result first = task.apply(bounds[0], bounds[1]);
            assertThat(task.apply(bounds[0], bounds[1])).isEqualTo(first);
            Path half = Files.createDirectories(out.resolve("shard-000001.4242-1f.partial"));
            Files.write(half.resolve("acts.f32"), new byte[100]);
            ExtractionSummary s = run.finish(List.of(first, second), java.time.Duration.ofSeconds(1));
            assertThat(s.tokens()).isEqualTo(refSummary.tokens());
            assertThat(s.shards()).isEqualTo(refSummary.shards());
        }
        assertSameStore(ref, out);
    }

    /** Every shard file and documents.json byte for byte; the manifest apart from its timestamps. */
    private static void assertSameStore(Path want, Path got) throws IOException {
        StoreManifest a = StoreManifest.read(want);
        StoreManifest b = StoreManifest.read(got);
        assertThat(b.withTimes("t", "t")).isEqualTo(a.withTimes("t", "t"));
        assertThat(Files.readAllBytes(got.resolve(StoreLayout.DOCUMENTS)))
                .isEqualTo(Files.readAllBytes(want.resolve(StoreLayout.DOCUMENTS)));
        for (StoreManifest.Shard s : a.shards()) {
            for (String f : List.of(
                    "acts.f32", StoreLayout.TOKEN_IDS, StoreLayout.DOC_IDS, StoreLayout.DOC_POS, StoreLayout.CTX_POS)) {
                assertThat(Files.readAllBytes(got.resolve(s.name()).resolve(f)))
                        .as("%s/%s", s.name(), f)
                        .isEqualTo(Files.readAllBytes(want.resolve(s.name()).resolve(f)));
            }
        }
        try (Stream<Path> files = Files.list(got)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("shard-")))
                    .hasSize(a.shards().size());
        }
    }
}
