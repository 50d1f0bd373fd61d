package io.github.saestitch.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the report reads from one {@code saestitch meta-sae} output directory (format version
 * {@value #FORMAT_VERSION}): a meta-SAE trained on the decoder rows of an SAE with {@code num_latents}
 * latents, so each latent is a short weighted sum of broader meta-latents.
 * <ul>
 *   <li>{@value #SUMMARY} — required keys {@code format_version}, {@code num_latents} (of the SAE the
 *       meta-SAE decomposes), {@code meta_latents}; shown when present: {@code sae} (its path),
 *       {@code d_in}, {@code k}, {@code fvu}, {@code l0}, {@code nearest_sae},
 *       {@code nearest_num_latents} (the smaller SAE of the family the meta-latents are matched to);</li>
 *   <li>{@value #LATENT_META} — {@code format_version,latent,rank,meta_latent,weight}: for each latent its
 *       (at most k) meta-latents, rank 0 first;</li>
 *   <li>{@value #META_LATENTS} — {@code format_version,meta_latent,members,rank,latent,cos}: for each
 *       meta-latent how many latents use it ({@code members}) and its nearest latents of the
 *       {@code nearest_sae} by decoder cosine, rank 0 first.</li>
 * </ul>
 *
 * @param latentMeta   per latent of the SAE: its meta-latents in rank order (empty when none)
 * @param metaNearest  per meta-latent: its nearest latents of the smaller SAE in rank order
 * @param members      per meta-latent: the {@code members} column (−1 when the file has no row for it)
 */
record MetaSaeRun(
        Path dir, Summary summary, List<List<Weighted>> latentMeta, List<List<Weighted>> metaNearest, int[] members) {

    static final int FORMAT_VERSION = 1;
    static final String SUMMARY = "summary.json";
    static final String LATENT_META = "latent_meta.csv";
    static final String META_LATENTS = "meta_latents.csv";

    private static final ObjectMapper JSON = Json.MAPPER;

    /** An index with a weight (a meta-latent and its coefficient, or a latent and its cosine). */
    record Weighted(int index, double weight) {}

    /**
     * summary.json. Strings are empty, numbers NaN and counts −1 when absent.
     */
    record Summary(
            int formatVersion,
            String sae,
            int numLatents,
            int dIn,
            int metaLatents,
            int k,
            double fvu,
            double l0,
            String nearestSae,
            int nearestNumLatents) {}

    static MetaSaeRun read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ReportInputException(
                    dir, "not a directory (expected the output directory of saestitch meta-sae)");
        }
        Path sf = dir.resolve(SUMMARY);
        JsonNode root = readJson(sf, "saestitch meta-sae");
        int version = requireVersion(sf, root);
        int n = requirePositive(sf, root, "num_latents");
        int m = requirePositive(sf, root, "meta_latents");
        Summary s = new Summary(
                version,
                root.path("sae").asText(""),
                n,
                root.path("d_in").asInt(-1),
                m,
                root.path("k").asInt(-1),
                num(root, "fvu"),
                num(root, "l0"),
                root.path("nearest_sae").asText(""),
                root.path("nearest_num_latents").asInt(-1));

        Csv lm = Csv.read(dir.resolve(LATENT_META));
        lm.requireFormatVersion(FORMAT_VERSION);
        int cl = lm.column("latent");
        int cr = lm.column("rank");
        int cm = lm.column("meta_latent");
        int cw = lm.column("weight");
        List<List<Ranked>> byLatent = lists(n);
        for (int r = 0; r < lm.size(); r++) {
            int latent = index(lm, r, cl, n, "latent", "the SAE has " + n + " latents (summary.json num_latents)");
            int meta = index(lm, r, cm, m, "meta_latent", "the meta-SAE has " + m + " meta-latents");
            byLatent.get(latent).add(new Ranked(rank(lm, r, cr), meta, lm.number(r, cw)));
        }

        Csv ml = Csv.read(dir.resolve(META_LATENTS));
        ml.requireFormatVersion(FORMAT_VERSION);
        int cmm = ml.column("meta_latent");
        int cmem = ml.optionalColumn("members");
        int cmr = ml.column("rank");
        int cml = ml.column("latent");
        int cc = ml.column("cos");
        int near = s.nearestNumLatents();
        List<List<Ranked>> byMeta = lists(m);
        int[] members = new int[m];
        java.util.Arrays.fill(members, -1);
        for (int r = 0; r < ml.size(); r++) {
            int meta = index(ml, r, cmm, m, "meta_latent", "the meta-SAE has " + m + " meta-latents");
            int latent = index(
                    ml,
                    r,
                    cml,
                    near > 0 ? near : Integer.MAX_VALUE,
                    "latent",
                    "the nearest SAE has " + near + " latents (summary.json nearest_num_latents)");
            byMeta.get(meta).add(new Ranked(rank(ml, r, cmr), latent, ml.number(r, cc)));
            members[meta] = (int) ml.integer(r, cmem, members[meta]);
        }
        return new MetaSaeRun(dir, s, sorted(byLatent), sorted(byMeta), members);
    }

    /** A label like "meta-SAE of the 1,536-latent SAE (96 meta-latents, k = 4)". */
    String label() {
        return "meta-SAE of the " + Fmt.count(summary.numLatents()) + "-latent SAE (" + Fmt.count(summary.metaLatents())
                + " meta-latents" + (summary.k() > 0 ? ", k = " + summary.k() : "") + ")";
    }

    private record Ranked(int rank, int index, double weight) {}

    private static List<List<Ranked>> lists(int n) {
        List<List<Ranked>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new ArrayList<>(2));
        }
        return out;
    }

    private static List<List<Weighted>> sorted(List<List<Ranked>> in) {
        List<List<Weighted>> out = new ArrayList<>(in.size());
        for (List<Ranked> l : in) {
            l.sort(Comparator.comparingInt(Ranked::rank));
            out.add(l.stream().map(x -> new Weighted(x.index(), x.weight())).toList());
        }
        return out;
    }

    static int index(Csv c, int row, int col, int bound, String what, String why) throws ReportInputException {
        long v = c.integer(row, col);
        if (v < 0 || v >= bound) {
            throw c.bad(row, col, what + " " + v + " out of range: " + why);
        }
        return (int) v;
    }

    static int rank(Csv c, int row, int col) throws ReportInputException {
        long v = c.integer(row, col);
        if (v < 0) {
            throw c.bad(row, col, "rank must be non-negative, got " + v);
        }
        return (int) v;
    }

    static JsonNode readJson(Path file, String writer) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ReportInputException(file, "file not found (is this the output directory of " + writer + "?)", e);
        } catch (JsonProcessingException e) {
            throw new ReportInputException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ReportInputException(file, "expected a JSON object");
        }
        return root;
    }

    static int requireVersion(Path file, JsonNode root) throws ReportInputException {
        if (!root.path("format_version").canConvertToInt()) {
            throw new ReportInputException(file, "missing key 'format_version' (an integer)");
        }
        int v = root.get("format_version").asInt();
        if (v < 1 || v > FORMAT_VERSION) {
            throw new ReportInputException(
                    file,
                    "format_version " + v + " is not supported (this saestitch reads 1 to " + FORMAT_VERSION + ")");
        }
        return v;
    }

    static int requirePositive(Path file, JsonNode root, String key) throws ReportInputException {
        JsonNode v = root.path(key);
        if (!v.canConvertToInt() || v.asInt() < 1) {
            throw new ReportInputException(file, "missing or invalid '" + key + "' (a positive integer)");
        }
        return v.asInt();
    }

    /** A number, or NaN when absent or null. */
    static double num(JsonNode n, String key) {
        JsonNode v = n.path(key);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }
}
