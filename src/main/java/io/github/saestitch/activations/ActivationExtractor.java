package io.github.saestitch.activations;

import io.github.saestitch.tensor.SplitMix64;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Extracts residual-stream activations of a {@link TransformerModel} over a corpus into an activation
 * store: the library entry point behind {@code saestitch activations}. Prints nothing and never exits;
 * bad input is an {@link ActivationsException}.
 *
 * <p>Pipeline, three threads: a tokenizer thread ({@link WindowBatcher}) cuts documents into context
 * windows and batches them ahead of the model; the calling thread runs ONNX Runtime and gathers the stored
 * rows; a writer thread appends them to the shards and makes each finished shard durable (fsync, rename,
 * manifest). Tokenizing and writing are cheap next to the model (~8,500 tokens/s for MiniLM-L6 on 2
 * cores, i.e. ~13 MB/s of float32 at d = 384) but taking them off the model's thread keeps
 * ONNX Runtime busy; {@link io.github.saestitch.bench.ExtractionBenchmark} measures the result against a bare session.
 *
 * <p>Resumable: kill it at any moment and run it again with the same options; it checks that the store
 * was written with the same model, hook, corpus, tokenizer, context, seed and batching, drops any
 * half-written shard, and continues after the last complete one. The result is byte-for-byte the store an
 * uninterrupted run writes. Running again with a larger token budget extends a complete store.
 */
public final class ActivationExtractor {
    /** Tokens per character of English prose (Brown, measured: 1,292,879 MiniLM tokens over 6,109,448 characters). */
    private static final double TOKENS_PER_CHAR = 0.21;

    private ActivationExtractor() {}

    /**
     * Runs (or continues) an extraction.
     *
     * @param options  what to extract and where to
     * @param listener progress callbacks, on this thread; an exception thrown there stops the run cleanly
     * @return what the run did
     * @throws ActivationsException for bad input (unknown hook, missing or empty corpus, a store written with other
     *                              settings, ...)
     */
    public static ExtractionSummary extract(ExtractionOptions options, ExtractionListener listener) {
        long t0 = System.nanoTime();
        TransformerModel model = options.model();
        HookPoint hook = options.hook().validateFor(model);
        ExtractionListener l = listener == null ? ExtractionListener.NONE : listener;
        try (Corpus corpus = options.corpus().open();
                ModelTokenizer tokenizer = ModelTokenizer.forModel(model)) {
            Prepared p = prepare(options, corpus, tokenizer);
            byte[] onnx = p.onnx();
            try (StoreWriter writer = StoreWriter.open(options.out(), p.identity(), corpus, p.target())) {
                boolean resumed = !writer.manifest().shards().isEmpty();
                if (upToDate(writer, p.limit())) {
                    Duration setup = Duration.ofNanos(System.nanoTime() - t0);
                    return summary(writer.manifest(), writer.dir(), model, hook, 0, setup, Duration.ZERO, resumed);
                }
                try (OnnxTransformer transformer =
                        OnnxTransformer.open(model, onnx, List.of(hook), true, options.threads())) {
                    onnx = null; // the session holds its own copy; let the 90-130 MB array go
                    Duration setup = Duration.ofNanos(System.nanoTime() - t0);
                    Run run = new Run(options, corpus, p.order(), tokenizer, transformer, writer, l, p.tensor());
                    return run.execute(setup, resumed, Start.of(writer.manifest(), p.limit()));
                }
            }
        }
    }

    /**
     * What every run derives from the options before touching the store: the document order, the model's
     * bytes, the tensor of the hook and the store identity.
     *
     * @param target the token target ({@code -1}: the whole corpus)
     * @param limit  the target as a bound ({@link Long#MAX_VALUE}: none)
     */
    record Prepared(int[] order, byte[] onnx, String tensor, StoreManifest identity, long target, long limit) {}

    static Prepared prepare(ExtractionOptions options, Corpus corpus, ModelTokenizer tokenizer) {
        TransformerModel model = options.model();
        int[] order = options.shuffleDocuments()
                ? SplitMix64.permutation(corpus.size(), options.seed())
                : identity(corpus.size());
        requireSomeText(corpus, order, tokenizer);
        byte[] onnx = model.readOnnx();
        String tensor = OnnxTransformer.tensorName(model, OnnxGraph.parse(onnx), options.hook());
        StoreManifest fresh = identity(options, corpus, tokenizer, ModelTokenizer.sha256(onnx), tensor);
        long target = options.maxTokens() > 0 ? options.maxTokens() : -1;
        return new Prepared(order, onnx, tensor, fresh, target, target < 0 ? Long.MAX_VALUE : target);
    }

