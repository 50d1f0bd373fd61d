package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.decomp.DocumentPooling;
import io.github.saestitch.decomp.MetaSaeWriter;
import io.github.saestitch.decomp.NmfAnalysis;
import io.github.saestitch.decomp.NmfWriter;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.ReferenceSae;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.KernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code saestitch meta-sae} and {@code saestitch nmf} end to end on files, and their refusals. */
class DecompCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path small;
    static Path large;
    static Path acts;

    @BeforeAll
    static void writePair() throws IOException {
        SyntheticPair p = SyntheticPair.generate(24, 40, 96, 1500, 6, 11);
        small = tmp.resolve("small");
        large = tmp.resolve("large");
        acts = tmp.resolve("acts.npy");
        SaeFormats.save(p.small(), small);
        SaeFormats.save(p.large(), large);
        Npy.write(acts, p.x());
    }

    static List<String[]> csv(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .skip(1)
                .map(l -> l.split(",", -1))
                .toList();
    }

    @Test
    void metaSaeWritesItsFourOutputs() throws IOException {
        Path out = tmp.resolve("meta");
        CliRunner r = CliRunner.run(
                "meta-sae",
                "--sae",
                large.toString(),
                "--nearest",
                small.toString(),
                "--latents",
                "8",
                "--k",
                "2",
                "--epochs",
                "60",
                "--batch-size",
                "32",
                "--out",
                out.toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.get("format_version").asInt()).isEqualTo(1);
        assertThat(s.get("num_latents").asInt()).isEqualTo(96);
        assertThat(s.get("meta_latents").asInt()).isEqualTo(8);
        assertThat(s.get("k").asInt()).isEqualTo(2);
        assertThat(s.get("nearest_num_latents").asInt()).isEqualTo(40);
        assertThat(s.get("fvu").asDouble()).isBetween(0.0, 1.0);
        assertThat(JSON.readTree(out.resolve("summary.json").toFile())).isEqualTo(s);
        assertThat(SaeFormats.load(out.resolve(MetaSaeWriter.META_SAE_DIR))
                        .sae()
                        .activation())
                .isInstanceOf(Activation.BatchTopK.class);
        assertThat(CliRunner.run("info", out.resolve(MetaSaeWriter.META_SAE_DIR).toString())
                        .exitCode())
                .isZero();

        assertThat(Files.readAllLines(out.resolve(MetaSaeWriter.LATENT_META_FILE))
                        .get(0))
                .isEqualTo(MetaSaeWriter.LATENT_META_HEADER);
        Map<Integer, Integer> perLatent = new HashMap<>();
        Map<Integer, Integer> members = new HashMap<>();
        for (String[] row : csv(out.resolve(MetaSaeWriter.LATENT_META_FILE))) {
            assertThat(row[0]).isEqualTo("1");
            int latent = Integer.parseInt(row[1]);
            assertThat(Integer.parseInt(row[2])).isEqualTo(perLatent.getOrDefault(latent, 0)); // ranks 0, 1, ...
            perLatent.merge(latent, 1, Integer::sum);
            members.merge(Integer.parseInt(row[3]), 1, Integer::sum);
            assertThat(Double.parseDouble(row[4])).isPositive();
        }
        assertThat(perLatent.values()).allMatch(n -> n <= 2);
        assertThat(Files.readAllLines(out.resolve(MetaSaeWriter.META_LATENTS_FILE))
                        .get(0))
                .isEqualTo(MetaSaeWriter.META_LATENTS_HEADER);
        List<String[]> metas = csv(out.resolve(MetaSaeWriter.META_LATENTS_FILE));
        assertThat(metas).hasSize(8 * MetaSaeWriter.NEAREST);
        for (String[] row : metas) {
            int q = Integer.parseInt(row[1]);
            assertThat(Integer.parseInt(row[2])).isEqualTo(members.getOrDefault(q, 0));
            assertThat(Integer.parseInt(row[4])).isBetween(0, 39); // a latent of --nearest
            assertThat(Double.parseDouble(row[5])).isBetween(-1.0, 1.0 + 1e-6);
        }
    }

    @Test
    void metaSaeRefusesBadInputAndWritesNothing() throws IOException {
        Sae other = new Sae(
                new Activation.Relu(),
                true,
                FloatMatrix.zeros(7, 5),
                new float[5],
                FloatMatrix.zeros(5, 7),
                new float[7],
                null);
        Path otherDir = tmp.resolve("other-d");
        SaeFormats.save(other, otherDir);
        Path out = tmp.resolve("meta-bad");
        CliRunner r = CliRunner.run(
                "meta-sae", "--sae", large.toString(), "--nearest", otherDir.toString(), "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("d_in 7");
        r = CliRunner.run("meta-sae", "--sae", large.toString(), "--k", "0", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        r = CliRunner.run("meta-sae", "--sae", otherDir.toString(), "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("zero");
        r = CliRunner.run("meta-sae", "--sae", tmp.resolve("nothing").toString(), "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(out).doesNotExist();
        Files.createDirectories(out);
        r = CliRunner.run("meta-sae", "--sae", large.toString(), "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--overwrite");
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void nmfOnNpyWritesFactorsAndTokenIndexContexts() throws IOException {
        Path out = tmp.resolve("nmf");
        CliRunner r = CliRunner.run(
                "nmf",
                "--sae",
                large.toString(),
                "--acts",
                acts.toString(),
                "--factors",
                "3",
                "--tokens",
                "1000",
                "--iterations",
                "50",
                "--out",
                out.toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.get("format_version").asInt()).isEqualTo(1);
        assertThat(s.get("tokens").asInt()).isEqualTo(1000);
        assertThat(s.get("factors").asInt()).isEqualTo(3);
        assertThat(s.get("num_latents").asInt()).isEqualTo(96);
        assertThat(s.has("genre_mix")).isFalse();
        JsonNode errs = s.get("errors");
        assertThat(errs.size()).isEqualTo(s.get("iterations").asInt() + 1);
        for (int i = 1; i < errs.size(); i++) {
            assertThat(errs.get(i).asDouble())
                    .isLessThanOrEqualTo(errs.get(i - 1).asDouble() * (1 + 1e-12));
        }
        assertThat(s.get("relative_error").asDouble())
                .isEqualTo(errs.get(errs.size() - 1).asDouble())
                .isLessThan(1.0);

        assertThat(Files.readAllLines(out.resolve(NmfWriter.FACTORS_FILE)).get(0))
                .isEqualTo(NmfWriter.FACTORS_HEADER);
        List<String[]> factors = csv(out.resolve(NmfWriter.FACTORS_FILE));
        assertThat(factors).isNotEmpty().hasSizeLessThanOrEqualTo(3 * NmfWriter.TOP_LATENTS);
        for (String[] row : factors) {
            assertThat(row[0]).isEqualTo("1");
            assertThat(Double.parseDouble(row[4])).isBetween(0.0, 1.0 + 1e-12); // unit-norm H rows
        }
        assertThat(Files.readAllLines(out.resolve(NmfWriter.LATENT_FACTOR_FILE)).get(0))
                .isEqualTo(NmfWriter.LATENT_FACTOR_HEADER);
        List<String[]> lf = csv(out.resolve(NmfWriter.LATENT_FACTOR_FILE));
        assertThat(lf.size()).isEqualTo(s.get("fired_latents").asInt());
        for (String[] row : lf) {
            if (!row[4].isEmpty()) {
                assertThat(Double.parseDouble(row[4])).isBetween(1.0 / 3 - 1e-12, 1.0);
            }
        }
        Map<Integer, List<LatentContext>> ctx = LatentContexts.read(out.resolve(NmfWriter.CONTEXTS_FILE));
        assertThat(ctx.keySet()).isSubsetOf(0, 1, 2).isNotEmpty();
        for (List<LatentContext> list : ctx.values()) {
            assertThat(list).hasSizeLessThanOrEqualTo(NmfAnalysis.TOP_TOKENS);
            for (LatentContext c : list) {
                assertThat(c.token()).startsWith("#");
                assertThat(c.source()).startsWith("token ");
                assertThat(Integer.parseInt(c.token().substring(1))).isBetween(0, 999);
            }
        }
    }

    @Test
    void nmfRefusesBadInputAndWritesNothing() throws IOException {
        Path out = tmp.resolve("nmf-bad");
        CliRunner r = CliRunner.run(
                "nmf", "--sae", large.toString(), "--acts", acts.toString(), "--factors", "0", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("factors");
        r = CliRunner.run(
                "nmf",
                "--sae",
                large.toString(),
                "--acts",
                acts.toString(),
                "--factors",
                "2",
                "--algorithm",
                "svd",
                "--out",
                out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("hals or mu");
        r = CliRunner.run(
                "nmf",
                "--sae",
                large.toString(),
                "--acts",
                acts.toString(),
                "--factors",
                "30000",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--factors 30000 exceeds");
        Path wide = tmp.resolve("wide.npy");
        Npy.write(wide, FloatMatrix.zeros(10, 25));
        r = CliRunner.run(
                "nmf", "--sae", large.toString(), "--acts", wide.toString(), "--factors", "2", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("d_in 24");
        // An SAE that never fires on these activations: nothing to factorise.
        Sae silent = new Sae(
                new Activation.Relu(),
                true,
                FloatMatrix.zeros(24, 4),
                new float[] {-1, -1, -1, -1},
                FloatMatrix.zeros(4, 24),
                new float[24],
                null);
        Path silentDir = tmp.resolve("silent");
        SaeFormats.save(silent, silentDir);
        r = CliRunner.run(
                "nmf",
                "--sae",
                silentDir.toString(),
                "--acts",
                acts.toString(),
                "--factors",
                "2",
                "--out",
                out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("no latent");
        assertThat(out).doesNotExist();
    }

    @Test
    void nmfOnAStoreHasTextContextsAndAGenreMix(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("t.txt");
        Files.writeString(
                text, "The quick brown fox jumps over the lazy dog. A cat sat on the mat and slept. ".repeat(20));
        Path store = dir.resolve("store");
        CliRunner r = CliRunner.run(
                "activations",
                "--corpus",
                text.toString(),
                "--tokens",
                "150",
                "--context",
                "32",
                "--layer",
                "2",
                "--out",
                store.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        // A random relu SAE of width 30 on d = 384: half of its latents fire on a typical token.
        SplittableRandom rng = new SplittableRandom(5);
        FloatMatrix enc = FloatMatrix.zeros(384, 30);
        for (int i = 0; i < 384; i++) {
            for (int j = 0; j < 30; j++) {
                enc.set(i, j, (float) rng.nextGaussian());
            }
        }
        Path sae = dir.resolve("sae");
        SaeFormats.save(
                new Sae(new Activation.Relu(), false, enc, new float[30], enc.transpose(), new float[384], null), sae);
        Path out = dir.resolve("nmf");
        r = CliRunner.run(
                "nmf", "--sae", sae.toString(), "--acts", store.toString(), "--factors", "2", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("genres", "factor 1");
        JsonNode s = JSON.readTree(out.resolve(NmfWriter.SUMMARY_FILE).toFile());
        assertThat(s.get("tokens").asInt()).isEqualTo(150);
        assertThat(s.get("genre_mix").get("factors")).hasSize(2);
        Map<Integer, List<LatentContext>> ctx = LatentContexts.read(out.resolve(NmfWriter.CONTEXTS_FILE));
        LatentContext c = ctx.get(0).get(0);
        assertThat(c.before() + c.token() + c.after()).isNotBlank();
        assertThat(c.token()).doesNotStartWith("#");
        assertThat(c.source()).contains("token ");
        assertThat(s.get("pool").asText()).isEqualTo("token");
        assertThat(out.resolve(NmfWriter.DOCUMENTS_FILE)).doesNotExist();
        assertThat(s.get("genre_mix").get("factors").get(0).has("lift")).isTrue();
    }

    /** Relative tolerance of pooled float values vs the double reference (float storage, different order). */
    static final double POOL_TOLERANCE = 1e-5;

    @Test
    void nmfPooledPerDocumentMatchesAReferenceAndListsTopDocuments(@TempDir Path dir) throws Exception {
        // Six documents in three genres (sub-folders), with [CLS]/[SEP] rows stored: those must not be pooled.
        String[][] texts = {
            {
                "news",
                "The senator said on Tuesday that the budget vote will be delayed until the committee meets again. "
            },
            {"news", "Police reported that the mayor and the council met downtown on Friday to discuss the new tax. "},
            {"hobbies", "Cut the board to length, sand the edges, and glue the two pieces together before you paint. "},
            {"hobbies", "Plant the seeds an inch deep, water them every morning, and keep the tray in a sunny window. "
            },
            {"religion", "The faithful pray that grace and mercy will lead the soul to salvation and eternal peace. "},
            {"religion", "In the gospel the apostle teaches that love and faith are the gifts of the holy spirit. "}
        };
        Path corpus = dir.resolve("corpus");
        for (int i = 0; i < texts.length; i++) {
            Path f = corpus.resolve(texts[i][0]).resolve("d" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, texts[i][1].repeat(3));
        }
        Path store = dir.resolve("store");
        CliRunner r = CliRunner.run(
                "activations",
                "--corpus",
                corpus.toString(),
                "--tokens",
                "100000",
                "--context",
                "48",
                "--layer",
                "2",
                "--special-tokens",
                "--out",
                store.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        SplittableRandom rng = new SplittableRandom(9);
        int latents = 23;
        FloatMatrix enc = FloatMatrix.zeros(384, latents);
        float[] bEnc = new float[latents];
        for (int j = 0; j < latents; j++) {
            for (int i = 0; i < 384; i++) {
                enc.set(i, j, (float) (rng.nextGaussian() / 8));
            }
            bEnc[j] = (float) (rng.nextGaussian() / 4);
        }
        Sae s = new Sae(new Activation.Relu(), true, enc, bEnc, enc.transpose(), new float[384], null);
        Path saeDir = dir.resolve("sae");
        SaeFormats.save(s, saeDir);

        // The pooled matrix vs a direct reference: ReferenceSae's dense double codes, averaged per document.
        try (ActivationStore st = ActivationStore.open(store)) {
            for (DocumentPooling.Statistic stat : DocumentPooling.Statistic.values()) {
                DocumentPooling.Pooled p = DocumentPooling.encode(
                        s, KernelsProvider.byName("scalar"), st, 0, stat, DocumentPooling.Weighting.NONE, null);
                Map<Integer, double[]> sums = new java.util.LinkedHashMap<>();
                Map<Integer, Integer> counts = new HashMap<>();
                double[][] codes = ReferenceSae.encode(s, st.block(0, (int) st.numTokens()));
                long specials = 0;
                for (int t = 0; t < st.numTokens(); t++) {
                    if (st.docPosition(t) < 0) {
                        specials++;
                        continue;
                    }
                    double[] sum = sums.computeIfAbsent(st.docId(t), d -> new double[latents]);
                    for (int j = 0; j < latents; j++) {
                        sum[j] += codes[t][j];
                    }
                    counts.merge(st.docId(t), 1, Integer::sum);
                }
                assertThat(specials).as("[CLS]/[SEP] rows are stored").isPositive();
                assertThat(p.skippedTokens()).isEqualTo(specials);
                assertThat(p.documents())
                        .containsExactly(sums.keySet().stream()
                                .mapToInt(Integer::intValue)
                                .toArray());
                FloatMatrix got = p.matrix().toDense();
                for (int row = 0; row < p.documents().length; row++) {
                    double[] want = sums.get(p.documents()[row]);
                    int c = counts.get(p.documents()[row]);
                    for (int j = 0; j < latents; j++) {
                        double w = stat == DocumentPooling.Statistic.MEAN ? want[j] / c : want[j];
                        assertThat((double) got.get(row, j))
                                .isCloseTo(w, within(POOL_TOLERANCE * Math.max(1, Math.abs(w))));
                    }
                }
            }
        }

        Path out = dir.resolve("nmf-doc");
        r = CliRunner.run(
                "nmf",
                "--sae",
                saeDir.toString(),
                "--acts",
                store.toString(),
                "--factors",
                "3",
                "--pool",
                "document",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("6 documents", "top documents", "purity");
        JsonNode sum = JSON.readTree(out.resolve(NmfWriter.SUMMARY_FILE).toFile());
        assertThat(sum.get("pool").asText()).isEqualTo("document");
        assertThat(sum.get("documents").asInt()).isEqualTo(6);
        assertThat(sum.get("document_statistic").asText()).isEqualTo("mean");
        assertThat(sum.get("genre_mix").get("document_share").get("news").asDouble())
                .isCloseTo(1 / 3.0, within(1e-12));
        assertThat(sum.get("genre_mix").get("assignment").get("nmi").asDouble()).isBetween(0.0, 1.0 + 1e-12);
        for (JsonNode f : sum.get("genre_mix").get("factors")) {
            assertThat(f.get("lift").asDouble())
                    .isCloseTo(f.get("purity").asDouble() / f.get("base_share").asDouble(), within(1e-12));
        }
        assertThat(Files.readAllLines(out.resolve(NmfWriter.DOCUMENTS_FILE)).get(0))
                .isEqualTo(NmfWriter.DOCUMENTS_HEADER);
        List<String[]> rows = csv(out.resolve(NmfWriter.DOCUMENTS_FILE));
        assertThat(rows).isNotEmpty();
        for (String[] row : rows) {
            assertThat(row).hasSize(7);
            assertThat(row[0]).isEqualTo("1");
            assertThat(row[4]).matches(row[5] + "/d\\d\\.txt"); // name is the file's relative path, genre its folder
            assertThat(Double.parseDouble(row[6])).isPositive();
        }
        Map<Integer, List<LatentContext>> ctx = LatentContexts.read(out.resolve(NmfWriter.CONTEXTS_FILE));
        assertThat(ctx).isNotEmpty();
        for (List<LatentContext> list : ctx.values()) {
            for (LatentContext c : list) {
                assertThat(c.source()).matches("\\w+/d\\d\\.txt \\((news|hobbies|religion)\\)");
                assertThat(c.token()).doesNotStartWith("#");
                assertThat(c.before() + c.token() + c.after()).isNotBlank();
            }
        }
        assertThat(Files.readAllLines(out.resolve(NmfWriter.FACTORS_FILE)).get(0))
                .isEqualTo(NmfWriter.FACTORS_HEADER);

        // Refusals, exit 2 and nothing written: a .npy, a store without a document table, bad option values.
        Path bad = dir.resolve("bad");
        r = CliRunner.run(
                "nmf",
                "--sae",
                large.toString(),
                "--acts",
                acts.toString(),
                "--factors",
                "2",
                "--pool",
                "document",
                "--out",
                bad.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("store directory");
        Path noDocs = dir.resolve("store-no-docs");
        copyTree(store, noDocs);
        Files.delete(noDocs.resolve("documents.json"));
        r = CliRunner.run(
                "nmf",
                "--sae",
                saeDir.toString(),
                "--acts",
                noDocs.toString(),
                "--factors",
                "2",
                "--pool",
                "document",
                "--out",
                bad.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("document table");
        r = CliRunner.run(
                "nmf",
                "--sae",
                saeDir.toString(),
                "--acts",
                store.toString(),
                "--factors",
                "2",
                "--pool",
                "sentence",
                "--out",
                bad.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        r = CliRunner.run(
                "nmf",
                "--sae",
                saeDir.toString(),
                "--acts",
                store.toString(),
                "--factors",
                "2",
                "--doc-weighting",
                "idf",
                "--out",
                bad.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--pool document only");
        r = CliRunner.run(
                "nmf",
                "--sae",
                saeDir.toString(),
                "--acts",
                store.toString(),
                "--factors",
                "7",
                "--pool",
                "document",
                "--out",
                bad.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("6 documents");
        assertThat(bad).doesNotExist();
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
    }
}
