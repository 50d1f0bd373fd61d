package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationExtractor;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.ExtractionListener;
import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.activations.TransformerModel;
import io.github.saestitch.eval.PairContexts;
import io.github.saestitch.io.InputFingerprint;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.report.ReportBuilder;
import io.github.saestitch.report.ReportFormats;
import io.github.saestitch.report.ReportResult;
import io.github.saestitch.report.TrainingCharts;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareProgress;
import io.github.saestitch.stitch.CompareResult;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.study.TrainingLengthStudy;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.train.Convergence;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.ToyComparison;
import io.github.saestitch.train.ToyComparisonWriter;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.TrainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's data stages: activations, the toy comparison, the family, the compares and the report, each
 * through the same library calls as its command. The analyses of the family are in {@link DemoAnalyses}.
 *
 * @param plan    the sizes and directories
 * @param kernels the numeric backend of every stage
 * @param console the stage lines and the stage cache
 */
record DemoStages(DemoPlan plan, Kernels kernels, DemoConsole console) {
    /** Stage 1: MiniLM-L6 layer 3 over the Brown corpus into the store (continued when it is short). */
    void activations() throws IOException {
        console.stage(1, "activations (MiniLM-L6 layer 3, Brown corpus)");
        CliProgress[] bar = new CliProgress[1];
        var summary = ActivationExtractor.extract(
                ExtractionOptions.defaults(plan.acts())
                        .withModel(TransformerModel.MINILM_L6)
                        .withHook(HookPoint.residPost(3))
                        .withMaxTokens(plan.tokens()),
                new ExtractionListener() {
                    @Override
                    public void started(Started st) {
                        bar[0] = new CliProgress("  activations", st.estimatedTotal(), "tok");
                        bar[0].stepTo(st.existingTokens());
                    }

                    @Override
                    public void progress(ExtractionListener.Progress p) {
                        bar[0].stepTo(p.tokens());
                    }
                });
        if (bar[0] != null) {
            bar[0].close();
        }
        console.done(
                summary.newTokens() == 0
                        ? "cached: " + summary.tokens() + " tokens"
                        : summary.tokens() + " tokens, "
                                + String.format(Locale.ROOT, "%.0f tokens/s", summary.tokensPerSecond()));
    }

    /** Stage 2: vanilla vs Matryoshka absorption on the toy model, reused only when made with the same options. */
    void toyComparison() throws IOException {
        Files.createDirectories(plan.family());
        console.stage(2, "toy model: vanilla vs Matryoshka absorption (Nabeshima 2024)");
        Path toy = plan.family().resolve(ReportFormats.TOY_FILE);
        ToyComparison.Options options = plan.toyOptions();
        Path stamp = plan.family().resolve("toy_comparison.inputs");
        InputFingerprint fingerprint = InputFingerprint.of(options.toString());
        if (Files.exists(toy) && fingerprint.isStampedIn(stamp)) {
            console.done("cached");
            return;
        }
        ToyComparisonWriter.write(ToyComparison.run(options, kernels), toy);
        fingerprint.stamp(stamp);
        console.done("wrote " + toy);
    }

    /** Stage 3: the relu+L1 family of widths (resumed where it stopped). */
    FamilyTrainer.FamilyResult family() throws IOException {
        console.stage(3, "train a relu+L1 family " + plan.widths());
        FamilyTrainer.FamilyResult fam;
        TrainOptions options = plan.familyOptions();
        try (ActivationSet set = ActivationSets.open(plan.acts())) {
            fam = new FamilyTrainer(options, plan.widths(), kernels)
                    .train(set, plan.family(), true, new FamilyTrainer.FamilyListener() {
                        @Override
                        public TrainListener onMemberStart(int index, int count, int width) {
                            return TrainCommand.progressListener(
                                    "  width " + width + " (" + (index + 1) + "/" + count + ")");
                        }
                    });
        }
        TrainingCharts.writeFamily(plan.family());
        StringBuilder line = new StringBuilder();
        for (FamilyTrainer.Member m : fam.members()) {
            line.append(String.format(
                    Locale.ROOT,
                    "%s%d: fvu %.3f l0 %.1f dead %d, %s",
                    line.isEmpty() ? "" : "; ",
                    m.width(),
                    m.result().finalEval().fvu(),
                    m.result().finalEval().l0(),
                    m.result().finalEval().dead(),
                    convergence(m.result().convergence())));
        }
        console.done(line.toString());
        for (FamilyTrainer.Member m : fam.members()) {
            TrainCommand.warnIfUnconverged("width " + m.width() + ": ", m.result());
        }
        return fam;
    }

