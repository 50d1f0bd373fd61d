package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.study.TrainingLengthStudy;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch study}: training length as a study axis. */
@Command(
        name = "study",
        mixinStandardHelpOptions = true,
        description = {
            "Train one pair of widths (relu + L1, the stitching write-up's setup) for",
            "each of several training lengths on the same activations, compare each",
            "pair on the same tokens, and tabulate per length the contingency table,",
            "the agreement and the joint effect of every novel latent, beside the",
            "source's GPT-2 768 -> 1536 numbers: OUT/training_length_study.csv; each",
            "pair in OUT/tokens-N/ (resumed where it stopped)."
        },
        footer = {"", "Example:  saestitch study --acts runs/acts --lengths 250000,1000000,4000000 --out runs/study"})
final class StudyCommand implements Callable<Integer> {
    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(
            names = "--widths",
            split = ",",
            defaultValue = "768,1536",
            paramLabel = "S,L",
            description = "The pair of widths. Default: ${DEFAULT-VALUE}.")
    List<Integer> widths;

    @Option(
            names = "--lengths",
            required = true,
            split = ",",
            paramLabel = "N,N,...",
            description = "Training tokens per SAE, one pair per value, e.g. 250000,1000000,4000000.")
    List<Long> lengths;

    @Option(
            names = "--compare-tokens",
            defaultValue = "100000",
            paramLabel = "N",
            description = "Compare each pair on the first N tokens. Default: ${DEFAULT-VALUE}.")
    long compareTokens;

    @Option(
            names = "--greedy-path",
            description = "Also compute each pair's greedy order of the novel latents (as 'compare --greedy-path').")
    boolean greedyPath;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description =
                    "Output directory; a study's own directory is continued (each pair resumes where it" + " stopped).")
    Path out;

    /** Written in place, pair by pair; an earlier study's directory (its {@code tokens-N/} pairs) is continued. */
    @Mixin
    OverwriteOption overwrite = OverwriteOption.resumable(() -> out, StudyCommand::isStudy);

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        if (widths.size() != 2 || widths.get(0) >= widths.get(1)) {
            throw new BadInputException("--widths takes two widths, the smaller first, got " + widths);
        }
        if (lengths.stream().anyMatch(n -> n < 1)) {
            throw new BadInputException("--lengths must be positive token counts, got " + lengths);
        }
        if (compareTokens < 1) {
            throw new BadInputException("--compare-tokens must be >= 1, got " + compareTokens);
        }
        Files.createDirectories(out);
        List<TrainingLengthStudy.Row> rows;
        try (ActivationSet set = Inputs.acts(acts, 0)) {
            rows = TrainingLengthStudy.run(
                    set,
                    TrainOptions.builder(Architecture.RELU, widths.get(0)).build(),
                    widths.get(0),
                    widths.get(1),
                    lengths,
                    CompareOptions.defaults().withMaxTokens(compareTokens).withGreedyPath(greedyPath),
                    kernels.kernels(),
                    out,
                    progress());
        }
        Path csv = out.resolve(TrainingLengthStudy.FILE);
        TrainingLengthStudy.write(rows, csv);
        print(rows);
        System.out.println("wrote " + csv);
        return 0;
    }

    /** Whether {@code dir} holds only what a study writes (its pairs and its table). */
    static boolean isStudy(Path dir) {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            List<String> names = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .toList();
            // the stamp is the demo's (its stage 8 is a study); an empty directory is refused like any other
            return !names.isEmpty()
                    && names.stream()
                            .allMatch(n -> n.matches("tokens-\\d+")
                                    || n.equals(TrainingLengthStudy.FILE)
                                    || n.equals(DemoConsole.STAMP));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The progress lines of a study (also the demo's). */
    static TrainingLengthStudy.Listener progress() {
        return new TrainingLengthStudy.Listener() {
            @Override
            public FamilyTrainer.FamilyListener onLength(int index, int count, long tokens) {
                return new FamilyTrainer.FamilyListener() {
                    @Override
                    public TrainListener onMemberStart(int i, int n, int width) {
                        return TrainCommand.progressListener(
                                "  " + tokens + " tokens (" + (index + 1) + "/" + count + "), width " + width);
                    }
                };
            }
        };
    }

    /** One line per training length. */
    static void print(List<TrainingLengthStudy.Row> rows) {
        for (TrainingLengthStudy.Row row : rows) {
            var r = row.compare();
            var c = r.contingency();
            System.out.printf(
                    Locale.ROOT,
                    "  %,d tokens: novel %d / %d, reconstruction %d / %d (improve / worsen), agreement %.1f%%,"
                            + " all novel jointly %+.1f%% mse%n",
                    row.trainingTokens(),
                    c.novelImproves(),
                    c.novelWorsens(),
                    c.reconstructionImproves(),
                    c.reconstructionWorsens(),
                    100 * c.agreement(),
                    100 * (r.novelAdded().mse() / r.small().mse() - 1));
        }
    }
}
