package io.github.saestitch.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The toy-model absorption comparison (vanilla against Matryoshka SAEs on Nabeshima's tree of parent and
 * child features, {@code train.ToyComparison}), read from {@value #FILE} (format version
 * {@value #FORMAT_VERSION}):
 * <pre>
 * format_version,arm,mean_max_cos,absorption,parent_recall,mse,fvu,l0,dead
 * 1,vanilla batchtopk,0.93,0.41,0.58,0.012,0.05,1.0,0
 * 1,matryoshka (fixed prefixes),0.97,0.06,0.93,0.015,0.06,1.0,0
 * </pre>
 * One row per arm. Required: {@code arm, mean_max_cos, absorption}; the rest optional. Absorption of a
 * parent feature: over tokens where one of its children is present, the fraction on which the parent's
 * latent is silent (0 = no absorption), averaged over parents.
 */
record ToyTable(Path file, List<Row> rows) {
    static final String FILE = ReportFormats.TOY_FILE;
    static final int FORMAT_VERSION = ReportFormats.VERSION;

    record Row(
            String arm,
            double meanMaxCos,
            double absorption,
            double parentRecall,
            double mse,
            double fvu,
            double l0,
            double dead) {}

    static ToyTable read(Path file) throws IOException {
        Csv c = Csv.read(file);
        c.requireFormatVersion(FORMAT_VERSION);
        int ca = c.column("arm");
        int cm = c.column("mean_max_cos");
        int cab = c.column("absorption");
        int cr = c.optionalColumn("parent_recall");
        int cmse = c.optionalColumn("mse");
        int cf = c.optionalColumn("fvu");
        int cl = c.optionalColumn("l0");
        int cd = c.optionalColumn("dead");
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < c.size(); r++) {
            String arm = c.text(r, ca);
            if (arm.isEmpty()) {
                throw c.bad(r, ca, "empty arm name");
            }
            rows.add(new Row(
                    arm,
                    c.number(r, cm),
                    c.number(r, cab),
                    c.number(r, cr),
                    c.number(r, cmse),
                    c.number(r, cf),
                    c.number(r, cl),
                    c.number(r, cd)));
        }
        return new ToyTable(file, List.copyOf(rows));
    }
}
