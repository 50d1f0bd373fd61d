package io.github.saestitch.decomp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.io.Json;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The output directory of {@code saestitch meta-sae}, written whole through
 * {@link AtomicOutput#writeDirectory} (nothing half-written). Every file has format version
 * {@value #FORMAT_VERSION}.
 * <ul>
 *   <li>{@value #META_SAE_DIR}{@code /}: the meta-SAE as a standard SAELens v6 directory (batchtopk with
 *       its threshold; d_in = the decomposed SAE's d_in). Its inputs are <em>unit-normalised</em> decoder
 *       rows ({@link MetaSae}).</li>
 *   <li>{@value #LATENT_META_FILE}: {@code format_version,latent,rank,meta_latent,weight} — for each latent
 *       of L its active meta-latents (at most k), rank 0 = largest weight; weight = the meta-latent's
 *       activation on the latent's unit decoder row. Latents with no active meta-latent (or a zero
 *       decoder row) have no rows.</li>
 *   <li>{@value #META_LATENTS_FILE}: {@code format_version,meta_latent,members,rank,latent,cos} — for each
 *       meta-latent, how many latents of L list it ({@code members}, repeated on each of its rows) and its
 *       {@value #NEAREST} nearest latents by cosine between its decoder row and the decoder rows of the
 *       {@code --nearest} SAE (of L itself when absent), rank 0 = the most similar.</li>
 *   <li>{@value #SUMMARY_FILE}: {@code format_version, kind, sae, num_latents, d_in, meta_latents, k, fvu,
 *       mse, l0, dead_meta_latents} (fvu / mse / l0 / dead of the meta-SAE as saved, i.e. with its
 *       threshold, on the unit rows), {@code fvu_capped} (the same from only the meta-latents listed in
 *       {@value #LATENT_META_FILE}), {@code nearest_sae, nearest_num_latents, seconds, epochs, steps,
 *       batch_size, learning_rate, seed, unit_normalized} (always true), {@code zero_rows, capped_rows,
 *       latents_without_meta, max_members, threshold} and {@code decoder_norms} (min, median, max of L's
 *       row norms before normalisation).</li>
 * </ul>
 */
public final class MetaSaeWriter {
    public static final int FORMAT_VERSION = 1;
    public static final String META_SAE_DIR = "meta_sae";
    public static final String LATENT_META_FILE = "latent_meta.csv";
    public static final String META_LATENTS_FILE = "meta_latents.csv";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String LATENT_META_HEADER = "format_version,latent,rank,meta_latent,weight";
    public static final String META_LATENTS_HEADER = "format_version,meta_latent,members,rank,latent,cos";
    /** Nearest latents listed per meta-latent. */
    public static final int NEAREST = 5;

    private MetaSaeWriter() {}

    /**
     * One run.
     *
     * @param sae                the decomposed SAE's path as given
     * @param nearestSae         the path of the SAE the nearest latents come from (the same as sae when absent)
     * @param nearestNumLatents  its width
     * @param result             the meta-SAE
     * @param nearest            [M] nearest latents of each meta-latent
     */
    public record Run(
            String sae, String nearestSae, int nearestNumLatents, MetaSae.Result result, NearestLatents nearest) {
        public Run {
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(nearest, "nearest");
        }
    }

    /** Writes the directory (replacing an existing one only when {@code replace}). */
    public static void write(Run run, Path out, boolean replace) throws IOException {
        if (Files.exists(out) && !replace) {
            throw new IllegalArgumentException(out + " already exists; choose another directory or pass --overwrite");
        }
        MetaSae.Result r = run.result();
        ObjectNode summary = summary(run);
        AtomicOutput.writeDirectory(out, replace, dir -> {
            SaeFormats.save(r.meta(), dir.resolve(META_SAE_DIR), SaeFormat.SAELENS, false);
            try (CsvWriter w = CsvWriter.open(dir.resolve(LATENT_META_FILE), LATENT_META_HEADER)) {
                for (int j = 0; j < r.numLatents(); j++) {
                    for (int i = 0; i < r.metaOf()[j].length; i++) {
                        w.integer(FORMAT_VERSION)
                                .integer(j)
                                .integer(i)
                                .integer(r.metaOf()[j][i])
                                .number(r.weightOf()[j][i])
                                .endRow();
                    }
                }
            }
            try (CsvWriter w = CsvWriter.open(dir.resolve(META_LATENTS_FILE), META_LATENTS_HEADER)) {
                for (int q = 0; q < r.metaLatents(); q++) {
                    int[] idx = run.nearest().index()[q];
                    for (int i = 0; i < idx.length; i++) {
                        w.integer(FORMAT_VERSION)
                                .integer(q)
                                .integer(r.members()[q])
                                .integer(i)
                                .integer(idx[i])
                                .number(run.nearest().cos()[q][i])
                                .endRow();
                    }
                }
            }
            Json.write(dir.resolve(SUMMARY_FILE), summary);
        });
    }

    /** The summary.json object (see the class comment). */
    public static ObjectNode summary(Run run) {
        MetaSae.Result r = run.result();
        ObjectNode o = Json.object();
        o.put("format_version", FORMAT_VERSION);
        o.put("kind", "saestitch-meta-sae-summary");
        o.put("sae", run.sae());
        o.put("num_latents", r.numLatents());
        o.put("d_in", r.meta().dIn());
        o.put("meta_latents", r.metaLatents());
        o.put("k", r.options().k());
        Json.putNumber(o, "fvu", r.eval().fvu());
        Json.putNumber(o, "fvu_capped", r.fvuCapped());
        o.put("mse", r.eval().mse());
        o.put("l0", r.eval().l0());
        o.put("dead_meta_latents", r.eval().dead());
        o.put("nearest_sae", run.nearestSae());
        o.put("nearest_num_latents", run.nearestNumLatents());
        o.put("seconds", r.seconds());
        o.put("epochs", r.options().epochs());
        o.put("steps", r.steps());
        o.put("batch_size", r.options().batchSize());
        o.put("learning_rate", r.options().learningRate());
        o.put("seed", r.options().seed());
        o.put("unit_normalized", true);
        o.put("zero_rows", r.zeroRows());
        o.put("capped_rows", r.cappedRows());
        int without = 0;
        for (int[] m : r.metaOf()) {
            without += m.length == 0 ? 1 : 0;
        }
        o.put("latents_without_meta", without);
        o.put("max_members", Arrays.stream(r.members()).max().orElse(0));
        if (r.meta().activation() instanceof Activation.BatchTopK b) {
            o.put("threshold", b.threshold());
        }
        float[] sorted = r.rowNorms().clone();
        Arrays.sort(sorted);
        ObjectNode n = o.putObject("decoder_norms");
        n.put("min", sorted[0]);
        n.put("median", sorted[sorted.length / 2]);
        n.put("max", sorted[sorted.length - 1]);
        return o;
    }
}
