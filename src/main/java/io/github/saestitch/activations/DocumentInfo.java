package io.github.saestitch.activations;

/**
 * A document's identity without its text, as kept in a store's {@code documents.json}.
 *
 * @param id    index of the document in its corpus (the per-token doc id)
 * @param name  Brown file id, relative file path, or {@code file.jsonl:LINE}
 * @param genre Brown genre, sub-folder of a text file, or empty
 */
public record DocumentInfo(int id, String name, String genre) {}
