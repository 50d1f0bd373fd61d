package io.github.saestitch.frankenstein;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.io.Json;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link FrankensteinResult} into one directory, atomically ({@link AtomicOutput}: it appears
 * complete or not at all). Every file has format version {@value #FORMAT_VERSION}; CSVs are plain
 * (header line, one row per line, an undefined number is an empty field, a text field with a comma
 * or quote is double-quoted).
 *
 * <ul>
 *   <li>{@code frankenstein.csv} — {@code format_version,series,num_latents,mse,fvu,l0,embedding_recovered,note}
 *       ({@code embedding_recovered}: the downstream score, empty when not measured)
 *       ({@link #TABLE_HEADER}, the file the report reads; the report imports these constants): one row per model, all
 *       metrics on the held-out tokens; {@code series} is {@code original} for the family's SAEs, else
 *       one of {@code cosine}, {@code cosine + refit}, {@code cosine + adam}, {@code greedy},
 *       {@code greedy + refit}, {@code greedy + adam}, {@code greedy (equal l0)},
 *       {@code greedy (equal l0) + refit}; {@code note} says what the model is (a path for originals).</li>
 *   <li>{@code latents_cosine.csv}, {@code latents_greedy.csv} —
 *       {@code format_version,latent,source,source_width,source_latent,stage,max_cos,delta_mse}: one row
 *       per latent of the selection in order (a prefix is an earlier stage); {@code source} the family
 *       member (0 = smallest, as in summary.json's {@code family}), {@code source_width} its width,
 *       {@code source_latent} the latent's index there; {@code stage} 0 for the smallest SAE's latents,
 *       then the member whose round added it (cosine) or the step (greedy); {@code max_cos} (cosine) the
 *       largest decoder cosine to the Frankenstein before its round; {@code delta_mse} (greedy) the exact
 *       mse change on the selection tokens when it was added.</li>
 *   <li>{@code summary.json} — {@code format_version}, {@code files}, {@code inputs} (family: index, source,
 *       width, activation, l0 on the selection tokens; acts; tokens), {@code settings}, {@code timings}
 *       (seconds per stage), {@code refits} (solver and work per refit), {@code greedy} (steps and work),
 *       {@code selections} (sizes per source), {@code table} (the rows of frankenstein.csv plus
 *       {@code train_l0}), {@code saes} (the directories below).</li>
 *   <li>{@code sae-cosine/}, {@code sae-cosine-refit/}, {@code sae-greedy/}, {@code sae-greedy-refit/} —
 *       the final models as standard SAELens v6 SAEs ({@code saestitch eval} reads them); when a source is
 *       topk, a composite instead, in the format {@code stitch} writes too ({@code io.CompositeManifest}:
 *       {@code composite.json} with the latents as [source, latent] pairs, {@code decoder.safetensors} and
 *       the used sources unchanged in {@code source-<index>/}; {@code saestitch eval} runs it).</li>
 * </ul>
 */
public final class FrankensteinWriter {
    public static final int FORMAT_VERSION = 1;
    /** The table the report reads. */
    public static final String TABLE_FILE = "frankenstein.csv";
    /** Its header (the report reads the file by these column names). */
    public static final String TABLE_HEADER = "format_version,series,num_latents,mse,fvu,l0,embedding_recovered,note";

    public static final String LATENTS_HEADER =
            "format_version,latent,source,source_width,source_latent,stage,max_cos,delta_mse";
    public static final String SUMMARY_FILE = "summary.json";

    private FrankensteinWriter() {}

    /**
     * Writes {@code out} (replacing it only when {@code overwrite}).
     *
     * @throws FileAlreadyExistsException when {@code out} exists and {@code overwrite} is false
     */
    public static void write(FrankensteinResult r, Path out, boolean overwrite) throws IOException {
        if (!overwrite && Files.exists(out)) {
            throw new FileAlreadyExistsException(
                    out.toString(), null, "already exists; choose another directory or overwrite it");
        }
        AtomicOutput.writeDirectory(out, overwrite, tmp -> {
            writeTable(r.rows(), tmp.resolve(TABLE_FILE));
            for (Selection s : new Selection[] {r.cosine(), r.greedy()}) {
                if (s != null) {
                    writeLatents(r.family(), s, tmp.resolve("latents_" + s.name() + ".csv"));
                }
            }
            for (Map.Entry<String, FrankensteinModel> e : r.saved().entrySet()) {
                writeModel(e.getValue(), tmp.resolve(e.getKey()));
            }
            Json.write(tmp.resolve(SUMMARY_FILE), summary(r));
        });
    }

    static void writeTable(List<FrankensteinResult.Row> rows, Path file) throws IOException {
        try (CsvWriter w = CsvWriter.open(file, TABLE_HEADER)) {
            for (FrankensteinResult.Row row : rows) {
                w.integer(FORMAT_VERSION)
                        .text(row.series())
                        .integer(row.numLatents())
                        .number(row.mse())
                        .number(row.fvu())
                        .number(row.l0())
                        .number(row.embeddingRecovered())
                        .text(row.note())
                        .endRow();
            }
        }
    }

    static void writeLatents(Family family, Selection s, Path file) throws IOException {
        try (CsvWriter w = CsvWriter.open(file, LATENTS_HEADER)) {
            for (int h = 0; h < s.numLatents(); h++) {
                int src = s.source()[h];
                w.integer(FORMAT_VERSION)
                        .integer(h)
                        .integer(src)
                        .integer(family.member(src).width())
                        .integer(s.latent()[h])
                        .integer(s.stage()[h])
                        .number(s.maxCos()[h])
                        .number(s.deltaMse()[h])
                        .endRow();
            }
        }
    }

    /** A standard SAE directory, or a composite (see the class comment). */
    static void writeModel(FrankensteinModel m, Path dir) throws IOException {
        if (!m.isComposite()) {
            SaeFormats.save(m.standardSae(), dir, SaeFormat.SAELENS, false);
            return;
        }
        List<String> origins = new ArrayList<>();
        for (int s = 0; s < m.family().size(); s++) {
            origins.add(m.family().member(s).source());
        }
        CompositeManifest.write(
                m.multiSource(),
                "frankenstein",
                m.description() + "; each latent computes the "
                        + "activation it has inside its source SAE (topk latents depend on their whole source SAE); "
                        + "x̂ = codes·W_dec + b_dec from decoder.safetensors",
                origins,
                dir);
    }

    /** The content of {@code summary.json} (see the class comment). */
    public static ObjectNode summary(FrankensteinResult r) {
        ObjectNode root = Json.object();
        root.put("format_version", FORMAT_VERSION);
        ObjectNode files = root.putObject("files");
        files.put(TABLE_FILE, FORMAT_VERSION);
        if (r.cosine() != null) {
            files.put("latents_cosine.csv", FORMAT_VERSION);
        }
        if (r.greedy() != null) {
            files.put("latents_greedy.csv", FORMAT_VERSION);
        }
        files.put(SUMMARY_FILE, FORMAT_VERSION);
        ObjectNode in = root.putObject("inputs");
        ArrayNode fam = in.putArray("family");
        for (int s = 0; s < r.family().size(); s++) {
            Family.Member m = r.family().member(s);
            ObjectNode o = fam.addObject();
            o.put("index", s);
            o.put("source", m.source());
            o.put("width", m.width());
            o.put("activation", m.sae().activation().name());
        }
        in.put("acts", r.acts());
        in.put("tokens", r.totalTokens());
        in.put("train_tokens", r.trainTokens());
        in.put("held_out_tokens", r.heldOutTokens());
        in.put("train_range", "[0, " + r.trainTokens() + ")");
        in.put("held_out_range", "[" + (r.totalTokens() - r.heldOutTokens()) + ", " + r.totalTokens() + ")");
        FrankensteinOptions o = r.options();
        ObjectNode set = root.putObject("settings");
        set.put("threshold", o.threshold());
        set.put(
                "threshold_rule",
                "add a latent when its max decoder cosine to the Frankenstein before its SAE's round is < threshold");
        set.put("select_cosine", o.cosine());
        set.put("select_greedy", o.greedy());
        set.put("refit_exact", o.refitExact());
        set.put("refit_adam", o.refitAdam());
        set.put("width", o.width());
        set.put("ridge", o.refit().ridge());
        set.put("solver", o.refit().solver().name().toLowerCase(java.util.Locale.ROOT));
        set.put("gram_memory_bytes", o.refit().gramMemoryBytes());
        set.put("cg_tolerance", o.refit().cgTolerance());
        set.put("adam_epochs", o.adam().epochs());
        set.put("adam_lr", o.adam().lr());
        set.put("adam_batch", o.adam().batch());
        set.put("adam_seed", o.adam().seed());
        set.put("kernels", r.kernels());
        ObjectNode tim = root.putObject("timings");
        double total = 0;
        for (Map.Entry<String, Double> e : r.timings().entrySet()) {
            tim.put(e.getKey(), e.getValue());
            total += e.getValue();
        }
        tim.put("total", total);
        ObjectNode ref = root.putObject("refits");
        for (Map.Entry<String, DecoderRefit.Stats> e : r.refits().entrySet()) {
            DecoderRefit.Stats s = e.getValue();
            ObjectNode x = ref.putObject(e.getKey());
            x.put("solver", s.solver());
            x.put("num_latents", s.numLatents());
            x.put("fired", s.fired());
            x.put("tokens", s.tokens());
            x.put("gram_multiply_adds", s.gramUpdates());
            x.put("rhs_multiply_adds", s.rhsUpdates());
            x.put("iterations", s.iterations());
            Json.putNumber(x, "relative_residual", s.relativeResidual());
            x.put("accumulate_seconds", s.accumulateSeconds());
            x.put("solve_seconds", s.solveSeconds());
        }
        if (r.greedyStats() != null) {
            GreedySelection.Stats g = r.greedyStats();
            ObjectNode x = root.putObject("greedy");
            x.put("candidates", g.candidates());
            x.put("steps", g.steps());
            x.put("initial_multiply_adds", g.initialMultiplyAdds());
            x.put("step_multiply_adds", g.stepMultiplyAdds());
            x.put("coactivation_entries", g.coactivationEntries());
            x.put("touched", g.touched());
            x.put("initial_seconds", g.initialSeconds());
            x.put("step_seconds", g.stepSeconds());
            x.put("ms_per_step", g.steps() > 0 ? 1e3 * g.stepSeconds() / g.steps() : 0);
            Json.putNumber(x, "max_discrepancy", g.maxDiscrepancy());
            x.put("first_non_improving_step", g.firstNonImproving());
        }
        ObjectNode sel = root.putObject("selections");
        for (Selection s : new Selection[] {r.cosine(), r.greedy()}) {
            if (s != null) {
                ObjectNode x = sel.putObject(s.name());
                x.put("num_latents", s.numLatents());
                ArrayNode per = x.putArray("from_source");
                for (int m = 0; m < r.family().size(); m++) {
                    per.add(s.countFrom(m));
                }
            }
        }
        ArrayNode table = root.putArray("table");
        for (FrankensteinResult.Row row : r.rows()) {
            ObjectNode x = table.addObject();
            x.put("series", row.series());
            x.put("num_latents", row.numLatents());
            Json.putNumber(x, "mse", row.mse());
            Json.putNumber(x, "fvu", row.fvu());
            Json.putNumber(x, "l0", row.l0());
            Json.putNumber(x, "train_l0", row.trainL0());
            Json.putNumber(x, "embedding_recovered", row.embeddingRecovered());
            x.put("note", row.note());
        }
        ObjectNode saes = root.putObject("saes");
        for (Map.Entry<String, FrankensteinModel> e : r.saved().entrySet()) {
            ObjectNode x = saes.putObject(e.getKey());
            x.put("description", e.getValue().description());
            x.put("num_latents", e.getValue().numLatents());
            x.put("kind", e.getValue().isComposite() ? "composite" : "standard");
            FrankensteinResult.SavedCheck c = r.savedChecks().get(e.getKey());
            if (c != null) {
                Json.putNumber(x, "table_mse", c.tableMse());
                Json.putNumber(x, "saved_mse", c.savedMse());
                Json.putNumber(x, "table_l0", c.tableL0());
                Json.putNumber(x, "saved_l0", c.savedL0());
                Json.putNumber(x, "relative_mse_difference", c.relativeMseDifference());
            }
        }
        return root;
    }
}
