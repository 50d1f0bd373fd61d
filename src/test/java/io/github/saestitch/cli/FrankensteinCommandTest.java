package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.io.Npy;
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
 * {@code frankenstein} through the CLI on SAE directories and an activation file on disk: the files and
 * their columns, the written SAEs reproduce their table rows under {@code eval}, and bad input is
 * refused with exit code 2 and nothing written.
 */
class FrankensteinCommandTest {
    /** eval of a written SAE vs the table (folded biases: float rounding only). */
    static final double TABLE_RELATIVE = 1e-4;

    static final ObjectMapper JSON = new ObjectMapper();
    static final int TOKENS = 1800;
    static final int HELD = 500;

    @TempDir
    static Path tmp;

    static Path small;
    static Path mid;
    static Path large;
    static Path acts;
    static Path tail;

    @BeforeAll
    static void writeFamily() throws IOException {
        SyntheticPair p = SyntheticPair.generate(24, 32, 96, TOKENS, 6, 31);
        SyntheticPair q = SyntheticPair.generate(24, 48, 96, TOKENS, 6, 31); // same ground truth, a middle width
        small = tmp.resolve("w32");
        mid = tmp.resolve("w48");
        large = tmp.resolve("w96");
        acts = tmp.resolve("acts.npy");
        tail = tmp.resolve("tail.npy");
        SaeFormats.save(p.small(), small);
        SaeFormats.save(q.small(), mid);
        SaeFormats.save(p.large(), large);
        Npy.write(acts, p.x());
        Npy.write(tail, p.x().rowSlice(TOKENS - HELD, TOKENS).copy());
    }

    private static CliRunner run(Path out, String... extra) {
        return runHeld(out, HELD, extra);
    }

