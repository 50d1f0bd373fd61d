package io.github.saestitch.report;

import io.github.saestitch.frankenstein.FrankensteinWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stitched SAEs (Frankenstein by the cosine rule, greedy selection, each with and without a decoder
 * refit) against the original SAEs of a family, read from {@value #FILE} (format version
 * {@value #FORMAT_VERSION}), the file the report expects from the Frankenstein builder:
 * <pre>
 * format_version,series,num_latents,mse,fvu,l0,embedding_recovered,note
 * 1,original,768,52.1,0.21,31.0,0.81,
 * 1,original,1536,47.9,0.19,35.0,0.85,
 * 1,cosine,1425,45.2,0.18,53.1,0.86,768 + novel of 1536
 * 1,cosine + refit,1425,43.0,0.17,53.1,0.87,decoder refit (normal equations)
 * 1,greedy,1425,44.1,0.18,47.9,,
 * 1,greedy + refit,1425,42.8,0.17,47.9,,
 * </pre>
 * One row per model. {@code series} groups rows into one line of the figure (any names; {@code original}
 * is drawn as the reference); required columns {@code series, num_latents, mse, l0};
 * {@code format_version}, {@code fvu}, {@code embedding_recovered} (the downstream score; empty: not measured)
 * and {@code note} are optional. All metrics on the same held-out
 * tokens. The report draws mse against num_latents and against l0, and tabulates every row with its mse
 * relative to the originals at the same width ({@link #originalMseAt}).
 *
 * @param rows in file order
 */
record FrankensteinTable(Path file, List<Row> rows) {
    static final String FILE = FrankensteinWriter.TABLE_FILE;
    static final int FORMAT_VERSION = FrankensteinWriter.FORMAT_VERSION;
    /** The series name of the original SAEs. */
    static final String ORIGINAL = "original";

    record Row(
            String series, int numLatents, double mse, double fvu, double l0, double embeddingRecovered, String note) {}

    /** Whether some row has a downstream score. */
    boolean hasDownstream() {
        return rows.stream().anyMatch(r -> Double.isFinite(r.embeddingRecovered()));
    }

    /** The series names in order of first appearance. */
    List<String> series() {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            if (!out.contains(r.series())) {
                out.add(r.series());
            }
        }
        return out;
    }

    /**
     * The originals' mse at {@code numLatents}: exact where an original has that width, else linear in
     * log(num_latents) between the two nearest originals (SAE mse falls roughly linearly in log width over
     * a family, as the family summaries show); NaN outside the originals' range or without originals.
     */
    double originalMseAt(int numLatents) {
        List<Row> o = rows.stream()
                .filter(r -> r.series().equals(ORIGINAL) && Double.isFinite(r.mse()))
                .sorted(java.util.Comparator.comparingInt(Row::numLatents))
                .toList();
        for (int i = 0; i < o.size(); i++) {
            Row a = o.get(i);
            if (a.numLatents() == numLatents) {
                return a.mse();
            }
            if (i + 1 < o.size()
                    && a.numLatents() < numLatents
                    && numLatents < o.get(i + 1).numLatents()) {
                Row b = o.get(i + 1);
                double f = Math.log((double) numLatents / a.numLatents())
                        / Math.log((double) b.numLatents() / a.numLatents());
                return a.mse() + f * (b.mse() - a.mse());
            }
        }
        return Double.NaN;
    }

    static FrankensteinTable read(Path file) throws IOException {
        Csv c = Csv.read(file);
        c.requireFormatVersion(FORMAT_VERSION);
        int cs = c.column("series");
        int cn = c.column("num_latents");
        int cm = c.column("mse");
        int cl = c.column("l0");
        int cf = c.optionalColumn("fvu");
        int ce = c.optionalColumn("embedding_recovered");
        int cnote = c.optionalColumn("note");
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < c.size(); r++) {
            String s = c.text(r, cs);
            if (s.isEmpty()) {
                throw c.bad(r, cs, "empty series name");
            }
            long n = c.integer(r, cn);
            if (n < 1) {
                throw c.bad(r, cn, "num_latents must be positive, got " + n);
            }
            rows.add(new Row(
                    s,
                    (int) n,
                    c.number(r, cm),
                    c.number(r, cf),
                    c.number(r, cl),
                    c.number(r, ce),
                    cnote >= 0 ? c.text(r, cnote) : ""));
        }
        return new FrankensteinTable(file, List.copyOf(rows));
    }
}
