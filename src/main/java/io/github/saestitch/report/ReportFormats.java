package io.github.saestitch.report;

import io.github.saestitch.io.LatentContexts;

/**
 * The names and header lines of the input files this package defines (the compare and train-family
 * files are defined by their writers in {@code stitch} and {@code train}). A producer that writes these
 * exact headers (and {@code format_version} {@value #VERSION} in every row) is read by the report; the
 * column meanings are documented on the readers ({@code FrankensteinTable}, {@code ToyTable}) and on
 * {@link LatentContexts}.
 */
public final class ReportFormats {
    /** Version of the files below. */
    public static final int VERSION = 1;
    /** Frankenstein SAEs and the original SAEs, one row per model. */
    public static final String FRANKENSTEIN_FILE = "frankenstein.csv";
    /** Header of {@link #FRANKENSTEIN_FILE}; {@code series} "original" marks the original SAEs. */
    public static final String FRANKENSTEIN_HEADER = "format_version,series,num_latents,mse,fvu,l0,note";
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
