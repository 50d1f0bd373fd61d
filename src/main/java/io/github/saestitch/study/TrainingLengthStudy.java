package io.github.saestitch.study;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareResult;
import io.github.saestitch.stitch.Contingency;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.TrainOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Training length as a study axis (docs/definitions.md#training-length-study): the same pair of widths,
 * trained on the same activations for several numbers of training tokens, each pair compared on the same
 * tokens — the contingency table, the agreement and the joint effect of every novel latent per length,
 * the numbers the stitching write-up reports once (GPT-2 small 768 → 1536: 628 / 29 / 281 / 598, 79.8%
 * agreement, "almost 10%" lower mse with all novel latents).
 *
 * <p>Each length's pair is a two-member family ({@link FamilyTrainer}: same options but the training
 * length, resumed where a run stopped), written to {@code OUT/tokens-N/}. The table is
 * {@code training_length_study.csv} ({@link #write}).
 */
public final class TrainingLengthStudy {
    /** Version of {@value #FILE}. */
    public static final int FORMAT_VERSION = 1;
    /** The study's table, in the study directory (and the demo's family directory, where the report finds it). */
    public static final String FILE = "training_length_study.csv";
    /** Header of {@value #FILE}. */
    public static final String HEADER = "format_version,training_tokens,small_width,large_width,small_mse,large_mse,"
            + "novel_improves,novel_worsens,reconstruction_improves,reconstruction_worsens,agreement,"
            + "novel_added_mse_change_fraction,joint_minimum_threshold,joint_minimum_mse_change_fraction,"
            + "greedy_minimum_mse_change_fraction,source";

    /**
     * One training length's pair compared.
     *
     * @param trainingTokens tokens each SAE trained on
     * @param smallWidth     S's latents
     * @param largeWidth     L's latents
     * @param compare        the compare of the pair (with the joint sweep, and the greedy path when asked)
     */
    public record Row(long trainingTokens, int smallWidth, int largeWidth, CompareResult compare) {}

    /** Receives progress; the library never prints. */
    public interface Listener {
        /** Training length {@code index} of {@code count} begins; returns the family listener for its pair. */
        default FamilyTrainer.FamilyListener onLength(int index, int count, long tokens) {
            return new FamilyTrainer.FamilyListener() {};
        }
    }

    private TrainingLengthStudy() {}

    /**
     * Trains {@code base}'s architecture at {@code smallWidth} and {@code largeWidth} for each of
     * {@code lengths} training tokens into {@code out/tokens-N/} (resumed where a run stopped), compares
     * each pair with {@code compareOptions}, and returns the rows in the order of {@code lengths}.
     */
    public static List<Row> run(
            ActivationSet acts,
            TrainOptions base,
            int smallWidth,
            int largeWidth,
            List<Long> lengths,
            CompareOptions compareOptions,
            Kernels kernels,
            Path out,
            Listener listener)
            throws IOException {
        Objects.requireNonNull(acts, "acts");
        if (lengths.isEmpty()) {
            throw new IllegalArgumentException("the study needs at least one training length");
        }
        if (smallWidth >= largeWidth) {
            throw new IllegalArgumentException(
                    "the small width (" + smallWidth + ") must be below the large width (" + largeWidth + ")");
        }
        Listener l = listener == null ? new Listener() {} : listener;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lengths.size(); i++) {
            long tokens = lengths.get(i);
            FamilyTrainer.FamilyListener fl = l.onLength(i, lengths.size(), tokens);
            TrainOptions o = base.toBuilder().trainingTokens(tokens).build();
            FamilyTrainer.FamilyResult fam = new FamilyTrainer(o, List.of(smallWidth, largeWidth), kernels)
                    .train(acts, out.resolve(lengthDir(tokens)), true, fl);
            rows.add(compare(
                    tokens,
                    fam.members().get(0).result().sae(),
                    fam.members().get(1).result().sae(),
                    acts,
                    compareOptions,
                    kernels));
        }
        return rows;
    }

    /** One length's row from an already trained pair (e.g. the demo family's own smallest pair). */
    public static Row compare(
            long trainingTokens, Sae small, Sae large, ActivationSet acts, CompareOptions options, Kernels kernels) {
        CompareResult r = new StitchComparator(kernels).compare(small, large, acts, options);
        return new Row(trainingTokens, small.numLatents(), large.numLatents(), r);
    }

    /** The directory of one training length's pair. */
    public static String lengthDir(long tokens) {
        return "tokens-" + tokens;
    }

    /**
     * Writes {@value #FILE}: one row per training length ({@code source} = "saestitch"), then the source's
     * row (GPT-2 small 768 → 1536; {@code source} = the write-up, its training length unknown: empty).
     * Undefined numbers are empty fields.
     */
    public static void write(List<Row> rows, Path file) throws IOException {
        AtomicOutput.writeFile(file, tmp -> {
            try (CsvWriter w = CsvWriter.open(tmp, HEADER)) {
                for (Row row : rows) {
                    CompareResult r = row.compare();
                    Contingency c = r.contingency();
                    double s = r.small().mse();
                    w.integer(FORMAT_VERSION)
                            .integer(row.trainingTokens())
                            .integer(row.smallWidth())
                            .integer(row.largeWidth())
                            .number(s)
                            .number(r.large().mse())
                            .integer(c.novelImproves())
                            .integer(c.novelWorsens())
                            .integer(c.reconstructionImproves())
                            .integer(c.reconstructionWorsens())
                            .number(c.agreement())
                            .number(change(r.novelAdded().mse(), s))
                            .number(r.joint() == null ? Double.NaN : r.joint().minimumThreshold())
                            .number(
                                    r.joint() == null
                                            ? Double.NaN
                                            : change(r.joint().minimumRow().mse(), s))
                            .number(
                                    r.greedy() == null
                                            ? Double.NaN
                                            : change(r.greedy().shape().minimumMse(), s))
                            .text("saestitch")
                            .endRow();
                }
                SourceNumbers src = SourceNumbers.GPT2_SMALL_768_1536;
                w.integer(FORMAT_VERSION)
                        .number(Double.NaN)
                        .integer(src.smallWidth())
                        .integer(src.largeWidth())
                        .number(Double.NaN)
                        .number(Double.NaN)
                        .integer(src.novelImproves())
                        .integer(src.novelWorsens())
                        .integer(src.reconstructionImproves())
                        .integer(src.reconstructionWorsens())
                        .number(src.agreement())
                        .number(src.novelAddedChange())
                        .number(Double.NaN)
                        .number(Double.NaN)
                        .number(Double.NaN)
                        .text(src.citation())
                        .endRow();
            }
        });
    }

    private static double change(double mse, double small) {
        return small > 0 ? (mse - small) / small : Double.NaN;
    }
}
