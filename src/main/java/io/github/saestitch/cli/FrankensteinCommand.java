package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.frankenstein.DecoderRefit;
import io.github.saestitch.frankenstein.Family;
import io.github.saestitch.frankenstein.Frankenstein;
import io.github.saestitch.frankenstein.FrankensteinListener;
import io.github.saestitch.frankenstein.FrankensteinOptions;
import io.github.saestitch.frankenstein.FrankensteinResult;
import io.github.saestitch.frankenstein.FrankensteinWriter;
import io.github.saestitch.io.LoadedSae;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch frankenstein}: one SAE from the latents of a whole family, against the originals. */
@Command(
        name = "frankenstein",
        mixinStandardHelpOptions = true,
        description = {
            "Build Frankenstein SAEs from a family of SAEs of different widths (same",
            "site) and compare them with the originals on held-out tokens.",
            "",
            "cosine: start from the smallest SAE; for each wider SAE add every latent",
            "  whose largest decoder cosine to the Frankenstein (as it was before that",
            "  SAE) is below --threshold (the stitching write-up's rule).",
            "greedy: start from the smallest SAE; repeatedly add the latent of any wider",
            "  SAE with the most negative exact mse change given the latents already",
            "  added, up to the cosine Frankenstein's width (--width), and on until it",
            "  reaches the cosine Frankenstein's l0 (the 'equal l0' series).",
            "Every latent keeps the activation it has in its own SAE. The decoder is",
            "then refit with the encoders fixed: exactly (least squares, Cholesky;",
            "conjugate gradients for very wide models) and, to compare, by Adam. The",
            "original SAEs get the same exact refit ('original + refit'), the control.",
            "Selection and refit use the first --train-tokens tokens; every model is",
            "evaluated on the last --held-out tokens, whole documents (the trainer's held-out set).",
            "",
            "--downstream also scores every model by splicing its reconstruction into",
            "the store's model on the held-out tokens (embedding_recovered, as in",
            "'eval --downstream').",
            "",
            "Writes OUT/frankenstein.csv (the report's table: series, num_latents, mse,",
            "fvu, l0, embedding_recovered), latents_cosine.csv, latents_greedy.csv, summary.json, and the",
            "final models that 'eval' reads: sae-cosine, sae-cosine-refit, sae-greedy,",
            "sae-greedy-refit; SAELens SAE directories when no source is topk, else",
            "saestitch composites, which no ecosystem loader reads. See README, 'frankenstein'.",
            "",
            "--master encodes the tokens with every member on Apache Spark (the GEMMs);",
            "selection, refits and evaluation run here on the same codes: byte-identical",
            "files to the single-process command."
        },
        footer = {
            "",
            "Example:",
            "  saestitch frankenstein --family runs/demo/family/width-* \\",
            "      --acts runs/demo/acts --out runs/frankenstein"
        })
