package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: builds a report from the example inputs (two chained pairs with
 * contexts, a family, Frankenstein and toy tables, a meta-SAE and an NMF), then runs
 * {@code node browser-test/check-report.mjs} on it, which loads it in Debian's headless Chromium
 * (through playwright-core, never a downloaded browser), clicks through the explorer and saves a
 * full-page screenshot to {@value #OUT_DIR}{@code /report.png}.
 *
 * <p>Fails on any console error or warning, page error or network request; on a figure that is missing
 * or not rendered (each of the report's figures must be in the page, drawn, with a nonzero size); on
 * an explorer interaction that does not do what the data says (pick a pair, type a latent, next, a deep
 * link {@code #explore-PAIR-LATENT} both in the open page and on a fresh load, a click on the scatter,
 * a child across widths, meta-latents, NMF factor, a token search and a click on its hit, a latent of
 * the smallest SAE opened from a meta-SAE example and from a parent link, with its contexts); on a latent
 * label (top context token) that differs from the data; and on a blank screenshot (too few distinct
 * colours, overall and in the first screenful).
 *
 * <p>Needs {@code /usr/bin/chromium} (or {@code $SAESTITCH_CHROMIUM}), node ≥ 20 and
 * {@code browser-test/node_modules} — {@code ./run-tests} installs them via
 * {@code scripts/browser-deps.sh}. It never skips silently: without them it fails saying how to get
 * them, unless {@code SAESTITCH_SKIP_BROWSER=1} is set.
 */
class BrowserReportTest {
    static final String OUT_DIR = "target/browser-test";
    /**
     * A blank page has one colour; the example report's first screenful has hundreds (anti-aliased
     * text, the overview table): measured about 1,050 (whole page about 3,500). A blank or text-less render falls
     * far below these.
     */
    static final int MIN_COLOURS_PAGE = 200;

    static final int MIN_COLOURS_FIRST_SCREEN = 50;
    /** Load of the example report: measured ~60 ms; the 7 MB demo report ~430 ms. Generous for a busy CI machine. */
    static final long MAX_LOAD_MS = 10_000;
    /** The whole node run (browser start, load, ~20 interactions, screenshot): measured 3 to 7 s on 2 busy cores. */
    static final long TIMEOUT_S = 120;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theReportWorksInARealBrowser() throws Exception {
        if ("1".equals(System.getenv("SAESTITCH_SKIP_BROWSER"))) {
            Assumptions.abort("SAESTITCH_SKIP_BROWSER=1: the browser test is skipped");
        }
        Path root = Path.of("").toAbsolutePath();
        Path script = root.resolve("browser-test/check-report.mjs");
        String chromium = System.getenv().getOrDefault("SAESTITCH_CHROMIUM", "/usr/bin/chromium");
        String howTo = " Run ./run-tests (it installs them through scripts/browser-deps.sh), or run "
                + "scripts/browser-deps.sh, or set SAESTITCH_SKIP_BROWSER=1 to skip this test.";
        if (!Files.isRegularFile(script)) {
            fail("no " + script + " (run the tests from the project directory)");
        }
        if (!Files.isExecutable(Path.of(chromium))) {
            fail("the browser test needs Debian's Chromium at " + chromium + " (apt-get install chromium)." + howTo);
        }
        if (!onPath("node")) {
            fail("the browser test needs node (Node.js 20 or newer) on the PATH." + howTo);
        }
        if (!Files.isRegularFile(root.resolve("browser-test/node_modules/playwright-core/package.json"))) {
            fail("the browser test needs playwright-core in browser-test/node_modules (npm ci in browser-test/)."
                    + howTo);
        }

        Path out = root.resolve(OUT_DIR);
        Files.createDirectories(out);
        ReportResult r = ReportBuilder.build(fullInputs(tmp), out.resolve("report"));
        Path shot = out.resolve("report.png");
        Files.deleteIfExists(shot);

        Path stderr = tmp.resolve("node.stderr");
        ProcessBuilder pb = new ProcessBuilder(
                        "node", script.toString(), r.html().toString(), shot.toString())
                .directory(root.toFile())
                .redirectError(stderr.toFile());
        pb.environment().put("SAESTITCH_CHROMIUM", chromium);
        Process p = pb.start();
        byte[] stdout = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("check-report.mjs did not finish in " + TIMEOUT_S + " s; stderr: " + Files.readString(stderr));
        }
        String text = new String(stdout, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("check.json"), text);
        if (p.exitValue() == 2 || text.isBlank()) {
            fail("check-report.mjs could not run (exit " + p.exitValue() + "): " + Files.readString(stderr) + howTo);
        }
        JsonNode res = JSON.readTree(text);
        assertThat(res.get("problems"))
                .as("problems seen in Chromium (all of %s/check.json)", OUT_DIR)
                .isEmpty();
        assertThat(p.exitValue())
                .as("check-report.mjs exit status; stderr: %s", Files.readString(stderr))
                .isZero();
        assertThat(res.get("ok").asBoolean()).isTrue();

        // Every figure of the report is in the page and drawn.
        List<String> inPage = new ArrayList<>();
        for (JsonNode f : res.get("figures")) {
            inPage.add(f.get("id").asText());
            assertThat(f.get("width").asInt()).as("width of %s", f.get("id")).isPositive();
            assertThat(f.get("height").asInt()).as("height of %s", f.get("id")).isPositive();
            assertThat(f.get("drawn").asInt())
                    .as("drawn elements of %s", f.get("id"))
                    .isPositive();
        }
        assertThat(inPage)
                .containsExactlyElementsOf(
                        r.figures().stream().map(ReportResult.FigureFile::id).toList());
        assertThat(inPage).hasSize(12);

        // Every interaction was tried (none skipped because the page lacked what it needs) and worked.
        Set<String> checks = new HashSet<>();
        for (JsonNode c : res.get("checks")) {
            assertThat(c.get("ok").asBoolean())
                    .as("%s: %s", c.get("name"), c.get("detail"))
                    .isTrue();
            checks.add(c.get("name").asText());
        }
        assertThat(checks)
                .contains(
                        "page loaded",
                        "embedded data",
                        "section links",
                        "explorer opens on a latent",
                        "pick a pair",
                        "pick a latent",
                        "contexts shown",
                        "across widths shown",
                        "next button",
                        "deep link (hash change)",
                        "deep link selects the pair",
                        "deep link (fresh load)",
                        "latent with meta-latents",
                        "meta-latents shown",
                        "latent with an NMF factor",
                        "NMF factor shown",
                        "scatter click selects a latent",
                        "latent with children",
                        "click a child",
                        "child shows its parent",
                        "token search lists the latent",
                        "token search hit opens the latent",
                        "token search says when nothing matches",
                        "no horizontal overflow",
                        // the smallest SAE (8 latents, contexts_small.jsonl of the example pair) and the labels
                        "smallest SAE latent from a meta-SAE example",
                        "smallest SAE latent shows its contexts",
                        "token search lists smallest SAE latents",
                        "latent whose parent is in the smallest SAE",
                        "parent link into the smallest SAE",
                        "parent link labelled",
                        "smallest SAE latent from a parent link",
                        "parent shows its contexts",
                        "parent lists the child",
                        "smallest SAE latent shows its frequency",
                        "latent labels match the data");
        for (JsonNode c : res.get("console")) {
            assertThat(c.get("type").asText()).as("console: %s", c.get("text")).isNotIn("error", "warning");
        }
        assertThat(res.at("/timing/load_ms").asLong()).isBetween(0L, MAX_LOAD_MS);

        // The screenshot shows something: a blank page is one colour.
        BufferedImage img = ImageIO.read(shot.toFile());
        assertThat(img).as("screenshot %s", shot).isNotNull();
        assertThat(img.getWidth()).isEqualTo(1280);
        assertThat(img.getHeight()).isGreaterThan(2000);
        assertThat(colours(img, img.getHeight()))
                .as("distinct colours in %s", shot)
                .isGreaterThan(MIN_COLOURS_PAGE);
        assertThat(colours(img, 900))
                .as("distinct colours in the first screenful of %s", shot)
                .isGreaterThan(MIN_COLOURS_FIRST_SCREEN);
    }

    @Test
    void aBlankImageHasFewColours() {
        BufferedImage white = new BufferedImage(1280, 1000, BufferedImage.TYPE_INT_RGB);
        white.createGraphics().fillRect(0, 0, 1280, 1000);
        assertThat(colours(white, 1000)).isEqualTo(1);
    }

    /**
     * The example report with everything the explorer shows: pair 1 is the hand-checked 8 → 16 example
     * (contexts), pair 2 a synthetic 16 → 32 pair chained to it (contexts), so latents have parents and
     * children across widths; the family with Frankenstein and toy tables; a meta-SAE and an NMF of the
     * 16-latent SAE.
     */
    static ReportInputs fullInputs(Path tmp) throws IOException {
        Path pair1 = Examples.copy("example", tmp);
        Path pair2 = Examples.syntheticPair(tmp.resolve("pair2"), 16, 32, 3);
        Map<Integer, List<LatentContext>> ctx = Map.of(
                3,
                        List.of(
                                new LatentContext("the vote of the", " committee", " was close", 3.5, "brown ca01"),
                                new LatentContext("a", " committee", " of five", 2.0, "")),
                7,
                        List.of(new LatentContext(
                                "we must",
                                " make",
                                " sure",
                                1.5,
                                "brown cb02",
                                List.of(
                                        new LatentContext.Span("we", 0.0), new LatentContext.Span(" must", 0.4),
                                        new LatentContext.Span(" make", 1.5),
                                                new LatentContext.Span(" sure", Double.NaN)))));
        LatentContexts.write(ctx, pair2.resolve(LatentContexts.FILE));
        Path family = Examples.copy("family", tmp);
        Files.copy(Examples.copy("frankenstein.csv", tmp), family.resolve("frankenstein.csv"));
        Files.copy(Examples.copy("toy_comparison.csv", tmp), family.resolve("toy_comparison.csv"));
        return ReportInputs.builder()
                .title("Browser test report")
                .pair(pair1)
                .pair(pair2)
                .family(family)
                .metaSae(Examples.copy("meta-sae", tmp))
                .nmf(Examples.copy("nmf", tmp))
                .build();
    }

    /** Distinct RGB colours in the first {@code rows} rows. */
    static int colours(BufferedImage img, int rows) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < Math.min(rows, img.getHeight()); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                seen.add(img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return seen.size();
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
