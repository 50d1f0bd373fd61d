package io.github.saestitch.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.cli.Main;
import io.github.saestitch.io.NpyWriter;
import io.github.saestitch.io.SaeFormats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** A small synthetic pair of SAEs and an activation store on disk, and running the CLI in this JVM. */
final class TestData {
    final Path small;
    final Path large;
    final Path store;
    final Path small384; // a synthetic pair at d = 384, MiniLM's width, for the stores activations writes
    final Path large384;

    private TestData(Path small, Path large, Path store, Path small384, Path large384) {
        this.small = small;
        this.large = large;
        this.store = store;
        this.small384 = small384;
        this.large384 = large384;
    }

    /** S (48 latents), L (96) at d = 32 and a store of 30,000 tokens (15 pass blocks of compare, 8 blocks of eval), seeded. */
    static TestData write(Path dir) throws Exception {
        SyntheticPair p = SyntheticPair.generate(32, 48, 96, 30000, 4, 12);
        Path s = dir.resolve("small");
        Path l = dir.resolve("large");
        SaeFormats.save(p.small(), s);
        SaeFormats.save(p.large(), l);
        Path npy = dir.resolve("x.npy");
        try (NpyWriter w = NpyWriter.open(npy, 32)) {
            w.append(p.x());
            w.finish();
        }
        Path store = dir.resolve("store");
        assertThat(run("import-acts", "--npy", npy.toString(), "--out", store.toString()))
                .startsWith("0\n");
        SyntheticPair p384 = SyntheticPair.generate(384, 24, 48, 1, 4, 13);
        Path s384 = dir.resolve("small384");
        Path l384 = dir.resolve("large384");
        SaeFormats.save(p384.small(), s384);
        SaeFormats.save(p384.large(), l384);
        return new TestData(s, l, store, s384, l384);
    }

    /** Four short documents (a folder of .txt files, ~1,300 MiniLM tokens), as the core's activation tests use. */
    static Path corpus(Path dir) throws Exception {
        Files.createDirectories(dir);
        String[] texts = {
            "The quick brown fox jumps over the lazy dog. ",
            "A stitch in time saves nine. ",
            "Sparse autoencoders split a model's activations into features. ",
            "Spark runs the same task again when an executor dies. "
        };
        for (int i = 0; i < texts.length; i++) {
            Files.writeString(dir.resolve("doc" + i + ".txt"), texts[i].repeat(20 + 7 * i));
        }
        return dir;
    }

    /**
     * {@code activations} of {@code tokens} tokens of the corpus into {@code out}: MiniLM block 2, windows of 32
     * tokens, batches of 2 windows and shards of 64 tokens, so a few hundred tokens make several shards and
     * shard boundaries fall inside batches and windows.
     */
    static String[] activationsArgs(Path corpus, Path out, long tokens) {
        return new String[] {
            "activations",
            "--corpus",
            corpus.toString(),
            "--tokens",
            "" + tokens,
            "--context",
            "32",
            "--batch",
            "2",
            "--shard-tokens",
            "64",
            "--layer",
            "2",
            "--seed",
            "5",
            "--out",
            out.toString()
        };
    }

    /** Every file of a store (relative path → bytes), the manifest without its two times, no lock. */
    static Map<String, byte[]> store(Path dir) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(f).toString();
                if (rel.equals(".lock")) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(f);
                if (rel.equals("manifest.json")) {
                    bytes = new String(bytes, StandardCharsets.UTF_8)
                            .replaceAll("\"(created|updated)\"\\s*:\\s*\"[^\"]*\"", "")
                            .getBytes(StandardCharsets.UTF_8);
                }
                out.put(rel, bytes);
            }
        }
        return out;
    }

    /** Copies a directory tree (its lock file left behind). */
    static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path f : walk.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else if (!f.getFileName().toString().equals(".lock")) {
                    Files.copy(f, t);
                }
            }
        }
    }

    static void assertSameStore(Map<String, byte[]> reference, Map<String, byte[]> files) {
        assertThat(files.keySet()).isEqualTo(reference.keySet());
        for (String name : reference.keySet()) {
            assertThat(files.get(name)).as(name).isEqualTo(reference.get(name));
        }
    }

    /** {@code compare} of S and L on the store into {@code out} (no correlation: not distributed yet). */
    String[] compareArgs(Path out) {
        return new String[] {
            "compare",
            "--small",
            small.toString(),
            "--large",
            large.toString(),
            "--acts",
            store.toString(),
            "--no-correlation",
            "--kernels",
            "scalar",
            "--out",
            out.toString()
        };
    }

    /** {@code eval} of L on the store, as JSON. */
    String[] evalArgs() {
        return new String[] {"eval", large.toString(), "--acts", store.toString(), "--json", "--kernels", "scalar"};
    }

    /** {@code frankenstein} of the family (S, L) on the store into {@code out}, one Adam epoch. */
    String[] frankensteinArgs(Path out) {
        return new String[] {
            "frankenstein",
            "--acts",
            store.toString(),
            "--family",
            small.toString(),
            large.toString(),
            "--held-out",
            "8192",
            "--adam-epochs",
            "1",
            "--kernels",
            "scalar",
            "--json",
            "--out",
            out.toString()
        };
    }

    /**
     * Every file under a frankenstein output by relative path, as text; summary.json without its times
     * (the {@code timings} object, {@code *_seconds} and {@code ms_per_step}).
     */
    static Map<String, String> frankensteinFiles(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(f).toString();
                String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                if (name.equals("summary.json")) {
                    text = text.replaceAll("(?s)\"timings\"\\s*:\\s*\\{[^}]*\\}", "")
                            .replaceAll("\"[a-z_]*(_seconds|ms_per_step)\"\\s*:\\s*[0-9.eE+-]+", "");
                }
                out.put(name, text);
            }
        }
        return out;
    }

    /** Runs the CLI in this JVM: the exit code, a newline, then what it printed on stdout. */
    static synchronized String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            int rc = Main.commandLine().execute(args);
            out.flush();
            return rc + "\n" + bytes.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(old);
        }
    }

    /** Every file of a directory by name, as bytes. */
    static Map<String, byte[]> files(Path dir) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path f : list.toList()) {
                out.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }
}
