package io.github.saestitch.report;

import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.frankenstein.FrankensteinWriter;

/**
 * The names and header lines of the report's inputs that no library class writes (the toy comparison,
 * written by the demo), and the names of the Frankenstein and context files. Files with a library writer
 * (compare, train, train-family, frankenstein) are defined by that writer, whose constants the readers
 * import. A producer that writes the toy header (and {@code format_version} {@value #VERSION} in every
 * row) is read by the report; the column meanings are documented on the readers ({@code FrankensteinTable},
 * {@code ToyTable}) and on {@link LatentContexts}.
 */
public final class ReportFormats {
    /** Version of the files below. */
    public static final int VERSION = 1;
    /** Frankenstein SAEs and the original SAEs, one row per model (its header: {@link FrankensteinWriter#TABLE_HEADER}). */
    public static final String FRANKENSTEIN_FILE = FrankensteinWriter.TABLE_FILE;
    /** The toy-model absorption comparison, one row per arm. */
    public static final String TOY_FILE = "toy_comparison.csv";
    /** Header of {@link #TOY_FILE}. */
    public static final String TOY_HEADER = "format_version,arm,mean_max_cos,absorption,parent_recall,mse,fvu,l0,dead";
    /** Top-activating contexts per latent of the larger SAE, JSON lines, in a compare output directory. */
    public static final String CONTEXTS_FILE = LatentContexts.FILE;
    /**
     * Top-activating contexts (and frequencies) per latent of the smaller SAE, same format, in a compare
     * output directory: optional; the explorer's source for the smallest SAE of a chain of pairs.
     */
    public static final String SMALL_CONTEXTS_FILE = LatentContexts.SMALL_FILE;

    private ReportFormats() {
    }
}
