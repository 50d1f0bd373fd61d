package io.github.saestitch.report;

import io.github.saestitch.train.Convergence;
import io.github.saestitch.train.EvalPoint;
import io.github.saestitch.train.TrainingLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One training log ({@value #FILE}, format version 1 of {@code train.TrainingLog}) as columns. Required
 * columns: {@code step, tokens, mse, l0, dead}; optional: {@code format_version, loss, eval_mse,
 * eval_fvu, eval_l0, eval_dead}. NaN where a row has no value (held-out columns between evaluations).
 *
 * @param label how the report names the run (e.g. "width 1536")
 * @param file  where it was read from
 */
record TrainingCurve(
        String label,
        Path file,
        long[] step,
        double[] tokens,
        double[] loss,
        double[] mse,
        double[] l0,
        double[] dead,
        double[] evalMse,
        double[] evalFvu,
        double[] evalL0,
        double[] evalDead) {
    static final String FILE = TrainingLog.FILE;
    static final int FORMAT_VERSION = TrainingLog.FORMAT_VERSION;

    int size() {
        return step.length;
    }

    /** The convergence criterion on this run's held-out evaluations ({@link Convergence}); null: not judged. */
    Convergence convergence() {
        List<EvalPoint> points = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            if (Double.isFinite(evalMse[i])) {
                points.add(new EvalPoint((int) step[i], (long) tokens[i], evalMse[i], evalFvu[i], evalL0[i], 0));
            }
        }
        return Convergence.of(points);
    }

    static TrainingCurve read(Path file, String label) throws IOException {
        Csv c = Csv.read(file);
        c.requireFormatVersion(FORMAT_VERSION);
        int cs = c.column("step");
        int ct = c.column("tokens");
        int cm = c.column("mse");
        int cl = c.column("l0");
        int cd = c.column("dead");
        int closs = c.optionalColumn("loss");
        int cem = c.optionalColumn("eval_mse");
        int cef = c.optionalColumn("eval_fvu");
        int cel = c.optionalColumn("eval_l0");
        int ced = c.optionalColumn("eval_dead");
        int n = c.size();
        long[] step = new long[n];
        double[] tokens = new double[n];
        double[] loss = new double[n];
        double[] mse = new double[n];
        double[] l0 = new double[n];
        double[] dead = new double[n];
        double[] em = new double[n];
        double[] ef = new double[n];
        double[] el = new double[n];
        double[] ed = new double[n];
        for (int r = 0; r < n; r++) {
            step[r] = c.integer(r, cs);
            tokens[r] = c.number(r, ct);
            loss[r] = c.number(r, closs);
            mse[r] = c.number(r, cm);
            l0[r] = c.number(r, cl);
            dead[r] = c.number(r, cd);
            em[r] = c.number(r, cem);
            ef[r] = c.number(r, cef);
            el[r] = c.number(r, cel);
            ed[r] = c.number(r, ced);
        }
        return new TrainingCurve(label, file, step, tokens, loss, mse, l0, dead, em, ef, el, ed);
    }
}
