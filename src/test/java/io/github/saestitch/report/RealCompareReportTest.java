package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareResult;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.Contingency;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.tensor.ScalarKernels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report reads what the real {@code compare} writer writes: a synthetic pair is compared with
 * {@link StitchComparator}, written with {@link CompareWriter}, and the report's numbers are checked
 * against the writer's own summary.json.
 */
class RealCompareReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void readsCompareWriterOutputAndAgreesWithItsSummary() throws Exception {
        SyntheticPair p = SyntheticPair.generate(24, 40, 96, 1500, 6, 11);
        CompareResult result = new StitchComparator(new ScalarKernels())
                .compare(
                        p.small(),
                        p.large(),
                        new MatrixActivationSet(p.x(), "synthetic"),
                        CompareOptions.defaults().withThreads(1));
        Path cmp = tmp.resolve("cmp");
        CompareWriter.write(result, cmp, false);

        CompareRun run = CompareRun.read(cmp, null, null);
        JsonNode summary = JSON.readTree(Files.readString(cmp.resolve("summary.json")));
        JsonNode c = summary.get("contingency");
        assertThat(run.contingency()).isEqualTo(result.contingency());
        Contingency mine =
                Contingency.count(run.latents().novel(), run.latents().deltaMse());
        assertThat(mine.novelImproves()).isEqualTo(c.get("novel_improves").asLong());
        assertThat(mine.novelWorsens()).isEqualTo(c.get("novel_worsens").asLong());
        assertThat(mine.reconstructionImproves())
                .isEqualTo(c.get("reconstruction_improves").asLong());
        assertThat(mine.reconstructionWorsens())
                .isEqualTo(c.get("reconstruction_worsens").asLong());
        assertThat(mine.novelUnchanged()).isEqualTo(c.get("novel_unchanged").asLong());
        assertThat(mine.reconstructionUnchanged())
                .isEqualTo(c.get("reconstruction_unchanged").asLong());
        if (c.get("agreement").isNumber()) {
            assertThat(mine.agreement()).isEqualTo(c.get("agreement").asDouble());
        }
        assertThat(run.latents().size()).isEqualTo(96);
        assertThat(run.groups()).hasSize(summary.get("num_groups").asInt());
        assertThat(run.summary().novelAdded().mse())
                .isEqualTo(summary.at("/novel_added/mse").asDouble());
        assertThat(run.summary().sweep()).hasSize(summary.get("threshold_sweep").size());
        assertThat(run.interpolation().get(0).mse())
                .isEqualTo(run.summary().small().mse());

        ReportResult r = ReportBuilder.build(ReportInputs.builder().pair(cmp).build(), tmp.resolve("report"));
        String html = Files.readString(r.html());
        ReportBuilderTest.assertWellFormedIsh(html);
        ReportBuilderTest.assertNoExternalRequests(html);
        JsonNode data = ReportBuilderTest.embeddedData(html);
        assertThat(data.at("/pairs/0/label").asText()).isEqualTo("40 \u2192 96");
        assertThat(data.at("/pairs/0/latents/columns/latent")).hasSize(96);
        assertThat(data.at("/pairs/0/groups/group")).hasSize(run.groups().size());
        assertThat(r.figures())
                .extracting(ReportResult.FigureFile::id)
                .contains("pair1-maxcos-vs-dmse", "pair1-threshold-sweep", "interpolation");
    }
}
