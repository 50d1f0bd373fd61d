package io.github.saestitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Trains a family of SAEs of several widths on the same activations with the same options and seed
 * (only the width differs), the entry point of {@code saestitch train-family}. Same data, same
 * held-out tokens, same shuffling: the members differ by width alone, which is what the stitching
 * analysis (docs/definitions.md#stitching) compares.
 *
 * <h2>Output directory</h2>
 * <pre>
 *   width-768/ width-1536/ ...   one {@link Trainer} output directory per width
 *   family_summary.csv           one row per width (columns below)
 *   family_summary.json          the same plus the shared options (format_version 1)
 * </pre>
 * CSV columns: {@code format_version, width, architecture, steps, tokens, mse, fvu, l0, dead,
 * dead_fraction, stored_parameter_ratio, tokens_per_second, dir} — the metrics are the held-out ones
 * of each final SAE (mse: mean over tokens of Σ_dims (x − x̂)², raw units).
 *
 * <p>With {@code resume}, members whose directory holds a checkpoint continue from it (a finished one
 * only re-saves its outputs), the others start fresh.
 */
public final class FamilyTrainer {
    /** Version of the family summary files. */
    public static final int FORMAT_VERSION = 1;

    public static final String SUMMARY_CSV = "family_summary.csv";
    public static final String SUMMARY_JSON = "family_summary.json";
    /** The chart of the summary, drawn by {@code report.TrainingCharts} (this package does not draw). */
    public static final String SUMMARY_PNG = "family_summary.png";

    /** One trained width. */
    public record Member(int width, Path dir, TrainResult result) {}

    /** The whole family. */
    public record FamilyResult(List<Member> members, Path summaryCsv, Path summaryJson) {}

    /** Progress of a family run; the library never prints. */
    public interface FamilyListener {
        /** Before member {@code index} (0-based) of {@code count} starts; returns the listener for its steps. */
        default TrainListener onMemberStart(int index, int count, int width) {
            return TrainListener.NONE;
        }

        /** After a member finished and was saved. */
        default void onMemberDone(Member member) {}
    }

    private final TrainOptions base;
    private final List<Integer> widths;
    private final Kernels kernels;

    /**
     * @param base   options shared by every member (its {@code numLatents} is replaced by each width)
     * @param widths the widths, each ≥ 1 and distinct; trained in the given order
     */
    public FamilyTrainer(TrainOptions base, List<Integer> widths, Kernels kernels) {
        this.base = Objects.requireNonNull(base, "base");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        if (widths == null || widths.isEmpty()) {
            throw new IllegalArgumentException("a family needs at least one width");
        }
        if (widths.stream().distinct().count() != widths.size()) {
            throw new IllegalArgumentException("widths must be distinct, got " + widths);
        }
        for (int w : widths) {
            base.toBuilder().numLatents(w).build(); // validates k ≤ width etc. before any training
        }
        this.widths = List.copyOf(widths);
    }

    /** The member directory name for a width. */
    public static String memberDirName(int width) {
        return "width-" + width;
    }

    /**
     * Trains every width on {@code acts} (held-out tail as in {@link Trainer#train(ActivationSet, Path,
     * boolean, TrainListener)}) into {@code outDir}, then writes the summaries.
     */
    public FamilyResult train(ActivationSet acts, Path outDir, boolean resume, FamilyListener listener)
            throws IOException {
        FamilyListener l = listener == null ? new FamilyListener() {} : listener;
        if (!resume) {
            for (int w : widths) {
                if (Files.exists(outDir.resolve(memberDirName(w)))) {
                    throw new IllegalArgumentException(outDir.resolve(memberDirName(w)) + " already exists; resume the "
                            + "family or choose another output directory");
                }
            }
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < widths.size(); i++) {
            int w = widths.get(i);
            Path dir = outDir.resolve(memberDirName(w));
            TrainListener tl = l.onMemberStart(i, widths.size(), w);
            TrainOptions o = base.toBuilder().numLatents(w).build();
            boolean has = TrainingState.exists(dir.resolve(TrainResult.CHECKPOINT_DIR));
            TrainResult r = new Trainer(o, kernels).train(acts, dir, resume && has, tl);
            Member m = new Member(w, dir, r);
            members.add(m);
            l.onMemberDone(m);
        }
        Path csv = outDir.resolve(SUMMARY_CSV);
        Path json = outDir.resolve(SUMMARY_JSON);
        writeCsv(members, csv);
        writeJson(members, json);
        return new FamilyResult(List.copyOf(members), csv, json);
    }

    private static void writeCsv(List<Member> members, Path file) throws IOException {
        int digits = TrainingLog.DIGITS;
        AtomicOutput.writeFile(file, tmp -> {
            try (CsvWriter w = CsvWriter.open(
                    tmp,
                    "format_version,width,architecture,steps,tokens,mse,fvu,l0,dead,"
                            + "dead_fraction,stored_parameter_ratio,tokens_per_second,dir,converged,"
                            + "mse_change_last_quarter")) {
                for (Member m : members) {
                    EvalResult e = m.result().finalEval();
                    w.integer(FORMAT_VERSION)
                            .integer(m.width())
                            .text(m.result().options().architecture().id())
                            .integer(m.result().steps())
                            .integer(m.result().tokens());
                    if (e == null) {
                        w.empty().empty().empty().empty().empty();
                    } else {
                        w.significant(e.mse(), digits)
                                .significant(e.fvu(), digits)
                                .significant(e.l0(), digits)
                                .integer(e.dead())
                                .significant((double) e.dead() / m.width(), digits);
                    }
                    w.significant(m.result().storedParameterRatio(), digits)
                            .significant(m.result().tokensPerSecond(), digits)
                            .text(m.dir().getFileName().toString());
                    Convergence c = m.result().convergence();
                    if (c == null) {
                        w.empty().empty();
                    } else {
                        w.text(Boolean.toString(c.converged())).significant(c.relativeChange(), digits);
                    }
                    w.endRow();
                }
            }
        });
    }

    private void writeJson(List<Member> members, Path file) throws IOException {
        ObjectMapper om = TrainingState.mapper();
        ObjectNode root = om.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        root.put("kind", "saestitch-family-summary");
        root.put("architecture", base.architecture().id());
        ArrayNode ws = root.putArray("widths");
        widths.forEach(ws::add);
        ArrayNode arr = root.putArray("members");
        for (Member m : members) {
            ObjectNode o = arr.addObject();
            o.put("width", m.width());
            o.put("dir", m.dir().getFileName().toString());
            o.put("steps", m.result().steps());
            o.put("tokens", m.result().tokens());
            o.put("train_seconds", m.result().trainSeconds());
            o.put("tokens_per_second", m.result().tokensPerSecond());
            o.put("stored_parameter_ratio", m.result().storedParameterRatio());
            EvalResult e = m.result().finalEval();
            if (e != null) {
                o.put("eval_tokens", e.tokens());
                o.put("mse", e.mse());
                o.put("fvu", e.fvu());
                o.put("l0", e.l0());
                o.put("dead", e.dead());
                o.put("dead_fraction", (double) e.dead() / m.width());
            }
            TrainOutput.writeConvergence(o.putObject("convergence"), m.result().convergence());
        }
        root.set("options", om.valueToTree(base));
        byte[] bytes = om.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        AtomicOutput.writeFile(file, tmp -> Files.write(tmp, bytes));
    }
}
