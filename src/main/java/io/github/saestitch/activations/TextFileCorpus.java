package io.github.saestitch.activations;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The user's own plain text: one {@code .txt} file (one document) or a folder searched recursively for
 * {@code .txt} files, one document each, in order of their relative paths. A document's genre is its
 * sub-folder relative to the root (e.g. {@code news} for {@code root/news/a.txt}; empty at the top).
 * Files must be UTF-8.
 */
final class TextFileCorpus implements Corpus {
    private final Path root;
    private final List<Path> files;
    private final long bytes;

    private TextFileCorpus(Path root, List<Path> files, long bytes) {
        this.root = root;
        this.files = files;
        this.bytes = bytes;
    }

    static TextFileCorpus open(Path path) {
        Path root = path.toAbsolutePath().normalize();
        if (!Files.exists(root)) {
            throw new ActivationsException(root, "corpus not found");
        }
        List<Path> files;
        if (Files.isDirectory(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                files = walk.filter(Files::isRegularFile)
                        .filter(p -> p.getFileName()
                                .toString()
                                .toLowerCase(Locale.ROOT)
                                .endsWith(".txt"))
                        .sorted((a, b) -> root.relativize(a)
                                .toString()
                                .compareTo(root.relativize(b).toString()))
                        .toList();
            } catch (IOException e) {
                throw new ActivationsException(root, "cannot list the corpus folder", e);
            }
            if (files.isEmpty()) {
                throw new ActivationsException(root, "the folder holds no .txt files");
            }
        } else {
            files = List.of(root);
        }
        long total = 0;
        for (Path f : files) {
            try {
                total += Files.size(f);
            } catch (IOException e) {
                throw new ActivationsException(f, "cannot read the file size", e);
            }
        }
        if (total == 0) {
            throw new ActivationsException(root, "the corpus is empty (all .txt files have 0 bytes)");
        }
        return new TextFileCorpus(root, files, total);
    }

    @Override
    public String kind() {
        return "text";
    }

    @Override
    public String source() {
        return root.toString();
    }

    @Override
    public String fingerprint() {
        return "files=" + files.size() + ",bytes=" + bytes;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public Document document(int index) {
        Path f = files.get(index);
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(f)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ActivationsException(f, "not UTF-8 text", e);
        } catch (IOException e) {
            throw new ActivationsException(f, "cannot read the file", e);
        }
        DocumentInfo info = info(index);
        return new Document(index, info.name(), info.genre(), text);
    }

    @Override
    public DocumentInfo info(int index) {
        Path f = files.get(index);
        Path rel = Files.isDirectory(root) ? root.relativize(f) : f.getFileName();
        Path parent = rel.getParent();
        return new DocumentInfo(index, rel.toString(), parent == null ? "" : parent.toString());
    }

    @Override
    public long approxChars() {
        return bytes;
    }
}
