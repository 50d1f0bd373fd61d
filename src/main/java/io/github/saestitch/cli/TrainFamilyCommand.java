package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.report.TrainingCharts;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.TrainListener;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch train-family}: SAEs of several widths on the same activations. */
@Command(
        name = "train-family",
        mixinStandardHelpOptions = true,
        description = {
            "Train a family of SAEs of increasing width on the same activations.",
            "Same hyper-parameters and seed for every width, one directory per width (OUT/width-N/, laid out as 'train' writes), plus",
            "OUT/family_summary.csv/.json (width vs mse, fvu, l0, dead) and OUT/family_summary.png.",
            "--resume skips finished members and continues an interrupted one."
        },
        footer = {"", "Example:  saestitch train-family --widths 768,1536,3072,6144 --acts runs/acts --out runs/family"
        })
final class TrainFamilyCommand implements Callable<Integer> {
    @Option(
            names = "--widths",
            required = true,
            split = ",",
            paramLabel = "N,N,...",
            description = "Widths, e.g. 768,1536,3072,6144.")
    List<Integer> widths;

    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--resume", description = "Continue an interrupted family.")
    boolean resume;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.resumable(() -> out, p -> resume);

    @Mixin
    TrainSettings settings = new TrainSettings();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        FamilyTrainer.FamilyResult r;
        try (ActivationSet set = Inputs.acts(acts, 0)) {
            TrainCommand.requireMemory("train-family", settings.options(java.util.Collections.max(widths)), set.dIn());
            r = new FamilyTrainer(settings.options(widths.get(0)), widths, kernels.kernels())
                    .train(set, out, resume, new FamilyTrainer.FamilyListener() {
                        @Override
                        public TrainListener onMemberStart(int index, int count, int width) {
                            return TrainCommand.progressListener(
                                    "width " + width + " (" + (index + 1) + "/" + count + ")");
                        }
                    });
        }
        System.out.printf(
                "%-8s %10s %8s %8s %6s %22s  %s%n", "width", "mse", "fvu", "l0", "dead", "mse Δ last quarter", "dir");
        for (FamilyTrainer.Member m : r.members()) {
            var e = m.result().finalEval();
            var c = m.result().convergence();
            String conv = c == null
                    ? "not judged"
                    : String.format("%+.2f%% %s", 100 * c.relativeChange(), c.converged() ? "converged" : "NOT conv.");
            System.out.printf(
                    "%-8d %10.5g %8.4f %8.2f %6d %22s  %s%n",
                    m.width(), e.mse(), e.fvu(), e.l0(), e.dead(), conv, m.dir());
        }
        Path png = TrainingCharts.writeFamily(out);
        System.out.println("summary: " + r.summaryCsv() + ", " + r.summaryJson() + ", " + png);
        for (FamilyTrainer.Member m : r.members()) {
            TrainCommand.warnIfUnconverged("width " + m.width() + ": ", m.result());
        }
        return 0;
    }
}
