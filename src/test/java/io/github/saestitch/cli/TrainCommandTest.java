package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.Npy;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(Files.readAllLines(out.resolve("train_log.csv")).get(0)).contains("step", "mse", "l0");
        r = CliRunner.run("eval", out.toString(), "--acts", x.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("num_latents").asInt()).isEqualTo(32);
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
        assertThat(r.out()).contains("width", "16", "32");
        assertThat(out.resolve("family_summary.csv")).isNotEmptyFile();
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
