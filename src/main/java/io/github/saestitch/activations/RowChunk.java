package io.github.saestitch.activations;

import java.nio.ByteBuffer;

/**
 * The rows one model batch contributes to the store, handed from the model thread to the writer thread.
 *
 * @param rows              number of token rows
 * @param acts              [rows, d] activations in the store's dtype, little-endian, position 0
 * @param tokenIds          [rows] token ids
 * @param docIds            [rows] document ids
 * @param docPos            [rows] position among the document's content tokens (-1 for special tokens)
 * @param ctxPos            [rows] position in the input window
 * @param norms             [rows] L2 norm of each activation row (of the float32 values)
 * @param batchStart        where the batch's first window is (document order index, window)
 * @param batchEnd          where the next batch starts
 * @param firstStored       index, among the batch's stored tokens, of this chunk's first row
 * @param batchStoredTokens stored tokens the whole batch has (before any cut at the token target)
 */
record RowChunk(
        int rows,
        ByteBuffer acts,
        int[] tokenIds,
        int[] docIds,
        int[] docPos,
        int[] ctxPos,
        double[] norms,
        Cursor batchStart,
        Cursor batchEnd,
        long firstStored,
        long batchStoredTokens) {

    /** A place in the document order: document {@code orderIndex} (index into the order), window {@code window}. */
    record Cursor(int orderIndex, int window) {}

    /** Where to resume once row {@code row} of this chunk is stored. */
    StoreManifest.Resume resumeAfter(int row) {
        long storedOfBatch = firstStored + row + 1;
        if (storedOfBatch >= batchStoredTokens) {
            return new StoreManifest.Resume(batchEnd.orderIndex(), batchEnd.window(), 0);
        }
        return new StoreManifest.Resume(batchStart.orderIndex(), batchStart.window(), storedOfBatch);
    }
}
