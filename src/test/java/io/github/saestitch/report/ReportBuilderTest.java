package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: example inputs in, a self-contained HTML report and standalone figures out. */
class ReportBuilderTest {
    /** The report of a 6144-latent pair must stay "a few MB" (issue); measured ~1.6 MB. */
    static final long MAX_HTML_BYTES_6144 = 3_000_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void buildsTheFullReportFromExampleInputs() throws Exception {
        Path pair = Examples.copy("example", tmp);
        Path family = Examples.copy("family", tmp);
        // Frankenstein and toy tables next to the family are picked up without being named.
        Files.copy(Examples.copy("frankenstein.csv", tmp), family.resolve("frankenstein.csv"));
        Files.copy(Examples.copy("toy_comparison.csv", tmp), family.resolve("toy_comparison.csv"));
        Path out = tmp.resolve("report");
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .title("Example <family>")
                        .pair(pair)
                        .family(family)
                        .png(true)
                        .build(),
                out);

        assertThat(r.html()).isEqualTo(out.resolve("index.html"));
        assertThat(r.sections())
                .containsExactly(
                        "overview",
                        "pair1",
                        "interpolation",
                        "family",
                        "training",
                        "frankenstein",
                        "toy",
                        "source",
                        "explorer",
                        "about");
        assertThat(r.figures())
                .extracting(ReportResult.FigureFile::id)
                .containsExactly(
                        "pair1-maxcos-vs-dmse",
                        "pair1-maxcos-histogram",
                        "pair1-cumulative-dmse",
                        "pair1-threshold-sweep",
                        "interpolation",
                        "family-summary",
                        "training-curves",
                        "frankenstein",
                        "toy-absorption");
        assertThat(r.notes()).isEmpty();
        String html = Files.readString(r.html());
        assertThat(r.htmlBytes()).isEqualTo(Files.size(r.html()));
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<title>Example &lt;family&gt;</title>");

        for (ReportResult.FigureFile f : r.figures()) {
            // the standalone file is well-formed SVG, and the same element is inline in the page
            String svg = Files.readString(f.svg());
            assertThat(ChartTest.parse(svg).getDocumentElement().getTagName()).isEqualTo("svg");
            assertThat(html).contains("id=\"fig-" + f.id() + "\"").contains("href=\"figures/" + f.id() + ".svg\"");
            String inline = svg.substring(svg.indexOf("<svg"));
            assertThat(html).contains(inline);
            BufferedImage png = ImageIO.read(f.png().toFile());
            assertThat(png.getWidth()).isGreaterThan(400);
        }
        try (Stream<Path> files = Files.list(out.resolve("figures"))) {
            assertThat(files.count()).isEqualTo(2L * r.figures().size());
        }
        assertWellFormedIsh(html);
        assertNoExternalRequests(html);

