package io.github.saestitch.activations;

import java.util.concurrent.BlockingQueue;

/**
 * Turns documents into fixed-length model batches, on its own thread, ahead of the model.
 *
 * <p>Windowing: a document's content tokens are cut into consecutive windows of
 * {@code contextLength - 2} tokens; each window is fed as {@code [CLS] tokens [SEP]}, padded with
 * {@code [PAD]} (attention mask 0) to {@code contextLength}, so every batch has the same sequence length and
 * a token's activation depends only on its own window. Windows never cross documents. Batches hold
 * {@code batchSize} consecutive windows of the global window sequence; each batch records the cursor of
 * its first window and of the next batch, which is what makes a resumed run form the same batches as an
 * uninterrupted one.
 *
 * <p>Stops after the windows that hold the first {@code budget} stored tokens (counted from the start
 * cursor), or at the end of the corpus; then puts an {@link End}.
 */
final class WindowBatcher implements Runnable {

    /** One model batch. */
    static final class Batch {
        final int rows;
        final long[] inputIds; // [rows, contextLength]
        final long[] mask; // [rows, contextLength]
        final int[] docIds; // [rows]
        final int[] docStart; // [rows] document position of each window's first content token
        final int[] lengths; // [rows] content tokens of each window
        final RowChunk.Cursor start;
        final RowChunk.Cursor end;
        final long storedTokens; // rows stored for this batch before any cut
        final long charsRead; // corpus characters tokenized so far (cumulative, for progress)

        Batch(
                int rows,
                long[] inputIds,
                long[] mask,
                int[] docIds,
                int[] docStart,
                int[] lengths,
                RowChunk.Cursor start,
                RowChunk.Cursor end,
                long storedTokens,
                long charsRead) {
            this.rows = rows;
            this.inputIds = inputIds;
            this.mask = mask;
            this.docIds = docIds;
            this.docStart = docStart;
            this.lengths = lengths;
            this.start = start;
            this.end = end;
            this.storedTokens = storedTokens;
            this.charsRead = charsRead;
        }
    }

    /** The end of the stream; {@code corpusExhausted} when it came from running out of documents. */
    record End(boolean corpusExhausted) {}

    /** A failure on the batcher thread, passed on to the model thread. */
    record Failure(Throwable error) {}

    private final Corpus corpus;
    private final int[] order;
    private final ModelTokenizer tokenizer;
    private final int contextLength;
    private final int batchSize;
    private final boolean specials;
    private final RowChunk.Cursor from;
    private final long budget;
    private final BlockingQueue<Object> out;

    WindowBatcher(
            Corpus corpus,
            int[] order,
            ModelTokenizer tokenizer,
            int contextLength,
            int batchSize,
            boolean specials,
            RowChunk.Cursor from,
            long budget,
            BlockingQueue<Object> out) {
        this.corpus = corpus;
        this.order = order;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.batchSize = batchSize;
        this.specials = specials;
        this.from = from;
        this.budget = budget;
        this.out = out;
    }

    @Override
    public void run() {
        try {
            out.put(produce());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            try {
                out.put(new Failure(t));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private End produce() throws InterruptedException {
        int w = contextLength - 2;
        int t = contextLength;
        Builder b = new Builder();
        long emitted = 0;
        long chars = 0;
        for (int oi = from.orderIndex(); oi < order.length; oi++) {
            Document doc = corpus.document(order[oi]);
            chars += doc.text().length();
            int[] ids = tokenizer.encode(doc.text());
            int windows = (ids.length + w - 1) / w;
            for (int win = oi == from.orderIndex() ? from.window() : 0; win < windows; win++) {
                if (b.rows == 0) {
                    b.start = new RowChunk.Cursor(oi, win);
                }
                int first = win * w;
                int len = Math.min(w, ids.length - first);
                int base = b.rows * t;
                b.inputIds[base] = tokenizer.clsId();
                for (int k = 0; k < len; k++) {
                    b.inputIds[base + 1 + k] = ids[first + k];
                }
                b.inputIds[base + 1 + len] = tokenizer.sepId();
                for (int k = len + 2; k < t; k++) {
                    b.inputIds[base + k] = tokenizer.padId();
                }
                for (int k = 0; k < t; k++) {
                    b.mask[base + k] = k < len + 2 ? 1 : 0;
                }
                b.docIds[b.rows] = doc.id();
                b.docStart[b.rows] = first;
                b.lengths[b.rows] = len;
                b.rows++;
                long stored = len + (specials ? 2 : 0);
                b.stored += stored;
                emitted += stored;
                boolean last = emitted >= budget;
                if (b.rows == batchSize || last) {
                    RowChunk.Cursor next =
                            win + 1 < windows ? new RowChunk.Cursor(oi, win + 1) : new RowChunk.Cursor(oi + 1, 0);
                    out.put(b.build(next, chars));
                    b = new Builder();
                    if (last) {
                        return new End(false);
                    }
                }
            }
        }
        if (b.rows > 0) {
            out.put(b.build(new RowChunk.Cursor(order.length, 0), chars));
        }
        return new End(true);
    }

    private final class Builder {
        final long[] inputIds = new long[batchSize * contextLength];
        final long[] mask = new long[batchSize * contextLength];
        final int[] docIds = new int[batchSize];
        final int[] docStart = new int[batchSize];
        final int[] lengths = new int[batchSize];
        int rows;
        long stored;
        RowChunk.Cursor start;

        Batch build(RowChunk.Cursor end, long chars) {
            return new Batch(rows, inputIds, mask, docIds, docStart, lengths, start, end, stored, chars);
        }
    }
}
