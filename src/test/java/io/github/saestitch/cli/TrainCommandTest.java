package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} and {@code train-family} through the CLI on a small .npy, and their refusals. */
class TrainCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path sparseData(Path dir, int tokens, int d, long seed) throws IOException {
        Random rnd = new Random(seed);
        float[][] dirs = new float[48][d];
        for (float[] v : dirs) {
            for (int c = 0; c < d; c++) {
                v[c] = (float) rnd.nextGaussian();
            }
        }
        FloatMatrix x = FloatMatrix.zeros(tokens, d);
        for (int t = 0; t < tokens; t++) {
            for (int a = 0; a < 3; a++) {
                float[] v = dirs[rnd.nextInt(dirs.length)];
                float m = 1 + rnd.nextFloat();
                for (int c = 0; c < d; c++) {
                    x.set(t, c, x.get(t, c) + m * v[c]);
                }
            }
        }
        Path p = dir.resolve("x.npy");
        Npy.write(p, x);
        return p;
    }

    @Test
    void trainWritesARunThatEvalReads(@TempDir Path tmp) throws IOException {
        Path x = sparseData(tmp, 3000, 16, 1);
        Path out = tmp.resolve("run");
        CliRunner r = CliRunner.run(
                "train",
                "--arch",
                "topk",
                "--k",
                "4",
                "--width",
                "32",
                "--acts",
                x.toString(),
                "--tokens",
                "30000",
                "--batch",
                "256",
                "--eval-tokens",
                "500",
                "--out",
                out.toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode res = JSON.readTree(r.out());
        assertThat(res.get("fvu").asDouble()).isBetween(0.0, 1.0);
        assertThat(out.resolve("sae/cfg.json")).exists();
        // A .npy names no model nor hook: the metadata is only the layout version, two empty names and the run.
        JsonNode meta = JSON.readTree(out.resolve("sae/cfg.json").toFile()).get("metadata");
        assertThat(fieldNames(meta))
                .containsExactly("sae_lens_version", "model_name", "hook_name", "saestitch_training");
        assertThat(meta.get("model_name").textValue()).isEmpty();
        assertThat(meta.get("hook_name").textValue()).isEmpty();
        assertThat(Files.readAllLines(out.resolve("train_log.csv")).get(0)).contains("step", "mse", "l0");
        // The convergence criterion, in the summary and in the JSON, judged on the held-out curve.
        JsonNode conv =
                JSON.readTree(out.resolve("train_summary.json").toFile()).get("convergence");
        assertThat(conv.get("criterion").asText()).contains("less than 1% over the last quarter");
        assertThat(conv.get("converged").isBoolean()).isTrue();
        assertThat(conv.get("from_tokens").asLong())
                .isEqualTo(Math.round(0.75 * conv.get("to_tokens").asLong()));
        assertThat(conv.get("relative_change").asDouble())
                .isEqualTo(
                        conv.get("mse_to").asDouble() / conv.get("mse_from").asDouble() - 1,
                        org.assertj.core.api.Assertions.within(1e-12));
        assertThat(res.get("converged").asBoolean())
                .isEqualTo(conv.get("converged").asBoolean());
        assertThat(r.err().contains("ended unconverged"))
                .isEqualTo(!conv.get("converged").asBoolean());
        r = CliRunner.run("eval", out.toString(), "--acts", x.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("num_latents").asInt()).isEqualTo(32);
    }

    /** A small relu run: width 16, 10 steps of 256, 300 held-out tokens. */
    static String[] smallRun(Path acts, Path out) {
        String common = "train --arch relu --width 16 --tokens 2560 --batch 256 --eval-tokens 300";
        List<String> args = new ArrayList<>(List.of(common.split(" ")));
        args.addAll(List.of("--acts", acts.toString(), "--out", out.toString()));
        return args.toArray(String[]::new);
    }

    @Test
    void resumeOnOtherActivationsExitsTwoSayingWhatDiffers(@TempDir Path tmp) throws IOException {
        Path x = sparseData(Files.createDirectories(tmp.resolve("a")), 1500, 8, 1);
        Path y = sparseData(Files.createDirectories(tmp.resolve("b")), 1500, 8, 2);
        Path out = tmp.resolve("run");
        String[] args = smallRun(x, out);
        CliRunner r = CliRunner.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> resumeOnY = new ArrayList<>(List.of(args));
        resumeOnY.set(resumeOnY.indexOf(x.toString()), y.toString());
        resumeOnY.add("--resume");
        r = CliRunner.run(resumeOnY.toArray(String[]::new));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip().lines())
                .singleElement()
                .asString()
                .contains("cannot resume", "first 1500 tokens of", y.toString(), "not the activations");
    }

    /** A bad value is named by its row in the file, as compare and eval name it (issue 16, item 9). */
    @Test
    void aNonFiniteValueIsNamedByItsRowInTheFile(@TempDir Path tmp) throws IOException {
        Path x = sparseData(tmp, 1500, 8, 1);
        FloatMatrix m;
        try (var set = io.github.saestitch.activations.ActivationSets.open(x)) {
            m = set.block(0, 1500).copy();
        }
        for (int row : new int[] {777, 1450}) { // in the training range; in the held-out tail (the last 300)
            FloatMatrix bad = m.copy();
            bad.set(row, 3, row == 777 ? Float.NaN : Float.POSITIVE_INFINITY);
            Path y = tmp.resolve("bad-" + row + ".npy");
            Npy.write(y, bad);
            CliRunner r = CliRunner.run(smallRun(y, tmp.resolve("run-" + row)));
            assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
            assertThat(r.err())
                    .contains(y.toString(), "token " + row + ", dim 3")
                    .doesNotContain("stream token");
        }
    }

    @Test
    void trainFamilyWritesMembersAndSummary(@TempDir Path tmp) throws IOException {
        Path x = sparseData(tmp, 3000, 16, 2);
        Path out = tmp.resolve("fam");
        CliRunner r = CliRunner.run(
                "train-family",
                "--widths",
                "16,32",
                "--acts",
                x.toString(),
                "--tokens",
                "20000",
                "--batch",
                "256",
                "--eval-tokens",
                "500",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("width", "16", "32", "mse Δ last quarter");
        assertThat(out.resolve("family_summary.csv")).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve("family_summary.csv")).get(0))
                .endsWith(",dir,converged,mse_change_last_quarter");
        // Each unconverged width warns at the end, a converged one does not.
        for (JsonNode m :
                JSON.readTree(out.resolve("family_summary.json").toFile()).get("members")) {
            boolean converged = m.get("convergence").get("converged").asBoolean();
            assertThat(r.err().contains("width " + m.get("width").asInt() + ": the run ended unconverged"))
                    .isEqualTo(!converged);
        }
        assertThat(CliRunner.run(
                                "compare",
                                "--small",
                                out.resolve("width-16").toString(),
                                "--large",
                                out.resolve("width-32").toString(),
                                "--acts",
                                x.toString(),
                                "--out",
                                tmp.resolve("cmp").toString())
                        .exitCode())
                .isZero();
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Trained on an activation store, {@code train} and {@code train-family} write the SAELens metadata the
     * store's manifest records (model, hook, window length, corpus, [CLS] first, [CLS]/[SEP] rows left out),
     * and a load → save of the SAE keeps it byte for byte.
     */
    @Test
    void trainingOnAStoreWritesItsModelAndHookIntoCfgJson(@TempDir Path tmp) throws IOException {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(80));
        Path store = tmp.resolve("store");
        CliRunner r = CliRunner.run(
                "activations",
                "--corpus",
                text.toString(),
                "--tokens",
                "900",
                "--context",
                "32",
                "--layer",
                "3",
                "--out",
                store.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode manifest = JSON.readTree(store.resolve("manifest.json").toFile());
        assertThat(manifest.get("special_tokens").booleanValue()).isFalse();

        Path run = tmp.resolve("run");
        r = CliRunner.run(
                "train",
                "--arch",
                "topk",
                "--k",
                "4",
                "--width",
                "16",
                "--acts",
                store.toString(),
                "--tokens",
                "2000",
                "--batch",
                "128",
                "--eval-tokens",
                "100",
                "--out",
                run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path fam = tmp.resolve("fam");
        r = CliRunner.run(
                "train-family",
                "--widths",
                "8,16",
                "--acts",
                store.toString(),
                "--tokens",
                "1000",
                "--batch",
                "128",
                "--eval-tokens",
                "100",
                "--out",
                fam.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();

        for (Path sae : List.of(run.resolve("sae"), fam.resolve("width-8/sae"), fam.resolve("width-16/sae"))) {
            JsonNode meta = JSON.readTree(sae.resolve("cfg.json").toFile()).get("metadata");
            assertThat(fieldNames(meta))
                    .as(sae.toString())
                    .containsExactly(
                            "sae_lens_version",
                            "model_name",
                            "hook_name",
                            "hook_head_index",
                            "prepend_bos",
                            "exclude_special_tokens",
                            "context_size",
                            "dataset_path",
                            "saestitch_training");
            assertThat(meta.get("model_name").textValue())
                    .isEqualTo(manifest.get("model").get("hf_name").textValue())
                    .isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
            assertThat(meta.get("hook_name").textValue())
                    .isEqualTo(manifest.get("hook_name").textValue())
                    .isEqualTo("blocks.3.hook_resid_post");
            assertThat(meta.get("hook_head_index").isNull()).isTrue();
            assertThat(meta.get("prepend_bos").booleanValue()).isTrue();
            assertThat(meta.get("exclude_special_tokens"))
                    .isEqualTo(JSON.createArrayNode()
                            .add(manifest.get("tokenizer").get("cls_id").intValue())
                            .add(manifest.get("tokenizer").get("sep_id").intValue()));
            assertThat(meta.get("context_size").intValue())
                    .isEqualTo(manifest.get("context_length").intValue())
                    .isEqualTo(32);
            assertThat(meta.get("dataset_path").textValue())
                    .isEqualTo(manifest.get("corpus").get("source").textValue());
        }

        // load → save keeps every field, in place and byte for byte.
        LoadedSae loaded = SaeFormats.load(run.resolve("sae"));
        assertThat(loaded.sae().metadata().hookName()).isEqualTo("blocks.3.hook_resid_post");
        assertThat(loaded.sae().metadata().modelName()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        Path saved = tmp.resolve("saved");
        SaeFormats.save(loaded.sae(), saved);
        assertThat(saved.resolve("cfg.json")).hasSameBinaryContentAs(run.resolve("sae/cfg.json"));
    }

    @Test
    void badHyperParametersAreRefused(@TempDir Path tmp) throws IOException {
        Path x = sparseData(tmp, 600, 8, 3);
        for (String[] extra :
                new String[][] {{"--arch", "gated"}, {"--tokens", "-5"}, {"--lr", "-1"}, {"--k", "0", "--arch", "topk"}
                }) {
            String[] full = new String[7 + extra.length];
            System.arraycopy(
                    new String[] {
                        "train",
                        "--width",
                        "8",
                        "--acts",
                        x.toString(),
                        "--out",
                        tmp.resolve("o").toString()
                    },
                    0,
                    full,
                    0,
                    7);
            System.arraycopy(extra, 0, full, 7, extra.length);
            CliRunner r = CliRunner.run(full);
            assertThat(r.exitCode()).as(String.join(" ", full) + "\n" + r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
            assertThat(r.err()).contains("error:");
        }
        assertThat(tmp.resolve("o")).doesNotExist();
    }
}
