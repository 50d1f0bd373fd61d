package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One execution of a training run, fresh or resumed: checks the data against the options, sets up
 * the state ({@link TrainingInit} or a checkpoint), runs the step loop ({@link TrainingStep},
 * {@link PeriodicLog}, {@link Checkpoints}) and hands the end to {@link TrainOutput}.
 */
final class TrainingRun {
    private final RunContext run;

    TrainingRun(
            TrainOptions options,
            Kernels kernels,
            BatchSource source,
            ActivationSet heldOut,
            Path outDir,
            TrainListener listener) {
        Objects.requireNonNull(source, "source");
        int d = source.dIn();
        if (d < 1) {
            throw new IllegalArgumentException("source " + source.describe() + " has dIn = " + d);
        }
        if (heldOut != null && heldOut.dIn() != d) {
            throw new IllegalArgumentException("held-out set " + heldOut.describe() + " has dIn = " + heldOut.dIn()
                    + ", the training source has " + d);
        }
        if (heldOut != null && heldOut.numTokens() == 0) {
            throw new IllegalArgumentException("held-out set " + heldOut.describe() + " is empty");
        }
        if (options.architecture() == Architecture.EXPANDER && options.expanderDegree() > d) {
            throw new IllegalArgumentException("expander degree " + options.expanderDegree() + " exceeds d_in = " + d);
        }
        this.run = new RunContext(
                options, kernels, source, heldOut, outDir, listener == null ? TrainListener.NONE : listener, d);
    }

    /** Runs fresh or from the checkpoint; {@code data} (may be null) is recorded in the checkpoints. */
    TrainResult execute(boolean resume, TrainingData data) throws IOException {
        TrainOptions options = run.options();
        TrainingState state = resume
                ? TrainingState.load(Checkpoints.dir(run), options, run.d())
                : TrainingInit.fresh(options, run.source(), run.d());
        if (resume && state.data == null && data != null) {
            run.listener()
                    .onNote("the checkpoint in " + Checkpoints.dir(run) + " predates the record of its activations:"
                            + " resuming without checking that --acts is the set it was trained on (and, on a store"
                            + " that records documents, with this version's whole-document held-out set, which may"
                            + " differ from the run's: start afresh for a clean split)");
        }
        if (data != null) {
            state.data = data;
        }
        SaeObjective objective = new SaeObjective(
                options.architecture(),
                run.kernels(),
                run.d(),
                options.numLatents(),
                options.batchSize(),
                options.k(),
                options.auxK(),
                options.auxKCoefficient());
        run.source().seek(state.sourcePosition);
        run.listener().onStart(options, state.step + 1, run.source().describe());
        loop(state, objective);
        return TrainOutput.finish(run, state, objective);
    }

    /** Steps until the options' step count, logging, evaluating and checkpointing as scheduled. */
    private void loop(TrainingState state, SaeObjective objective) throws IOException {
        Checkpoints checkpoints = new Checkpoints(run, state);
        TrainingStep stepper = new TrainingStep(run, state, objective, checkpoints);
        PeriodicLog log = new PeriodicLog(run, state);
        int steps = run.options().steps();
        long t0 = System.nanoTime();
        double elapsedBefore = state.elapsedSeconds;
        long tokensAtStart = state.tokens;
        while (state.step < steps) {
            TrainingStep.Result r = stepper.run();
            double mseRaw = log.accumulate(r.stats());
            state.elapsedSeconds = elapsedBefore + (System.nanoTime() - t0) * 1e-9;
            int dead = DeadLatents.count(run.options(), state);
            log.rowIfDue(r, dead);
            checkpoints.saveIfDue(r.step());
            double secs = (System.nanoTime() - t0) * 1e-9;
            run.listener()
                    .onStep(new TrainProgress(
                            r.step(),
                            steps,
                            state.tokens,
                            r.lr(),
                            r.stats().loss(),
                            mseRaw,
                            r.stats().l0(),
                            dead,
                            secs > 0 ? (state.tokens - tokensAtStart) / secs : 0));
        }
    }
}