final class FrankensteinCommand implements Callable<Integer> {
    @Option(
            names = "--family",
            required = true,
            arity = "1..*",
            paramLabel = "DIR",
            description = "Two or more SAE directories (or train run directories) of the same site, any order.")
    List<Path> family;

    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "OUT",
            description = "Output directory (written whole, or not at all).")
    Path out;

    @Option(
            names = "--threshold",
            defaultValue = "" + FrankensteinOptions.DEFAULT_THRESHOLD,
            paramLabel = "τ",
            description = "Decoder-cosine threshold of the cosine rule. Default: ${DEFAULT-VALUE}.")
    double threshold;

    @Option(
            names = "--select",
            defaultValue = "both",
            paramLabel = "RULE",
            description = "cosine, greedy or both. Default: ${DEFAULT-VALUE}.")
    String select;

    @Option(
            names = "--refit",
            defaultValue = "both",
            paramLabel = "HOW",
            description = "Decoder refit: exact (least squares), adam, both or none. Default: ${DEFAULT-VALUE}.")
    String refit;

    @Option(
            names = "--train-tokens",
            defaultValue = "" + FrankensteinOptions.DEFAULT_TRAIN_TOKENS,
            paramLabel = "N",
            description = "Selection/refit tokens: the first N (never the held-out tail). Default: ${DEFAULT-VALUE}.")
    long trainTokens;

    @Option(
            names = "--held-out",
            defaultValue = "" + FrankensteinOptions.DEFAULT_HELD_OUT,
            paramLabel = "N",
            description =
                    "Evaluation tokens: the last N of the set. Default: ${DEFAULT-VALUE} (the trainer's held-out tail).")
    long heldOut;

    @Option(
            names = "--downstream",
            description = "Also each model's downstream score on the held-out tokens (needs a store made by "
                    + "'saestitch activations' from a model we ship; see 'eval --downstream').")
    boolean downstream;

    @Option(
            names = "--width",
            defaultValue = "0",
            paramLabel = "N",
            description = "Greedy target width. Default: the cosine Frankenstein's.")
    int width;

    @Option(
            names = "--solver",
            defaultValue = "auto",
            paramLabel = "S",
            description =
                    "Exact refit solver: auto (Cholesky while the Gram fits in 2 GiB, else CG), cholesky or cg. Default: ${DEFAULT-VALUE}.")
    String solver;

    @Option(
            names = "--ridge",
            defaultValue = "" + DecoderRefit.DEFAULT_RIDGE,
            paramLabel = "λ",
            description =
                    "Exact refit ridge towards the source decoder rows, relative to each latent's Σ f². Default: ${DEFAULT-VALUE}.")
    double ridge;

    @Option(
            names = "--adam-epochs",
            defaultValue = "" + DecoderRefit.AdamOptions.DEFAULT_EPOCHS,
            paramLabel = "E",
            description = "Epochs of the Adam refit. Default: ${DEFAULT-VALUE}.")
    int adamEpochs;

    @Option(
            names = "--adam-lr",
            defaultValue = "" + DecoderRefit.AdamOptions.DEFAULT_LR,
            paramLabel = "LR",
            description = "Learning rate of the Adam refit. Default: ${DEFAULT-VALUE}.")
    double adamLr;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Mixin
    ClusterOption cluster = new ClusterOption();

    @Override
    public Integer call() throws Exception {
        boolean cos;
        boolean greedy;
        switch (select.toLowerCase(Locale.ROOT)) {
            case "cosine" -> {
                cos = true;
                greedy = false;
            }
            case "greedy" -> {
                cos = false;
                greedy = true;
            }
            case "both" -> {
                cos = true;
                greedy = true;
            }
            default -> throw new BadInputException("--select must be cosine, greedy or both, not '" + select + "'");
        }
        boolean exact;
        boolean adam;
        switch (refit.toLowerCase(Locale.ROOT)) {
            case "exact" -> {
                exact = true;
                adam = false;
            }
            case "adam" -> {
                exact = false;
                adam = true;
            }
            case "both" -> {
                exact = true;
                adam = true;
            }
            case "none" -> {
                exact = false;
                adam = false;
            }
            default -> throw new BadInputException("--refit must be exact, adam, both or none, not '" + refit + "'");
        }
        DecoderRefit.Solver s = switch (solver.toLowerCase(Locale.ROOT)) {
            case "auto" -> DecoderRefit.Solver.AUTO;
            case "cholesky" -> DecoderRefit.Solver.CHOLESKY;
            case "cg" -> DecoderRefit.Solver.CG;
            default -> throw new BadInputException("--solver must be auto, cholesky or cg, not '" + solver + "'");
        };
        FrankensteinOptions options = FrankensteinOptions.defaults()
                .withThreshold(threshold)
                .withSelect(cos, greedy)
                .withRefit(exact, adam)
                .withTokens(trainTokens, heldOut)
                .withWidth(width)
                .withRefitOptions(DecoderRefit.Options.defaults().withSolver(s).withRidge(ridge))
                .withAdam(new DecoderRefit.AdamOptions(
                        adamEpochs,
                        adamLr,
                        DecoderRefit.AdamOptions.defaults().batch(),
                        DecoderRefit.AdamOptions.defaults().seed()));
        List<Family.Member> members = new ArrayList<>();
        for (Path p : family) {
            LoadedSae l = Inputs.rawInputSae(p, "frankenstein");
            members.add(new Family.Member(l.sae(), p.toString()));
        }
        Family fam = new Family(members);
        warnIfHeldOutWasTrainedOn();
        FrankensteinResult r;
        long t0 = System.nanoTime();
        try (ActivationSet set = Inputs.acts(acts, 0);
                io.github.saestitch.cluster.RangeRunner runner = cluster.on() ? cluster.open() : null) {
            Listener listener = new Listener();
            long total = set.numTokens();
            try (DownstreamScores scores =
                    downstream && total > heldOut ? DownstreamScores.openHeldOut(acts, set, heldOut) : null) {
                r = new Frankenstein(
                                kernels.kernels(),
                                runner == null
                                        ? null
                                        : new Frankenstein.Distributed(
                                                runner,
                                                io.github.saestitch.cluster.SetSource.path(acts),
                                                cluster.partitions,
                                                kernels.kernels().name()))
                        .run(
                                fam,
                                set,
                                options,
                                listener,
                                scores == null
                                        ? null
                                        : m -> scores.score(m).result().embeddingRecovered());
            } finally {
                listener.close();
            }
        }
        FrankensteinWriter.write(r, out, overwrite.on);
        if (json.print(FrankensteinWriter.summary(r))) {
            return 0;
        }
        System.out.printf(
                Locale.ROOT,
                "frankenstein of %d SAEs on %d selection tokens, evaluated on %d held-out tokens, in %.1f s (%s kernels)%n",
                fam.size(),
                r.trainTokens(),
                r.heldOutTokens(),
                (System.nanoTime() - t0) / 1e9,
                r.kernels());
        System.out.printf(
                Locale.ROOT,
                "  %-26s %8s %10s %8s %8s%s%n",
                "series",
                "latents",
                "mse",
                "fvu",
                "l0",
                downstream ? "  emb.recovered" : "");
        for (FrankensteinResult.Row row : r.rows()) {
            System.out.printf(
                    Locale.ROOT,
                    "  %-26s %8d %10.4f %8.4f %8.2f%s%n",
                    row.series(),
                    row.numLatents(),
                    row.mse(),
                    row.fvu(),
                    row.l0(),
                    downstream ? String.format(Locale.ROOT, "  %13.4f", row.embeddingRecovered()) : "");
        }
        System.out.println("  wrote " + out.resolve(FrankensteinWriter.TABLE_FILE) + ", latents_*.csv, summary.json, "
                + String.join(", ", r.saved().keySet()));
        return 0;
    }

    /**
     * The evaluation tokens are the last {@code --held-out} of the set, meant to be the trainer's held-out
     * tail. A family member trained here (its run directory's {@code train_summary.json}) that held out
     * fewer tokens was trained on part of them: say so, with the value that would be clean.
     */
    private void warnIfHeldOutWasTrainedOn() throws java.io.IOException {
        for (Path p : family) {
            Path summary = p.resolve("train_summary.json");
            if (!Files.isRegularFile(summary)
                    && p.getFileName() != null
                    && p.getFileName().toString().equals("sae")
                    && p.getParent() != null) {
                summary = p.getParent().resolve("train_summary.json");
            }
            if (!Files.isRegularFile(summary)) {
                continue;
            }
            var node = io.github.saestitch.io.Json.MAPPER.readTree(summary.toFile());
            long trainerHeld = node.path("options").path("evalTokens").asLong(-1);
            if (trainerHeld >= 0 && trainerHeld < heldOut) {
                System.err.printf(
                        Locale.ROOT,
                        "warning: %s was trained holding out only the last %d tokens of its set, "
                                + "so %d of the %d evaluation tokens may be ones it trained on; use --held-out %d for a clean "
                                + "evaluation (if --acts is the set it was trained on)%n",
                        p,
                        trainerHeld,
                        heldOut - trainerHeld,
                        heldOut,
                        trainerHeld);
            }
        }
    }

    /** One line per stage on stderr, with a progress bar for the token passes. */
    static final class Listener implements FrankensteinListener {
        private CliProgress bar;

        @Override
        public void started(String stage, long total, String unit) {
            close();
            if (total > 0) {
                bar = new CliProgress(stage, total, unit);
            }
        }

        @Override
        public void progress(long done) {
            if (bar != null) {
                bar.stepTo(done);
            }
        }

        @Override
        public void finished(String stage, double seconds, String summary) {
            close();
            System.err.printf(Locale.ROOT, "frankenstein: %-17s %6.1f s  %s%n", stage, seconds, summary);
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
