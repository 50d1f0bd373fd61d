package io.github.saestitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Sae;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The end of a run: BatchTopK's inference threshold calibrated ({@link ThresholdCalibration}), the SAE in
 * raw units ({@link SaeExport}) with its final held-out evaluation, the {@link TrainResult}, and, for a
 * run with an output directory, the files of {@link Trainer}'s class comment.
 */
final class TrainOutput {
    private TrainOutput() {}

    /** The result of the run that left {@code state}; writes its files when the run has an output directory. */
    static TrainResult finish(RunContext run, TrainingState state, SaeObjective objective) throws IOException {
        TrainOptions options = run.options();
        float theta = state.thresholdEma;
        if (options.architecture().usesBatchTopK()) {
            theta = ThresholdCalibration.calibrate(run, state, objective);
        }
        Sae sae = SaeExport.toSae(options, state, theta, run.source().origin());
        EvalResult finalEval = run.heldOut() == null ? null : new Evaluator(run.kernels()).evaluate(sae, run.heldOut());
        double ratio = SaeExport.storedParameterRatio(options, state.params);
        Path outDir = run.outDir();
        TrainResult result = new TrainResult(
                options,
                sae,
                finalEval,
                state.log.evalPoints(),
                state.log.rows(),
                state.step,
                state.tokens,
                state.elapsedSeconds,
                state.inputScale,
                ratio,
                outDir);
        if (outDir != null) {
            SaeFormats.save(sae, outDir.resolve(TrainResult.SAE_DIR), SaeFormat.SAELENS, true);
            state.log.write(outDir.resolve(TrainingLog.FILE));
            writeSummary(run, result, theta, outDir.resolve(TrainResult.SUMMARY_FILE));
        }
        return result;
    }

    /** The {@code convergence} object of the summary (criterion, converged or null when unjudged, the change). */
    static void writeConvergence(ObjectNode o, Convergence c) {
        o.put("criterion", Convergence.CRITERION);
        if (c == null) {
            o.putNull("converged");
            o.put("note", "not judged: no held-out evaluation at or before 3/4 of the run");
            return;
        }
        o.put("converged", c.converged());
        o.put("relative_change", c.relativeChange());
        o.put("threshold", Convergence.THRESHOLD);
        o.put("from_tokens", c.fromTokens());
        o.put("to_tokens", c.toTokens());
        o.put("mse_from", c.mseFrom());
        o.put("mse_to", c.mseTo());
    }

    /** {@value TrainResult#SUMMARY_FILE}: options, final held-out metrics, throughput (format_version 1). */
    private static void writeSummary(RunContext run, TrainResult r, float thetaNormalised, Path file)
            throws IOException {
        TrainOptions options = run.options();
        ObjectMapper om = TrainingState.mapper();
        ObjectNode root = om.createObjectNode();
        root.put("format_version", 1);
        root.put("kind", "saestitch-train-summary");
        root.put("architecture", options.architecture().id());
        root.put("num_latents", options.numLatents());
        root.put("d_in", run.d());
        root.put("steps", r.steps());
        root.put("tokens", r.tokens());
        root.put("train_seconds", r.trainSeconds());
        root.put("tokens_per_second", r.tokensPerSecond());
        root.put("kernels", run.kernels().name());
        root.put("source", run.source().describe());
        root.put("held_out", run.heldOut() == null ? null : run.heldOut().describe());
        root.put("input_scale", r.inputScale());
        root.put("stored_parameter_ratio", r.storedParameterRatio());
        if (options.architecture().usesBatchTopK()) {
            root.put("batchtopk_threshold", thetaNormalised / r.inputScale());
        }
        if (r.finalEval() != null) {
            ObjectNode e = root.putObject("final_eval");
            e.put("tokens", r.finalEval().tokens());
            e.put("mse", r.finalEval().mse());
            e.put("fvu", r.finalEval().fvu());
            e.put("l0", r.finalEval().l0());
            e.put("dead", r.finalEval().dead());
        }
        writeConvergence(root.putObject("convergence"), r.convergence());
        root.set("options", om.valueToTree(options));
        byte[] bytes = om.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        AtomicOutput.writeFile(file, tmp -> Files.write(tmp, bytes));
    }
}
