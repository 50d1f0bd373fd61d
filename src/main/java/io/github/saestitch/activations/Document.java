package io.github.saestitch.activations;

/**
 * One document of a corpus.
 *
 * @param id    index of the document in its corpus (stable across runs; stored per token as the doc id)
 * @param name  a human-readable name: the Brown file id ({@code ca01}), a relative file path, or
 *              {@code file.jsonl:LINE}
 * @param genre the Brown genre ({@code news}, {@code fiction}, ...), a text file's sub-folder, or empty
 * @param text  the plain text
 */
public record Document(int id, String name, String genre, String text) {}
