package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code saestitch report} with every kind of input, and its refusals (exit code 2, nothing written). */
class ReportCommandTest {
    @TempDir
    Path tmp;

    @Test
    void buildsAReportWithMetaSaeAndNmfSections() throws Exception {
        Path out = tmp.resolve("report");
        CliRunner r = CliRunner.run(
                "report",
                "--pair",
                example("example").toString(),
                "--family",
                example("family").toString(),
                "--frankenstein",
                example("frankenstein.csv").toString(),
                "--meta-sae",
                example("meta-sae").toString(),
                "--nmf",
                example("nmf").toString(),
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("report: ").contains("index.html");
        String html = Files.readString(out.resolve("index.html"));
        assertThat(html)
                .contains(
                        "<section id=\"meta-sae\">",
                        "<section id=\"nmf\">",
                        "<section id=\"frankenstein\">",
                        "id=\"ex-search\"");
        // the example's contexts_small.jsonl: the 8-latent SAE's latents open in the explorer, labelled
        assertThat(html)
                .contains(
                        "href=\"#explore-s1-5\">S:5 <span class=\"lbl\">\u201cHowever\u201d</span></a>",
                        "\"small_latents\":{\"total\":8");
        assertThat(r.out()).doesNotContain("note:");
    }

    @Test
    void refusesBadOrMissingInputs() throws Exception {
        Path out = tmp.resolve("report");
        CliRunner none = CliRunner.run("report", "--out", out.toString());
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("nothing to report");
        CliRunner bad =
                CliRunner.run("report", "--meta-sae", tmp.resolve("missing").toString(), "--out", out.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("not a directory (expected the output directory of saestitch meta-sae)");
        assertThat(out).doesNotExist();
        CliRunner help = CliRunner.run("report", "--help");
        assertThat(help.out()).contains("--meta-sae=DIR", "--nmf=DIR", "#explore-PAIR-LATENT");
    }

    /** Copies a report example (test resources of the report package) into the temp dir. */
    private Path example(String name) throws IOException, URISyntaxException {
        Path src = Path.of(
                getClass().getResource("/io/github/saestitch/report/" + name).toURI());
        Path dst = tmp.resolve(name);
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.createDirectories(t.getParent());
                    Files.copy(p, t);
                }
            }
        }
        return dst;
    }
}
