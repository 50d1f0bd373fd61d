package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code convert}'s refusals name the user's paths. */
class ConvertCommandTest {
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/sae");

    @Test
    void aReluSaeAsSparsifyIsRefusedNamingTheOutputTheUserGave(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("as-sparsify");
        CliRunner r = CliRunner.run(
                "convert", FIXTURES.resolve("saelens_v6_relu").toString(), out.toString(), "--to", "sparsify");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains(out + ": sparsify stores only TopK SAEs").doesNotContain(".tmp-");
        try (var left = Files.list(tmp)) {
            assertThat(left).isEmpty();
        }
    }
}
