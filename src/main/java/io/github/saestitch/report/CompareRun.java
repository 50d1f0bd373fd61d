package io.github.saestitch.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.FileFormatException;
import io.github.saestitch.io.Json;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.stitch.Contingency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the report reads from one {@code saestitch compare} output directory (format version 1 of
 * {@code stitch.CompareWriter}):
 * <ul>
 *   <li>{@code summary.json} — required keys: {@code format_version} (≤ {@value #FORMAT_VERSION}),
 *       {@code threshold}, {@code small.num_latents}, {@code large.num_latents}; the rest is shown when
 *       present;</li>
 *   <li>{@code latents.csv} — required columns {@code latent, max_cos, nearest, kind, delta_mse};
 *       optional {@code freq, max_act_corr, act_nearest, nearest_act_corr, group, step};</li>
 *   <li>{@code groups.csv} — required {@code group, parents, children, delta_mse, delta_l0, cosine};
 *       optional {@code num_edges, step};</li>
 *   <li>{@code interpolation.csv} — required {@code step, action, num_latents, mse, l0}; optional
 *       {@code target, cosine, delta_mse, fvu};</li>
 *   <li>optional {@value LatentContexts#FILE} and {@value LatentContexts#SMALL_FILE} — top contexts (and
 *       frequencies) per latent of the larger and of the smaller SAE ({@link LatentContexts}).</li>
 * </ul>
 * The contingency table is summary.json's {@code contingency} (what compare counted), counted from
 * {@code latents.csv} by the same function when an older summary lacks it.
 */
record CompareRun(
        Path dir,
        String label,
        Summary summary,
        Latents latents,
        List<SwapGroup> groups,
        List<Step> interpolation,
        Map<Integer, List<LatentContext>> contexts,
        LatentContexts.Entries small) {

    /** Newest compare format version this reader understands. */
    static final int FORMAT_VERSION = 1;

    static final String LATENTS = "latents.csv";
    static final String GROUPS = "groups.csv";
    static final String INTERPOLATION = "interpolation.csv";
    static final String SUMMARY = "summary.json";

    private static final ObjectMapper JSON = Json.MAPPER;

    /** The metrics of one SAE of the pair on the compare tokens (NaN / −1 when not in the summary). */
    record ModelStats(int numLatents, double mse, double fvu, double l0, long dead, String activation) {}

    /** An interpolation landmark from summary.json ({@code novel_added}, {@code all_applied}). */
    record Landmark(int numLatents, double mse, double l0, double fvu, double mseChangeFraction) {
        static final Landmark NONE = new Landmark(-1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /** One row of summary.json's {@code threshold_sweep}. */
    record SweepRow(
            double threshold,
            long numNovel,
            long numReconstruction,
            long novelImproves,
            long novelWorsens,
            long reconstructionImproves,
            long reconstructionWorsens,
            double agreement) {}

    /**
     * summary.json.
     *
     * @param tokens      tokens the comparison ran on (−1 when absent)
     * @param hybrids     the writer's note on how hybrids were formed (may be empty)
     * @param composite   whether L's latents were transplanted as composites (topk sources)
     * @param actNote     activation_similarity's note or measure (may be empty)
     * @param contingency the {@code contingency} object, or null when absent (older summaries)
     */
    record Summary(
            int formatVersion,
            double threshold,
            long tokens,
            String kernels,
            String hybrids,
            boolean composite,
            ModelStats small,
            ModelStats large,
            Landmark novelAdded,
            Landmark allApplied,
            List<SweepRow> sweep,
            boolean actComputed,
            double sameNearestFraction,
            double meanNearestActCorr,
            String actNote,
            Contingency contingency) {}

    /**
     * latents.csv as columns, in file order. Integer columns hold −1 where undefined; number columns NaN.
     * {@code novel[i]} is the kind (true = novel, false = reconstruction).
     */
    record Latents(
            int[] latent,
            double[] maxCos,
            int[] nearest,
            boolean[] novel,
            double[] deltaMse,
            double[] freq,
            double[] maxActCorr,
            int[] actNearest,
            double[] nearestActCorr,
            int[] group,
            int[] step) {
        int size() {
            return latent.length;
        }
    }

    /** One row of groups.csv. */
    record SwapGroup(
            int group,
            int[] parents,
            int[] children,
            double deltaMse,
            double deltaL0,
            double cosine,
            int numEdges,
            int step) {}

    /** One row of interpolation.csv; {@code action} is start, add or swap. */
    record Step(
            int step,
            String action,
            int numLatents,
            double mse,
            double l0,
            int target,
            double cosine,
            double deltaMse,
            double fvu) {}

    /**
     * The table of kind × sign of Δmse as compare counted it (summary.json's {@code contingency}); for a
     * summary written before that key, counted from latents.csv the way compare counts.
     */
    Contingency contingency() {
        return summary.contingency() != null
                ? summary.contingency()
                : Contingency.count(latents.novel(), latents.deltaMse());
    }

    /** Latents whose Δmse is undefined in latents.csv (counted as unchanged). */
    long undefinedDeltaMse() {
        return Arrays.stream(latents.deltaMse()).filter(Double::isNaN).count();
    }

    /**
     * Reads a compare output directory.
     *
     * @param label    the pair's name in the report, or null for "S → L"
     * @param contexts contexts per latent, or null to read {@code contexts.jsonl} when present
     */
    static CompareRun read(Path dir, String label, Map<Integer, List<LatentContext>> contexts) throws IOException {
        return read(dir, label, contexts, null);
    }

    /**
     * Reads a compare output directory.
     *
     * @param label    the pair's name in the report, or null for "S → L"
     * @param contexts contexts per latent, or null to read {@code contexts.jsonl} when present
     * @param small    contexts per latent of the smaller SAE, or null to read {@code contexts_small.jsonl}
     *                 when present
     */
    static CompareRun read(
            Path dir, String label, Map<Integer, List<LatentContext>> contexts, LatentContexts.Entries small)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ReportInputException(dir, "not a directory (expected the output directory of saestitch compare)");
        }
        Summary s = readSummary(dir.resolve(SUMMARY));
        Latents l = readLatents(dir.resolve(LATENTS), s);
        List<SwapGroup> g = readGroups(dir.resolve(GROUPS));
        List<Step> steps = readInterpolation(dir.resolve(INTERPOLATION));
        Map<Integer, List<LatentContext>> ctx = contexts;
        if (ctx == null) {
            Path f = dir.resolve(LatentContexts.FILE);
            ctx = Files.isRegularFile(f) ? readContexts(f).contexts() : Map.of();
        }
        for (Integer latent : ctx.keySet()) {
            if (latent < 0 || latent >= s.large().numLatents()) {
                throw new ReportInputException(
                        dir.resolve(LatentContexts.FILE),
                        "contexts for latent " + latent + ", but the larger SAE has "
                                + s.large().numLatents() + " latents");
            }
        }
        LatentContexts.Entries sm = small;
        if (sm == null) {
            Path f = dir.resolve(LatentContexts.SMALL_FILE);
            sm = Files.isRegularFile(f) ? readContexts(f) : LatentContexts.Entries.NONE;
        }
        java.util.Set<Integer> smallLatents =
                new java.util.TreeSet<>(sm.contexts().keySet());
        smallLatents.addAll(sm.freq().keySet());
        for (Integer latent : smallLatents) {
            if (latent < 0 || latent >= s.small().numLatents()) {
                throw new ReportInputException(
                        dir.resolve(LatentContexts.SMALL_FILE),
                        "contexts for latent " + latent + ", but the smaller SAE has "
                                + s.small().numLatents() + " latents");
            }
        }
        String name = label != null && !label.isBlank()
                ? label
                : s.small().numLatents() + " \u2192 " + s.large().numLatents();
        return new CompareRun(dir, name, s, l, g, steps, Map.copyOf(ctx), sm);
    }

    /** {@link LatentContexts#readEntries}, its format errors reported as this package's input errors. */
    static LatentContexts.Entries readContexts(Path file) throws IOException {
        try {
            return LatentContexts.readEntries(file);
        } catch (FileFormatException e) {
            throw new ReportInputException(e.file(), e.problem(), e);
        }
    }

    static Summary readSummary(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ReportInputException(
                    file, "file not found (is this the output directory of saestitch compare?)", e);
        } catch (JsonProcessingException e) {
            throw new ReportInputException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ReportInputException(file, "expected a JSON object");
        }
        int version = requireInt(file, root, "format_version");
        if (version < 1 || version > FORMAT_VERSION) {
            throw new ReportInputException(
                    file,
                    "format_version " + version + " is not supported (this saestitch reads " + "1 to " + FORMAT_VERSION
                            + ")");
        }
        JsonNode files = root.path("files");
        for (String f : List.of(LATENTS, GROUPS, INTERPOLATION)) {
            if (files.has(f) && files.get(f).asInt(0) > FORMAT_VERSION) {
                throw new ReportInputException(
                        file,
                        "files." + f + " has format version " + files.get(f) + ", newer than this saestitch reads ("
                                + FORMAT_VERSION + ")");
            }
        }
        if (!root.path("threshold").isNumber()) {
            throw new ReportInputException(file, "missing key 'threshold' (a number)");
        }
        ModelStats small = model(file, root, "small");
        ModelStats large = model(file, root, "large");
        List<SweepRow> sweep = new ArrayList<>();
        for (JsonNode r : root.path("threshold_sweep")) {
            sweep.add(new SweepRow(
                    num(r, "threshold"),
                    r.path("num_novel").asLong(-1),
                    r.path("num_reconstruction").asLong(-1),
                    r.path("novel_improves").asLong(-1),
                    r.path("novel_worsens").asLong(-1),
                    r.path("reconstruction_improves").asLong(-1),
                    r.path("reconstruction_worsens").asLong(-1),
                    num(r, "agreement")));
        }
        JsonNode act = root.path("activation_similarity");
        String actNote = act.path("note").asText(act.path("measure").asText(""));
        return new Summary(
                version,
                root.get("threshold").asDouble(),
                root.path("tokens").asLong(-1),
                root.path("kernels").asText(""),
                root.path("hybrids").asText(""),
                root.path("composite").asBoolean(false),
                small,
                large,
                landmark(root.path("novel_added")),
                landmark(root.path("all_applied")),
                List.copyOf(sweep),
                act.path("computed").asBoolean(false),
                num(act, "same_nearest_fraction"),
                num(act, "mean_nearest_act_corr"),
                actNote,
                contingency(file, root.path("contingency")));
    }

    /** summary.json's {@code contingency}, or null when the summary has none. */
    private static Contingency contingency(Path file, JsonNode c) throws ReportInputException {
        if (c.isMissingNode() || c.isNull()) {
            return null;
        }
        String[] keys = {
            "novel_improves",
            "novel_worsens",
            "novel_unchanged",
            "reconstruction_improves",
            "reconstruction_worsens",
            "reconstruction_unchanged"
        };
        int[] v = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            if (!c.path(keys[i]).canConvertToInt() || c.get(keys[i]).asInt() < 0) {
                throw new ReportInputException(file, "contingency." + keys[i] + " must be a count (an integer >= 0)");
            }
            v[i] = c.get(keys[i]).asInt();
        }
        return new Contingency(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    private static ModelStats model(Path file, JsonNode root, String key) throws ReportInputException {
        JsonNode m = root.path(key);
        if (!m.isObject()) {
            throw new ReportInputException(file, "missing key '" + key + "' (an object with num_latents, mse, ...)");
        }
        if (!m.path("num_latents").canConvertToInt() || m.get("num_latents").asInt() < 1) {
            throw new ReportInputException(file, "missing or invalid '" + key + ".num_latents' (a positive integer)");
        }
        return new ModelStats(
                m.get("num_latents").asInt(),
                num(m, "mse"),
                num(m, "fvu"),
                num(m, "l0"),
                m.path("dead").asLong(-1),
                m.path("activation").asText(""));
    }

    private static Landmark landmark(JsonNode n) {
        if (!n.isObject()) {
            return Landmark.NONE;
        }
        return new Landmark(
                n.path("num_latents").asInt(-1),
                num(n, "mse"),
                num(n, "l0"),
                num(n, "fvu"),
                num(n, "mse_change_fraction"));
    }

    private static int requireInt(Path file, JsonNode root, String key) throws ReportInputException {
        if (!root.path(key).canConvertToInt()) {
            throw new ReportInputException(file, "missing key '" + key + "' (an integer)");
        }
        return root.get(key).asInt();
    }

    /** A number, or NaN when absent or null. */
    private static double num(JsonNode n, String key) {
        JsonNode v = n.path(key);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    static Latents readLatents(Path file, Summary s) throws IOException {
        Csv c = Csv.read(file);
        int cLatent = c.column("latent");
        int cMax = c.column("max_cos");
        int cNearest = c.column("nearest");
        int cKind = c.column("kind");
        int cDelta = c.column("delta_mse");
        int cFreq = c.optionalColumn("freq");
        int cMaxAct = c.optionalColumn("max_act_corr");
        int cActNearest = c.optionalColumn("act_nearest");
        int cNearestAct = c.optionalColumn("nearest_act_corr");
        int cGroup = c.optionalColumn("group");
        int cStep = c.optionalColumn("step");
        int n = c.size();
        int fl = s.large().numLatents();
        int fs = s.small().numLatents();
        int[] latent = new int[n];
        double[] maxCos = new double[n];
        int[] nearest = new int[n];
        boolean[] novel = new boolean[n];
        double[] delta = new double[n];
        double[] freq = new double[n];
        double[] maxAct = new double[n];
        int[] actNearest = new int[n];
        double[] nearestAct = new double[n];
        int[] group = new int[n];
        int[] step = new int[n];
        boolean[] seen = new boolean[fl];
        for (int r = 0; r < n; r++) {
            long j = c.integer(r, cLatent);
            if (j < 0 || j >= fl) {
                throw c.bad(
                        r,
                        cLatent,
                        "latent " + j + " out of range: the larger SAE has " + fl + " latents "
                                + "(summary.json large.num_latents)");
            }
            if (seen[(int) j]) {
                throw c.bad(r, cLatent, "latent " + j + " appears twice");
            }
            seen[(int) j] = true;
            latent[r] = (int) j;
            maxCos[r] = c.number(r, cMax);
            long near = c.integer(r, cNearest, -1);
            if (near < -1 || near >= fs) {
                throw c.bad(r, cNearest, "nearest " + near + " out of range: the smaller SAE has " + fs + " latents");
            }
            nearest[r] = (int) near;
            String kind = c.text(r, cKind);
            novel[r] = switch (kind) {
                case "novel" -> true;
                case "reconstruction" -> false;
                default -> throw c.bad(r, cKind, "kind must be 'novel' or 'reconstruction', got '" + kind + "'");
            };
            delta[r] = c.number(r, cDelta);
            freq[r] = c.number(r, cFreq);
            maxAct[r] = c.number(r, cMaxAct);
            actNearest[r] = (int) c.integer(r, cActNearest, -1);
            nearestAct[r] = c.number(r, cNearestAct);
            group[r] = (int) c.integer(r, cGroup, -1);
            step[r] = (int) c.integer(r, cStep, -1);
        }
        return new Latents(latent, maxCos, nearest, novel, delta, freq, maxAct, actNearest, nearestAct, group, step);
    }

    static List<SwapGroup> readGroups(Path file) throws IOException {
        Csv c = Csv.read(file);
        int cg = c.column("group");
        int cp = c.column("parents");
        int cc = c.column("children");
        int cd = c.column("delta_mse");
        int cl = c.column("delta_l0");
        int ccos = c.column("cosine");
        int ce = c.optionalColumn("num_edges");
        int cs = c.optionalColumn("step");
        List<SwapGroup> out = new ArrayList<>(c.size());
        for (int r = 0; r < c.size(); r++) {
            out.add(new SwapGroup(
                    (int) c.integer(r, cg),
                    c.integers(r, cp),
                    c.integers(r, cc),
                    c.number(r, cd),
                    c.number(r, cl),
                    c.number(r, ccos),
                    (int) c.integer(r, ce, -1),
                    (int) c.integer(r, cs, -1)));
        }
        return List.copyOf(out);
    }

    static List<Step> readInterpolation(Path file) throws IOException {
        Csv c = Csv.read(file);
        int cs = c.column("step");
        int ca = c.column("action");
        int cn = c.column("num_latents");
        int cm = c.column("mse");
        int cl = c.column("l0");
        int ct = c.optionalColumn("target");
        int ccos = c.optionalColumn("cosine");
        int cd = c.optionalColumn("delta_mse");
        int cf = c.optionalColumn("fvu");
        List<Step> out = new ArrayList<>(c.size());
        for (int r = 0; r < c.size(); r++) {
            String action = c.text(r, ca);
            if (!Arrays.asList("start", "add", "swap").contains(action)) {
                throw c.bad(r, ca, "action must be start, add or swap, got '" + action + "'");
            }
            out.add(new Step(
                    (int) c.integer(r, cs),
                    action,
                    (int) c.integer(r, cn),
                    c.number(r, cm),
                    c.number(r, cl),
                    (int) c.integer(r, ct, -1),
                    c.number(r, ccos),
                    c.number(r, cd),
                    c.number(r, cf)));
        }
        return List.copyOf(out);
    }
}
