package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The downstream part of "How this compares with the source": written from the Frankenstein table's scores. */
class SourceComparisonDownstreamTest {
    private static FrankensteinTable.Row row(String series, int n, double mse, double recovered) {
        return new FrankensteinTable.Row(series, n, mse, Double.NaN, 10, recovered, "");
    }

    @Test
    void withoutScoresItSaysTheyWereNotMeasured() {
        assertThat(SourceComparison.downstreamHtml(null)).contains("Not measured");
        FrankensteinTable none = new FrankensteinTable(
                Path.of("f.csv"), List.of(row("original", 768, 30, Double.NaN), row("cosine", 900, 29, Double.NaN)));
        assertThat(SourceComparison.downstreamHtml(none)).contains("Not measured");
    }

    @Test
    void withScoresItNamesTheOriginalsRangeAndTheBestStitchedModel() {
        FrankensteinTable t = new FrankensteinTable(
                Path.of("f.csv"),
                List.of(
                        row("original", 1536, 32, 0.882),
                        row("original", 768, 37, 0.854),
                        row("cosine", 1495, 37.2, 0.8517),
                        row("greedy + refit", 1536, 30, 0.9012),
                        row("greedy", 1536, 31, Double.NaN)));
        String html = SourceComparison.downstreamHtml(t);
        assertThat(html)
                .contains("the originals score from 0.854 (768 latents) to 0.882 (1,536 latents)")
                .contains("The best stitched model, greedy + refit with 1,536 latents, scores 0.901.")
                .contains("<td>0.8517</td>")
                .doesNotContain("Not measured");
        // the unscored row is not tabulated
        assertThat(html.split("<tr><td>", -1)).hasSize(1 + 4);
    }
}
