package io.github.saestitch.activations;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * {@link ActivationExtractor}'s extraction cut into tasks over ranges of whole shards, for a cluster
 * ({@code activations --master}): the driver {@link #open}s the store (its lock held until {@link #close}),
 * plans where every new shard starts, hands each range of shards to a {@link Task} that runs the model
 * and writes those shards into the store directory (which every executor must reach: a shared
 * filesystem), then {@link #finish}es by writing the manifest once all tasks are done.
 *
 * <p>The store is the one a single {@code activations} run writes, byte for byte: shards hold a fixed
 * {@code shardTokens} tokens counted from the store's first new token (as on one machine, whatever the
 * threads or batch timing), and a task forms exactly the model batches of one uninterrupted run: it starts
 * at the batch holding its first token ({@link StoreManifest.Resume}, the same cursor a resumed run starts
 * from) and its batcher cuts the last batch where the whole run's token target cuts it ({@link
 * ActivationExtractor.Start}). The plan needs the corpus tokenized once on the driver (no model: the
 * tokenizer runs ~two orders of magnitude faster than the model).
 *
 * <p>A task that fails or whose executor dies is run again (by Spark): each attempt writes its shards
 * under names of its own and renames them into place only if that shard is not there yet
 * ({@link StoreWriter#forTask}), and {@link #finish} deletes what killed attempts left before it lists
 * the shards, so the store never holds a half shard.
 */
public final class DistributedExtraction implements AutoCloseable {
    private final ExtractionOptions options;
    private final Corpus corpus;
    private final ModelTokenizer tokenizer;
    private final StoreWriter writer;
    private final ActivationExtractor.Prepared prepared;
    private final boolean resumed;
    private final boolean upToDate;
    private final long t0 = System.nanoTime();
    private long[] shardBounds; // [new shards + 1] stored-token offsets of the new shards' starts, then the end
    private List<StoreManifest.Resume> starts; // [new shards] where each new shard's batch starts

    private DistributedExtraction(ExtractionOptions options, Corpus corpus, ModelTokenizer tokenizer) {
        this.options = options;
        this.corpus = corpus;
        this.tokenizer = tokenizer;
        this.prepared = ActivationExtractor.prepare(options, corpus, tokenizer);
        this.writer = StoreWriter.open(options.out(), prepared.identity(), corpus, prepared.target());
        this.resumed = !writer.manifest().shards().isEmpty();
        this.upToDate = ActivationExtractor.upToDate(writer, prepared.limit());
    }

    /**
     * Opens (creates or continues) the store of {@code options} for a distributed run and takes its lock.
     *
     * @throws ActivationsException for bad input, as {@link ActivationExtractor#extract}
     */
    public static DistributedExtraction open(ExtractionOptions options) {
        Corpus corpus = options.corpus().open();
        ModelTokenizer tokenizer = null;
        try {
            tokenizer = ModelTokenizer.forModel(options.model());
            return new DistributedExtraction(options, corpus, tokenizer);
        } catch (RuntimeException | Error e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            corpus.close();
            throw e;
        }
    }

    /** The store directory (absolute). */
    public Path store() {
        return writer.dir();
    }

    /** Tokens the store held before this run. */
    public long existingTokens() {
        return writer.manifest().tokenCount();
    }

    /** Whether the store already holds everything asked: no task to run, {@link #finish} with none. */
    public boolean upToDate() {
        return upToDate;
    }

    /**
     * The tasks' ranges: stored-token offsets {@code b[0] = existingTokens() < b[1] < … < b[r]}, each
     * range holding the same number of whole shards (the last one fewer), at most {@code ranges} of them.
     * Tokenizes the corpus up to the target on the first call.
     */
    public long[] bounds(int ranges) {
        plan();
        int shards = starts.size();
        int per = Math.max(1, (shards + Math.max(1, ranges) - 1) / Math.max(1, ranges));
        int r = (shards + per - 1) / per;
        long[] b = new long[r + 1];
        for (int k = 0; k <= r; k++) {
            b[k] = shardBounds[Math.min(shards, k * per)];
        }
        return b;
    }

    /** Stored tokens the run adds (after {@link #bounds}). */
    public long newTokens() {
        plan();
        return shardBounds[shardBounds.length - 1] - shardBounds[0];
    }

    /** The work of every range, to send to the executors (after {@link #bounds}). */
    public Task task() {
        plan();
        StoreManifest m = writer.manifest();
        long[] cursors = new long[3 * starts.size()];
        for (int i = 0; i < starts.size(); i++) {
            StoreManifest.Resume s = starts.get(i);
            cursors[3 * i] = s.orderIndex();
            cursors[3 * i + 1] = s.window();
            cursors[3 * i + 2] = s.skipTokens();
        }
        CorpusSource c = options.corpus();
        String[] corpusRef = switch (c) {
            case CorpusSource.Brown b -> new String[] {"brown", abs(b.cacheDir()), null};
            case CorpusSource.TextFiles t -> new String[] {"text", abs(t.path()), null};
            case CorpusSource.Jsonl j -> new String[] {"jsonl", abs(j.path()), j.textField()};
        };
        try {
            return new Task(
                    StoreManifest.MAPPER.writeValueAsString(prepared.identity()),
                    writer.dir().toString(),
                    corpusRef[0],
                    corpusRef[1],
                    corpusRef[2],
                    m.shards().size(),
                    shardBounds[0],
                    prepared.limit(),
                    cursors,
                    1);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    /**
     * Writes the manifest listing the existing shards and every task's, in order, after deleting what
     * killed or retried attempts left (partial shards); checks each new shard's files first.
     *
     * @param parts the tasks' results in range order (none when {@link #upToDate})
     * @param elapsed the time the tasks took (for the summary's rate)
     */
    public ExtractionSummary finish(List<Result> parts, Duration elapsed) {
        Duration setup = Duration.ofNanos(System.nanoTime() - t0 - elapsed.toNanos());
        if (upToDate) {
            return ActivationExtractor.summary(
                    writer.manifest(), writer.dir(), options.model(), options.hook(), 0, setup, Duration.ZERO, resumed);
        }
        StoreManifest m = writer.manifest();
        List<StoreManifest.Shard> shards = new ArrayList<>(m.shards());
        StoreManifest.Resume resume = m.resume();
        long tokens = m.tokenCount();
        for (Result r : parts) {
            for (StoreManifest.Shard s : r.shards()) {
                String expected = StoreLayout.shardName(shards.size());
                if (!s.name().equals(expected)) {
                    throw new IllegalStateException("a task returned " + s.name() + " where " + expected + " was due");
                }
                shards.add(s);
                tokens += s.tokens();
            }
            resume = r.after();
        }
        long end = shardBounds[shardBounds.length - 1];
        if (tokens != end) {
            throw new IllegalStateException("the tasks stored " + tokens + " tokens; the plan ends at " + end);
        }
        StoreManifest done = m.withProgress(shards, tokens, resume, true, prepared.target(), StoreWriter.now());
        try {
            StoreWriter.removeLeftovers(writer.dir(), done);
            for (StoreManifest.Shard s : done.shards().subList(m.shards().size(), shards.size())) {
                ActivationStore.checkShard(writer.dir(), done, s);
            }
            done.write(writer.dir());
        } catch (IOException e) {
            throw new ActivationsException(writer.dir(), "cannot write the store manifest", e);
        }
        return ActivationExtractor.summary(
                done, writer.dir(), options.model(), options.hook(), end - shardBounds[0], setup, elapsed, resumed);
    }

    /**
     * The plan: runs the batcher (tokenizer only) from the store's resume point and records, for every new
     * shard, the batch holding its first token.
     */
    private void plan() {
        if (starts != null) {
            return;
        }
        StoreManifest m = writer.manifest();
        ActivationExtractor.Start from = ActivationExtractor.Start.of(m, prepared.limit());
        BlockingQueue<Object> batches = new ArrayBlockingQueue<>(16);
        WindowBatcher batcher = new WindowBatcher(
                corpus,
                prepared.order(),
                tokenizer,
                options.contextLength(),
                options.batchSize(),
                options.includeSpecialTokens(),
                new RowChunk.Cursor(from.resume().orderIndex(), from.resume().window()),
                from.budget(),
                batches);
        Thread producer = Thread.ofPlatform().name("saestitch-plan").daemon().start(batcher);
        List<StoreManifest.Resume> found = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        long shard = options.shardTokens();
        long limit = prepared.limit();
        long next = from.existing(); // the next shard's first stored token
        long batchStart = from.existing() - from.resume().skipTokens();
        try {
            while (true) {
                Object item = batches.take();
                if (item instanceof WindowBatcher.Failure f) {
                    throw f.error() instanceof RuntimeException r ? r : new IllegalStateException(f.error());
                }
                if (item instanceof WindowBatcher.End) {
                    break;
                }
                WindowBatcher.Batch b = (WindowBatcher.Batch) item;
                long batchEnd = Math.min(limit, batchStart + b.storedTokens);
                while (next < batchEnd) {
                    found.add(new StoreManifest.Resume(b.start.orderIndex(), b.start.window(), next - batchStart));
                    offsets.add(next);
                    next += shard;
                }
                batchStart += b.storedTokens;
                if (batchStart >= limit) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("planning interrupted", e);
        } finally {
            ActivationExtractor.stop(producer);
        }
        long end = Math.min(limit, batchStart);
        long[] bounds = new long[offsets.size() + 1];
        for (int i = 0; i < offsets.size(); i++) {
            bounds[i] = offsets.get(i);
        }
        bounds[offsets.size()] = Math.max(from.existing(), end);
        shardBounds = bounds;
        starts = List.copyOf(found);
    }

    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            try {
                tokenizer.close();
            } finally {
                corpus.close();
            }
        }
    }

    /** What one task returns: its shards, in order, and where extraction continues after the last. */
    public record Result(List<StoreManifest.Shard> shards, StoreManifest.Resume after) implements Serializable {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        public Result {
            shards = List.copyOf(shards);
        }
    }

    /**
     * The work of every range, sent to the executors: the store's identity (its manifest as JSON, checked
     * against what the executor's model, tokenizer and corpus give), where the store and the corpus are,
     * and the plan.
     *
     * @param identity       the store's identity manifest, as JSON
     * @param store          the store directory (absolute; a path every executor reaches)
     * @param corpusKind     {@code brown}, {@code text} or {@code jsonl}
     * @param corpusPath     the corpus (the cache folder for {@code brown}; absolute)
     * @param textField      the JSONL field ({@code null} otherwise)
     * @param firstShard     the index of the first new shard
     * @param firstToken     the stored-token offset of the first new shard
     * @param limit          the token target ({@link Long#MAX_VALUE}: the whole corpus)
     * @param cursors        [3 · new shards] per new shard: its batch's document order index, window, and the
     *                       batch's stored tokens before the shard's first
     * @param threads        ONNX Runtime threads per task (1: Spark runs one task per core)
     */
    public record Task(
            String identity,
            String store,
            String corpusKind,
            String corpusPath,
            String textField,
            int firstShard,
            long firstToken,
            long limit,
            long[] cursors,
            int threads)
            implements Serializable {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        /**
         * Runs the model over stored tokens {@code [from, to)} (whole shards of the plan, the last one
         * possibly the store's short last shard) and writes their shards into the store.
         *
         * @throws ActivationsException when this machine's model, tokenizer or corpus differ from the driver's
         */
        public Result apply(long from, long to) throws IOException {
            StoreManifest id = StoreManifest.MAPPER.readValue(identity, StoreManifest.class);
            long shardTokens = id.shardTokens();
            if ((from - firstToken) % shardTokens != 0) {
                throw new IllegalArgumentException("range " + from + " does not start a shard");
            }
            int k = (int) ((from - firstToken) / shardTokens); // index among the new shards
            StoreManifest.Resume start =
                    new StoreManifest.Resume((int) cursors[3 * k], (int) cursors[3 * k + 1], cursors[3 * k + 2]);
            ExtractionOptions o = options(id);
            try (Corpus corpus = o.corpus().open();
                    ModelTokenizer tokenizer = ModelTokenizer.forModel(o.model())) {
                ActivationExtractor.Prepared p = ActivationExtractor.prepare(o, corpus, tokenizer);
                List<String> diffs = id.identityDifferences(p.identity());
                if (!diffs.isEmpty()) {
                    throw new ActivationsException(
                            Path.of(store),
                            "this executor's model, tokenizer or corpus differ from the driver's: "
                                    + String.join("; ", diffs)
                                    + " (the corpus must be at the same path, with the same contents, on every node)");
                }
                try (StoreWriter w = StoreWriter.forTask(Path.of(store), id, firstShard + k, start);
                        OnnxTransformer transformer =
                                OnnxTransformer.open(o.model(), p.onnx(), List.of(o.hook()), true, threads)) {
                    ActivationExtractor.Run run = new ActivationExtractor.Run(
                            o, corpus, p.order(), tokenizer, transformer, w, ExtractionListener.NONE, p.tensor());
                    run.execute(Duration.ZERO, true, ActivationExtractor.Start.range(from, start, to - from, limit));
                    return new Result(w.shards(), w.resumeAfterLast());
                }
            }
        }

        /** The extraction options the identity was made from. */
        private ExtractionOptions options(StoreManifest id) {
            CorpusSource corpus = switch (corpusKind) {
                case "brown" -> new CorpusSource.Brown(Path.of(corpusPath));
                case "text" -> new CorpusSource.TextFiles(Path.of(corpusPath));
                default -> new CorpusSource.Jsonl(Path.of(corpusPath), textField);
            };
            TransformerModel model = TransformerModel.byName(id.model().id());
            return ExtractionOptions.defaults(Path.of(store))
                    .withModel(model)
                    .withHook(HookPoint.parse(id.hookName()).validateFor(model))
                    .withCorpus(corpus)
                    .withMaxTokens(id.targetTokens() > 0 ? id.targetTokens() : 0)
                    .withContextLength(id.contextLength())
                    .withBatchSize(id.batchSize())
                    .withShardTokens(id.shardTokens())
                    .withDtype(StoreDtype.byName(id.dtype()))
                    .withSpecialTokens(id.specialTokens())
                    .withSeed(id.seed())
                    .withShuffleDocuments(id.shuffleDocuments())
                    .withThreads(threads);
        }
    }
}
