package io.github.saestitch.cli;

import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.StitchManifest;
import io.github.saestitch.stitch.StitchOptions;
import io.github.saestitch.stitch.StitchPlan;
import io.github.saestitch.stitch.StitchedModel;
import io.github.saestitch.stitch.Stitcher;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch stitch}: build the hybrid of S and latents of L as a real SAE. */
@Command(
        name = "stitch",
        mixinStandardHelpOptions = true,
        description = {
            "Build a hybrid SAE from S plus latents of L, exactly.",
            "Adds latents of L (--add) and applies swap groups (--swap: S's parents replaced by L's children). Every moved latent keeps its own encoder exactly as it computes inside L.",
            "For relu, jumprelu and batchtopk sources the result is one standard SAE (SAELens v6): b_dec",
            "differences are folded into b_enc, mixed activations become a per-latent jumprelu. For topk",
            "sources it is a composite (each source keeps its encoder): OUT holds composite.json, the decoder",
            "and the two sources, and 'eval' and 'info' read it; only saestitch does (SAELens and sparsify cannot,",
            "and 'convert' explains why). 'eval' of OUT reproduces the mse 'compare' predicted."
        },
        footer = {
            "",
            "Examples:",
            "  saestitch stitch --small w768 --large w1536 --add novel --out w768+novel",
            "  saestitch stitch --small w768 --large w1536 --add 12,40,977 --swap 3 --out custom"
        })
final class StitchCommand implements Callable<Integer> {
    @Option(names = "--small", required = true, paramLabel = "S", description = "The smaller SAE directory.")
    Path small;

    @Option(names = "--large", required = true, paramLabel = "L", description = "The larger SAE directory.")
    Path large;

    @Option(
            names = "--add",
            defaultValue = "novel",
            paramLabel = "WHICH",
            description =
                    "Latents of L to add: novel (max_cos <= threshold), all, none, or a comma list of indices. Default: ${DEFAULT-VALUE}.")
    String add;

    @Option(
            names = "--swap",
            defaultValue = "none",
            paramLabel = "WHICH",
            description =
                    "Swap groups to apply: all, none, or a comma list of group ids (as in compare's groups.csv). Default: ${DEFAULT-VALUE}.")
    String swap;

    @Option(
            names = "--threshold",
            defaultValue = "" + CompareOptions.DEFAULT_THRESHOLD,
            paramLabel = "τ",
            description = "Decoder-cosine threshold. Default: ${DEFAULT-VALUE}.")
    double threshold;

    @Option(names = "--out", required = true, paramLabel = "SAE_DIR", description = "New SAE directory.")
    Path out;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        LoadedSae s = Inputs.rawInputSae(small, "stitch");
        LoadedSae l = Inputs.rawInputSae(large, "stitch");
        StitchOptions options = new StitchOptions(
                StitchOptions.Add.parse(add),
                StitchOptions.Swap.parse(swap),
                threshold > 0 ? threshold : CompareOptions.DEFAULT_THRESHOLD);
        Stitcher stitcher = new Stitcher(kernels.kernels());
        StitchPlan plan = stitcher.plan(s.sae(), l.sae(), options);
        StitchedModel model = stitcher.build(s.sae(), l.sae(), plan);
        AtomicOutput.writeDirectory(out, overwrite.on, tmp -> {
            if (model.isComposite()) {
                CompositeManifest.write(
                        model.composite(),
                        "stitch",
                        model.description(),
                        List.of(small.toString(), large.toString()),
                        tmp);
            } else {
                SaeFormats.save(model.standardSae().orElseThrow(), tmp, SaeFormat.SAELENS, true);
            }
            // The plan (threshold, kept / added / removed latents, swapped groups) beside either kind;
            // a composite loads from composite.json, which takes precedence over this file.
            StitchManifest.of(model, small.toString(), large.toString()).write(tmp);
        });
        System.out.printf("wrote %s: %s%n", out, model.description());
        System.out.printf(
                "  %d latents = %d of S kept + %d of L added (%d of S removed by %d swap groups)%n",
                plan.numLatents(),
                plan.keptSmall().length,
                plan.addedLarge().length,
                plan.removedSmall().length,
                plan.swappedGroups().length);
        return 0;
    }
}
