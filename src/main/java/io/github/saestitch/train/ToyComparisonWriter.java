package io.github.saestitch.train;

import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.report.ReportFormats;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a {@link ToyComparison.Result} as the report's toy table, {@code toy_comparison.csv}
 * ({@link ReportFormats#TOY_FILE}): the header {@link ReportFormats#TOY_HEADER} ({@code format_version,
 * arm,mean_max_cos,absorption,parent_recall,mse,fvu,l0,dead}) and one row per arm, the arm's label
 * quoted, numbers in Java's shortest round-trip form.
 */
public final class ToyComparisonWriter {
    private ToyComparisonWriter() {
    }

    /** Writes {@code result} to {@code file} (atomically). */
    public static void write(ToyComparison.Result result, Path file) throws IOException {
        AtomicOutput.writeFile(file, tmp -> {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(ReportFormats.TOY_HEADER);
                w.write('\n');
                for (ToyComparison.ArmResult a : result.arms()) {
                    w.write(String.format(Locale.ROOT, "%d,\"%s\",%s,%s,%s,%s,%s,%s,%d%n", ReportFormats.VERSION,
                            a.arm().label(), a.truth().meanMaxCosine(), a.truth().absorption(), a.truth().parentRecall(),
                            a.eval().mse(), a.eval().fvu(), a.eval().l0(), a.eval().dead()));
                }
            }
        });
    }
}
