package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compare → stitch → eval through the CLI on SAE directories and activations on disk: the mse that
 * {@code compare} predicts for "S + all novel latents" is what {@code eval} measures on the SAE that
 * {@code stitch --add novel} writes.
 */
class CompareStitchCommandTest {
    /** compare's prediction vs eval of the written SAE (both accumulate in double; float32 encoders). */
    static final double PREDICTION_RELATIVE_TOLERANCE = 1e-4;

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

    @Test
    void stitchedSaeReproducesThePredictedMse() throws IOException {
        Path out = tmp.resolve("cmp");
        CliRunner r = CliRunner.run(
                "compare",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode summary = JSON.readTree(r.out());
        assertThat(summary.get("contingency").has("novel_improves")).isTrue();
        for (String f : List.of("latents.csv", "groups.csv", "interpolation.csv", "summary.json")) {
            assertThat(out.resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readAllLines(out.resolve("latents.csv")).get(0))
                .startsWith("latent,max_cos,nearest,kind,delta_mse,freq");
        assertThat(Files.readAllLines(out.resolve("latents.csv"))).hasSize(96 + 1);

        Path hybrid = tmp.resolve("hybrid");
        r = CliRunner.run(
                "stitch",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--add",
                "novel",
                "--out",
                hybrid.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(CliRunner.run("info", hybrid.toString()).exitCode()).isZero();
        r = CliRunner.run("eval", hybrid.toString(), "--acts", acts.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode eval = JSON.readTree(r.out());
        JsonNode predicted = summary.get("novel_added");
        assertThat(eval.get("num_latents").asInt())
                .isEqualTo(predicted.get("num_latents").asInt());
        double mse = predicted.get("mse").asDouble();
        assertThat(eval.get("mse").asDouble()).isCloseTo(mse, within(PREDICTION_RELATIVE_TOLERANCE * mse));
        assertThat(eval.get("l0").asDouble()).isCloseTo(predicted.get("l0").asDouble(), within(1e-9));
    }

    @Test
    void topkSourcesGiveACompositeThatEvalAndInfoRead() throws IOException {
        SyntheticPair p = SyntheticPair.generate(24, 40, 96, 800, 6, 12);
        Sae s = new Sae(
                new Activation.TopK(5),
                true,
                p.small().wEnc(),
                p.small().bEnc(),
                p.small().wDec(),
                p.small().bDec(),
                null);
        Sae l = new Sae(
                new Activation.TopK(7),
                true,
                p.large().wEnc(),
                p.large().bEnc(),
                p.large().wDec(),
                p.large().bDec(),
                null);
        Path ts = tmp.resolve("topk-small");
        Path tl = tmp.resolve("topk-large");
        Path x = tmp.resolve("topk-acts.npy");
        SaeFormats.save(s, ts, SaeFormat.SPARSIFY, false);
        SaeFormats.save(l, tl);
        Npy.write(x, p.x());
        Path out = tmp.resolve("topk-cmp");
        CliRunner r = CliRunner.run(
                "compare",
                "--small",
                ts.toString(),
                "--large",
                tl.toString(),
                "--acts",
                x.toString(),
                "--out",
                out.toString(),
                "--json",
                "--no-correlation");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode predicted = JSON.readTree(r.out()).get("novel_added");
        Path hybrid = tmp.resolve("topk-hybrid");
        r = CliRunner.run("stitch", "--small", ts.toString(), "--large", tl.toString(), "--out", hybrid.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).containsIgnoringCase("composite");
        assertThat(CliRunner.run("info", hybrid.toString()).out()).contains("composite");
        // info --json keeps the keys a stitched composite had before the shared manifest, and the plan
        // is recorded beside the composite.
        JsonNode info =
                JSON.readTree(CliRunner.run("info", hybrid.toString(), "--json").out());
        assertThat(info.get("built_by").asText()).isEqualTo("stitch");
        assertThat(info.get("kept_small").asInt() + info.get("added_large").asInt())
                .isEqualTo(info.get("d_sae").asInt());
        assertThat(info.get("large_source").asText()).isEqualTo(tl.toString());
        // A composite missing one of its sources is refused by info as by eval (issue 16, item 9).
        try (var subs = Files.list(hybrid)) {
            for (Path sub : subs.filter(Files::isDirectory).toList()) {
                Path damaged = tmp.resolve("damaged-" + sub.getFileName());
                copyTree(hybrid, damaged);
                deleteTree(damaged.resolve(sub.getFileName()));
                for (String[] cmd : List.of(
                        new String[] {"info", damaged.toString()},
                        new String[] {"eval", damaged.toString(), "--acts", x.toString()})) {
                    CliRunner d = CliRunner.run(cmd);
                    assertThat(d.exitCode())
                            .as(cmd[0] + " without " + sub.getFileName() + ": " + d.out() + d.err())
                            .isEqualTo(Main.EXIT_BAD_INPUT);
                    assertThat(d.err().strip().lines())
                            .singleElement()
                            .asString()
                            .contains(damaged.toString());
                }
            }
        }
        assertThat(JSON.readTree(hybrid.resolve("stitch.json").toFile())
                        .get("threshold")
                        .asDouble())
                .isEqualTo(0.7);
        // An existing OUT is refused before any work, with nothing changed.
        r = CliRunner.run(
                "compare",
                "--small",
                ts.toString(),
                "--large",
                tl.toString(),
                "--acts",
                x.toString(),
                "--out",
                hybrid.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("already exists");
        r = CliRunner.run("eval", hybrid.toString(), "--acts", x.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        double mse = predicted.get("mse").asDouble();
        assertThat(JSON.readTree(r.out()).get("mse").asDouble())
                .isCloseTo(mse, within(PREDICTION_RELATIVE_TOLERANCE * mse));
    }

    @Test
    void badPairsAreRefusedAndNothingIsWritten() throws IOException {
        Path out = tmp.resolve("never");
        CliRunner r = CliRunner.run(
                "compare",
                "--small",
                large.toString(),
                "--large",
                small.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("swap");
        assertThat(out).doesNotExist();

        Path wrong = tmp.resolve("wrong.npy");
        Npy.write(wrong, FloatMatrix.zeros(10, 23));
        r = CliRunner.run(
                "compare",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--acts",
                wrong.toString(),
                "--out",
                out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("24", "23");
        assertThat(out).doesNotExist();

        r = CliRunner.run(
                "stitch",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--add",
                "5,5000",
                "--out",
                out.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(out).doesNotExist();

        r = CliRunner.run(
                "stitch", "--small", small.toString(), "--large", large.toString(), "--out", small.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("exists");
    }

    /**
     * A layer_norm SAE (docs/definitions.md#input-normalisation): eval and info read it; compare, stitch and
     * frankenstein refuse it with exit 2 naming its path, and write nothing.
     */
    @Test
    void layerNormSaesEvaluateButCompareStitchAndFrankensteinRefuseThem() throws IOException {
        Path ln = tmp.resolve("small_layer_norm");
        SaeFormats.save(SaeFormats.load(small).sae().withInputNorm(io.github.saestitch.sae.InputNorm.LAYER_NORM), ln);
        CliRunner e = CliRunner.run("eval", ln.toString(), "--acts", acts.toString(), "--json");
        assertThat(e.exitCode()).as(e.err()).isZero();
        CliRunner i = CliRunner.run("info", ln.toString(), "--json");
        assertThat(JSON.readTree(i.out()).get("normalize_activations").textValue())
                .isEqualTo("layer_norm");
        Path out = tmp.resolve("never_ln");
        String[][] commands = {
            {
                "compare",
                "--small",
                ln.toString(),
                "--large",
                large.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString()
            },
            {"stitch", "--small", ln.toString(), "--large", large.toString(), "--out", out.toString()},
            {
                "frankenstein",
                "--family",
                ln.toString(),
                large.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString()
            }
        };
        for (String[] c : commands) {
            CliRunner r = CliRunner.run(c);
            assertThat(r.exitCode()).as(c[0]).isEqualTo(Main.EXIT_BAD_INPUT);
            assertThat(r.err()).as(c[0]).contains(ln.toString(), "layer_norm", c[0]);
            assertThat(out).as(c[0]).doesNotExist();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
