package io.github.saestitch.stitch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes a {@link CompareResult} as the four files of {@code saestitch compare --out OUT}, all at once
 * through {@link AtomicOutput#writeDirectory} (a temporary sibling directory, flushed and renamed to OUT
 * when complete: no partial OUT, and a failure leaves an existing OUT untouched).
 *
 * <p><b>Formats</b> (all format version {@value #FORMAT_VERSION}; the CSVs are plain — header line,
 * comma-separated, {@code \n} line ends, no comment lines — and their versions are listed in
 * {@code summary.json} under {@code files}). Numbers are written in Java's shortest round-trip form
 * (e.g. {@code 0.0123}, {@code 1.5E-5}), which Python's {@code float()}, pandas and polars parse; an
 * undefined number is an empty field (NaN in pandas) or {@code null} in JSON.
 * <ul>
 *   <li>{@code latents.csv}: {@code latent,max_cos,nearest,kind,delta_mse,freq,max_act_corr,act_nearest,
 *       nearest_act_corr,group,step} — one row per latent of L; {@code kind} is {@code novel} or
 *       {@code reconstruction}; {@code act_nearest} and {@code group} are −1 when undefined / novel.</li>
 *   <li>{@code groups.csv}: {@code group,parents,children,delta_mse,delta_l0,cosine,num_edges,step} —
 *       parents (latents of S) and children (latents of L) as space-separated indices. A column whose
 *       groups all have one member holds plain integers, so read both as text (pandas:
 *       {@code read_csv(f, dtype={"parents": str, "children": str})}, then {@code .str.split()}).</li>
 *   <li>{@code interpolation.csv}: {@code step,action,num_latents,mse,l0,target,cosine,delta_mse,fvu} —
 *       {@code action} is {@code start}, {@code add} or {@code swap}; {@code target} the latent or group
 *       (−1 at the start); {@code cosine} the latent's max_cos or the group's cosine.</li>
 *   <li>{@code summary.json}: see {@link #summary(CompareResult)}.</li>
 * </ul>
 */
public final class CompareWriter {
    /** Version of every file this writer produces. */
    public static final int FORMAT_VERSION = 1;
    /** Header of latents.csv. */
    public static final String LATENTS_HEADER =
            "latent,max_cos,nearest,kind,delta_mse,freq,max_act_corr,act_nearest,nearest_act_corr,group,step";
    /** Header of groups.csv. */
    public static final String GROUPS_HEADER = "group,parents,children,delta_mse,delta_l0,cosine,num_edges,step";
    /** Header of interpolation.csv. */
    public static final String INTERPOLATION_HEADER = "step,action,num_latents,mse,l0,target,cosine,delta_mse,fvu";
    /** Header of threshold_sweep.csv. */
    public static final String SWEEP_HEADER = "format_version,row,threshold,num_novel,novel_improves,novel_worsens,"
            + "reconstruction_improves,reconstruction_worsens,agreement,joint_num_latents,joint_mse,joint_fvu,"
            + "joint_l0,joint_mse_change_fraction";
    /** Header of joint_path.csv and greedy_path.csv. */
    public static final String PATH_HEADER = "format_version,step,latent,max_cos,num_latents,mse,fvu,l0,delta_mse";
    /** The joint sweep's file: the grid of τ and the τ minimising the joint mse. */
    public static final String SWEEP_FILE = "threshold_sweep.csv";
    /** S + every latent with max_cos ≤ τ, latent by latent in ascending max_cos. */
    public static final String JOINT_PATH_FILE = "joint_path.csv";
    /** The greedy order of the novel latents (only with the greedy path). */
    public static final String GREEDY_PATH_FILE = "greedy_path.csv";

    private CompareWriter() {}

    /**
     * Writes {@code latents.csv}, {@code groups.csv}, {@code interpolation.csv} and {@code summary.json}
     * into {@code out}.
     *
     * @param replace whether an existing non-empty {@code out} may be replaced (else an
     *                {@link IllegalArgumentException})
     */
    public static void write(CompareResult result, Path out, boolean replace) throws IOException {
        write(result, out, replace, dir -> {});
    }

    /**
     * {@link #write(CompareResult, Path, boolean)}, and {@code extra} writes its own files (the top
     * contexts) into the same directory before it becomes {@code out}, so that {@code out} is still
     * written whole or not at all.
     */
    public static void write(CompareResult result, Path out, boolean replace, AtomicOutput.Writer extra)
            throws IOException {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(out, "out");
        if (Files.exists(out) && !replace) {
            throw new IllegalArgumentException(out + " already exists; choose another directory or pass --overwrite");
        }
        AtomicOutput.writeDirectory(out, replace, dir -> {
            writeLatents(result, dir.resolve("latents.csv"));
            writeGroups(result, dir.resolve("groups.csv"));
            writeInterpolation(result, dir.resolve("interpolation.csv"));
            if (result.joint() != null) {
                writeSweep(result, dir.resolve(SWEEP_FILE));
                writePath(result.joint().path(), dir.resolve(JOINT_PATH_FILE));
            }
            if (result.greedy() != null) {
                writePath(result.greedy().steps(), dir.resolve(GREEDY_PATH_FILE));
            }
            Json.write(dir.resolve("summary.json"), summary(result));
            extra.writeTo(dir);
        });
    }

    static void writeLatents(CompareResult r, Path file) throws IOException {
        try (CsvWriter w = CsvWriter.open(file, LATENTS_HEADER)) {
            for (LatentResult l : r.latents()) {
                w.integer(l.latent())
                        .number(l.maxCos())
                        .integer(l.nearest())
                        .text(l.kind().label())
                        .number(l.deltaMse())
                        .number(l.freq())
                        .number(l.maxActCorr())
                        .integer(l.actNearest())
                        .number(l.nearestActCorr())
                        .integer(l.group())
                        .integer(l.step())
                        .endRow();
            }
        }
    }

    static void writeGroups(CompareResult r, Path file) throws IOException {
        try (CsvWriter w = CsvWriter.open(file, GROUPS_HEADER)) {
            for (SwapGroupResult g : r.groups()) {
                w.integer(g.group())
                        .text(joinSpaced(g.parents()))
                        .text(joinSpaced(g.children()))
                        .number(g.deltaMse())
                        .number(g.deltaL0())
                        .number(g.cosine())
                        .integer(g.numEdges())
                        .integer(g.step())
                        .endRow();
            }
        }
    }

    static void writeInterpolation(CompareResult r, Path file) throws IOException {
        try (CsvWriter w = CsvWriter.open(file, INTERPOLATION_HEADER)) {
            for (InterpolationStep s : r.interpolation()) {
                w.integer(s.step())
                        .text(s.action().label())
                        .integer(s.numLatents())
                        .number(s.mse())
                        .number(s.l0())
                        .integer(s.target())
                        .number(s.cosine())
                        .number(s.deltaMse())
                        .number(s.fvu())
                        .endRow();
            }
        }
    }

    /**
     * {@code threshold_sweep.csv}: one {@code sweep} row per τ of the grid, then one {@code joint_minimum}
     * row at the τ minimising the joint mse (the largest max_cos of the best prefix; empty when adding
     * nothing is best).
     */
    static void writeSweep(CompareResult r, Path file) throws IOException {
        double mseSmall = r.small().mse();
        try (CsvWriter w = CsvWriter.open(file, SWEEP_HEADER)) {
            for (ThresholdSweepRow row : r.thresholdSweep()) {
                sweepRow(
                        w,
                        "sweep",
                        row.threshold(),
                        row.contingency(),
                        r.joint().at(row.threshold()),
                        mseSmall);
            }
            double t = r.joint().minimumThreshold();
            sweepRow(w, "joint_minimum", t, contingencyAt(r, t), r.joint().minimumRow(), mseSmall);
        }
    }

    private static void sweepRow(
            CsvWriter w, String kind, double threshold, Contingency c, InterpolationStep joint, double mseSmall)
            throws IOException {
        w.integer(FORMAT_VERSION)
                .text(kind)
                .number(threshold)
                .integer(c.novel())
                .integer(c.novelImproves())
                .integer(c.novelWorsens())
                .integer(c.reconstructionImproves())
                .integer(c.reconstructionWorsens())
                .number(c.agreement())
                .integer(joint.numLatents())
                .number(joint.mse())
                .number(joint.fvu())
                .number(joint.l0())
                .number(changeFraction(joint.mse(), mseSmall))
                .endRow();
    }

    /** The contingency table at τ (NaN: below every max_cos, so nothing is novel). */
    static Contingency contingencyAt(CompareResult r, double tau) {
        boolean[] novel = new boolean[r.latents().size()];
        double[] delta = new double[novel.length];
        for (LatentResult l : r.latents()) {
            novel[l.latent()] = l.maxCos() <= tau;
            delta[l.latent()] = l.deltaMse();
        }
        return Contingency.count(novel, delta);
    }

    static void writePath(java.util.List<InterpolationStep> path, Path file) throws IOException {
        try (CsvWriter w = CsvWriter.open(file, PATH_HEADER)) {
            for (InterpolationStep s : path) {
                w.integer(FORMAT_VERSION)
                        .integer(s.step())
                        .integer(s.target())
                        .number(s.cosine())
                        .integer(s.numLatents())
                        .number(s.mse())
                        .number(s.fvu())
                        .number(s.l0())
                        .number(s.deltaMse())
                        .endRow();
            }
        }
    }

    private static double changeFraction(double mse, double mseSmall) {
        return mseSmall > 0 ? (mse - mseSmall) / mseSmall : Double.NaN;
    }

    /**
     * The content of {@code summary.json}:
     * <pre>
     * format_version, files {name: version}, tokens, kernels, threshold, group_cosine, hybrids, composite,
     * small / large {num_latents, mse, fvu, l0, dead, activation, apply_b_dec_to_input},
     * num_novel, num_reconstruction, num_groups,
     * contingency {novel_improves, novel_worsens, reconstruction_improves, reconstruction_worsens,
     *              novel_unchanged, reconstruction_unchanged, agreement},
     * novel_added {num_latents, mse, l0, fvu, mse_change_fraction},
     * all_applied {num_latents, mse, l0, fvu, mse_change_fraction},
     * threshold_sweep [{threshold, num_novel, num_reconstruction, novel_improves, novel_worsens,
     *                   reconstruction_improves, reconstruction_worsens, novel_unchanged,
     *                   reconstruction_unchanged, agreement}],
     * activation_similarity {computed, measure, passes, same_nearest_fraction, mean_nearest_act_corr, note (when
     *                        not computed: why)},
     * joint {limit, at_threshold {threshold, num_latents, mse, fvu, l0, mse_change_fraction},
     *        minimum {threshold, num_added, num_latents, mse, fvu, l0, mse_change_fraction}, shape},
     * paths {cosine {steps, monotone, rising_steps, rise, minimum_step, minimum_mse, end_mse},
     *        greedy {the same, first_non_improving, max_discrepancy} (only with the greedy path)}
     * </pre>
     * Each {@code threshold_sweep} row also carries {@code joint_mse}, {@code joint_fvu} and
     * {@code joint_mse_change_fraction}: S + every latent with max_cos ≤ τ added together.
     * {@code improves} means Δmse &lt; 0, {@code worsens} Δmse &gt; 0, {@code unchanged} Δmse = 0 (a latent
     * never active on the tokens); {@code agreement} = (novel_improves + reconstruction_worsens) / (latents
     * with Δmse ≠ 0); {@code mse_change_fraction} = (mse − mse(S)) / mse(S).
     */
    public static ObjectNode summary(CompareResult r) {
        ObjectNode root = Json.object();
        root.put("format_version", FORMAT_VERSION);
        ObjectNode files = root.putObject("files");
        files.put("latents.csv", FORMAT_VERSION);
        files.put("groups.csv", FORMAT_VERSION);
        files.put("interpolation.csv", FORMAT_VERSION);
        files.put("summary.json", FORMAT_VERSION);
        root.put("tokens", r.tokens());
        root.put("kernels", r.kernels());
        root.put("threshold", r.threshold());
        root.put("group_cosine", "max_edge_cosine");
        root.put("hybrids", r.hybridNote());
        root.put("composite", r.composite());
        model(root.putObject("small"), r.small());
        model(root.putObject("large"), r.large());
        root.put("num_novel", r.contingency().novel());
        root.put("num_reconstruction", r.contingency().reconstruction());
        root.put("num_groups", r.groups().size());
        contingency(root.putObject("contingency"), r.contingency());
        point(root.putObject("novel_added"), r.novelAdded(), r.small().mse());
        point(root.putObject("all_applied"), r.allApplied(), r.small().mse());
        ArrayNode sweep = root.putArray("threshold_sweep");
        for (ThresholdSweepRow row : r.thresholdSweep()) {
            ObjectNode o = sweep.addObject();
            o.put("threshold", row.threshold());
            o.put("num_novel", row.contingency().novel());
            o.put("num_reconstruction", row.contingency().reconstruction());
            contingency(o, row.contingency());
            Json.putNumber(o, "joint_mse", row.jointMse());
            Json.putNumber(o, "joint_fvu", row.jointFvu());
            Json.putNumber(
                    o,
                    "joint_mse_change_fraction",
                    changeFraction(row.jointMse(), r.small().mse()));
        }
        ObjectNode act = root.putObject("activation_similarity");
        ActivationSimilarity a = r.activationSimilarity();
        act.put("computed", a.computed());
        act.put("measure", "pearson correlation of latent activations over the tokens (inactive = 0)");
        act.put("passes", a.passes());
        Json.putNumber(act, "same_nearest_fraction", a.sameNearestFraction());
        Json.putNumber(act, "mean_nearest_act_corr", a.meanNearestActCorr());
        if (!a.note().isEmpty()) {
            act.put("note", a.note());
        }
        if (r.joint() != null) {
            files.put(SWEEP_FILE, FORMAT_VERSION);
            files.put(JOINT_PATH_FILE, FORMAT_VERSION);
            ObjectNode joint = root.putObject("joint");
            joint.put("limit", r.joint().limit());
            ObjectNode at = joint.putObject("at_threshold");
            at.put("threshold", r.threshold());
            jointPoint(at, r.joint().at(r.threshold()), r);
            ObjectNode min = joint.putObject("minimum");
            Json.putNumber(min, "threshold", r.joint().minimumThreshold());
            jointPoint(min, r.joint().minimumRow(), r);
            shape(joint.putObject("shape"), r.joint().shape());
        }
        ObjectNode paths = root.putObject("paths");
        shape(paths.putObject("cosine"), PathShape.of(r.interpolation(), r.numNovel() + 1));
        if (r.greedy() != null) {
            files.put(GREEDY_PATH_FILE, FORMAT_VERSION);
            ObjectNode g = paths.putObject("greedy");
            shape(g, r.greedy().shape());
            g.put("first_non_improving", r.greedy().firstNonImproving());
            Json.putNumber(g, "max_discrepancy", r.greedy().maxDiscrepancy());
        }
        return root;
    }

    private static void jointPoint(ObjectNode o, InterpolationStep s, CompareResult r) {
        o.put("num_added", s.numLatents() - r.small().numLatents());
        o.put("num_latents", s.numLatents());
        Json.putNumber(o, "mse", s.mse());
        Json.putNumber(o, "fvu", s.fvu());
        Json.putNumber(o, "l0", s.l0());
        Json.putNumber(
                o, "mse_change_fraction", changeFraction(s.mse(), r.small().mse()));
    }

    private static void shape(ObjectNode o, PathShape p) {
        o.put("steps", p.steps());
        o.put("monotone", p.monotone());
        o.put("rising_steps", p.risingSteps());
        Json.putNumber(o, "rise", p.rise());
        o.put("minimum_step", p.minimumStep());
        Json.putNumber(o, "minimum_mse", p.minimumMse());
        Json.putNumber(o, "end_mse", p.endMse());
    }

    private static void model(ObjectNode o, ModelSummary m) {
        o.put("num_latents", m.numLatents());
        Json.putNumber(o, "mse", m.mse());
        Json.putNumber(o, "fvu", m.fvu());
        Json.putNumber(o, "l0", m.l0());
        o.put("dead", m.dead());
        o.put("activation", m.activation());
        o.put("apply_b_dec_to_input", m.applyBDecToInput());
    }

    private static void contingency(ObjectNode o, Contingency c) {
        o.put("novel_improves", c.novelImproves());
        o.put("novel_worsens", c.novelWorsens());
        o.put("reconstruction_improves", c.reconstructionImproves());
        o.put("reconstruction_worsens", c.reconstructionWorsens());
        o.put("novel_unchanged", c.novelUnchanged());
        o.put("reconstruction_unchanged", c.reconstructionUnchanged());
        Json.putNumber(o, "agreement", c.agreement());
    }

    private static void point(ObjectNode o, InterpolationStep s, double mseSmall) {
        o.put("step", s.step());
        o.put("num_latents", s.numLatents());
        Json.putNumber(o, "mse", s.mse());
        Json.putNumber(o, "l0", s.l0());
        Json.putNumber(o, "fvu", s.fvu());
        Json.putNumber(o, "mse_change_fraction", mseSmall > 0 ? (s.mse() - mseSmall) / mseSmall : Double.NaN);
    }

    private static String joinSpaced(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < v.length; k++) {
            if (k > 0) {
                sb.append(' ');
            }
            sb.append(v[k]);
        }
        return sb.toString();
    }
}
