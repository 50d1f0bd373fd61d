package io.github.saestitch.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Frankenstein SAEs against the original SAEs of a family, read from {@value #FILE} (format version
 * {@value #FORMAT_VERSION}), the file the report expects from the Frankenstein builder:
 * <pre>
 * format_version,series,num_latents,mse,fvu,l0,note
 * 1,original,768,52.1,0.21,31.0,
 * 1,original,1536,47.9,0.19,35.0,
 * 1,frankenstein,1425,45.2,0.18,53.1,768 + novel of 1536
 * 1,frankenstein (refit),1425,43.0,0.17,53.1,decoder refit
 * </pre>
 * One row per model. {@code series} groups rows into one line of the figure ({@code original} is drawn
 * as the reference); required columns {@code series, num_latents, mse, l0}; {@code format_version},
 * {@code fvu} and {@code note} are optional. All metrics on the same held-out tokens.
 *
 * @param rows in file order
 */
record FrankensteinTable(Path file, List<Row> rows) {
    static final String FILE = ReportFormats.FRANKENSTEIN_FILE;
    static final int FORMAT_VERSION = ReportFormats.VERSION;
    /** The series name of the original SAEs. */
    static final String ORIGINAL = "original";

    record Row(String series, int numLatents, double mse, double fvu, double l0, String note) {
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

    static FrankensteinTable read(Path file) throws IOException {
        Csv c = Csv.read(file);
        c.requireFormatVersion(FORMAT_VERSION);
        int cs = c.column("series");
        int cn = c.column("num_latents");
        int cm = c.column("mse");
        int cl = c.column("l0");
        int cf = c.optionalColumn("fvu");
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
            rows.add(new Row(s, (int) n, c.number(r, cm), c.number(r, cf), c.number(r, cl),
                    cnote >= 0 ? c.text(r, cnote) : ""));
        }
        return new FrankensteinTable(file, List.copyOf(rows));
    }
}
