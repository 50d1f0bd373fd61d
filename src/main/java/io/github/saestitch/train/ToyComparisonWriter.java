package io.github.saestitch.train;

import io.github.saestitch.io.AtomicOutput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a {@link ToyComparison.Result} as the report's toy table, {@code toy_comparison.csv}
 * ({@link #FILE}): the header {@link #HEADER} ({@code format_version,
 * arm,mean_max_cos,absorption,parent_recall,mse,fvu,l0,dead}) and one row per arm, the arm's label
 * quoted, numbers in Java's shortest round-trip form.
 */
public final class ToyComparisonWriter {
    /** Version of the file, in every row. */
    public static final int FORMAT_VERSION = 1;
    /** The file's name in a family directory. */
    public static final String FILE = "toy_comparison.csv";
    /** The header line of {@link #FILE}. */
    public static final String HEADER = "format_version,arm,mean_max_cos,absorption,parent_recall,mse,fvu,l0,dead";

    private ToyComparisonWriter() {}

    /** Writes {@code result} to {@code file} (atomically). */
    public static void write(ToyComparison.Result result, Path file) throws IOException {
        AtomicOutput.writeFile(file, tmp -> {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(HEADER);
                w.write('\n');
                for (ToyComparison.ArmResult a : result.arms()) {
                    w.write(String.format(
                            Locale.ROOT,
                            "%d,\"%s\",%s,%s,%s,%s,%s,%s,%d%n",
                            FORMAT_VERSION,
                            a.arm().label(),
                            a.truth().meanMaxCosine(),
                            a.truth().absorption(),
                            a.truth().parentRecall(),
                            a.eval().mse(),
                            a.eval().fvu(),
                            a.eval().l0(),
                            a.eval().dead()));
                }
            }
        });
    }
}
