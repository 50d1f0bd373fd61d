package io.github.saestitch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.CorpusSource;
import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.activations.TestTexts;
import io.github.saestitch.activations.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A smoke test of the benchmark's plumbing on a few hundred tokens (not a timing: timings belong in the bench command,
 * never in tests).
 */
class ExtractionBenchmarkTest {

    @Test
    void reportsBothRatesAndTheirRatioAndCleansUp(@TempDir Path tmp) throws IOException {
        Path texts = TestTexts.textFolder(tmp);
        Path work = tmp.resolve("work");
        ExtractionBenchmark.Options o = new ExtractionBenchmark.Options(
                TransformerModel.MINILM_L6,
                HookPoint.residPost(1),
                new CorpusSource.TextFiles(texts),
                120,
                16,
                4,
                2,
                1,
                work);
        ExtractionBenchmark.Result r = ExtractionBenchmark.run(o);
        assertThat(r.tokens()).isEqualTo(120);
        assertThat(r.batches()).isEqualTo(3); // 120 tokens of 14-token windows, 4 windows a batch
        assertThat(r.rawTokensPerSecond()).isPositive();
        assertThat(r.extractionTokensPerSecond()).isPositive();
        assertThat(r.prunedRawTokensPerSecond()).isPositive();
        assertThat(r.ratio())
                .isCloseTo(
                        r.extractionTokensPerSecond() / r.rawTokensPerSecond(),
                        org.assertj.core.api.Assertions.within(1e-9));
        // 120 tokens can finish inside one tick of the process CPU clock: then the CPU ratio is not measurable (NaN),
        // never 0 or infinite.
        if (!Double.isNaN(r.cpuRatio())) {
            assertThat(r.cpuRatio()).isPositive().isFinite();
        }
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).isEmpty();
        }
    }
}
