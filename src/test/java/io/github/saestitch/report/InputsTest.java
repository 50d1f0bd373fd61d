package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.frankenstein.FrankensteinWriter;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.stitch.Contingency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing of every input file, and the errors on bad or missing content. */
class InputsTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheExampleCompareDirectory() throws IOException {
        Path dir = Examples.copy("example", tmp);
        CompareRun r = CompareRun.read(dir, null, null);
        assertThat(r.label()).isEqualTo("8 \u2192 16");
        assertThat(r.summary().threshold()).isEqualTo(0.7);
        assertThat(r.summary().tokens()).isEqualTo(4096);
        assertThat(r.summary().small().numLatents()).isEqualTo(8);
        assertThat(r.summary().large().mse()).isEqualTo(2.1);
        assertThat(r.summary().sweep()).hasSize(5);
        assertThat(r.summary().novelAdded().numLatents()).isEqualTo(14);
        assertThat(r.latents().size()).isEqualTo(16);
        // Java's Double.toString exponent form (CompareWriter writes "-8.0E-4") parses
        assertThat(r.latents().deltaMse()[4]).isEqualTo(-8.0E-4);
        assertThat(r.latents().novel()[0]).isTrue();
        assertThat(r.latents().novel()[1]).isFalse();
        assertThat(r.groups()).hasSize(5);
        assertThat(r.groups().get(2).parents()).containsExactly(1, 2);
        assertThat(r.groups().get(2).children()).containsExactly(5, 7, 8);
        assertThat(r.interpolation()).hasSize(12);
        assertThat(r.interpolation().get(0).action()).isEqualTo("start");
        assertThat(r.interpolation().get(0).cosine()).isNaN(); // empty field
        // the contingency table is summary.json's, and counting latents.csv (older summaries) gives the same
        Contingency c = r.contingency();
        assertThat(Contingency.count(r.latents().novel(), r.latents().deltaMse()))
                .isEqualTo(c);
        assertThat(c.novelImproves()).isEqualTo(5);
        assertThat(c.novelWorsens()).isEqualTo(1);
        assertThat(c.reconstructionImproves()).isEqualTo(1);
        assertThat(c.reconstructionWorsens()).isEqualTo(9);
        assertThat(c.agreement()).isEqualTo(0.875);
        // contexts.jsonl in the directory is picked up
        assertThat(r.contexts()).containsOnlyKeys(0, 6);
        assertThat(r.contexts().get(6).get(0).spans()).hasSize(5);
        assertThat(r.contexts().get(6).get(0).spans().get(3).activation()).isNaN();
        // an explicit empty map means "no contexts"
        assertThat(CompareRun.read(dir, "mine", Map.of()).contexts()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "latents.csv|max_cos|missing column 'max_cos'",
                "latents.csv|kind|missing column 'kind'",
                "latents.csv|delta_mse|missing column 'delta_mse'",
                "groups.csv|children|missing column 'children'",
                "interpolation.csv|num_latents|missing column 'num_latents'",
            })
    void missingColumnsNameTheFileAndColumn(String file, String column, String message) throws IOException {
        Path dir = Examples.copy("example", tmp);
        Path f = dir.resolve(file);
        List<String> lines = Files.readAllLines(f);
        String header = lines.get(0);
        Examples.edit(f, header, header.replace(column, column + "_renamed"));
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .isInstanceOf(ReportInputException.class)
                .hasMessageStartingWith(f.toString() + ": ")
                .hasMessageContaining(message);
    }

    @Test
    void badValuesNameFileLineAndColumn() throws IOException {
        Path dir = Examples.copy("example", tmp);
        Path f = dir.resolve("latents.csv");
        Examples.edit(f, "3,0.4959,7,novel,-0.00252", "3,0.4959,7,novel,abc");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .isInstanceOf(ReportInputException.class)
                .hasMessage(f + ": line 5, column 'delta_mse': not a number: 'abc'");

        Examples.edit(f, "3,0.4959,7,novel,abc", "3,0.4959,7,new,-0.00252");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessage(f + ": line 5, column 'kind': kind must be 'novel' or 'reconstruction', got 'new'");

        Examples.edit(f, "3,0.4959,7,new,-0.00252", "99,0.4959,7,novel,-0.00252");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessageContaining("line 5, column 'latent'")
                .hasMessageContaining("latent 99 out of range: the larger SAE has 16 latents");

        Examples.edit(f, "99,0.4959,7,novel,-0.00252", "2,0.4959,7,novel,-0.00252");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null)).hasMessageContaining("latent 2 appears twice");

        Examples.edit(f, "2,0.4959,7,novel,-0.00252", "3,0.4959,8,novel,-0.00252");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessageContaining("column 'nearest'")
                .hasMessageContaining("smaller SAE has 8 latents");

        Examples.edit(f, "3,0.4959,8,novel,-0.00252", "3,0.4959,7,novel");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessageContaining("line 5: 10 fields, but the " + "header has 11");
    }

    @Test
    void groupsAndInterpolationValuesAreChecked() throws IOException {
        Path dir = Examples.copy("example", tmp);
        Examples.edit(dir.resolve("groups.csv"), "2,1 2,5 7 8,", "2,1 x,5 7 8,");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessageContaining(
                        "groups.csv: line 4, column " + "'parents': not a space-separated list of integers: '1 x'");
        Examples.edit(dir.resolve("groups.csv"), "2,1 x,5 7 8,", "2,1 2,5 7 8,");
        Examples.edit(dir.resolve("interpolation.csv"), "1,add,9", "1,remove,9");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessageContaining("interpolation.csv: line 3, "
                        + "column 'action': action must be start, add or swap, got 'remove'");
    }

    @Test
    void summaryProblemsAreClear() throws IOException {
        Path dir = Examples.copy("example", tmp);
        Path s = dir.resolve("summary.json");
        Examples.edit(s, "\"format_version\": 1", "\"format_version\": 2");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessage(s + ": format_version 2 is not supported " + "(this saestitch reads 1 to 1)");
        Examples.edit(s, "\"format_version\": 2", "\"format_version\": 1");
        Examples.edit(s, "\"threshold\": 0.7", "\"tau\": 0.7");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessage(s + ": missing key 'threshold' (a number)");
        Files.writeString(s, "{ not json");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null)).hasMessageStartingWith(s + ": not valid JSON");
        Files.delete(s);
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .isInstanceOf(ReportInputException.class)
                .hasMessageStartingWith(s + ": file not found");
        assertThatThrownBy(() -> CompareRun.read(tmp.resolve("nope"), null, null))
                .hasMessageContaining("not a directory");
        Files.delete(dir.resolve("latents.csv"));
        Files.writeString(
                s,
                "{\"format_version\":1,\"threshold\":0.7,\"small\":{\"num_latents\":8},"
                        + "\"large\":{\"num_latents\":16}}");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessage(dir.resolve("latents.csv") + ": file not found");
    }

    @Test
    void minimalSummaryAndOptionalColumnsAreEnough() throws IOException {
        Path dir = Examples.copy("example", tmp);
        Files.writeString(
                dir.resolve("summary.json"),
                "{\"format_version\":1,\"threshold\":0.5,"
                        + "\"small\":{\"num_latents\":8},\"large\":{\"num_latents\":16}}");
        Files.writeString(
                dir.resolve("latents.csv"),
                "latent,max_cos,nearest,kind,delta_mse\n0,0.3,1,novel,-0.1\n" + "1,0.9,,reconstruction,\n");
        CompareRun r = CompareRun.read(dir, null, Map.of());
        assertThat(r.summary().small().mse()).isNaN();
        assertThat(r.summary().novelAdded().mse()).isNaN();
        assertThat(r.latents().freq()[0]).isNaN();
        assertThat(r.latents().nearest()[1]).isEqualTo(-1);
        assertThat(r.latents().group()[0]).isEqualTo(-1);
        assertThat(r.undefinedDeltaMse()).isEqualTo(1);
        // no contingency in this summary: counted from latents.csv, the undefined Δmse as unchanged
        assertThat(r.contingency()).isEqualTo(new Contingency(1, 0, 0, 0, 0, 1));
    }

    @Test
    void readsFamilyAndTrainingLogs() throws IOException {
        Path fam = Examples.copy("family", tmp);
        FamilyRun f = FamilyRun.read(fam);
        assertThat(f.members()).extracting(FamilyRun.Member::width).containsExactly(8, 16);
        assertThat(f.members().get(1).deadFraction()).isEqualTo(0.0625);
        assertThat(f.members().get(0).tokensPerSecond()).isEqualTo(81234.5);
        assertThat(f.curves()).hasSize(2);
        TrainingCurve c = f.curves().get(0);
        assertThat(c.label()).isEqualTo("width 8");
        assertThat(c.size()).isEqualTo(5);
        assertThat(c.tokens()[4]).isEqualTo(1024000);
        assertThat(c.evalMse()[0]).isNaN();
        assertThat(c.evalMse()[1]).isCloseTo(3.513266, within(1e-12));
        assertThat(f.missing()).isEmpty();

        Files.delete(fam.resolve("width-16/train_log.csv"));
        assertThat(FamilyRun.read(fam).missing()).containsExactly("width-16");

        Examples.edit(fam.resolve("width-8/train_log.csv"), "1,100,409600", "2,100,409600");
        assertThatThrownBy(() -> FamilyRun.read(fam))
                .hasMessageContaining(
                        "train_log.csv: line 3, column " + "'format_version': format_version 2 is not supported");
        Examples.edit(fam.resolve("family_summary.csv"), ",mse,fvu,", ",mse_heldout,fvu,");
        assertThatThrownBy(() -> FamilyRun.read(fam)).hasMessageContaining("family_summary.csv: missing column 'mse'");
    }

    @Test
    void readsFrankensteinAndToyTables() throws IOException {
        FrankensteinTable f = FrankensteinTable.read(Examples.copy("frankenstein.csv", tmp));
        assertThat(f.series()).containsExactly("original", "cosine", "cosine + refit", "greedy", "greedy + refit");
        assertThat(f.rows().get(4).note()).isEqualTo("8 + novel of 16, 32"); // a quoted field with a comma
        // the originals' mse at a width: exact at an original, linear in log(width) between two, NaN outside
        assertThat(f.originalMseAt(16)).isEqualTo(2.1);
        assertThat(f.originalMseAt(32)).isEqualTo(1.8);
        assertThat(f.originalMseAt(25))
                .isCloseTo(
                        2.1 + Math.log(25 / 16.0) / Math.log(2) * (1.8 - 2.1),
                        org.assertj.core.data.Offset.offset(1e-12));
        assertThat(f.originalMseAt(12))
                .isCloseTo(2.5 - 0.4 * Math.log(1.5) / Math.log(2), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(f.originalMseAt(7)).isNaN();
        assertThat(f.originalMseAt(33)).isNaN();
        ToyTable t = ToyTable.read(Examples.copy("toy_comparison.csv", tmp));
        assertThat(t.rows()).extracting(ToyTable.Row::arm).startsWith("vanilla batchtopk");
        assertThat(t.rows().get(1).absorption()).isEqualTo(0.061);
        Path bad = tmp.resolve("bad.csv");
        Files.writeString(bad, "format_version,arm,mean_max_cos\n1,x,0.5\n");
        assertThatThrownBy(() -> ToyTable.read(bad))
                .hasMessage(bad + ": missing column 'absorption' (header: " + "format_version,arm,mean_max_cos)");
        Files.writeString(bad, "");
        assertThatThrownBy(() -> ToyTable.read(bad)).hasMessage(bad + ": empty file (expected a header line)");
        Files.writeString(bad, "series,num_latents,mse,l0\noriginal,0,1,1\n");
        assertThatThrownBy(() -> FrankensteinTable.read(bad)).hasMessageContaining("num_latents must be positive");
        Files.writeString(bad, "series,num_latents,mse,l0\n\"original,8,1,1\n");
        assertThatThrownBy(() -> FrankensteinTable.read(bad)).hasMessageContaining("line 2: unterminated quoted field");
    }

    @Test
    void thePublishedHeadersAreWhatTheReadersRead() throws IOException {
        Path f = tmp.resolve(ReportFormats.FRANKENSTEIN_FILE);
        Files.writeString(f, FrankensteinWriter.TABLE_HEADER + "\n1,original,8,2.5,0.25,6.0,0.9,\n");
        assertThat(FrankensteinTable.read(f).rows()).hasSize(1);
        assertThat(Files.readAllLines(Examples.copy("frankenstein.csv", Files.createDirectories(tmp.resolve("b"))))
                        .get(0))
                .isEqualTo(FrankensteinWriter.TABLE_HEADER);
        Path t = tmp.resolve(ReportFormats.TOY_FILE);
        Files.writeString(t, ReportFormats.TOY_HEADER + "\n1,vanilla,0.9,0.4,0.6,0.01,0.05,1.0,0\n");
        assertThat(ToyTable.read(t).rows().get(0).parentRecall()).isEqualTo(0.6);
        assertThat(Files.readAllLines(Examples.copy("toy_comparison.csv", Files.createDirectories(tmp.resolve("c"))))
                        .get(0))
                .isEqualTo(ReportFormats.TOY_HEADER);
    }

    @Test
    void contextsRoundTripAndRejectMalformedLines() throws IOException {
        Map<Integer, List<LatentContext>> m = Map.of(
                3,
                        List.of(
                                new LatentContext("a <b>", " c", "\"d\"\n", 1.5, "doc 1"),
                                new LatentContext(
                                        "",
                                        "x",
                                        "",
                                        0.25,
                                        null,
                                        List.of(
                                                new LatentContext.Span("x", 0.25),
                                                new LatentContext.Span(" y", Double.NaN)))),
                1, List.of());
        Path f = tmp.resolve("contexts.jsonl");
        LatentContexts.write(m, f);
        assertThat(Files.readAllLines(f)).hasSize(2).allMatch(l -> l.startsWith("{\"format_version\":1,\"latent\":"));
        assertThat(LatentContexts.read(f)).isEqualTo(Map.of(3, m.get(3), 1, List.of()));

        Files.writeString(f, "{\"format_version\":1,\"latent\":2,\"contexts\":[{\"token\":\"a\"}]}\n");
        assertThatThrownBy(() -> LatentContexts.read(f))
                .hasMessage(f + ": line 1: contexts[0]: 'activation' must be " + "a number");
        Files.writeString(f, "\n{\"format_version\":1,\"latent\":2,\"contexts\":[]}\n{oops\n");
        assertThatThrownBy(() -> LatentContexts.read(f)).hasMessageStartingWith(f + ": line 3: not valid JSON");
        Files.writeString(f, "{\"format_version\":9,\"latent\":2,\"contexts\":[]}\n");
        assertThatThrownBy(() -> LatentContexts.read(f)).hasMessageContaining("format_version 9 is not supported");
        Files.writeString(
                f,
                "{\"format_version\":1,\"latent\":2,\"contexts\":[]}\n"
                        + "{\"format_version\":1,\"latent\":2,\"contexts\":[]}\n");
        assertThatThrownBy(() -> LatentContexts.read(f)).hasMessageContaining("latent 2 appears on more than one line");
        assertThatThrownBy(() -> new LatentContext("", "t", "", Double.NaN, ""))
                .isInstanceOf(IllegalArgumentException.class);

        Path dir = Examples.copy("example", tmp);
        Files.writeString(dir.resolve("contexts.jsonl"), "{\"format_version\":1,\"latent\":16,\"contexts\":[]}\n");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessageContaining("contexts for latent 16, but " + "the larger SAE has 16 latents");
    }

    @Test
    void smallerSaeContextsCarryFrequenciesAndAreChecked() throws IOException {
        // freq round-trips, a latent with a freq but no contexts gets a line of its own
        Path f = tmp.resolve("contexts_small.jsonl");
        LatentContexts.write(
                new LatentContexts.Entries(
                        Map.of(2, List.of(new LatentContext("a", " b", "c", 2.0, ""))), Map.of(2, 0.25, 0, 0.0)),
                f);
        assertThat(Files.readAllLines(f))
                .containsExactly(
                        "{\"format_version\":1,\"latent\":0,\"freq\":0.0,\"contexts\":[]}",
                        "{\"format_version\":1,\"latent\":2,\"freq\":0.25,\"contexts\":[{\"before\":\"a\",\"token\":\" b\","
                                + "\"after\":\"c\",\"activation\":2.0}]}");
        LatentContexts.Entries e = LatentContexts.readEntries(f);
        assertThat(e.freq()).isEqualTo(Map.of(0, 0.0, 2, 0.25));
        assertThat(e.contexts()).containsOnlyKeys(0, 2);
        Files.writeString(f, "{\"format_version\":1,\"latent\":2,\"freq\":1.5,\"contexts\":[]}\n");
        assertThatThrownBy(() -> LatentContexts.readEntries(f))
                .hasMessage(f + ": line 1: 'freq' must be a number from 0 " + "to 1, got 1.5");

        // the compare directory's contexts_small.jsonl is read when present and checked against the smaller SAE
        Path dir = Examples.copy("example", tmp);
        CompareRun r = CompareRun.read(dir, null, null);
        assertThat(r.small().contexts()).containsOnlyKeys(0, 1, 2, 3, 5, 6);
        assertThat(r.small().freq()).containsEntry(5, 0.0625).hasSize(6);
        assertThat(CompareRun.read(dir, null, null, LatentContexts.Entries.NONE)
                        .small()
                        .contexts())
                .isEmpty();
        Files.writeString(
                dir.resolve(LatentContexts.SMALL_FILE), "{\"format_version\":1,\"latent\":8,\"contexts\":[]}\n");
        assertThatThrownBy(() -> CompareRun.read(dir, null, null))
                .hasMessage(dir.resolve(LatentContexts.SMALL_FILE)
                        + ": contexts for latent 8, but the smaller SAE has 8 latents");
    }

    @Test
    void labelsAreTheTopTokenTrimmedAndCut() {
        assertThat(LatentContexts.label(List.of())).isEmpty();
        assertThat(LatentContexts.label(null)).isEmpty();
        assertThat(LatentContexts.label(
                        List.of(new LatentContext("", " However\n", "", 1, ""), new LatentContext("", "x", "", 2, ""))))
                .isEqualTo("However");
        assertThat(LatentContexts.label(List.of(new LatentContext("", " \u00a0\t", "", 1, ""))))
                .isEqualTo("\u2423");
        assertThat(LatentContexts.label(List.of(new LatentContext("", " a  b", "", 1, ""))))
                .isEqualTo("a b");
        assertThat(LatentContexts.label(List.of(new LatentContext("", "0123456789abcdef", "", 1, ""))))
                .isEqualTo("0123456789abcdef");
        assertThat(LatentContexts.label(List.of(new LatentContext("", "0123456789abcdefg", "", 1, ""))))
                .isEqualTo("0123456789abcde\u2026");
        // code points, not UTF-16 units: 17 emoji are cut to 15 and the ellipsis
        String emoji = "\uD83D\uDE00".repeat(17);
        assertThat(LatentContexts.label(List.of(new LatentContext("", emoji, "", 1, ""))))
                .isEqualTo("\uD83D\uDE00".repeat(15) + "\u2026");
    }

    @Test
    void samplingIsSeededSortedAndDistinct() {
        int[] a = Sampling.indices(1000, 100, 42);
        assertThat(a).hasSize(100).isSorted().doesNotHaveDuplicates();
        assertThat(a[0]).isGreaterThanOrEqualTo(0);
        assertThat(a[99]).isLessThan(1000);
        assertThat(Sampling.indices(1000, 100, 42)).isEqualTo(a);
        assertThat(Sampling.indices(1000, 100, 43)).isNotEqualTo(a);
        assertThat(Sampling.indices(5, 10, 1)).containsExactly(0, 1, 2, 3, 4);
        assertThat(Sampling.indices(0, 10, 1)).isEmpty();
    }

    @Test
    void numberFormats() {
        assertThat(Fmt.count(6144)).isEqualTo("6,144");
        assertThat(Fmt.num(0.012345678)).isEqualTo("0.01235");
        assertThat(Fmt.num(1.5e-5)).isEqualTo("1.5e-5");
        assertThat(Fmt.num(2.1)).isEqualTo("2.1");
        assertThat(Fmt.num(1234567.0)).isEqualTo("1235000");
        assertThat(Fmt.num(-0.00012346)).isEqualTo("-1.235e-4");
        assertThat(Fmt.num(Double.NaN)).isEqualTo(Fmt.MISSING);
        assertThat(Fmt.pct(-0.0987, true)).isEqualTo("-9.9%");
        assertThat(Fmt.pct(0.5, false)).isEqualTo("50.0%");
        assertThat(Fmt.round(0.123456789, 5)).isEqualTo(0.12346);
        assertThat(Fmt.round(Double.NaN, 5)).isNaN();
    }
}