    /** "converged (-0.4%)", "NOT converged (-3.1%)": the criterion of {@link Convergence}, in the stage line. */
    private static String convergence(Convergence c) {
        return c == null
                ? "convergence not judged"
                : String.format(
                        Locale.ROOT,
                        "%s (held-out mse %+.1f%% over the last quarter)",
                        c.converged() ? "converged" : "NOT converged",
                        100 * c.relativeChange());
    }

    /** Stage 4: every adjacent pair of the family compared, with its top contexts; the compare directories. */
    List<Path> comparePairs(FamilyTrainer.FamilyResult fam) throws IOException {
        console.stage(4, "compare adjacent pairs on " + plan.compareTokens() + " tokens");
        List<Path> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < fam.members().size(); i++) {
            // The chain's first pair also carries its smaller SAE's contexts (the explorer's only source for
            // the smallest SAE; every other pair's smaller SAE is the previous pair's larger one).
            pairs.add(comparePair(fam.members().get(i), fam.members().get(i + 1), i == 0));
        }
        console.done(pairs.size() + " pairs in " + plan.out().resolve("compare"));
        return pairs;
    }

    /**
     * One pair, as {@code compare} with contexts writes it (the smaller SAE's contexts only when
     * {@code smallContexts}), unless the directory holds a compare of the same SAEs and token count.
     */
    private Path comparePair(FamilyTrainer.Member s, FamilyTrainer.Member l, boolean smallContexts) throws IOException {
        Path cmp = plan.compare(s.width(), l.width());
        Path sDir = s.dir().resolve(TrainResult.SAE_DIR);
        Path lDir = l.dir().resolve(TrainResult.SAE_DIR);
        // The SAE files' bytes, not their times: resuming a finished family rewrites them.
        // "greedy": a compare cached before the joint sweep and the greedy path existed is redone.
        InputFingerprint fingerprint = InputFingerprint.of(plan.compareTokens() + " greedy", sDir, lDir);
        Path stamp = cmp.resolve(DemoConsole.STAMP);
        if (fingerprint.isStampedIn(stamp)) {
            if (smallContexts && !Files.isRegularFile(cmp.resolve(LatentContexts.SMALL_FILE))) {
                contexts(SaeFormats.load(sDir).sae(), null).writeInto(cmp); // a compare cached before this file existed
            }
            System.out.printf("  %d → %d: cached%n", s.width(), l.width());
            return cmp;
        }
        Sae small = SaeFormats.load(sDir).sae();
        Sae large = SaeFormats.load(lDir).sae();
        CompareResult r;
        PairContexts ctx;
        try (ActivationStore store = ActivationStore.open(plan.acts())) {
            // The contexts come from the compare pass's own codes: no second encoding of the tokens.
            PairContexts.Collector collector =
                    new PairContexts.Collector(smallContexts ? small.numLatents() : 0, large.numLatents());
            r = new StitchComparator(kernels)
                    .compare(
                            small,
                            large,
                            store,
                            CompareOptions.defaults()
                                    .withMaxTokens(plan.compareTokens())
                                    .withGreedyPath(true),
                            new CompareProgress() {
                                @Override
                                public void codes(long firstToken, SparseRows smallCodes, SparseRows largeCodes) {
                                    collector.add(firstToken, smallCodes, largeCodes);
                                }
                            });
            ctx = collector.finish(store);
        }
        CompareWriter.write(r, cmp, true, ctx::writeInto);
        fingerprint.stamp(stamp);
        var c = r.contingency();
        System.out.printf(
                Locale.ROOT,
                "  %d → %d: %d novel (%d improve, %d worsen), %d reconstruction (%d improve, %d worsen);"
                        + " S + novel: mse %.4g → %.4g%n",
                s.width(),
                l.width(),
                c.novel(),
                c.novelImproves(),
                c.novelWorsens(),
                c.reconstruction(),
                c.reconstructionImproves(),
                c.reconstructionWorsens(),
                r.small().mse(),
                r.novelAdded().mse());
        return cmp;
    }

    /** The top contexts of the given SAEs (null: not wanted) over the compared tokens. */
    private PairContexts contexts(Sae small, Sae large) {
        try (ActivationStore store = ActivationStore.open(plan.acts())) {
            return PairContexts.compute(small, large, store, plan.compareTokens(), kernels, done -> {});
        }
    }

    /**
     * Stage 8: the training-length study of the smallest pair: trained afresh for 1/16 and 1/4 of the
     * family's training tokens (in OUT/study), the family's own pair for all of them, each compared as
     * stage 4 does; the table goes to the family directory, where the report finds it.
     */
    Path trainingLengthStudy(FamilyTrainer.FamilyResult fam) throws IOException {
        console.stage(
                8,
                "training-length study of the " + plan.widths().get(0) + " → "
                        + plan.widths().get(1) + " pair");
        Path table = plan.family().resolve(TrainingLengthStudy.FILE);
        FamilyTrainer.Member s = fam.members().get(0);
        FamilyTrainer.Member l = fam.members().get(1);
        Path sDir = s.dir().resolve(TrainResult.SAE_DIR);
        Path lDir = l.dir().resolve(TrainResult.SAE_DIR);
        List<Long> lengths = List.of(plan.trainTokens() / 16, plan.trainTokens() / 4);
        InputFingerprint fingerprint =
                InputFingerprint.of(lengths + " " + plan.trainTokens() + " " + plan.compareTokens(), sDir, lDir);
        Path stamp = plan.study().resolve(DemoConsole.STAMP);
        if (Files.exists(table) && fingerprint.isStampedIn(stamp)) {
            console.done("cached: " + table);
            return table;
        }
        CompareOptions options = CompareOptions.defaults()
                .withMaxTokens(plan.compareTokens())
                .withGreedyPath(true)
                .withActivationCorrelation(false);
        List<TrainingLengthStudy.Row> rows = new ArrayList<>();
        Files.createDirectories(plan.study());
        try (ActivationSet set = ActivationSets.open(plan.acts())) {
            rows.addAll(TrainingLengthStudy.run(
                    set,
                    s.result().options(), // the family's own options: only the training length differs
                    s.width(),
                    l.width(),
                    lengths,
                    options,
                    kernels,
                    plan.study(),
                    StudyCommand.progress()));
            rows.add(TrainingLengthStudy.compare(
                    plan.trainTokens(), s.result().sae(), l.result().sae(), set, options, kernels));
        }
        TrainingLengthStudy.write(rows, plan.study().resolve(TrainingLengthStudy.FILE));
        TrainingLengthStudy.write(rows, table);
        fingerprint.stamp(stamp);
        StudyCommand.print(rows);
        console.done("wrote " + table);
        return table;
    }

    /** Stage 9: the report of everything, in OUT/report. */
    ReportResult report(List<Path> pairs, Path frankenstein, Path metaSae, Path nmf) throws IOException {
        console.stage(9, "report");
        ReportResult report = ReportBuilder.build(
                ReportCommand.builder("SAE stitching on MiniLM-L6 layer 3 (Brown corpus)", pairs, plan.family(), true)
                        .frankenstein(frankenstein.resolve(ReportFormats.FRANKENSTEIN_FILE))
                        .metaSae(metaSae)
                        .nmf(nmf)
                        .build(),
                plan.report());
        console.done(report.figures().size() + " figures");
        return report;
    }
}
