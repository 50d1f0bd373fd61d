package io.github.saestitch.report;

import static io.github.saestitch.report.ReportBuilderTest.assertNoExternalRequests;
import static io.github.saestitch.report.ReportBuilderTest.assertWellFormedIsh;
import static io.github.saestitch.report.ReportBuilderTest.embeddedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.io.LatentContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Meta-SAE and NMF inputs: the readers against the hand-written example directories
 * ({@code meta-sae/}, {@code nmf/} under the test resources: a meta-SAE and an NMF of the example
 * pair's 16-latent SAE), their report sections, their data in the explorer, and the links between
 * pairs that make the feature-splitting tree.
 */
class DecompositionReportTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheMetaSaeDirectoryInRankOrder() throws Exception {
        MetaSaeRun m = MetaSaeRun.read(Examples.copy("meta-sae", tmp));
        assertThat(m.summary().numLatents()).isEqualTo(16);
        assertThat(m.summary().metaLatents()).isEqualTo(4);
        assertThat(m.summary().k()).isEqualTo(2);
        assertThat(m.summary().nearestNumLatents()).isEqualTo(8);
        assertThat(m.summary().nearestSae()).isEqualTo("runs/family/width-8/sae");
        // latent 2's rows are in the file rank 1 first: read back in rank order
        assertThat(m.latentMeta().get(2))
                .containsExactly(new MetaSaeRun.Weighted(2, 0.78), new MetaSaeRun.Weighted(3, 0.3));
        assertThat(m.latentMeta().get(0)).containsExactly(new MetaSaeRun.Weighted(0, 0.8));
        assertThat(m.latentMeta().get(15)).isEmpty();
        assertThat(m.metaNearest().get(1))
                .containsExactly(
                        new MetaSaeRun.Weighted(5, 0.77),
                        new MetaSaeRun.Weighted(0, 0.61),
                        new MetaSaeRun.Weighted(2, 0.33));
        assertThat(m.members()).containsExactly(6, 6, 7, 6);
        assertThat(m.label()).isEqualTo("meta-SAE of the 16-latent SAE (4 meta-latents, k = 2)");
    }

    @Test
    void readsTheNmfDirectory() throws Exception {
        NmfRun n = NmfRun.read(Examples.copy("nmf", tmp));
        assertThat(n.summary().factors()).isEqualTo(3);
        assertThat(n.summary().relativeError()).isEqualTo(0.4213);
        assertThat(n.summary().tokens()).isEqualTo(4096);
        assertThat(n.factorLatents().get(1))
                .extracting(MetaSaeRun.Weighted::index)
                .containsExactly(1, 4, 7, 10, 13);
        assertThat(n.latentFactor().get(5)).containsExactly(new NmfRun.LatentFactor(2, 1.7, 0.8));
        assertThat(n.latentFactor().get(15)).isEmpty();
        assertThat(n.contexts()).containsOnlyKeys(0, 1);
        assertThat(n.contexts().get(0).get(0).after()).isEqualTo(" was <b>close</b>");
    }

    @Test
    void aDocumentPooledNmfShowsDocumentsAndEachFactorsTopGenre() throws Exception {
        Path dir = Examples.copy("nmf", tmp);
        // what 'nmf --pool document' adds to summary.json (decomp.NmfWriter)
        Files.writeString(dir.resolve("summary.json"), """
                {"format_version": 1, "sae": "runs/family/width-16/sae", "num_latents": 16, "factors": 3,
                 "tokens": 4096, "relative_error": 0.4213, "iterations": 200, "pool": "document", "documents": 12,
                 "genre_mix": {"factors": [{"factor": 0, "top_genre": "hobbies", "purity": 0.45, "lift": 5.4},
                                           {"factor": 2, "top_genre": "news", "purity": 0.32, "lift": 3.5}]}}
                """);
        NmfRun n = NmfRun.read(dir);
        assertThat(n.summary().documentPooled()).isTrue();
        assertThat(n.summary().documents()).isEqualTo(12);
        assertThat(n.summary().genres().get(0)).isEqualTo(new NmfRun.FactorGenre("hobbies", 0.45, 5.4));
        assertThat(n.summary().genres().get(1)).isNull();
        String html = DecompositionSections.nmf(n, null);
        assertThat(html)
                .contains("12 documents")
                .contains("top genre (share, lift)")
                .contains("hobbies")
                .contains("\u00d75.4")
                .contains("top documents");
        // token-pooled (no pool field, as older files): no genre column
        NmfRun tokens = NmfRun.read(Examples.copy("nmf", tmp.resolve("tok")));
        assertThat(tokens.summary().documentPooled()).isFalse();
        assertThat(DecompositionSections.nmf(tokens, null))
                .doesNotContain("top genre")
                .contains("top contexts");
    }

    @Test
    void sectionsAndExplorerDataWhenTheSaeIsAPairsLargerOne() throws Exception {
        Path pair = Examples.copy("example", tmp);
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .pair(pair)
                        .metaSae(Examples.copy("meta-sae", tmp))
                        .nmf(Examples.copy("nmf", tmp))
                        .build(),
                tmp.resolve("out"));
        assertThat(r.sections())
                .containsExactly(
                        "overview", "pair1", "interpolation", "source", "meta-sae", "nmf", "explorer", "about");
        assertThat(r.notes()).isEmpty();
        String html = Files.readString(r.html());
        assertWellFormedIsh(html);
        assertNoExternalRequests(html);
        // meta-SAE: the summary, "L:j = M:a (w) + M:b (w)" examples linked into the explorer, nearest smaller latents
        assertThat(html)
                .contains(
                        "meta-SAE of the 16-latent SAE (4 meta-latents, k = 2)",
                        ">0.313<",
                        "8 latents (runs/family/width-8/sae)",
                        "<li><b><a class=\"lat\" href=\"#explore-1-1\">L:1</a></b> = M:1 (0.79) + M:2 (0.3)",
                        // the 8-latent SAE is no pair's larger SAE: it opens as the smaller SAE of pair 1
                        // (#explore-s1-…),
                        // each latent labelled with its top token from contexts_small.jsonl (none for S:2: no contexts)
                        "M:1 \u2248 <a class=\"lat\" href=\"#explore-s1-5\">S:5 <span class=\"lbl\">\u201cHowever\u201d</span></a> "
                                + "(0.77), <a class=\"lat\" href=\"#explore-s1-0\">S:0 <span class=\"lbl\">\u201cmake\u201d</span></a> "
                                + "(0.61), <a class=\"lat\" href=\"#explore-s1-2\">S:2</a> (0.33)",
                        // white space only, and a long token cut to 16 characters
                        "S:3 <span class=\"lbl\">\u201c\u2423\u201d</span>",
                        "S:6 <span class=\"lbl\">\u201cextraordinarily\u2026\u201d</span>");
        // NMF: relative error, each factor's top latents (linked) and contexts (escaped, shaded)
        assertThat(html)
                .contains(
                        "NMF of the 16-latent SAE (3 factors)",
                        ">42.1%<",
                        "<a class=\"lat\" href=\"#explore-1-0\">L:0 <span class=\"lbl\">\u201cmake\u201d</span></a>&nbsp;(2)",
                        "was &lt;b&gt;close&lt;/b&gt;",
                        "<span class=\"tok focus\" style=\"background-color: rgba(230, 159, 0, 0.85)\"> committee</span>",
                        "no contexts");

        JsonNode p = embeddedData(html).get("pairs").get(0);
        assertThat(p.get("prev_pair").asInt()).isEqualTo(-1);
        assertThat(p.get("next_pair").asInt()).isEqualTo(-1);
        JsonNode meta = p.get("meta").get(0);
        assertThat(meta.get("meta_latents").asInt()).isEqualTo(4);
        assertThat(meta.get("nearest_pair").asInt()).isEqualTo(0);
        assertThat(meta.get("nearest_small").asBoolean()).isTrue();
        // the smaller SAE's own view: every latent's frequency, contexts of the latents that have some
        JsonNode small = p.get("small_latents");
        assertThat(small.get("total").asInt()).isEqualTo(8);
        assertThat(small.get("freq").toString()).isEqualTo("[0.2,0.125,0.0,0.05,null,0.0625,0.3,null]");
        assertThat(small.get("contexts").properties())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly("0", "1", "3", "5", "6");
        assertThat(small.at("/contexts/5/0/token").asText()).isEqualTo(" However");
        assertThat(meta.at("/of/5").toString()).isEqualTo("[[1,0.75],[2,0.3]]");
        assertThat(meta.at("/of/2").toString()).isEqualTo("[[2,0.78],[3,0.3]]");
        assertThat(meta.at("/of/15").isMissingNode()).isTrue();
        assertThat(meta.at("/nearest/1").toString()).isEqualTo("[[5,0.77],[0,0.61],[2,0.33]]");
        assertThat(meta.get("members").toString()).isEqualTo("[6,6,7,6]");
        JsonNode nmf = p.get("nmf").get(0);
        assertThat(nmf.at("/of/5").toString()).isEqualTo("[[2,1.7,0.8]]");
        assertThat(nmf.at("/top/0")).hasSize(ReportData.TOP);
        assertThat(nmf.get("relative_error").asDouble()).isEqualTo(0.4213);
    }

    @Test
    void aDecompositionOfAnSaeNotInTheExplorerGetsItsSectionAndANote() throws Exception {
        Path meta = Examples.copy("meta-sae", tmp);
        Examples.edit(meta.resolve("summary.json"), "\"num_latents\": 16", "\"num_latents\": 24");
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .pair(Examples.copy("example", tmp))
                        .metaSae(meta)
                        .build(),
                tmp.resolve("out"));
        assertThat(r.sections()).contains("meta-sae");
        assertThat(r.notes())
                .singleElement()
                .asString()
                .contains("no explorer SAE has 24 latents")
                .contains("the larger SAE of each pair and the smallest SAE of each chain: 8, 16");
        String html = Files.readString(r.html());
        assertThat(html).contains("<li><b>L:1</b> = M:1 (0.79)");
        assertThat(embeddedData(html).at("/pairs/0/meta")).isEmpty();

        // alone, without any pair: a report of its own
        ReportResult alone = ReportBuilder.build(
                ReportInputs.builder().nmf(Examples.copy("nmf", tmp)).build(), tmp.resolve("alone"));
        assertThat(alone.sections()).containsExactly("nmf", "about");
        assertThat(Files.readString(alone.html())).doesNotContain("href=\"#explore-");
    }

    @Test
    void anNmfOfTheSmallestSaeOpensInThatSaesOwnView() throws Exception {
        // the example NMF cut down to the 8-latent SAE (the smaller SAE of the only pair)
        Path nmf = Examples.copy("nmf", tmp);
        Examples.edit(nmf.resolve("summary.json"), "\"num_latents\": 16", "\"num_latents\": 8");
        for (String f : List.of("factors.csv", "latent_factor.csv")) {
            List<String> lines = Files.readAllLines(nmf.resolve(f));
            int col = List.of(lines.get(0).split(",")).indexOf("latent");
            Files.write(
                    nmf.resolve(f),
                    lines.stream()
                            .filter(l -> l.startsWith("format_version") || Integer.parseInt(l.split(",")[col]) < 8)
                            .toList());
        }
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .pair(Examples.copy("example", tmp))
                        .nmf(nmf)
                        .build(),
                tmp.resolve("out"));
        assertThat(r.notes()).isEmpty();
        String html = Files.readString(r.html());
        // the factor table links the 8-latent SAE's latents into its view, labelled
        assertThat(html)
                .contains(
                        "<a class=\"lat\" href=\"#explore-s1-0\">L:0 <span class=\"lbl\">\u201cmake\u201d</span></a>");
        JsonNode p = embeddedData(html).get("pairs").get(0);
        assertThat(p.get("nmf")).isEmpty();
        assertThat(p.at("/small_latents/nmf/0/of").properties()).isNotEmpty();

        // without contexts_small.jsonl (an older compare directory) the view is there, without contexts or labels
        Path old = Examples.copy("example", tmp.resolve("old"));
        Files.delete(old.resolve(LatentContexts.SMALL_FILE));
        ReportResult r2 =
                ReportBuilder.build(ReportInputs.builder().pair(old).nmf(nmf).build(), tmp.resolve("out2"));
        String html2 = Files.readString(r2.html());
        assertThat(html2).contains("<a class=\"lat\" href=\"#explore-s1-0\">L:0</a>");
        JsonNode p2 = embeddedData(html2).get("pairs").get(0);
        assertThat(p2.at("/small_latents/contexts").properties()).isEmpty();
        assertThat(p2.at("/small_latents/freq").isMissingNode()).isTrue();
    }

    @Test
    void chainedPairsLinkAcrossWidthsAndAmbiguousWidthsDoNot() throws Exception {
        Path a = Examples.copy("example", tmp);
        Path b = Examples.syntheticPair(tmp.resolve("b"), 16, 32, 7);
        Path c = Examples.syntheticPair(tmp.resolve("c"), 32, 64, 8);
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder().pair(c).pair(a).pair(b).build(), tmp.resolve("o"));
        JsonNode pairs = embeddedData(Files.readString(r.html())).get("pairs");
        // given out of order: 32→64 (0), 8→16 (1), 16→32 (2)
        assertThat(List.of(
                        pairs.at("/0/prev_pair").asInt(),
                        pairs.at("/1/prev_pair").asInt(),
                        pairs.at("/2/prev_pair").asInt()))
                .containsExactly(2, -1, 1);
        // only the chain's first pair opens its smaller SAE; the others' is the previous pair's larger one
        assertThat(List.of(
                        pairs.get(0).has("small_latents"),
                        pairs.get(1).has("small_latents"),
                        pairs.get(2).has("small_latents")))
                .containsExactly(false, true, false);
        assertThat(List.of(
                        pairs.at("/0/next_pair").asInt(),
                        pairs.at("/1/next_pair").asInt(),
                        pairs.at("/2/next_pair").asInt()))
                .containsExactly(-1, 2, 0);

        // two 16→32 pairs (two sites, say): which one continues 8→16 is not known, so no link
        Path b2 = Examples.syntheticPair(tmp.resolve("b2"), 16, 32, 9);
        ReportResult amb = ReportBuilder.build(
                ReportInputs.builder().pair(a).pair(b).pair(b2).build(), tmp.resolve("amb"));
        JsonNode p2 = embeddedData(Files.readString(amb.html())).get("pairs");
        assertThat(p2.at("/0/next_pair").asInt()).isEqualTo(-1);
        assertThat(p2.at("/1/prev_pair").asInt()).isEqualTo(0);
    }

    @Test
    void badDecompositionInputsFailBeforeAnythingIsWritten() throws Exception {
        Path out = tmp.resolve("out");
        Path m1 = Examples.copy("meta-sae", Files.createDirectories(tmp.resolve("1")));
        Files.writeString(m1.resolve("latent_meta.csv"), "1,16,0,0,0.5\n", java.nio.file.StandardOpenOption.APPEND);
        expectBad(
                ReportInputs.builder().metaSae(m1).build(),
                out,
                "latent_meta.csv: line 27, column 'latent': latent 16 out of range: the SAE has 16 latents");

        Path m2 = Examples.copy("meta-sae", Files.createDirectories(tmp.resolve("2")));
        Examples.edit(m2.resolve("meta_latents.csv"), "1,3,6,2,3,0.11", "1,4,6,2,3,0.11");
        expectBad(
                ReportInputs.builder().metaSae(m2).build(),
                out,
                "meta_latents.csv: line 13, column 'meta_latent': meta_latent 4 out of range: the meta-SAE has 4");

        Path m3 = Examples.copy("meta-sae", Files.createDirectories(tmp.resolve("3")));
        Examples.edit(m3.resolve("summary.json"), "\"format_version\": 1", "\"format_version\": 2");
        expectBad(ReportInputs.builder().metaSae(m3).build(), out, "summary.json: format_version 2 is not supported");

        Path m4 = Examples.copy("meta-sae", Files.createDirectories(tmp.resolve("4")));
        Examples.edit(m4.resolve("summary.json"), "\"meta_latents\": 4,", "");
        expectBad(ReportInputs.builder().metaSae(m4).build(), out, "missing or invalid 'meta_latents'");

        Path n1 = Examples.copy("nmf", Files.createDirectories(tmp.resolve("5")));
        Examples.edit(n1.resolve("factors.csv"), "1,2,0,2,2.0", "1,3,0,2,2.0");
        expectBad(
                ReportInputs.builder().nmf(n1).build(),
                out,
                "factors.csv: line 12, column 'factor': factor 3 out of range: the factorisation has 3 factors");

        Path n2 = Examples.copy("nmf", Files.createDirectories(tmp.resolve("6")));
        Examples.edit(n2.resolve("factor_contexts.jsonl"), "\"latent\": 1,", "\"latent\": 5,");
        expectBad(ReportInputs.builder().nmf(n2).build(), out, "contexts for factor 5, but the factorisation has 3");

        Path n3 = Examples.copy("nmf", Files.createDirectories(tmp.resolve("7")));
        Files.delete(n3.resolve("latent_factor.csv"));
        expectBad(ReportInputs.builder().nmf(n3).build(), out, "latent_factor.csv");

        expectBad(ReportInputs.builder().nmf(tmp.resolve("none")).build(), out, "not a directory");
    }

    @Test
    void stitchedSaesAreDrawnAgainstWidthAndL0AndTabulatedAgainstTheOriginals() throws Exception {
        FrankensteinTable t = FrankensteinTable.read(Examples.copy("frankenstein.csv", tmp));
        Figures.Chart c = Figures.frankenstein(t, "frankenstein");
        assertThat(c.figure().panels())
                .extracting(Plot::title)
                .containsExactly("mse against the number of latents", "mse against l0");
        assertThat(c.figure().panels().get(1).x().label()).startsWith("l0");
        for (Plot p : c.figure().panels()) {
            assertThat(p.y().label()).isEqualTo(Figures.MSE_LABEL);
            List<Plot.Line> lines = p.layers().stream()
                    .filter(Plot.Line.class::isInstance)
                    .map(Plot.Line.class::cast)
                    .toList();
            assertThat(lines)
                    .extracting(Plot.Line::name)
                    .containsExactly("original SAEs", "cosine", "cosine + refit", "greedy", "greedy + refit");
            // the originals are the dashed black reference; the others have colours of their own
            assertThat(lines.get(0).dash()).isEqualTo(Scene.Dash.DASHED);
            assertThat(lines.get(0).color()).isEqualTo(Figures.REFERENCE);
            assertThat(lines.stream().map(Plot.Line::color).distinct()).hasSize(5);
            for (Plot.Line l : lines) {
                for (int i = 1; i < l.x().length; i++) {
                    assertThat(l.x()[i]).isGreaterThanOrEqualTo(l.x()[i - 1]); // drawn left to right
                }
            }
        }
        // up to eleven series (the demo has nine besides the originals): any two differ in at least two of colour, dash
        // and marker, and the nine stitched
        // series' colours are all different (the demo report once drew two nearly equal blues)
        List<Figures.SeriesStyle> styles = java.util.stream.IntStream.range(0, 11)
                .mapToObj(Figures.SeriesStyle::of)
                .toList();
        for (int a = 0; a < styles.size(); a++) {
            for (int b = a + 1; b < styles.size(); b++) {
                Figures.SeriesStyle x = styles.get(a);
                Figures.SeriesStyle y = styles.get(b);
                int same = (x.color().equals(y.color()) ? 1 : 0)
                        + (x.dash() == y.dash() ? 1 : 0)
                        + (x.marker() == y.marker() ? 1 : 0);
                assertThat(same).as("series %d and %d: %s vs %s", a, b, x, y).isLessThanOrEqualTo(1);
            }
        }
        assertThat(styles.subList(0, 9).stream().map(Figures.SeriesStyle::color).distinct())
                .hasSize(9);
        // ... and the figure shows them: dash patterns and square / diamond markers, in the legend too
        String svg = SvgWriter.document(FigureLayout.layout(c.figure()));
        assertThat(svg)
                .contains("stroke-dasharray=\"8 3 1.5 3\"", "stroke-dasharray=\"1.5 3\"", "stroke-dasharray=\"5 4\"");

        // greedy's rows come in the file widest first: still drawn 14 then 25, with their own mse
        Plot.Line greedy = (Plot.Line) c.figure().panels().get(0).layers().stream()
                .filter(l -> l instanceof Plot.Line g && g.name().equals("greedy"))
                .findFirst()
                .orElseThrow();
        assertThat(greedy.x()).containsExactly(14, 25);
        assertThat(greedy.y()).containsExactly(2.15, 1.7);

        Path fam = Examples.copy("family", tmp);
        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .family(fam)
                        .frankenstein(tmp.resolve("frankenstein.csv"))
                        .build(),
                tmp.resolve("out"));
        String html = Files.readString(r.html());
        // greedy + refit at 25 latents: 1.6 against the originals' 1.90686 (log-interpolated): -16.1 %
        double ref = 2.1 + Math.log(25 / 16.0) / Math.log(2) * (1.8 - 2.1);
        assertThat(html)
                .contains(
                        "Frankenstein and greedy SAEs",
                        "mse vs originals of equal width",
                        "<td>" + Fmt.pct(1.6 / ref - 1, true) + "</td>",
                        "<th>greedy + refit</th>");
        assertThat(Fmt.pct(1.6 / ref - 1, true)).isEqualTo("-16.1%");
    }

    private static void expectBad(ReportInputs in, Path out, String message) {
        assertThatThrownBy(() -> ReportBuilder.build(in, out))
                .isInstanceOf(ReportInputException.class)
                .hasMessageContaining(message);
        assertThat(out).doesNotExist();
    }
}
