package io.github.saestitch.cli;

import io.github.saestitch.io.InputFingerprint;
import java.nio.file.Path;

/**
 * The demo's stage lines on the console ({@code [i/8] what (elapsed)} and an indented result with the
 * stage's seconds) and its stage cache: a stage's output directory is reused when the stamp file in it
 * holds the fingerprint of the options and input files it was made from.
 */
final class DemoConsole {
    /** The stamp file in a stage's output directory (written after the stage succeeds). */
    static final String STAMP = "demo_inputs.sha256";

    static final int STAGES = 9;

    private final long start = System.nanoTime();
    private long stageStart;

    /** Opens stage {@code i}. */
    void stage(int i, String what) {
        stageStart = System.nanoTime();
        System.out.printf("[%d/%d] %s (elapsed %.1f min)%n", i, STAGES, what, (stageStart - start) / 6e10);
    }

    /** Closes the current stage with its result. */
    void done(String what) {
        System.out.printf("      %s (%.1f s)%n", what, (System.nanoTime() - stageStart) / 1e9);
    }

    /** Minutes since the demo started. */
    double minutes() {
        return (System.nanoTime() - start) / 6e10;
    }

    /** A stage's work: writes its output directory whole (or not at all) and says what it found. */
    interface StageWork {
        String run() throws Exception;
    }

    /**
     * Runs {@code work} as the stage {@code name}, unless {@code outDir} holds a finished run with the same
     * fingerprint; stamps {@code outDir} after {@code work} succeeds, so an interrupted stage leaves no
     * stamp. Bad input (a file or value the user can fix) becomes a {@link StageFailedException}.
     */
    void cached(String name, Path outDir, InputFingerprint fingerprint, StageWork work) throws Exception {
        Path stamp = outDir.resolve(STAMP);
        if (fingerprint.isStampedIn(stamp)) {
            done("cached: " + outDir);
            return;
        }
        String summary;
        try {
            summary = work.run();
        } catch (Exception e) {
            if (!Main.isBadInput(e)) {
                throw e;
            }
            throw new StageFailedException("the " + name + " stage failed: " + Main.message(e) + "; running the demo "
                    + "again retries from this stage");
        }
        fingerprint.stamp(stamp);
        done("wrote " + outDir + (summary.isEmpty() ? "" : ": " + summary));
    }

    /** A stage failed on bad input; the message says which and why. */
    static final class StageFailedException extends RuntimeException {
        StageFailedException(String message) {
            super(message);
        }
    }
}
