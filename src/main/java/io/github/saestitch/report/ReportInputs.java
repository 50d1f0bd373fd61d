package io.github.saestitch.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a report is built from. Every source is optional, but at least one must be given; a section
 * whose data is absent is left out of the report.
 *
 * @param title              the report's heading
 * @param pairs              compare output directories, one section each, in this order
 * @param familyDir          a {@code train-family} output directory (family summary, training curves), or null
 * @param trainingLogs       extra training logs ({@code train_log.csv}) beyond the family's, e.g. single runs
 * @param frankenstein       a {@link FrankensteinTable#FILE frankenstein.csv}, or null (then
 *                           {@code familyDir/frankenstein.csv} is used when it exists)
 * @param toyComparison      a {@link ToyTable#FILE toy_comparison.csv}, or null (then
 *                           {@code familyDir/toy_comparison.csv} is used when it exists)
 * @param png                also write {@code figures/*.png} (Java2D, headless) beside the SVGs
 * @param maxScatterPoints   most points drawn per scatter; larger pairs are shown as a seeded uniform
 *                           sample, with a note under the figure
 * @param maxExplorerLatents most latents per pair embedded for the explorer (same sampling and note)
 * @param seed               seed of that sampling
 * @param metaSaeDirs        {@code saestitch meta-sae} output directories ({@link MetaSaeRun}): a summary
 *                           section each, and each latent's meta-latents in the explorer of the SAE with
 *                           the same number of latents
 * @param nmfDirs            {@code saestitch nmf} output directories ({@link NmfRun}): a summary section
 *                           each (factors, their top latents and contexts), and each latent's factor in the
 *                           explorer of the SAE with the same number of latents
 */
public record ReportInputs(
        String title,
        List<PairInput> pairs,
        Path familyDir,
        List<TrainingLogInput> trainingLogs,
        Path frankenstein,
        Path toyComparison,
        boolean png,
        int maxScatterPoints,
        int maxExplorerLatents,
        long seed,
        List<Path> metaSaeDirs,
        List<Path> nmfDirs) {

    /** Default {@link #maxScatterPoints}: 20,000 dots are about 0.7 MB of SVG and still render at once. */
    public static final int DEFAULT_MAX_SCATTER_POINTS = 20_000;
    /** Default {@link #maxExplorerLatents}: about 100 bytes of embedded JSON per latent, so ~5 MB at most. */
    public static final int DEFAULT_MAX_EXPLORER_LATENTS = 50_000;

    public ReportInputs {
        title = title == null || title.isBlank() ? "saestitch report" : title;
        pairs = List.copyOf(pairs == null ? List.of() : pairs);
        trainingLogs = List.copyOf(trainingLogs == null ? List.of() : trainingLogs);
        metaSaeDirs = List.copyOf(metaSaeDirs == null ? List.of() : metaSaeDirs);
        nmfDirs = List.copyOf(nmfDirs == null ? List.of() : nmfDirs);
        if (maxScatterPoints < 100) {
            throw new IllegalArgumentException("maxScatterPoints must be at least 100, got " + maxScatterPoints);
        }
        if (maxExplorerLatents < 100) {
            throw new IllegalArgumentException("maxExplorerLatents must be at least 100, got " + maxExplorerLatents);
        }
        if (pairs.isEmpty()
                && familyDir == null
                && trainingLogs.isEmpty()
                && frankenstein == null
                && toyComparison == null
                && metaSaeDirs.isEmpty()
                && nmfDirs.isEmpty()) {
            throw new IllegalArgumentException("nothing to report: give at least one compare directory, a family "
                    + "directory, a training log, a Frankenstein table, a toy comparison, a meta-SAE or an NMF "
                    + "directory");
        }
    }

    /**
     * A training log to plot.
     *
     * @param label the run's name in the legend
     * @param csv   its {@code train_log.csv}
     */
    public record TrainingLogInput(String label, Path csv) {
        public TrainingLogInput {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(csv, "csv");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link ReportInputs} with the defaults above. */
    public static final class Builder {
        private String title;
        private final List<PairInput> pairs = new ArrayList<>();
        private Path familyDir;
        private final List<TrainingLogInput> logs = new ArrayList<>();
        private Path frankenstein;
        private Path toy;
        private boolean png;
        private int maxScatter = DEFAULT_MAX_SCATTER_POINTS;
        private int maxExplorer = DEFAULT_MAX_EXPLORER_LATENTS;
        private long seed;
        private final List<Path> metaSae = new ArrayList<>();
        private final List<Path> nmf = new ArrayList<>();

        private Builder() {}

        public Builder title(String t) {
            this.title = t;
            return this;
        }

        public Builder pair(PairInput p) {
            pairs.add(Objects.requireNonNull(p, "pair"));
            return this;
        }

        public Builder pair(Path compareDir) {
            return pair(PairInput.of(compareDir));
        }

        public Builder family(Path dir) {
            this.familyDir = dir;
            return this;
        }

        public Builder trainingLog(String label, Path csv) {
            logs.add(new TrainingLogInput(label, csv));
            return this;
        }

        public Builder frankenstein(Path csv) {
            this.frankenstein = csv;
            return this;
        }

        public Builder toyComparison(Path csv) {
            this.toy = csv;
            return this;
        }

        public Builder png(boolean on) {
            this.png = on;
            return this;
        }

        public Builder maxScatterPoints(int n) {
            this.maxScatter = n;
            return this;
        }

        public Builder maxExplorerLatents(int n) {
            this.maxExplorer = n;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** A {@code saestitch meta-sae} output directory (repeatable). */
        public Builder metaSae(Path dir) {
            metaSae.add(Objects.requireNonNull(dir, "meta-SAE directory"));
            return this;
        }

        /** A {@code saestitch nmf} output directory (repeatable). */
        public Builder nmf(Path dir) {
            nmf.add(Objects.requireNonNull(dir, "NMF directory"));
            return this;
        }

        public ReportInputs build() {
            return new ReportInputs(
                    title, pairs, familyDir, logs, frankenstein, toy, png, maxScatter, maxExplorer, seed, metaSae, nmf);
        }
    }
}
