package io.github.saestitch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.report.TrainingCharts;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.Convergence;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.TrainProgress;
import io.github.saestitch.train.TrainResult;
import io.github.saestitch.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch train}: one SAE on an activation set. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train one SAE on an activation set (a store or a .npy), never seeing the language model.",
            "Writes OUT/sae/ (SAELens v6), OUT/train_log.csv, OUT/train_curves.png, OUT/train_summary.json and",
            "OUT/checkpoint/ (atomic). --resume continues a killed run to the same result as an uninterrupted one."
        },
        footer = {
            "",
            "Examples:",
            "  saestitch train --arch relu --width 3072 --acts runs/acts --out runs/relu-3072",
            "  saestitch train --arch topk --k 32 --width 6144 --acts runs/acts --out runs/topk-6144",
            "  saestitch train ... --resume             (after an interruption: same command plus --resume)"
        })
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--width", required = true, paramLabel = "N", description = "Number of latents.")
    int width;

    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in OUT from its last checkpoint.")
    boolean resume;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.resumable(() -> out, p -> resume);

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    TrainSettings settings = new TrainSettings();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        TrainOptions options = settings.options(width);
        TrainResult r;
        try (ActivationSet set = Inputs.acts(acts, 0)) {
            requireMemory("train", options, set.dIn());
            r = new Trainer(options, kernels.kernels()).train(set, out, resume, progressListener("train " + width));
        }
        TrainingCharts.writeTrainingCurves(out, options.architecture().id() + " F=" + options.numLatents());
        report(r, json.on);
        return 0;
    }

    /**
     * Refuses before any work a run whose weights, gradients, Adam moments and one batch of pre-activations
     * alone do not fit in the heap (a lower bound: the run needs a little more).
     */
    static void requireMemory(String command, TrainOptions o, int d) {
        long f = o.numLatents();
        long decCols = o.architecture() == Architecture.EXPANDER ? o.expanderDegree() : d;
        long params = f * d + f + f * decCols + d;
        long bytes = Float.BYTES * (4 * params + (long) o.batchSize() * f);
        OutOfMemory.require(
                command,
                bytes,
                "an SAE of " + f + " latents on activations of width " + d
                        + " (weights, gradients, Adam's two moments and one batch's pre-activations)");
    }

    /** A listener that drives a progress bar with live mse and l0. */
    static TrainListener progressListener(String task) {
        return new TrainListener() {
            CliProgress bar;

            @Override
            public void onNote(String message) {
                System.err.println(task + ": " + message);
            }

            @Override
            public void onStep(TrainProgress p) {
                if (bar == null) {
                    bar = new CliProgress(task, p.totalSteps(), "steps");
                }
                bar.extra(String.format(
                        "mse %.4g l0 %.1f dead %d %.0f tok/s", p.mse(), p.l0(), p.dead(), p.tokensPerSecond()));
                bar.stepTo(p.step());
                if (p.step() == p.totalSteps()) {
                    bar.close();
                }
            }
        };
    }

    static void report(TrainResult r, boolean json) {
        EvalResult e = r.finalEval();
        if (json) {
            ObjectNode o = Json.object();
            o.put(
                    "sae",
                    r.outputDir() == null
                            ? null
                            : r.outputDir().resolve(TrainResult.SAE_DIR).toString());
            o.put("architecture", r.options().architecture().toString());
            o.put("num_latents", r.options().numLatents());
            o.put("steps", r.steps());
            o.put("tokens", r.tokens());
            o.put("train_seconds", r.trainSeconds());
            o.put("stored_parameter_ratio", r.storedParameterRatio());
            if (e != null) {
                o.put("mse", e.mse());
                o.put("fvu", e.fvu());
                o.put("l0", e.l0());
                o.put("dead", e.dead());
                o.put("eval_tokens", e.tokens());
            }
            Convergence c = r.convergence();
            o.put("converged", c == null ? null : c.converged());
            o.put("mse_change_last_quarter", c == null ? null : c.relativeChange());
            Json.print(System.out, o);
            warnIfUnconverged("", r);
            return;
        }
        System.out.printf(
                "trained %s: %d latents, %d steps, %d tokens in %.0f s%n",
                r.outputDir() == null ? "" : r.outputDir().resolve(TrainResult.SAE_DIR),
                r.options().numLatents(),
                r.steps(),
                r.tokens(),
                r.trainSeconds());
        if (e != null) {
            System.out.printf(
                    "  held out (%d tokens): mse %.5g  fvu %.4f  l0 %.2f  dead %d%n",
                    e.tokens(), e.mse(), e.fvu(), e.l0(), e.dead());
        }
        if (r.storedParameterRatio() < 1) {
            System.out.printf("  stored parameters: %.3f of the dense SAE%n", r.storedParameterRatio());
        }
        if (r.convergence() != null) {
            System.out.println("  " + r.convergence().describe());
        }
        warnIfUnconverged("", r);
    }

    /**
     * The warning (stderr) at the end of a run whose held-out mse still moved by 1% or more over its last
     * quarter ({@link Convergence}); nothing for a converged or unjudged run.
     */
    static void warnIfUnconverged(String what, TrainResult r) {
        Convergence c = r.convergence();
        if (c != null && !c.converged()) {
            System.err.printf(
                    java.util.Locale.ROOT,
                    "warning: %sthe run ended unconverged: held-out mse changed by %+.2f%% over the last quarter of "
                            + "training (criterion: less than %.0f%%); train longer (--tokens) before trusting what "
                            + "compare finds%n",
                    what,
                    100 * c.relativeChange(),
                    100 * Convergence.THRESHOLD);
        }
    }
}
