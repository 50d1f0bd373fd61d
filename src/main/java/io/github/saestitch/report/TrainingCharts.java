package io.github.saestitch.report;

import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.TrainResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The charts {@code saestitch train} and {@code train-family} leave beside their logs, drawn by the
 * report's own figure code from the files the training wrote (so the standalone charts and the
 * report's figures are the same drawing): {@value TrainResult#PLOT_FILE} in a run directory and
 * {@value FamilyTrainer#SUMMARY_PNG} in a family directory, each as PNG and, beside it, SVG. The
 * {@code train} package does not draw (it sits below the report); the CLI calls these after training.
 */
public final class TrainingCharts {
    private TrainingCharts() {}

    /**
     * Draws the training log of a run directory as {@value TrainResult#PLOT_FILE} (and {@code .svg}) there.
     *
     * @param label the run's name in the legend (e.g. "relu F=768")
     * @return the PNG written
     */
    public static Path writeTrainingCurves(Path runDir, String label) throws IOException {
        TrainingCurve curve = TrainingCurve.read(runDir.resolve(TrainingCurve.FILE), label);
        return write(Figures.training(List.of(curve), "training-curves"), runDir.resolve(TrainResult.PLOT_FILE));
    }

    /**
     * Draws a family directory's summary as {@value FamilyTrainer#SUMMARY_PNG} (and {@code .svg}) there,
     * and every member's training curves in its own directory.
     *
     * @return the family PNG written
     */
    public static Path writeFamily(Path familyDir) throws IOException {
        FamilyRun family = FamilyRun.read(familyDir);
        for (TrainingCurve c : family.curves()) {
            write(Figures.training(List.of(c), "training-curves"), c.file().resolveSibling(TrainResult.PLOT_FILE));
        }
        return write(Figures.family(family, "family-summary"), familyDir.resolve(FamilyTrainer.SUMMARY_PNG));
    }

    /** Writes the chart as {@code png} and as the SVG of the same name, each atomically. */
    private static Path write(Figures.Chart chart, Path png) throws IOException {
        Scene scene = FigureLayout.layout(chart.figure());
        byte[] bytes = PngWriter.png(scene, ReportBuilder.PNG_SCALE);
        AtomicOutput.writeFile(png, tmp -> Files.write(tmp, bytes));
        String name = png.getFileName().toString();
        Path svg = png.resolveSibling(name.substring(0, name.length() - ".png".length()) + ".svg");
        String text = SvgWriter.document(scene);
        AtomicOutput.writeFile(svg, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
        return png;
    }
}