    /**
     * Whether the store already holds everything asked (the target reached, or a complete store of the whole
     * corpus); marks it complete if it is not yet.
     */
    static boolean upToDate(StoreWriter writer, long limit) {
        StoreManifest m = writer.manifest();
        boolean exhausted = m.complete() && (m.targetTokens() < 0 || m.tokenCount() < m.targetTokens());
        if (!exhausted && m.tokenCount() < limit) {
            return false;
        }
        if (!m.complete()) {
            try {
                writer.finish(true);
            } catch (IOException e) {
                throw new ActivationsException(writer.dir(), "cannot update the store manifest", e);
            }
        }
        return true;
    }

    /**
     * Where a run starts and stops.
     *
     * @param existing  stored tokens before the run's first token
     * @param resume    the model batch holding that token, and how many of its stored tokens come before it
     * @param remaining tokens the run stores
     * @param budget    stored tokens, counted from the batch at {@code resume}, after which the batcher cuts its
     *                  last batch short: the batch the whole extraction's target cuts, so every run forms the
     *                  batches of one uninterrupted extraction
     */
    record Start(long existing, StoreManifest.Resume resume, long remaining, long budget) {
        /** Continuing the store of manifest {@code m} up to {@code limit} tokens. */
        static Start of(StoreManifest m, long limit) {
            return range(m.tokenCount(), m.resume(), limit - m.tokenCount(), limit);
        }

        /** Stored tokens {@code [from, from + count)} of an extraction up to {@code limit} tokens. */
        static Start range(long from, StoreManifest.Resume resume, long count, long limit) {
            long batchStart = from - resume.skipTokens(); // the batch's first stored token
            return new Start(from, resume, count, limit == Long.MAX_VALUE ? Long.MAX_VALUE : limit - batchStart);
        }
    }

