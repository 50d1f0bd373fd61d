package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --downstream} and {@code frankenstein --downstream} on a small MiniLM store. */
class DownstreamCommandTest {
    @TempDir
    static Path tmp;

    static Path store;
    static Path small;
    static Path large;

    @BeforeAll
    static void storeAndSaes() throws IOException {
        Path text = tmp.resolve("t.txt");
        Files.writeString(
                text,
                "The committee met in March and voted to replace the old bridge before the autumn rains. ".repeat(30));
        store = tmp.resolve("store");
        CliRunner r = CliRunner.run(
                "activations",
                "--corpus",
                text.toString(),
                "--tokens",
                "600",
                "--context",
                "32",
                "--layer",
                "3",
                "--out",
                store.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        small = tmp.resolve("w48");
        large = tmp.resolve("w96");
        for (Path out : List.of(small, large)) {
            r = CliRunner.run(
                    "train",
                    "--arch",
                    "relu",
                    "--width",
                    out.equals(small) ? "48" : "96",
                    "--acts",
                    store.toString(),
                    "--tokens",
                    "12800",
                    "--batch",
                    "64",
                    "--eval-tokens",
                    "128",
                    "--out",
                    out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
    }

    @Test
    void evalScoresAnSaeOnTheHeldOutDocuments() throws IOException {
        JsonNode d = evalDownstream();
        assertThat(d.get("embedding_recovered").asDouble()).isStrictlyBetween(0.0, 1.0);
        assertThat(d.get("cos_sae").asDouble())
                .isGreaterThan(d.get("cos_ablated").asDouble());
        // One document only: the held-out tail cannot be whole documents, so it is the last 128 tokens.
        assertThat(d.get("tokens").asLong()).isEqualTo(128);
        assertThat(d.get("held_out").asText()).contains("128 tokens");
        assertThat(d.get("store_max_abs_difference").asDouble()).isLessThan(1e-3);
        CliRunner r = CliRunner.run("eval", small.toString(), "--acts", store.toString(), "--downstream");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("embedding_recovered");
    }

    @Test
    void frankensteinTableGetsTheDownstreamColumn() throws IOException {
        Path out = tmp.resolve("frank");
        CliRunner r = CliRunner.run(
                "frankenstein",
                "--family",
                small.toString(),
                large.toString(),
                "--acts",
                store.toString(),
                "--held-out",
                "128",
                "--train-tokens",
                "400",
                "--refit",
                "exact",
                "--downstream",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> table = Files.readAllLines(out.resolve("frankenstein.csv"));
        assertThat(table.get(0)).contains("embedding_recovered");
        int col = List.of(table.get(0).split(",")).indexOf("embedding_recovered");
        for (String row : table.subList(1, table.size())) {
            double v = Double.parseDouble(row.split(",")[col]);
            assertThat(v).as(row).isBetween(-1.0, 1.0);
        }
        // The table's score of an original is what eval --downstream gives on the same tokens.
        double evalScore = evalDownstream().get("embedding_recovered").asDouble();
        double tableScore = Double.parseDouble(table.get(1).split(",")[col]);
        // (the table runs the original through the Frankenstein's model code: float rounding apart)
        assertThat(tableScore).isCloseTo(evalScore, org.assertj.core.api.Assertions.within(1e-6));
    }

    /** {@code eval --downstream --json} of the small SAE on the last 128 tokens: its {@code downstream} object. */
    private static JsonNode evalDownstream() throws IOException {
        CliRunner r = CliRunner.run(
                "eval",
                small.toString(),
                "--acts",
                store.toString(),
                "--downstream",
                "--downstream-tokens",
                "128",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out()).get("downstream");
    }

    @Test
    void refusesANpyFile() throws IOException {
        Path npy = tmp.resolve("x.npy");
        try (ActivationStore s = ActivationStore.open(store)) {
            Npy.write(npy, s.block(0, 10).copy());
        }
        CliRunner r = CliRunner.run("eval", small.toString(), "--acts", npy.toString(), "--downstream");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains(npy.toString()).contains("activation store");
    }
}
