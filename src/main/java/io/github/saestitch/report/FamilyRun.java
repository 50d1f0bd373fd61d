package io.github.saestitch.report;

import io.github.saestitch.train.FamilyTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the report reads from a {@code saestitch train-family} output directory (format version 1 of
 * {@code train.FamilyTrainer}): {@value #SUMMARY_CSV} (required columns {@code width, mse, fvu, l0,
 * dead}; optional {@code format_version, architecture, steps, tokens, dead_fraction, tokens_per_second,
 * dir}) and, for each member whose {@code dir} holds one, its {@value TrainingCurve#FILE}.
 *
 * @param dir      the family directory
 * @param members  one per width, in file order
 * @param curves   the training logs found, in member order
 * @param missing  member directories without a training log (reported as a note, not an error: a
 *                 family can be summarised from copied summaries alone)
 */
record FamilyRun(Path dir, List<Member> members, List<TrainingCurve> curves, List<String> missing) {
    static final String SUMMARY_CSV = FamilyTrainer.SUMMARY_CSV;
    static final int FORMAT_VERSION = FamilyTrainer.FORMAT_VERSION;

    /** One row of the family summary; the metrics are held-out ones (NaN when not evaluated). */
    record Member(
            int width,
            String architecture,
            long steps,
            long tokens,
            double mse,
            double fvu,
            double l0,
            double dead,
            double deadFraction,
            double tokensPerSecond,
            String dir) {}

    static FamilyRun read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ReportInputException(
                    dir, "not a directory (expected the output directory of saestitch " + "train-family)");
        }
        Csv c = Csv.read(dir.resolve(SUMMARY_CSV));
        c.requireFormatVersion(FORMAT_VERSION);
        int cw = c.column("width");
        int cm = c.column("mse");
        int cf = c.column("fvu");
        int cl = c.column("l0");
        int cd = c.column("dead");
        int ca = c.optionalColumn("architecture");
        int cs = c.optionalColumn("steps");
        int ct = c.optionalColumn("tokens");
        int cdf = c.optionalColumn("dead_fraction");
        int ctps = c.optionalColumn("tokens_per_second");
        int cdir = c.optionalColumn("dir");
        List<Member> members = new ArrayList<>();
        List<TrainingCurve> curves = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int r = 0; r < c.size(); r++) {
            long w = c.integer(r, cw);
            if (w < 1) {
                throw c.bad(r, cw, "width must be positive, got " + w);
            }
            double dead = c.number(r, cd);
            double deadFraction = cdf >= 0 ? c.number(r, cdf) : dead / w;
            String sub = cdir >= 0 ? c.text(r, cdir) : "width-" + w;
            Member m = new Member(
                    (int) w,
                    ca >= 0 ? c.text(r, ca) : "",
                    c.integer(r, cs, -1),
                    c.integer(r, ct, -1),
                    c.number(r, cm),
                    c.number(r, cf),
                    c.number(r, cl),
                    dead,
                    deadFraction,
                    c.number(r, ctps),
                    sub);
            members.add(m);
            Path log = sub.isEmpty()
                    ? null
                    : dir.resolve(sub).resolve(TrainingCurve.FILE).normalize();
            if (log != null && log.startsWith(dir.normalize()) && Files.isRegularFile(log)) {
                curves.add(TrainingCurve.read(log, "width " + w));
            } else {
                missing.add(sub.isEmpty() ? "width " + w : sub);
            }
        }
        return new FamilyRun(dir, List.copyOf(members), List.copyOf(curves), List.copyOf(missing));
    }
}