        JsonNode data = embeddedData(html);
        assertThat(data.get("format_version").asInt()).isEqualTo(1);
        JsonNode p = data.get("pairs").get(0);
        assertThat(p.get("label").asText()).isEqualTo("8 \u2192 16");
        assertThat(p.at("/latents/columns/latent")).hasSize(16);
        assertThat(p.at("/latents/columns/kind").asText()).hasSize(16).startsWith("nrrn");
        assertThat(p.at("/latents/columns/delta_mse/4").asDouble()).isEqualTo(-8.0E-4);
        assertThat(p.at("/groups/children/2")).hasSize(3);
        assertThat(p.at("/contexts/0/0/before").asText()).isEqualTo("the committee said it would </script><b>");
        assertThat(p.at("/contexts/6/0/spans/3/1").isNull()).isTrue();
        assertThat(html).contains("id=\"" + p.get("scatter_svg").asText() + "\"");
        // the explorer's hooks exist
        for (String id : List.of(
                "id=\"explorer\"",
                "id=\"ex-pair\"",
                "id=\"ex-latent\"",
                "id=\"ex-prev\"",
                "id=\"ex-next\"",
                "class=\"detail\"",
                "class=\"plot\"",
                "class=\"picks\"")) {
            assertThat(html).contains(id);
        }
        // the contingency table beside the source's, the joint-vs-sum labelling, units
        assertThat(html)
                .contains(
                        "source: GPT-2 768 \u2192 1536",
                        ">628 <",
                        ">29 <",
                        ">281 <",
                        ">598 <",
                        ">5 <span class=\"pct\">(83.3%)",
                        ">9 <span class=\"pct\">(90.0%)",
                        "87.5%",
                        "sum of the individual \u0394mse",
                        "interpolation curve");
        assertThat(html).contains(">60,321<");
        assertThat(html.substring(0, html.indexOf("<script")))
                .doesNotContain("NaN")
                .doesNotContain("Infinity");
    }

    @Test
    void aLargePairStaysSmallAndIsSampledOnlyWithAVisibleNote() throws Exception {
        Path pair = Examples.syntheticPair(tmp.resolve("big"), 768, 6144, 11);
        ReportResult full =
                ReportBuilder.build(ReportInputs.builder().pair(pair).build(), tmp.resolve("r1"));
        String html = Files.readString(full.html());
        assertThat(full.htmlBytes()).isLessThan(MAX_HTML_BYTES_6144);
        assertThat(html).doesNotContain("uniform random sample");
        // the few extreme Δmse are cut from the axis with a note, not allowed to flatten the plot
        assertThat(html).contains("drawn as triangles at the edge");
        JsonNode p = embeddedData(html).get("pairs").get(0);
        assertThat(p.at("/latents/included").asInt()).isEqualTo(6144);
        assertThat(p.at("/latents/sampled").asBoolean()).isFalse();
        String svg = Files.readString(tmp.resolve("r1/figures/pair1-maxcos-vs-dmse.svg"));
        assertThat(svg.split("<circle", -1).length - 1).isBetween(6144 - 10, 6144 + 3);

        ReportResult sampled = ReportBuilder.build(
                ReportInputs.builder()
                        .pair(pair)
                        .maxScatterPoints(1000)
                        .maxExplorerLatents(500)
                        .seed(5)
                        .build(),
                tmp.resolve("r2"));
        String h2 = Files.readString(sampled.html());
        assertThat(h2).contains("Showing 1,000 of 6,144 latents: a uniform random sample (seed 5)");
        assertThat(sampled.notes()).anyMatch(n -> n.contains("the explorer holds 500 of 6,144 latents"));
        JsonNode p2 = embeddedData(h2).get("pairs").get(0);
        assertThat(p2.at("/latents/columns/latent")).hasSize(500);
        assertThat(p2.at("/latents/sampled").asBoolean()).isTrue();
        // seeded: the same inputs give the same page
        ReportResult again = ReportBuilder.build(
                ReportInputs.builder()
                        .pair(pair)
                        .maxScatterPoints(1000)
                        .maxExplorerLatents(500)
                        .seed(5)
                        .build(),
                tmp.resolve("r3"));
        assertThat(Files.readString(again.html())).isEqualTo(h2);
    }

    @Test
    void aBadInputFailsBeforeAnythingIsWritten() throws Exception {
        Path pair = Examples.copy("example", tmp);
        Examples.edit(pair.resolve("latents.csv"), "latent,max_cos,", "latent,maxcos,");
        Path out = tmp.resolve("out");
        assertThatThrownBy(() ->
                        ReportBuilder.build(ReportInputs.builder().pair(pair).build(), out))
                .isInstanceOf(ReportInputException.class)
                .hasMessageContaining("latents.csv: missing column 'max_cos'");
        assertThat(out).doesNotExist();
        assertThatThrownBy(() -> ReportBuilder.build(
                        ReportInputs.builder()
                                .toyComparison(tmp.resolve("none.csv"))
                                .build(),
                        out))
                .hasMessageContaining("none.csv: file not found");
        assertThat(out).doesNotExist();
        assertThatThrownBy(() -> ReportInputs.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing to report");
    }

    @Test
    void absentSectionsAreLeftOutAndStaleFiguresRemoved() throws Exception {
        Path out = tmp.resolve("out");
        ReportBuilder.build(
                ReportInputs.builder().pair(Examples.copy("example", tmp)).build(), out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .toyComparison(Examples.copy("toy_comparison.csv", tmp))
                        .build(),
                out);
        assertThat(r.sections()).containsExactly("toy", "about");
        assertThat(r.figures()).extracting(ReportResult.FigureFile::id).containsExactly("toy-absorption");
        assertThat(r.figures().get(0).png()).isNull();
        try (Stream<Path> files = Files.list(out.resolve("figures"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("toy-absorption.svg");
        }
        assertThat(out.resolve("keep.txt")).hasContent("mine");
        String html = Files.readString(r.html());
        assertThat(html).doesNotContain("id=\"explorer\"").doesNotContain("id=\"pair1\"");
        assertWellFormedIsh(html);
        assertNoExternalRequests(html);
        assertThat(embeddedData(html).get("pairs")).isEmpty();
    }

    @Test
    void pairsOfTheSameWidthsAreToldApartAndTrainingLogsCanBeGivenAlone() throws Exception {
        Path a = Examples.copy("example", Files.createDirectories(tmp.resolve("a")));
        Path b = Examples.copy("example", Files.createDirectories(tmp.resolve("b")));
        Path b2 = Files.move(b, tmp.resolve("b").resolve("layer4"));
        Path log = Examples.copy("family", tmp).resolve("width-8/train_log.csv");
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .pair(a)
                        .pair(new PairInput(b2, null, Map.of()))
                        .trainingLog("single run", log)
                        .build(),
                tmp.resolve("out"));
        assertThat(r.sections())
                .containsExactly(
                        "overview", "pair1", "pair2", "interpolation", "training", "source", "explorer", "about");
        JsonNode pairs = embeddedData(Files.readString(r.html())).get("pairs");
        assertThat(pairs.get(0).get("label").asText()).isEqualTo("8 \u2192 16");
        assertThat(pairs.get(1).get("label").asText()).isEqualTo("8 \u2192 16 (layer4)");
        assertThat(pairs.get(1).get("contexts")).isEmpty();
    }

    @Test
    void theScriptIsValidJavaScript() throws Exception {
        assumeThat(onPath("node")).as("node on PATH").isTrue();
        Path js = tmp.resolve("report.js");
        Files.writeString(js, HtmlPage.resource("report.js"));
        Process p = new ProcessBuilder("node", "--check", js.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
    }

    // ---- helpers ----

    static JsonNode embeddedData(String html) throws IOException {
        Matcher m = Pattern.compile(
                        "<script type=\"application/json\" id=\"report-data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(html);
        assertThat(m.find()).as("embedded JSON block").isTrue();
        return JSON.readTree(m.group(1));
    }

    /** No way for the page to load anything: no URLs but the SVG namespace, no loaders, a CSP that forbids them. */
    static void assertNoExternalRequests(String html) {
        assertThat(html).contains("Content-Security-Policy\" content=\"default-src 'none';");
        String withoutNs =
                html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "").replace("'http://www.w3.org/2000/svg'", "");
        assertThat(withoutNs)
                .doesNotContainPattern("(?i)https?:")
                .doesNotContainPattern("(?i)\\ssrc\\s*=\\s*[\"']")
                .doesNotContainPattern("(?i)url\\((?!#)")
                .doesNotContain("fetch(")
                .doesNotContain("XMLHttpRequest")
                .doesNotContain("import(")
                .doesNotContain("<img")
                .doesNotContain("<iframe")
                .doesNotContain("@import");
        // href only to anchors, the figures directory or the empty data: icon
        Matcher m = Pattern.compile("href=\"([^\"]*)\"").matcher(html);
        while (m.find()) {
            assertThat(m.group(1)).matches("#.*|figures/[a-z0-9-]+\\.(svg|png)|data:,");
        }
        // exactly two script elements: the JSON data and the explorer; data cannot close them early
        assertThat(html.split("<script", -1).length - 1).isEqualTo(2);
        assertThat(html.split("</script>", -1).length - 1).isEqualTo(2);
    }

    /** Balanced structural tags, every inline SVG well-formed XML. */
    static void assertWellFormedIsh(String html) throws Exception {
        for (String tag : List.of(
                "section", "figure", "table", "div", "svg", "g", "ul", "p", "h2", "h3", "main", "header", "footer",
                "nav", "script", "style", "body", "html", "head")) {
            int open = count(html, "<" + tag + "[ >]");
            int close = count(html, "</" + tag + ">");
            assertThat(open).as("<%s> opened vs closed", tag).isEqualTo(close);
        }
        List<String> svgs = new ArrayList<>();
        Matcher m = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            svgs.add(m.group());
        }
        assertThat(svgs).isNotEmpty();
        for (String s : svgs) {
            ChartTest.parse(s);
        }
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