    /** Interrupts the batcher thread and waits for it to end. */
    static void stop(Thread producer) {
        producer.interrupt();
        try {
            producer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Fails before anything is written if no document yields a token. */
    private static void requireSomeText(Corpus corpus, int[] order, ModelTokenizer tokenizer) {
        for (int i : order) {
            if (tokenizer.encode(corpus.document(i).text()).length > 0) {
                return;
            }
        }
        throw new ActivationsException(
                Path.of(corpus.source()),
                "the corpus has no text: all " + corpus.size() + " documents are empty or yield no tokens");
    }

    private static StoreManifest identity(
            ExtractionOptions o, Corpus corpus, ModelTokenizer tok, String onnxSha, String tensor) {
        TransformerModel m = o.model();
        String now = StoreWriter.now();
        return new StoreManifest(
                StoreManifest.FORMAT_VERSION,
                StoreManifest.KIND,
                new StoreManifest.ModelInfo(m.id(), m.hfName(), m.artifact(), onnxSha, m.numLayers(), m.dModel()),
                o.hook().layer(),
                o.hook().site().id(),
                o.hook().hookName(),
                tensor,
                o.dtype().id(),
                m.dModel(),
                0,
                o.maxTokens() > 0 ? o.maxTokens() : -1,
                false,
                new StoreManifest.TokenizerInfo(tok.name(), tok.sha256(), tok.clsId(), tok.sepId(), tok.padId()),
                new StoreManifest.CorpusInfo(corpus.kind(), corpus.source(), corpus.fingerprint(), corpus.size()),
                o.contextLength(),
                o.includeSpecialTokens(),
                o.seed(),
                o.shuffleDocuments(),
                o.batchSize(),
                o.shardTokens(),
                true,
                List.of(),
                new StoreManifest.Resume(0, 0, 0),
                now,
                now);
    }

    static ExtractionSummary summary(
            StoreManifest m,
            Path dir,
            TransformerModel model,
            HookPoint hook,
            long newTokens,
            Duration setup,
            Duration elapsed,
            boolean resumed) {
        double sum = 0;
        double sq = 0;
        for (StoreManifest.Shard s : m.shards()) {
            sum += s.normSum();
            sq += s.normSqSum();
        }
        long n = m.tokenCount();
        double mean = n == 0 ? 0 : sum / n;
        double std = n == 0 ? 0 : Math.sqrt(Math.max(0, sq / n - mean * mean));
        double secs = elapsed.toNanos() / 1e9;
        return new ExtractionSummary(
                dir,
                model.id(),
                hook.hookName(),
                n,
                newTokens,
                m.shards().size(),
                mean,
                std,
                setup,
                elapsed,
                secs > 0 ? newTokens / secs : 0,
                resumed,
                m.complete());
    }

    /** One run of the pipeline. */
    static final class Run {
        private final ExtractionOptions o;
        private final Corpus corpus;
        private final int[] order;
        private final ModelTokenizer tokenizer;
        private final OnnxTransformer transformer;
        private final StoreWriter writer;
        private final ExtractionListener listener;
        private final String tensor;
        private final int d;
        private final int t;

        Run(
                ExtractionOptions o,
                Corpus corpus,
                int[] order,
                ModelTokenizer tokenizer,
                OnnxTransformer transformer,
                StoreWriter writer,
                ExtractionListener listener,
                String tensor) {
            this.o = o;
            this.corpus = corpus;
            this.order = order;
            this.tokenizer = tokenizer;
            this.transformer = transformer;
            this.writer = writer;
            this.listener = listener;
            this.tensor = tensor;
            this.d = o.model().dModel();
            this.t = o.contextLength();
        }

        ExtractionSummary execute(Duration setup, boolean resumed, Start from) {
            long existing = from.existing();
            StoreManifest.Resume resume = from.resume();
            long remaining = from.remaining();
            long limit = remaining == Long.MAX_VALUE - existing ? Long.MAX_VALUE : existing + remaining;
            long budget = from.budget();
            long estimate = estimateTotal(existing, limit, TOKENS_PER_CHAR);
            listener.started(new ExtractionListener.Started(
                    writer.dir(),
                    o.model(),
                    o.hook(),
                    tensor,
                    existing,
                    limit == Long.MAX_VALUE ? -1 : limit,
                    estimate));

            BlockingQueue<Object> batches = new ArrayBlockingQueue<>(2);
            WindowBatcher batcher = new WindowBatcher(
                    corpus,
                    order,
                    tokenizer,
                    t,
                    o.batchSize(),
                    o.includeSpecialTokens(),
                    new RowChunk.Cursor(resume.orderIndex(), resume.window()),
                    budget,
                    batches);
            Thread producer =
                    Thread.ofPlatform().name("saestitch-tokenize").daemon().start(batcher);
            AsyncWriter out = new AsyncWriter(writer);
            long start = System.nanoTime();
            long added = 0;
            boolean exhausted = false;
            long skip = resume.skipTokens();
            try {
                while (added < remaining) {
                    Object item = batches.take();
                    if (item instanceof WindowBatcher.Failure f) {
                        throw rethrow(f.error());
                    }
                    if (item instanceof WindowBatcher.End e) {
                        exhausted = e.corpusExhausted();
                        break;
                    }
                    WindowBatcher.Batch b = (WindowBatcher.Batch) item;
                    float[] h = transformer.run(b.inputIds, b.mask, b.rows, t).get(o.hook()); // [rows, t, d]
                    long take = Math.min(b.storedTokens - skip, remaining - added);
                    if (take > 0) {
                        out.submit(gather(b, h, skip, (int) take));
                        added += take;
                    }
                    skip = 0;
                    out.drainTo(listener);
                    double secs = (System.nanoTime() - start) / 1e9;
                    double rate = added / Math.max(secs, 1e-9);
                    long est = b.charsRead > 0
                            ? estimateTotal(existing + added, limit, (double) added / b.charsRead)
                            : estimate;
                    long left = Math.max(0, est - existing - added);
                    Optional<Duration> eta =
                            added > 0 ? Optional.of(Duration.ofMillis((long) (1000 * left / rate))) : Optional.empty();
                    listener.progress(new ExtractionListener.Progress(
                            existing + added, added, est, rate, Duration.ofNanos(System.nanoTime() - start), eta));
                }
                if (!exhausted && added < remaining) {
                    Object item = batches.take();
                    if (item instanceof WindowBatcher.End e) {
                        exhausted = e.corpusExhausted();
                    }
                }
                boolean complete = exhausted || existing + added >= limit;
                out.finish(complete);
                out.drainTo(listener);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.abort();
                throw new IllegalStateException("extraction interrupted", e);
            } catch (RuntimeException | Error e) {
                out.abort();
                throw e;
            } finally {
                stop(producer);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            return summary(writer.manifest(), writer.dir(), o.model(), o.hook(), added, setup, elapsed, resumed);
        }

        /**
         * The final token count to expect: the budget, unless the corpus (its size times the tokens per
         * character seen so far) runs out first; never less than what is already stored.
         */
        private long estimateTotal(long stored, long limit, double tokensPerChar) {
            long corpusTotal = (long) (corpus.approxChars() * tokensPerChar);
            return Math.max(stored, Math.min(limit, corpusTotal));
        }

        /** The stored rows of batch {@code b}: its stored tokens {@code [skip, skip + take)}. */
        private RowChunk gather(WindowBatcher.Batch b, float[] h, long skip, int take) {
            StoreDtype dtype = o.dtype();
            ByteBuffer acts = ByteBuffer.allocate(take * d * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer f32 = dtype == StoreDtype.FLOAT32 ? acts.asFloatBuffer() : null;
            int[] tokenIds = new int[take];
            int[] docIds = new int[take];
            int[] docPos = new int[take];
            int[] ctxPos = new int[take];
            double[] norms = new double[take];
            boolean specials = o.includeSpecialTokens();
            long idx = 0;
            int n = 0;
            for (int row = 0; row < b.rows && n < take; row++) {
                int len = b.lengths[row];
                int firstPos = specials ? 0 : 1;
                int lastPos = specials ? len + 1 : len;
                for (int p = firstPos; p <= lastPos && n < take; p++, idx++) {
                    if (idx < skip) {
                        continue;
                    }
                    int src = (row * t + p) * d;
                    double sq = 0;
                    for (int k = 0; k < d; k++) {
                        float v = h[src + k];
                        sq += (double) v * v;
                    }
                    if (f32 != null) {
                        f32.put(n * d, h, src, d);
                    } else {
                        for (int k = 0; k < d; k++) {
                            acts.putShort((n * d + k) * 2, StoreDtype.toBf16(h[src + k]));
                        }
                    }
                    tokenIds[n] = (int) b.inputIds[row * t + p];
                    docIds[n] = b.docIds[row];
                    docPos[n] = p == 0 || p == len + 1 ? -1 : b.docStart[row] + p - 1;
                    ctxPos[n] = p;
                    norms[n] = Math.sqrt(sq);
                    n++;
                }
            }
            return new RowChunk(
                    take, acts, tokenIds, docIds, docPos, ctxPos, norms, b.start, b.end, skip, b.storedTokens);
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) {
                return r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            return new IllegalStateException(t);
        }
    }

    /**
     * The writer thread: appends chunks in order, finishes or aborts at the end, and reports finished
     * shards back to the model thread (which calls the listener).
     */
    private static final class AsyncWriter {
        private static final Object ABORT = new Object();

        private record Finish(boolean complete) {}

        private final StoreWriter writer;
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
        private final ConcurrentLinkedQueue<ExtractionListener.ShardWritten> events = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile Throwable failure;

        AsyncWriter(StoreWriter writer) {
            this.writer = writer;
            this.thread =
                    Thread.ofPlatform().name("saestitch-store-writer").daemon().start(this::loop);
        }

        private void loop() {
            try {
                while (true) {
                    Object item = queue.take();
                    if (item == ABORT) {
                        writer.abort();
                        return;
                    }
                    if (item instanceof Finish f) {
                        report(writer.finish(f.complete()));
                        return;
                    }
                    report(writer.append((RowChunk) item));
                }
            } catch (InterruptedException e) {
                writer.abort();
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
                writer.abort();
            }
        }

        private void report(List<StoreManifest.Shard> finished) {
            StoreManifest m = writer.manifest();
            for (StoreManifest.Shard s : finished) {
                int index = m.shards().indexOf(s);
                long upTo = 0;
                for (int i = 0; i <= index; i++) {
                    upTo += m.shards().get(i).tokens();
                }
                events.add(new ExtractionListener.ShardWritten(index, s.name(), s.tokens(), upTo));
            }
        }

        void submit(RowChunk chunk) throws InterruptedException {
            while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                checkAlive();
            }
            checkFailure();
        }

        void finish(boolean complete) throws InterruptedException {
            while (!queue.offer(new Finish(complete), 100, TimeUnit.MILLISECONDS)) {
                checkAlive();
            }
            thread.join();
            checkFailure();
        }

        void abort() {
            if (thread.isAlive() && !queue.offer(ABORT)) {
                thread.interrupt();
            }
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void drainTo(ExtractionListener listener) {
            List<ExtractionListener.ShardWritten> batch = new ArrayList<>();
            ExtractionListener.ShardWritten e;
            while ((e = events.poll()) != null) {
                batch.add(e);
            }
            for (ExtractionListener.ShardWritten s : batch) {
                listener.shardWritten(s);
            }
        }

        private void checkAlive() {
            checkFailure();
            if (!thread.isAlive()) {
                throw new IllegalStateException("the store writer thread stopped");
            }
        }

        private void checkFailure() {
            Throwable f = failure;
            if (f instanceof ActivationsException a) {
                throw a;
            }
            if (f instanceof Error err) {
                throw err;
            }
            if (f != null) {
                throw new ActivationsException(writer.dir(), "writing the store failed", f);
            }
        }
    }
}
