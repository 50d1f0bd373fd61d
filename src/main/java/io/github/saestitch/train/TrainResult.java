package io.github.saestitch.train;

import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.sae.Sae;
import java.nio.file.Path;
import java.util.List;

/**
 * What a training run produced.
 *
 * @param options               the options of the run
 * @param sae                   the trained SAE in raw activation units, as saved (expander: dense W_dec;
 *                              batchtopk/matryoshka: {@code Activation.BatchTopK(k, θ)} with the calibrated θ)
 * @param finalEval             held-out metrics of {@link #sae}, or null when there were no held-out tokens
 * @param curve                 every held-out evaluation during the run
 * @param log                   the training log rows
 * @param steps                 optimisation steps done
 * @param tokens                training tokens consumed
 * @param trainSeconds          wall-clock seconds spent in training steps (all sessions of a resumed run)
 * @param inputScale            s, the factor the inputs were multiplied by while training (1 without normalisation)
 * @param storedParameterRatio  parameters stored while training over those of the dense SAE of the same
 *                              shape, {@code (2·d·F + F + d)}; below 1 only for expander
 * @param outputDir             where the files went, or null for an in-memory run
 */
public record TrainResult(
        TrainOptions options,
        Sae sae,
        EvalResult finalEval,
        List<EvalPoint> curve,
        List<TrainingLog.Row> log,
        int steps,
        long tokens,
        double trainSeconds,
        float inputScale,
        double storedParameterRatio,
        Path outputDir) {

    /** Sub-directory of the output directory holding the SAELens v6 SAE. */
    public static final String SAE_DIR = "sae";
    /** The PNG of the training curves, drawn by {@code report.TrainingCharts} (this package does not draw). */
    public static final String PLOT_FILE = "train_curves.png";
    /** The run summary (JSON). */
    public static final String SUMMARY_FILE = "train_summary.json";
    /** Sub-directory holding the latest checkpoint. */
    public static final String CHECKPOINT_DIR = "checkpoint";

    /** The convergence criterion on the held-out curve ({@link Convergence}); null when it cannot be judged. */
    public Convergence convergence() {
        return Convergence.of(curve);
    }

    /** Training tokens per wall-clock second. */
    public double tokensPerSecond() {
        return trainSeconds > 0 ? tokens / trainSeconds : Double.NaN;
    }
}
