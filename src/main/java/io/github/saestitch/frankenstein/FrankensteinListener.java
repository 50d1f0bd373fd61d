package io.github.saestitch.frankenstein;

/** Progress of {@link Frankenstein#run}: stages in order, each with optional work units. Nothing here prints. */
public interface FrankensteinListener {
    /** A stage begins; {@code total} units of {@code unit} (0 when not counted). */
    default void started(String stage, long total, String unit) {}

    /** Units done so far in the current stage. */
    default void progress(long done) {}

    /** The stage ended after {@code seconds}; {@code summary} says what it produced. */
    default void finished(String stage, double seconds, String summary) {}

    /** A listener that ignores everything. */
    FrankensteinListener NONE = new FrankensteinListener() {};
}
