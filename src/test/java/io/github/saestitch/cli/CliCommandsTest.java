package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The info / convert / eval commands on SAE directories and activations written by numpy
 * ({@code scripts/make_fixtures.py}), and every bad input refused with exit code 2 and one message.
 */
class CliCommandsTest {
    /** eval --json must agree with numpy's float64 computation to this relative tolerance (issue #2). */
    static final double NUMPY_RELATIVE_TOLERANCE = 1e-5;

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/sae");
    static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> fixtures() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode f : JSON.readTree(FIXTURES.resolve("index.json").toFile())) {
            out.add(Arguments.of(
                    f.get("name").asText(),
                    f.get("directory").asText(),
                    f.get("format").asText(),
                    f.get("activations_file").asText(),
                    f.get("expected_file").asText()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void infoReportsDetectedFormat(String name, String dir, String format, String acts, String expected)
            throws IOException {
        CliRunner r = CliRunner.run("info", FIXTURES.resolve(dir).toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode info = JSON.readTree(r.out());
        JsonNode exp = JSON.readTree(FIXTURES.resolve(expected).toFile());
        assertThat(info.get("format").asText()).isEqualTo(format);
        assertThat(info.get("d_in").asInt()).isEqualTo(exp.get("d_in").asInt());
        assertThat(info.get("d_sae").asInt()).isEqualTo(exp.get("num_latents").asInt());
        assertThat(CliRunner.run("info", FIXTURES.resolve(dir).toString()).out())
                .contains(format, "d_sae");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void evalJsonAgreesWithNumpy(String name, String dir, String format, String acts, String expected)
            throws IOException {
        for (String kernels : List.of("scalar", "auto")) {
            CliRunner r = CliRunner.run(
                    "eval",
                    FIXTURES.resolve(dir).toString(),
                    "--acts",
                    FIXTURES.resolve(acts).toString(),
                    "--json",
                    "--kernels",
                    kernels);
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode got = JSON.readTree(r.out());
            JsonNode m = JSON.readTree(FIXTURES.resolve(expected).toFile()).get("metrics");
            assertThat(got.get("tokens").asLong()).isEqualTo(m.get("num_tokens").asLong());
            for (String key : List.of("mse", "fvu")) {
                double e = m.get(key).asDouble();
                assertThat(got.get(key).asDouble())
                        .as(name + " " + key + " with " + kernels)
                        .isCloseTo(e, within(NUMPY_RELATIVE_TOLERANCE * Math.abs(e)));
            }
            assertThat(got.get("l0").asDouble()).isCloseTo(m.get("l0").asDouble(), within(1e-9));
            assertThat(got.get("dead").asInt()).isEqualTo(m.get("dead").asInt());
        }
    }

    @Test
    void evalTokensLimitsTheSet() throws IOException {
        CliRunner r = CliRunner.run(
                "eval",
                FIXTURES.resolve("saelens_v6_relu").toString(),
                "--acts",
                FIXTURES.resolve("saelens_v6_relu.acts.npy").toString(),
                "--tokens",
                "10",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("tokens").asLong()).isEqualTo(10);
    }

    @Test
    void convertRoundTripsBitExactly(@TempDir Path tmp) throws IOException {
        Path src = FIXTURES.resolve("saelens_v6_topk");
        Path sparsify = tmp.resolve("as-sparsify");
        Path back = tmp.resolve("back");
        assertThat(CliRunner.run("convert", src.toString(), sparsify.toString(), "--to", "sparsify")
                        .exitCode())
                .isZero();
        assertThat(CliRunner.run("info", sparsify.toString(), "--json").out()).contains("\"sparsify\"");
        assertThat(CliRunner.run("convert", sparsify.toString(), back.toString())
                        .exitCode())
                .isZero();
        Sae a = SaeFormats.load(src).sae();
        Sae b = SaeFormats.load(back).sae();
        assertThat(b.wEnc().toArray()).isEqualTo(a.wEnc().toArray());
        assertThat(b.wDec().toArray()).isEqualTo(a.wDec().toArray());
        assertThat(b.bEnc()).isEqualTo(a.bEnc());
        assertThat(b.bDec()).isEqualTo(a.bDec());
        assertThat(b.activation()).isEqualTo(a.activation());
    }

    @Test
    void convertRefusesWhatTheTargetCannotHoldAndWritesNothing(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        CliRunner r = CliRunner.run(
                "convert", FIXTURES.resolve("saelens_v6_relu").toString(), out.toString(), "--to", "sparsify");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("error:");
        assertThat(out).doesNotExist();
        assertThat(tmp).isEmptyDirectory();
        CliRunner unknown = CliRunner.run(
                "convert", FIXTURES.resolve("saelens_v6_relu").toString(), out.toString(), "--to", "onnx");
        assertThat(unknown.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(unknown.err()).contains("saelens", "sparsify");
    }

    static Stream<Arguments> badDirectories() throws IOException {
        JsonNode errors =
                JSON.readTree(FIXTURES.resolve("bad/expected_errors.json").toFile());
        List<Arguments> out = new ArrayList<>();
        errors.fieldNames()
                .forEachRemaining(n -> out.add(Arguments.of(
                        n,
                        errors.get(n).get("message").asText(),
                        errors.get(n).get("file").asText())));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDirectories")
    void badSaeDirectoriesAreRefusedWithOneClearLine(String name, String message, String file, @TempDir Path tmp) {
        Path dir = FIXTURES.resolve("bad").resolve(name);
        for (String[] args : List.of(
                new String[] {"info", dir.toString()},
                new String[] {
                    "eval",
                    dir.toString(),
                    "--acts",
                    FIXTURES.resolve("saelens_v6_relu.acts.npy").toString()
                },
                new String[] {"convert", dir.toString(), tmp.resolve("out").toString()})) {
            CliRunner r = CliRunner.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
            assertThat(r.err()).contains("error:", message, file).doesNotContain("Exception", "\tat ");
            assertThat(r.err().strip().lines().count()).isEqualTo(1);
            assertThat(tmp.resolve("out")).doesNotExist();
        }
    }

    @Test
    void evalRefusesMismatchedNanAndMissingActivations(@TempDir Path tmp) throws IOException {
        String sae = FIXTURES.resolve("saelens_v6_relu").toString();
        Path wrongWidth = tmp.resolve("wrong.npy");
        Npy.write(wrongWidth, FloatMatrix.zeros(4, 7));
        CliRunner r = CliRunner.run("eval", sae, "--acts", wrongWidth.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("16", "7");

        FloatMatrix x = FloatMatrix.zeros(5, 16);
        x.set(3, 2, Float.NaN);
        Path nan = tmp.resolve("nan.npy");
        Npy.write(nan, x);
        r = CliRunner.run("eval", sae, "--acts", nan.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).containsIgnoringCase("nan").contains("3");

        Path empty = tmp.resolve("empty.npy");
        Npy.write(empty, FloatMatrix.zeros(0, 16));
        r = CliRunner.run("eval", sae, "--acts", empty.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("no tokens");

        r = CliRunner.run("eval", sae, "--acts", tmp.resolve("missing.npy").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("missing.npy");

        r = CliRunner.run("info", tmp.resolve("nope").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("nope");
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : List.of("info", "convert", "eval", "bench kernels")) {
            CliRunner r = CliRunner.run((cmd + " --help").split(" "));
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).contains("Usage: saestitch " + cmd, "Example");
        }
        assertThat(CliRunner.run("--help").out()).contains("info", "convert", "eval");
        assertThat(CliRunner.run("frobnicate").exitCode()).isEqualTo(2);
    }
}
