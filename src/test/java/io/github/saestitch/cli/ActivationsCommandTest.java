package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code saestitch activations} end to end on a small text, and its refusals. */
class ActivationsCommandTest {

    @Test
    void extractsAStoreFromTextAndContinuesIt(@TempDir Path tmp) throws IOException {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(40));
        Path store = tmp.resolve("store");
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
                store.toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode s = new ObjectMapper().readTree(r.out());
        assertThat(s.get("tokens").asLong()).isEqualTo(150);
        assertThat(s.get("hook_name").asText()).isEqualTo("blocks.2.hook_resid_post");
        assertThat(store.resolve("manifest.json")).exists();
        // Same command again: nothing new, nothing lost.
        r = CliRunner.run(
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
                store.toString(),
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("new_tokens").asLong())
                .isZero();
        // A different layer into the same store is refused, the store untouched.
        String manifest = Files.readString(store.resolve("manifest.json"));
        r = CliRunner.run(
                "activations",
                "--corpus",
                text.toString(),
                "--tokens",
                "150",
                "--context",
                "32",
                "--layer",
                "3",
                "--out",
                store.toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("error:");
        assertThat(Files.readString(store.resolve("manifest.json"))).isEqualTo(manifest);
    }

    @Test
    void unknownModelLayerAndCorpusAreRefusedWithTheValidChoices(@TempDir Path tmp) {
        CliRunner r = CliRunner.run(
                "activations", "--model", "gpt5", "--out", tmp.resolve("a").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("minilm-l6", "bge-small", "e5-small");
        r = CliRunner.run(
                "activations", "--layer", "9", "--out", tmp.resolve("b").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("0..5");
        r = CliRunner.run(
                "activations",
                "--corpus",
                tmp.resolve("none.txt").toString(),
                "--out",
                tmp.resolve("c").toString());
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("none.txt");
        assertThat(tmp).isEmptyDirectory();
    }
}
