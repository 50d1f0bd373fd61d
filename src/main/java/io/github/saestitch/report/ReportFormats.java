package io.github.saestitch.report;

import io.github.saestitch.frankenstein.FrankensteinWriter;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.train.ToyComparisonWriter;

/**
 * The names and header lines of the report's inputs, each defined by the class that writes it: the toy
 * comparison by {@link ToyComparisonWriter}, the Frankenstein table by {@link FrankensteinWriter}, the
 * contexts by {@link LatentContexts}; compare, train and train-family files by their writers, whose
 * constants the readers import. The column meanings are documented on the writers and on the readers
 * ({@code FrankensteinTable}, {@code ToyTable}).
 */
public final class ReportFormats {
    /** Version of the files below. */
    public static final int VERSION = ToyComparisonWriter.FORMAT_VERSION;
    /**
     * Frankenstein SAEs and the original SAEs, one row per model (its header: {@link FrankensteinWriter#TABLE_HEADER}).
     */
    public static final String FRANKENSTEIN_FILE = FrankensteinWriter.TABLE_FILE;
    /** The toy-model absorption comparison, one row per arm (written by {@link ToyComparisonWriter}). */
    public static final String TOY_FILE = ToyComparisonWriter.FILE;
    /** Header of {@link #TOY_FILE}. */
    public static final String TOY_HEADER = ToyComparisonWriter.HEADER;
    /** Top-activating contexts per latent of the larger SAE, JSON lines, in a compare output directory. */
    public static final String CONTEXTS_FILE = LatentContexts.FILE;
    /**
     * Top-activating contexts (and frequencies) per latent of the smaller SAE, same format, in a compare
     * output directory: optional; the explorer's source for the smallest SAE of a chain of pairs.
     */
    public static final String SMALL_CONTEXTS_FILE = LatentContexts.SMALL_FILE;

    private ReportFormats() {}
}
