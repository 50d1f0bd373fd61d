package io.github.saestitch.cli;

import io.github.saestitch.decomp.MetaSae;
import io.github.saestitch.decomp.MetaSaeOptions;
import io.github.saestitch.decomp.MetaSaeWriter;
import io.github.saestitch.decomp.NearestLatents;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainProgress;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch meta-sae}: decompose an SAE's latents into broader meta-latents. */
@Command(
        name = "meta-sae",
        mixinStandardHelpOptions = true,
        description = {
            "Train a meta-SAE on the decoder rows of an SAE L: a BatchTopK SAE (k = 4, about 1/20 of L's width)",
            "whose inputs are L's decoder directions (rows divided by their norms), so each latent of L reads as",
            "a short weighted list of meta-latents, \"this latent = these broader ones\" (Bussmann et al. 2024).",
            "Each meta-latent is described by its nearest latents (decoder cosine) in a smaller SAE S given",
            "with --nearest, or in L itself.",
            "",
            "Writes OUT/meta_sae/ (the meta-SAE, SAELens format), OUT/latent_meta.csv (each latent's meta-latents",
            "and weights), OUT/meta_latents.csv (members and nearest latents of each meta-latent) and",
            "OUT/summary.json (fvu, l0, dead meta-latents, ...). See README."
        },
        footer = {
            "",
            "Example:  saestitch meta-sae --sae runs/family/width-6144 --nearest runs/family/width-768 --out runs/meta"
        })
final class MetaSaeCommand implements Callable<Integer> {
    @Option(names = "--sae", required = true, paramLabel = "L", description = "The SAE to decompose.")
    Path sae;

    @Option(
            names = "--latents",
            defaultValue = "0",
            paramLabel = "M",
            description = "Meta-latents; 0 = L's width / 20 (the paper's ratio). Default: ${DEFAULT-VALUE}.")
    int latents;

    @Option(
            names = "--k",
            defaultValue = "" + MetaSaeOptions.DEFAULT_K,
            paramLabel = "K",
            description = "Mean active meta-latents per latent (BatchTopK k). Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "OUT",
            description = "Output directory (written whole, or not at all).")
    Path out;

    @Option(
            names = "--nearest",
            paramLabel = "S",
            description = "SAE whose latents describe each meta-latent (nearest by decoder cosine); default: L itself.")
    Path nearest;

    @Option(
            names = "--epochs",
            defaultValue = "" + MetaSaeOptions.DEFAULT_EPOCHS,
            paramLabel = "E",
            description =
                    "Passes over L's decoder rows (there are only as many training vectors as latents). Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "" + MetaSaeOptions.DEFAULT_BATCH_SIZE,
            paramLabel = "B",
            description = "Rows per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(
            names = "--lr",
            defaultValue = "" + MetaSaeOptions.DEFAULT_LEARNING_RATE,
            paramLabel = "LR",
            description = "Adam's peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        MetaSaeOptions options = new MetaSaeOptions(latents, k, epochs, batchSize, lr, seed);
        LoadedSae l = Inputs.sae(sae);
        LoadedSae s = nearest == null ? l : Inputs.sae(nearest);
        if (s.sae().dIn() != l.sae().dIn()) {
            throw new BadInputException(
                    "--nearest " + nearest + " has d_in " + s.sae().dIn() + " but " + sae + " has "
                            + l.sae().dIn() + ": their decoder rows cannot be compared");
        }
        MetaSae.Result r;
        CliProgress[] bar = new CliProgress[1];
        try {
            r = MetaSae.train(l.sae(), options, kernels.kernels(), new TrainListener() {
                @Override
                public void onStep(TrainProgress p) {
                    if (bar[0] == null) {
                        bar[0] = new CliProgress("meta-sae", p.totalSteps(), "step");
                    }
                    bar[0].stepTo(p.step());
                    if (p.step() % 50 == 0) {
                        bar[0].extra(String.format(Locale.ROOT, "mse %.4f, dead %d", p.mse(), p.dead()));
                    }
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        NearestLatents near = NearestLatents.compute(
                kernels.kernels(), r.meta().wDec(), s.sae().wDec(), MetaSaeWriter.NEAREST);
        Path nearestPath = nearest == null ? sae : nearest;
        MetaSaeWriter.Run run = new MetaSaeWriter.Run(
                sae.toString(), nearestPath.toString(), s.sae().numLatents(), r, near);
        MetaSaeWriter.write(run, out, overwrite.on);
        if (json.print(MetaSaeWriter.summary(run))) {
            return 0;
        }
        var sum = MetaSaeWriter.summary(run);
        System.out.printf(
                Locale.ROOT,
                "meta-SAE of %s (%d latents, d_in %d): %d meta-latents, k = %d, %d epochs (%d steps) in %.1f s%n",
                sae,
                r.numLatents(),
                r.meta().dIn(),
                r.metaLatents(),
                options.k(),
                options.epochs(),
                r.steps(),
                r.seconds());
        System.out.printf(
                Locale.ROOT,
                "  on the unit decoder rows: fvu %.4f, l0 %.2f, %d dead meta-latents; %d rows capped at k "
                        + "(fvu %.4f from the listed ones), %d latents without a meta-latent, %d zero rows%n",
                r.eval().fvu(),
                r.eval().l0(),
                r.eval().dead(),
                r.cappedRows(),
                r.fvuCapped(),
                sum.get("latents_without_meta").asInt(),
                r.zeroRows());
        System.out.printf(
                Locale.ROOT,
                "  decoder row norms of L before normalisation: min %.3f, median %.3f, max %.3f%n",
                sum.get("decoder_norms").get("min").asDouble(),
                sum.get("decoder_norms").get("median").asDouble(),
                sum.get("decoder_norms").get("max").asDouble());
        System.out.println("  largest meta-latents (members; nearest latents of " + nearestPath + " with cosine):");
        IntStream.range(0, r.metaLatents())
                .boxed()
                .sorted(Comparator.comparingInt((Integer q) -> -r.members()[q]))
                .limit(5)
                .forEach(q -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < near.index()[q].length; i++) {
                        sb.append(String.format(Locale.ROOT, " %d (%.2f)", near.index()[q][i], near.cos()[q][i]));
                    }
                    System.out.printf("    meta %d: %d members; nearest%s%n", q, r.members()[q], sb);
                });
        System.out.println("  wrote " + out.resolve(MetaSaeWriter.META_SAE_DIR) + "/, " + MetaSaeWriter.LATENT_META_FILE
                + ", " + MetaSaeWriter.META_LATENTS_FILE + ", " + MetaSaeWriter.SUMMARY_FILE);
        return 0;
    }
}
