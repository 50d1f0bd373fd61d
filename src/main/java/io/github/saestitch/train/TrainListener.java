package io.github.saestitch.train;

import java.nio.file.Path;

/**
 * Receives a run's progress (the library never prints). Called on the training thread; keep it cheap.
 * An exception thrown from a callback stops the run where it is (the last checkpoint stays intact, so
 * the run can be resumed).
 */
public interface TrainListener {
    /** A listener that ignores everything. */
    TrainListener NONE = new TrainListener() {};

    /** Before the first step (fresh or resumed). */
    default void onStart(TrainOptions options, int firstStep, String source) {}

    /** After every step. */
    default void onStep(TrainProgress progress) {}

    /** After each held-out evaluation. */
    default void onEval(EvalPoint point) {}

    /** After a checkpoint was written atomically. */
    default void onCheckpoint(int step, Path dir) {}

    /**
     * Something the user should know that does not stop the run (a resume that starts afresh, a checkpoint
     * without a record of its activations, a set that has grown since the run started); one sentence.
     */
    default void onNote(String message) {}
}
