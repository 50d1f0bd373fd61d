package io.github.saestitch.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A run's checkpointing: every {@link TrainOptions#checkpointInterval} steps and at the last, the
 * {@link TrainingState} and the log are written atomically (nothing for an in-memory run).
 */
final class Checkpoints {
    private final RunContext run;
    private final TrainingState state;
    private final Path dir; // null for an in-memory run

    Checkpoints(RunContext run, TrainingState state) {
        this.run = run;
        this.state = state;
        this.dir = dir(run);
    }

    /** The checkpoint directory of a run, or null for an in-memory run. */
    static Path dir(RunContext run) {
        return run.outDir() == null ? null : run.outDir().resolve(TrainResult.CHECKPOINT_DIR);
    }

    /** Writes the checkpoint when {@code step} is due. */
    void saveIfDue(int step) throws IOException {
        if (dir != null
                && (step % run.options().checkpointInterval() == 0
                        || step == run.options().steps())) {
            state.save(dir);
            state.log.write(run.outDir().resolve(TrainingLog.FILE));
            run.listener().onCheckpoint(step, dir);
        }
    }

    /** The end of an error message: whether the last checkpoint is intact ("" for an in-memory run). */
    String note() {
        if (dir == null) {
            return "";
        }
        return TrainingState.exists(dir)
                ? "; the last checkpoint in " + dir + " is intact"
                : "; no checkpoint was written yet";
    }
}