    private static CliRunner runHeld(Path out, int held, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of(
                "frankenstein",
                "--family",
                large.toString(),
                small.toString(),
                mid.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--held-out",
                Integer.toString(held)));
        a.addAll(List.of(extra));
        return CliRunner.run(a.toArray(String[]::new));
    }

    @Test
    void writesTheTableTheSelectionsAndSaesThatEvalReproduces() throws IOException {
        Path out = tmp.resolve("frank");
        CliRunner r = run(out, "--json", "--adam-epochs", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("frankenstein: encode")
                .contains("greedy selection")
                .contains("cosine refit");
        JsonNode summary = JSON.readTree(r.out());
        assertThat(summary.get("format_version").asInt()).isEqualTo(1);
        assertThat(summary.get("inputs").get("train_tokens").asInt()).isEqualTo(TOKENS - HELD);
        assertThat(summary.get("inputs").get("family").get(0).get("width").asInt())
                .isEqualTo(32);

        List<String> table = Files.readAllLines(out.resolve("frankenstein.csv"));
        assertThat(table.get(0)).isEqualTo("format_version,series,num_latents,mse,fvu,l0,embedding_recovered,note");
        assertThat(table).anyMatch(l -> l.startsWith("1,original,96,"));
        for (String series : List.of(
                "original + refit",
                "cosine",
                "cosine + refit",
                "cosine + adam",
                "greedy",
                "greedy + refit",
                "greedy (equal l0)",
                "greedy (equal l0) + refit",
                "greedy + adam")) {
            assertThat(table).as(series).anyMatch(l -> l.startsWith("1," + series + ","));
        }
        List<String> latents = Files.readAllLines(out.resolve("latents_cosine.csv"));
        assertThat(latents.get(0))
                .isEqualTo("format_version,latent,source,source_width,source_latent,stage,max_cos,delta_mse");
        assertThat(latents.get(1)).isEqualTo("1,0,0,32,0,0,,");
        assertThat(Files.readAllLines(out.resolve("latents_greedy.csv")).get(33))
                .matches("1,32,[12],(48|96),\\d+,1,,-?[0-9.E-]+");

        // Each written SAE, run by 'eval' on the held-out tail, gives its row of the table.
        JsonNode saes = summary.get("saes");
        for (String dir : List.of("sae-cosine", "sae-cosine-refit", "sae-greedy", "sae-greedy-refit")) {
            assertThat(saes.get(dir).get("kind").asText()).isEqualTo("standard");
            r = CliRunner.run("eval", out.resolve(dir).toString(), "--acts", tail.toString(), "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            double mse = JSON.readTree(r.out()).get("mse").asDouble();
            double tableMse = saes.get(dir).get("table_mse").asDouble();
            assertThat(mse).as(dir).isCloseTo(tableMse, within(TABLE_RELATIVE * tableMse));
            int width = saes.get(dir).get("num_latents").asInt();
            String series = dir.replace("sae-", "").replace("-refit", " + refit");
            assertThat(table)
                    .as(dir)
                    .anyMatch(l -> l.startsWith("1," + series + "," + width + "," + Double.toString(tableMse) + ","));
        }
    }

    @Test
    void aTopkFamilyGivesCompositesThatEvalRuns() throws IOException {
        // The same weights with topk activations: a topk latent depends on its whole source SAE, so the
        // Frankenstein is a composite (composite.json + decoder + sources), and eval must run it.
        Path topSmall = tmp.resolve("top32");
        Path topLarge = tmp.resolve("top96");
        for (Path[] io : new Path[][] {{small, topSmall}, {large, topLarge}}) {
            Sae s = SaeFormats.load(io[0]).sae();
            SaeFormats.save(
                    new Sae(
                            new Activation.TopK(6),
                            s.applyBDecToInput(),
                            s.wEnc(),
                            s.bEnc(),
                            s.wDec(),
                            s.bDec(),
                            s.metadata()),
                    io[1]);
        }
        Path out = tmp.resolve("topk-frank");
        CliRunner r = CliRunner.run(
                "frankenstein",
                "--family",
                topSmall.toString(),
                topLarge.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--held-out",
                Integer.toString(HELD),
                "--select",
                "cosine",
                "--refit",
                "exact",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode saes = JSON.readTree(r.out()).get("saes");
        for (String dir : List.of("sae-cosine", "sae-cosine-refit")) {
            assertThat(saes.get(dir).get("kind").asText()).isEqualTo("composite");
            assertThat(out.resolve(dir).resolve("composite.json")).isRegularFile();
            r = CliRunner.run("eval", out.resolve(dir).toString(), "--acts", tail.toString(), "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            double mse = JSON.readTree(r.out()).get("mse").asDouble();
            double tableMse = saes.get(dir).get("table_mse").asDouble();
            assertThat(mse).as(dir).isCloseTo(tableMse, within(TABLE_RELATIVE * tableMse));
        }
        // A manifest pointing at a latent its source does not have is refused, naming the file.
        Path broken = tmp.resolve("broken");
        copyTree(out.resolve("sae-cosine"), broken);
        Path manifest = broken.resolve("composite.json");
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\\[\\s*0\\s*,\\s*0\\s*\\]", "[0, 999]"));
        r = CliRunner.run("eval", broken.toString(), "--acts", tail.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("composite.json").contains("999");
        // ... and so is one that lists a source latent twice (it would silently lose a latent's codes).
        String text = Files.readString(out.resolve("sae-cosine").resolve("composite.json"));
        Files.writeString(manifest, text.replaceFirst("\\[\\s*0\\s*,\\s*1\\s*\\]", "[0, 0]"));
        r = CliRunner.run("eval", broken.toString(), "--acts", tail.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("composite.json").contains("may appear once");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
    }

    @Test
    void warnsWhenAMemberHeldOutFewerTokensThanItIsEvaluatedOn() throws IOException {
        // A train run directory whose trainer held out only 100 tokens, evaluated on the last 500.
        Path run = tmp.resolve("run-w32");
        copyTree(small, run.resolve("sae"));
        Files.writeString(
                run.resolve("train_summary.json"), "{\"format_version\": 1, \"options\": {\"evalTokens\": 100}}");
        Path out = tmp.resolve("warned");
        CliRunner r = CliRunner.run(
                "frankenstein",
                "--family",
                run.resolve("sae").toString(),
                large.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--held-out",
                Integer.toString(HELD),
                "--select",
                "cosine",
                "--refit",
                "none");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: " + run.resolve("sae")).contains("use --held-out 100");
        r = CliRunner.run(
                "frankenstein",
                "--family",
                run.toString(),
                large.toString(),
                "--acts",
                acts.toString(),
                "--out",
                tmp.resolve("clean").toString(),
                "--held-out",
                "100",
                "--select",
                "cosine",
                "--refit",
                "none");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("warning");
    }

    @Test
    void selectAndRefitChooseTheSeries() throws IOException {
        Path out = tmp.resolve("cosine-only");
        CliRunner r = run(out, "--select", "cosine", "--refit", "exact", "--solver", "cg");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> table = Files.readAllLines(out.resolve("frankenstein.csv"));
        assertThat(table).noneMatch(l -> l.contains("greedy")).noneMatch(l -> l.contains("adam"));
        assertThat(out.resolve("latents_greedy.csv")).doesNotExist();
        assertThat(out.resolve("sae-cosine-refit/cfg.json")).isRegularFile();
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"solver\" : \"cg\"");
    }

    @Test
    void badInputIsRefusedAndNothingIsWritten() throws IOException {
        Path out = tmp.resolve("never");
        CliRunner r = CliRunner.run(
                "frankenstein",
                "--family",
                small.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--held-out",
                "100");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("at least two");

        Path narrow = tmp.resolve("d23");
        SyntheticPair other = SyntheticPair.generate(23, 8, 16, 10, 3, 1);
        SaeFormats.save(other.small(), narrow);
        r = CliRunner.run(
                "frankenstein",
                "--family",
                small.toString(),
                narrow.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--held-out",
                "100");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("d_in");

        r = runHeld(out, TOKENS); // nothing left to select and refit on
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("leaves none");

        FloatMatrix bad = FloatMatrix.zeros(700, 24);
        bad.set(3, 5, Float.NaN);
        Path nan = tmp.resolve("nan.npy");
        Npy.write(nan, bad);
        r = CliRunner.run(
                "frankenstein",
                "--family",
                small.toString(),
                large.toString(),
                "--acts",
                nan.toString(),
                "--out",
                out.toString(),
                "--held-out",
                "100");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("non-finite").contains("token 3");

        r = CliRunner.run(
                "frankenstein",
                "--family",
                small.toString(),
                large.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--select",
                "best");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(out).doesNotExist();

        // The same SAE twice without a ridge: duplicate latents make the refit's Gram singular, which is
        // the user's input (exit 2 with what to do), not an internal error.
        r = CliRunner.run(
                "frankenstein",
                "--family",
                small.toString(),
                small.toString(),
                "--acts",
                acts.toString(),
                "--out",
                out.toString(),
                "--held-out",
                Integer.toString(HELD),
                "--select",
                "greedy",
                "--refit",
                "exact",
                "--ridge",
                "0",
                "--width",
                "48");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("raise the ridge");
        assertThat(out).doesNotExist();

        Path exists = Files.createDirectories(tmp.resolve("exists"));
        r = run(exists);
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--overwrite");
    }

    @Test
    void helpTeaches() {
        CliRunner r = CliRunner.run("frankenstein", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--family").contains("greedy").contains("Example");
        Sae unused = new Sae(
                new Activation.Relu(),
                true,
                FloatMatrix.zeros(2, 1),
                new float[1],
                FloatMatrix.zeros(1, 2),
                new float[2],
                null);
        assertThat(unused.numLatents()).isEqualTo(1);
    }
}
