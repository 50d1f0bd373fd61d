package io.github.saestitch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code saestitch eval SAE_DIR --acts ACTS}. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Evaluate an SAE on an activation set: mse, fvu, l0, dead latents.",
            "mse = mean over tokens of the squared error summed over dims (not divided by d_in);",
            "fvu = Σ‖x − x̂‖² / Σ‖x − x̄‖²; l0 = mean non-zero latents per token; dead = latents never",
            "active on the set. Streams the set in blocks, so it may be larger than memory.",
            "--downstream also splices the SAE's reconstruction into the store's model (the layers after",
            "the hook run on x̂) over the store's held-out documents: embedding_recovered =",
            "(cos(x̂) − cos(mean)) / (1 − cos(mean)), cos = cosine to the model's own sentence embedding."
        },
        footer = {"", "Example:  saestitch eval runs/sae-768 --acts acts.npy --json"})
final class EvalCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "SAE_DIR",
            description =
                    "SAE directory (any format 'info' reads, or a composite written by 'stitch' or 'frankenstein').")
    Path dir;

    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description =
                    "Activations: a store directory (saestitch activations) or a .npy file [tokens, d_in] (float32, float16 or float64).")
    Path acts;

    @Option(
            names = "--tokens",
            paramLabel = "N",
            defaultValue = "0",
            description = "Use only the first N tokens (default: all).")
    long tokens;

    @Option(
            names = "--downstream",
            description = "Also the downstream score (needs a store made by 'saestitch activations' from a model we "
                    + "ship): cos_sae, cos_ablated, embedding_recovered over the held-out documents.")
    boolean downstream;

    @Option(
            names = "--downstream-tokens",
            paramLabel = "N",
            defaultValue = "16384",
            description =
                    "Held-out tokens for --downstream: the store's last N, extended back to whole documents, "
                            + "as 'train' holds them out (default: ${DEFAULT-VALUE}, train's --eval-tokens; 0: the whole store).")
    long downstreamTokens;

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Mixin
    ClusterOption cluster = new ClusterOption();

    @Override
    public Integer call() throws Exception {
        Inputs.Model model = Inputs.model(dir, kernels.kernels());
        long t0 = System.nanoTime();
        EvalResult r;
        try (ActivationSet set = Inputs.acts(acts, tokens);
                CliProgress bar = new CliProgress("eval", set.numTokens(), "tok")) {
            if (cluster.on()) {
                if (model.loaded() == null) {
                    throw new BadInputException(dir
                            + " is a composite model: eval --master runs plain SAEs only; evaluate it on one machine");
                }
                try (io.github.saestitch.cluster.RangeRunner ranges = cluster.open()) {
                    r = new Evaluator(kernels.kernels())
                            .evaluate(
                                    model.loaded().sae(),
                                    set.numTokens(),
                                    ranges,
                                    io.github.saestitch.cluster.SetSource.path(acts),
                                    cluster.partitions,
                                    kernels.kernels().name());
                }
            } else {
                r = new Evaluator(kernels.kernels()).evaluate(model.model(), set, bar::stepTo);
            }
        }
        DownstreamScores.Scored down = null;
        if (downstream) {
            try (DownstreamScores scores = DownstreamScores.open(acts, downstreamTokens)) {
                down = scores.score(model.model());
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (json.on) {
            ObjectNode o = Json.object();
            o.put("sae", dir.toString());
            o.put("model", model.description());
            o.put("acts", acts.toString());
            o.put("tokens", r.tokens());
            o.put("num_latents", r.numLatents());
            o.put("mse", r.mse());
            o.put("fvu", r.fvu());
            o.put("l0", r.l0());
            o.put("dead", r.dead());
            if (down != null) {
                o.set("downstream", down.json());
            }
            o.put("kernels", kernels.kernels().name());
            o.put("seconds", took.toNanos() / 1e9);
            Json.print(System.out, o);
        } else {
            System.out.printf("%s on %d tokens of %s%n", model.description(), r.tokens(), acts);
            System.out.printf(
                    "  mse  %.6g   (per token, summed over %d dims)%n",
                    r.mse(), model.model().dIn());
            System.out.printf("  fvu  %.6g%n", r.fvu());
            System.out.printf("  l0   %.3f%n", r.l0());
            System.out.printf("  dead %d of %d latents%n", r.dead(), r.numLatents());
            if (down != null) {
                System.out.print(down.text());
            }
            System.out.printf(
                    "  (%s with %s kernels)%n",
                    CliProgress.seconds(took), kernels.kernels().name());
        }
        return 0;
    }
}
