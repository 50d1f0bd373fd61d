package io.github.saestitch.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What the report reads from one {@code saestitch nmf} output directory (format version
 * {@value #FORMAT_VERSION}): a non-negative factorisation V ≈ W·H of an SAE's tokens × latents
 * activations into a few factors (groups of latents that fire together).
 * <ul>
 *   <li>{@value #SUMMARY} — required keys {@code format_version}, {@code num_latents}, {@code factors};
 *       shown when present: {@code sae}, {@code tokens}, {@code relative_error} (‖V − WH‖ / ‖V‖),
 *       {@code iterations};</li>
 *   <li>{@value #FACTORS} — {@code format_version,factor,rank,latent,weight}: each factor's top latents
 *       (rows of H), rank 0 first;</li>
 *   <li>{@value #LATENT_FACTOR} — {@code format_version,latent,factor,weight,share}: a latent's factor(s)
 *       with its weight and the share of the latent's total weight that factor holds;</li>
 *   <li>{@value #CONTEXTS} (optional) — each factor's top-activating contexts (columns of W), in
 *       {@link LatentContexts}' format with the factor index in place of the latent index.</li>
 * </ul>
 *
 * @param factorLatents per factor: its top latents with weights, in rank order
 * @param latentFactor  per latent: its factors, largest weight first (empty when none)
 * @param contexts      per factor index: its top contexts (factors without any are absent)
 */
record NmfRun(
        Path dir,
        Summary summary,
        List<List<MetaSaeRun.Weighted>> factorLatents,
        List<List<LatentFactor>> latentFactor,
        Map<Integer, List<LatentContext>> contexts) {

    static final int FORMAT_VERSION = 1;
    static final String SUMMARY = "summary.json";
    static final String FACTORS = "factors.csv";
    static final String LATENT_FACTOR = "latent_factor.csv";
    static final String CONTEXTS = "factor_contexts.jsonl";

    /** summary.json; strings empty, numbers NaN and counts −1 when absent. */
    record Summary(
            int formatVersion,
            String sae,
            int numLatents,
            int factors,
            long tokens,
            double relativeError,
            long iterations,
            String pool,
            long documents,
            List<FactorGenre> genres) {

        /** Whether V's rows are documents ({@code pool} "document") rather than tokens. */
        boolean documentPooled() {
            return pool.equals("document");
        }
    }

    /**
     * A factor's most over-represented genre, from {@code summary.json genre_mix.factors} when present:
     * {@code purity} the genre's share of the factor's W mass, {@code lift} that over its share of rows.
     */
    record FactorGenre(String genre, double purity, double lift) {}

    /** One row of latent_factor.csv. */
    record LatentFactor(int factor, double weight, double share) {}

    static NmfRun read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ReportInputException(dir, "not a directory (expected the output directory of saestitch nmf)");
        }
        Path sf = dir.resolve(SUMMARY);
        JsonNode root = MetaSaeRun.readJson(sf, "saestitch nmf");
        int version = MetaSaeRun.requireVersion(sf, root);
        int n = MetaSaeRun.requirePositive(sf, root, "num_latents");
        int f = MetaSaeRun.requirePositive(sf, root, "factors");
        List<FactorGenre> genres = new ArrayList<>();
        for (int i = 0; i < f; i++) {
            genres.add(null);
        }
        for (JsonNode g : root.path("genre_mix").path("factors")) {
            int i = g.path("factor").asInt(-1);
            String genre = g.path("top_genre").asText("");
            if (i >= 0 && i < f && !genre.isEmpty()) {
                genres.set(i, new FactorGenre(genre, MetaSaeRun.num(g, "purity"), MetaSaeRun.num(g, "lift")));
            }
        }
        Summary s = new Summary(
                version,
                root.path("sae").asText(""),
                n,
                f,
                root.path("tokens").asLong(-1),
                MetaSaeRun.num(root, "relative_error"),
                root.path("iterations").asLong(-1),
                root.path("pool").asText("token"),
                root.path("documents").asLong(-1),
                java.util.Collections.unmodifiableList(genres));

        Csv fc = Csv.read(dir.resolve(FACTORS));
        fc.requireFormatVersion(FORMAT_VERSION);
        int cf = fc.column("factor");
        int cr = fc.column("rank");
        int cl = fc.column("latent");
        int cw = fc.column("weight");
        List<List<int[]>> order = new ArrayList<>(f); // {rank, row}
        for (int i = 0; i < f; i++) {
            order.add(new ArrayList<>());
        }
        String factorsWhy = "the factorisation has " + f + " factors (summary.json factors)";
        String latentsWhy = "the SAE has " + n + " latents (summary.json num_latents)";
        for (int r = 0; r < fc.size(); r++) {
            int factor = MetaSaeRun.index(fc, r, cf, f, "factor", factorsWhy);
            MetaSaeRun.index(fc, r, cl, n, "latent", latentsWhy);
            order.get(factor).add(new int[] {MetaSaeRun.rank(fc, r, cr), r});
        }
        List<List<MetaSaeRun.Weighted>> top = new ArrayList<>(f);
        for (List<int[]> l : order) {
            l.sort(Comparator.comparingInt(a -> a[0]));
            List<MetaSaeRun.Weighted> w = new ArrayList<>(l.size());
            for (int[] a : l) {
                w.add(new MetaSaeRun.Weighted((int) fc.integer(a[1], cl), fc.number(a[1], cw)));
            }
            top.add(List.copyOf(w));
        }

        Csv lf = Csv.read(dir.resolve(LATENT_FACTOR));
        lf.requireFormatVersion(FORMAT_VERSION);
        int ll = lf.column("latent");
        int lfac = lf.column("factor");
        int lw = lf.column("weight");
        int ls = lf.optionalColumn("share");
        List<List<LatentFactor>> byLatent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byLatent.add(new ArrayList<>(1));
        }
        for (int r = 0; r < lf.size(); r++) {
            int latent = MetaSaeRun.index(lf, r, ll, n, "latent", latentsWhy);
            int factor = MetaSaeRun.index(lf, r, lfac, f, "factor", factorsWhy);
            byLatent.get(latent).add(new LatentFactor(factor, lf.number(r, lw), lf.number(r, ls)));
        }
        List<List<LatentFactor>> latentFactor = new ArrayList<>(n);
        for (List<LatentFactor> l : byLatent) {
            l.sort(Comparator.comparingDouble(LatentFactor::weight).reversed());
            latentFactor.add(List.copyOf(l));
        }

        Path cfile = dir.resolve(CONTEXTS);
        Map<Integer, List<LatentContext>> ctx =
                Files.isRegularFile(cfile) ? CompareRun.readContexts(cfile).contexts() : Map.of();
        for (Integer k : ctx.keySet()) {
            if (k >= f) {
                throw new ReportInputException(cfile, "contexts for factor " + k + ", but " + factorsWhy);
            }
        }
        return new NmfRun(dir, s, List.copyOf(top), List.copyOf(latentFactor), Map.copyOf(ctx));
    }

    /** A label like "NMF of the 1,536-latent SAE (12 factors)". */
    String label() {
        return "NMF of the " + Fmt.count(summary.numLatents()) + "-latent SAE (" + Fmt.count(summary.factors())
                + " factors)";
    }
}
