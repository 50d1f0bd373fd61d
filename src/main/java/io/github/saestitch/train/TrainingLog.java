package io.github.saestitch.train;

import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The training log: one {@link Row} every {@link TrainOptions#logInterval()} steps, at every held-out
 * evaluation and at the last step, written as CSV ({@value #FILE}).
 *
 * <p><b>CSV columns</b> (header line first; every row repeats {@code format_version}; empty cells mean
 * "not measured at this row"):
 * <pre>
 * format_version  this layout's version ({@value #FORMAT_VERSION})
 * step            optimisation steps done
 * tokens          training tokens consumed
 * lr              learning rate of the row's last step
 * l1_coefficient  relu's λ of the row's last step (after warm-up; 0 for the other architectures)
 * loss            total training loss, mean over the steps since the previous row (normalised units)
 * mse             training-batch mse, mean over those steps: mean over tokens of Σ_dims (x − x̂)², raw units
 * l0              training-batch active latents per token, mean over those steps
 * aux_loss        AuxK loss, mean over those steps (normalised units; 0 when no latent is dead)
 * dead            latents that did not fire on the last deadTokens training tokens
 * eval_mse        held-out mse (raw units), when evaluated at this step
 * eval_fvu        held-out fraction of variance unexplained
 * eval_l0         held-out active latents per token (inference activation)
 * eval_dead       latents never active on the held-out tokens
 * elapsed_s       wall-clock seconds of training so far (summed over resumed sessions)
 * </pre>
 */
public final class TrainingLog {
    /** File name inside a run's output directory. */
    public static final String FILE = "train_log.csv";
    /** Version of the CSV layout. */
    public static final int FORMAT_VERSION = 1;
    /** Significant digits of the logged metrics (the log's number format since format version 1). */
    static final int DIGITS = 7;
    /** The header line. */
    public static final String HEADER = "format_version,step,tokens,lr,l1_coefficient,loss,mse,l0,aux_loss,dead,"
            + "eval_mse,eval_fvu,eval_l0,eval_dead,elapsed_s";

    /**
     * One line of the log.
     *
     * @param eval the held-out metrics at this step, or null
     */
    public record Row(
            int step,
            long tokens,
            double lr,
            double l1Coefficient,
            double loss,
            double mse,
            double l0,
            double auxLoss,
            int dead,
            EvalPoint eval,
            double elapsedSeconds) {}

    private final List<Row> rows = new ArrayList<>();

    TrainingLog() {}

    TrainingLog(List<Row> initial) {
        rows.addAll(initial);
    }

    void add(Row r) {
        rows.add(r);
    }

    /** Every row so far (unmodifiable view). */
    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** The held-out evaluations in the log, in step order. */
    public List<EvalPoint> evalPoints() {
        List<EvalPoint> out = new ArrayList<>();
        for (Row r : rows) {
            if (r.eval() != null) {
                out.add(r.eval());
            }
        }
        return out;
    }

    /** Writes the CSV atomically. */
    void write(Path file) throws IOException {
        AtomicOutput.writeFile(file, tmp -> {
            try (CsvWriter w = CsvWriter.open(tmp, HEADER)) {
                for (Row r : rows) {
                    w.integer(FORMAT_VERSION)
                            .integer(r.step())
                            .integer(r.tokens())
                            .significant(r.lr(), DIGITS)
                            .significant(r.l1Coefficient(), DIGITS)
                            .significant(r.loss(), DIGITS)
                            .significant(r.mse(), DIGITS)
                            .significant(r.l0(), DIGITS)
                            .significant(r.auxLoss(), DIGITS)
                            .integer(r.dead());
                    EvalPoint e = r.eval();
                    if (e == null) {
                        w.empty().empty().empty().empty();
                    } else {
                        w.significant(e.mse(), DIGITS)
                                .significant(e.fvu(), DIGITS)
                                .significant(e.l0(), DIGITS)
                                .integer(e.dead());
                    }
                    w.fixed(r.elapsedSeconds(), 3).endRow();
                }
            }
        });
    }
}
