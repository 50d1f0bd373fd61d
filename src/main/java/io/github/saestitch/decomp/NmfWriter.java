package io.github.saestitch.decomp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.activations.TokenContext;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.io.Json;
import io.github.saestitch.report.LatentContext;
import io.github.saestitch.report.LatentContexts;
import io.github.saestitch.sae.SaeRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The output directory of {@code saestitch nmf}, written whole through {@link AtomicOutput#writeDirectory}
 * (nothing half-written). Every file has format version {@value #FORMAT_VERSION}; the factorisation is
 * written {@link NmfResult#normalized() normalised}: each row of H has unit L2 norm, so an H entry is a
 * loading in [0, 1] and {@code W[t, k]} is the length (in activation units) of factor k's part of token
 * t's codes.
 * <ul>
 *   <li>{@value #FACTORS_FILE}: {@code format_version,factor,rank,latent,weight} — for each factor its
 *       {@value #TOP_LATENTS} largest loadings {@code H[factor, latent]} (positive ones only), rank 0 first.</li>
 *   <li>{@value #LATENT_FACTOR_FILE}: {@code format_version,latent,factor,weight,share} — one row per latent
 *       that fired on at least one of the tokens: its dominant factor
 *       {@code argmax_k H[k, latent]·‖W[:, k]‖} (the lowest k on ties), {@code weight} that maximum and
 *       {@code share} it over {@code Σ_k H[k, latent]·‖W[:, k]‖}. A latent that fired but has no loading
 *       on any factor gets factor −1, weight 0 and an empty share.</li>
 *   <li>{@value #CONTEXTS_FILE}: the {@value #TOP_TOKENS} tokens with the largest {@code W[t, factor]} per
 *       factor, in {@link LatentContexts}'s line format with the factor index as {@code latent} and
 *       {@code W[t, factor]} as {@code activation}; with text (±{@value #CONTEXT_RADIUS} tokens) when the
 *       activations are a store with token ids, else the token index only ({@code token} "#INDEX",
 *       {@code source} "token INDEX").</li>
 *   <li>{@value #SUMMARY_FILE}: {@code format_version, kind, sae, acts, num_latents, fired_latents,
 *       factors, tokens, nnz, algorithm, seed, max_iterations, tolerance, iterations, converged,
 *       relative_error, errors} (relative error after the initialisation, then after each iteration)
 *       {@code , empty_factors, seconds, encode_seconds, nmf_seconds}, and {@code genre_mix} when the
 *       store has a document table: {@code token_share} (fraction of the tokens per genre) and per factor
 *       {@code share}, the fraction of {@code Σ_t W[t, factor]} on tokens of each genre, then (added, same
 *       format version) {@code top_genre} (the genre of largest share), {@code purity} (that share),
 *       {@code base_share} (that genre's share of the rows: tokens, or documents when pooled) and
 *       {@code lift} ({@code purity / base_share}). Also added: {@code pool} ({@code token} or
 *       {@code document}).</li>
 * </ul>
 *
 * <h2>Document pooling ({@code --pool document}, {@link DocumentPooling})</h2>
 * The rows of V, and so of W, are documents, not tokens. Same files, with these differences:
 * <ul>
 *   <li>{@value #CONTEXTS_FILE}: one context per top document ({@value #TOP_TOKENS} documents of largest
 *       {@code W[d, factor]}): the document's token that scores highest for the factor
 *       ({@link DocumentPooling#bestToken}) with ±{@value #CONTEXT_RADIUS} tokens of text,
 *       {@code activation} = {@code W[d, factor]}, {@code source} = "name (genre)".</li>
 *   <li>{@value #DOCUMENTS_FILE} (only then): {@code format_version,factor,rank,document,name,genre,weight}
 *       — the {@value #TOP_DOCUMENTS} documents of largest positive {@code W[d, factor]} per factor, rank 0
 *       first; {@code document} is the store's document id, {@code weight} = {@code W[d, factor]}.</li>
 *   <li>{@value #SUMMARY_FILE}: {@code tokens} is the number of tokens pooled and {@code nnz} counts V's
 *       (documents × latents) entries; added {@code documents} (rows of V), {@code document_statistic}
 *       ({@code mean}/{@code sum}), {@code document_weighting} ({@code none}/{@code idf}/{@code unit}),
 *       {@code skipped_documents}, {@code skipped_tokens}; {@code genre_mix} gains {@code document_share}
 *       (fraction of the documents per genre; {@code token_share} is then over the pooled tokens), the
 *       per-factor {@code share} is over {@code Σ_d W[d, factor]} and {@code base_share} is a document
 *       share, and {@code assignment}: each document given to its factor {@code argmax_k W[d, k]},
 *       {@code purity} (fraction of documents whose factor's most common genre is their own),
 *       {@code majority_baseline} (the largest genre's document share: the purity of one cluster) and
 *       {@code nmi} (normalised mutual information, arithmetic mean of the entropies, between factor and
 *       genre).</li>
 * </ul>
 */
public final class NmfWriter {
    /** Version of every file written here. */
    public static final int FORMAT_VERSION = 1;
    public static final String FACTORS_FILE = "factors.csv";
    public static final String LATENT_FACTOR_FILE = "latent_factor.csv";
    public static final String CONTEXTS_FILE = "factor_contexts.jsonl";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String DOCUMENTS_FILE = "factor_documents.csv";
    public static final String DOCUMENTS_HEADER = "format_version,factor,rank,document,name,genre,weight";
    /** Documents listed per factor in {@value #DOCUMENTS_FILE}. */
    public static final int TOP_DOCUMENTS = 20;
    public static final String FACTORS_HEADER = "format_version,factor,rank,latent,weight";
    public static final String LATENT_FACTOR_HEADER = "format_version,latent,factor,weight,share";
    /** Latents listed per factor. */
    public static final int TOP_LATENTS = 20;
    /** Contexts per factor. */
    public static final int TOP_TOKENS = 5;
    /** Tokens of text on each side of a context (as the demo's latent contexts). */
    public static final int CONTEXT_RADIUS = 6;

    private NmfWriter() {
    }

    /**
     * Everything one run produced.
     *
     * @param sae           the SAE's path as given
     * @param acts          the activations' path as given
     * @param result        the factorisation (raw; written normalised)
     * @param nnz           stored entries of V
     * @param fired         [F] whether each latent fired on any of the tokens
     * @param contexts      top tokens per factor ({@link #contexts})
     * @param genreMix      genre shares, or null when the activations have no document table
     * @param encodeSeconds time to compute V
     * @param nmfSeconds    time of the factorisation
     * @param documents     with {@code --pool document}: what each row of V is; null for tokens
     */
    public record Run(String sae, String acts, NmfResult result, long nnz, boolean[] fired,
            Map<Integer, List<LatentContext>> contexts, GenreMix genreMix, double encodeSeconds, double nmfSeconds,
            DocumentRows documents) {
        public Run {
            Objects.requireNonNull(result, "result");
            result = result.normalized();
        }

        /** A token-pooled run (rows of V are tokens). */
        public Run(String sae, String acts, NmfResult result, long nnz, boolean[] fired,
                Map<Integer, List<LatentContext>> contexts, GenreMix genreMix, double encodeSeconds, double nmfSeconds) {
            this(sae, acts, result, nnz, fired, contexts, genreMix, encodeSeconds, nmfSeconds, null);
        }
    }

    /**
     * The documents that are the rows of a document-pooled V.
     *
     * @param pooled the pooling (row → document id, token counts, statistic, weighting)
     * @param table  the store's document table (id → name, genre)
     */
    public record DocumentRows(DocumentPooling.Pooled pooled, List<DocumentInfo> table) {
        /** The document of row {@code row} (an empty name and genre when the table lacks its id). */
        public DocumentInfo info(int row) {
            int d = pooled.documents()[row];
            return d >= 0 && d < table.size() ? table.get(d) : new DocumentInfo(d, "", "");
        }
    }

    /**
     * Genre shares of the factors' row weights (rows are tokens, or documents when pooled).
     *
     * @param genres        the genres, in order of first appearance among the rows
     * @param tokenShare    [genres] fraction of the tokens in each genre
     * @param documentShare [genres] fraction of the documents (rows) in each genre; null for token rows
     * @param share         [factors][genres] fraction of {@code Σ_rows W[row, k]} on rows of each genre
     * @param rowGenre      [rows] the genre index of every row (for the document assignment)
     */
    public record GenreMix(List<String> genres, double[] tokenShare, double[] documentShare, double[][] share,
            int[] rowGenre) {
        /** Token rows. */
        public GenreMix(List<String> genres, double[] tokenShare, double[][] share) {
            this(genres, tokenShare, null, share, null);
        }

        /** The share of the rows per genre that lifts are measured against. */
        public double[] baseShare() {
            return documentShare != null ? documentShare : tokenShare;
        }

        /** Factor k's genre of largest share (the first on ties). */
        public int topGenre(int k) {
            int best = 0;
            for (int g = 1; g < genres.size(); g++) {
                if (share[k][g] > share[k][best]) {
                    best = g;
                }
            }
            return best;
        }

        /** Factor k's lift on genre g: its share over the genre's base share (0 when the base is 0). */
        public double lift(int k, int g) {
            double b = baseShare()[g];
            return b > 0 ? share[k][g] / b : 0;
        }
    }

    /**
     * Documents given to their dominant factor: {@code purity} (fraction whose factor's most common genre
     * is their own), {@code majorityBaseline} (largest genre's share of the documents) and {@code nmi}.
     */
    public record Assignment(double purity, double majorityBaseline, double nmi) {
    }

    /** One row of factor_documents.csv. */
    public record FactorDocument(int factor, int rank, int row, DocumentInfo document, double weight) {
    }

    /** One row of factors.csv. */
    public record FactorLatent(int factor, int rank, int latent, double weight) {
    }

    /** One row of latent_factor.csv ({@code share} NaN when the latent loads on no factor). */
    public record LatentFactor(int latent, int factor, double weight, double share) {
    }

    /** Writes the four files into {@code out} (replacing it only when {@code replace}). */
    public static void write(Run run, Path out, boolean replace) throws IOException {
        if (Files.exists(out) && !replace) {
            throw new IllegalArgumentException(out + " already exists; choose another directory or pass --overwrite");
        }
        ObjectNode summary = summary(run);
        AtomicOutput.writeDirectory(out, dir -> {
            try (CsvWriter w = CsvWriter.open(dir.resolve(FACTORS_FILE), FACTORS_HEADER)) {
                for (FactorLatent r : topLatents(run.result(), TOP_LATENTS)) {
                    w.integer(FORMAT_VERSION).integer(r.factor()).integer(r.rank()).integer(r.latent()).number(r.weight())
                            .endRow();
                }
            }
            try (CsvWriter w = CsvWriter.open(dir.resolve(LATENT_FACTOR_FILE), LATENT_FACTOR_HEADER)) {
                for (LatentFactor r : dominantFactors(run.result(), run.fired())) {
                    w.integer(FORMAT_VERSION).integer(r.latent()).integer(r.factor()).number(r.weight()).number(r.share())
                            .endRow();
                }
            }
            LatentContexts.write(run.contexts(), dir.resolve(CONTEXTS_FILE));
            if (run.documents() != null) {
                try (CsvWriter w = CsvWriter.open(dir.resolve(DOCUMENTS_FILE), DOCUMENTS_HEADER)) {
                    for (FactorDocument r : topDocuments(run.result(), run.documents(), TOP_DOCUMENTS)) {
                        w.integer(FORMAT_VERSION).integer(r.factor()).integer(r.rank()).integer(r.document().id())
                                .text(r.document().name()).text(r.document().genre()).number(r.weight()).endRow();
                    }
                }
            }
            Json.write(dir.resolve(SUMMARY_FILE), summary);
        });
    }

    /** The {@code perFactor} largest positive loadings of each factor, largest first (ties: lower latent). */
    public static List<FactorLatent> topLatents(NmfResult r, int perFactor) {
        List<FactorLatent> out = new ArrayList<>();
        for (int k = 0; k < r.factors(); k++) {
            int[] top = topIndices(r.ht(), r.latents(), r.factors(), k, perFactor);
            for (int i = 0; i < top.length; i++) {
                out.add(new FactorLatent(k, i, top[i], r.h(k, top[i])));
            }
        }
        return out;
    }

    /** The {@code perFactor} documents of largest positive {@code W[d, k]} per factor, largest first. */
    public static List<FactorDocument> topDocuments(NmfResult r, DocumentRows docs, int perFactor) {
        List<FactorDocument> out = new ArrayList<>();
        for (int k = 0; k < r.factors(); k++) {
            int[] top = topTokens(r, k, perFactor);
            for (int i = 0; i < top.length; i++) {
                out.add(new FactorDocument(k, i, top[i], docs.info(top[i]), r.w(top[i], k)));
            }
        }
        return out;
    }

    /**
     * The top documents of every factor as contexts (see the class comment): each document's token that
     * scores highest for the factor, with text when the store can decode it, else {@code #INDEX}.
     */
    public static Map<Integer, List<LatentContext>> documentContexts(NmfResult r, DocumentRows docs, ActivationStore store,
            SaeRunner runner, int perFactor) {
        NmfResult n = r.normalized();
        boolean text = store.hasTokenIds() && store.manifest().model() != null && store.manifest().tokenizer() != null;
        Map<Integer, List<LatentContext>> out = new TreeMap<>();
        for (int k = 0; k < n.factors(); k++) {
            List<LatentContext> list = new ArrayList<>();
            for (int row : topTokens(n, k, perFactor)) {
                DocumentInfo info = docs.info(row);
                String source = info.name() + " (" + info.genre() + ")";
                long t = DocumentPooling.bestToken(runner, store, docs.pooled(), row, n, k);
                double a = n.w(row, k);
                if (t < 0) {
                    list.add(new LatentContext("", "#" + info.id(), "", a, source));
                } else if (text) {
                    TokenContext c = store.context(t, CONTEXT_RADIUS);
                    list.add(new LatentContext(c.before(), c.tokenText(), c.after(), a, source));
                } else {
                    list.add(new LatentContext("", "#" + t, "", a, source));
                }
            }
            if (!list.isEmpty()) {
                out.put(k, list);
            }
        }
        return out;
    }

    /** The genre shares of each factor's document weights (see {@link GenreMix}). */
    public static GenreMix documentGenreMix(NmfResult r, DocumentRows docs) {
        Map<String, Integer> index = new LinkedHashMap<>();
        int n = r.tokens();
        int[] genreOf = new int[n];
        for (int d = 0; d < n; d++) {
            String g = docs.info(d).genre();
            genreOf[d] = index.computeIfAbsent(g.isEmpty() ? "(none)" : g, x -> index.size());
        }
        int ng = index.size();
        double[] docShare = new double[ng];
        double[] tokenShare = new double[ng];
        long[] counts = docs.pooled().tokenCounts();
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[][] share = new double[r.factors()][ng];
        double[] sum = new double[r.factors()];
        for (int d = 0; d < n; d++) {
            docShare[genreOf[d]] += 1.0 / n;
            tokenShare[genreOf[d]] += (double) counts[d] / total;
            for (int k = 0; k < r.factors(); k++) {
                share[k][genreOf[d]] += r.w(d, k);
                sum[k] += r.w(d, k);
            }
        }
        for (int k = 0; k < r.factors(); k++) {
            for (int g = 0; g < ng; g++) {
                share[k][g] = sum[k] > 0 ? share[k][g] / sum[k] : 0;
            }
        }
        return new GenreMix(List.copyOf(index.keySet()), tokenShare, docShare, share, genreOf);
    }

    /**
     * Each row given to its factor {@code argmax_k W[row, k]} (normalised W; rows with W = 0 go to no
     * factor and count as wrong for purity), compared with the rows' genres; null without row genres.
     */
    public static Assignment assignment(NmfResult r, GenreMix g) {
        if (g == null || g.rowGenre() == null) {
            return null;
        }
        NmfResult nr = r.normalized();
        int n = nr.tokens();
        int kk = nr.factors();
        int ng = g.genres().size();
        long[][] joint = new long[kk + 1][ng]; // row kk: unassigned
        int[] genreCount = new int[ng];
        for (int d = 0; d < n; d++) {
            int best = kk;
            double max = 0;
            for (int k = 0; k < kk; k++) {
                if (nr.w(d, k) > max) {
                    max = nr.w(d, k);
                    best = k;
                }
            }
            joint[best][g.rowGenre()[d]]++;
            genreCount[g.rowGenre()[d]]++;
        }
        long correct = 0;
        for (int k = 0; k < kk; k++) {
            long m = 0;
            for (long c : joint[k]) {
                m = Math.max(m, c);
            }
            correct += m;
        }
        int majority = 0;
        for (int c : genreCount) {
            majority = Math.max(majority, c);
        }
        double hG = 0;
        for (int c : genreCount) {
            hG -= c > 0 ? (double) c / n * Math.log((double) c / n) : 0;
        }
        double hK = 0;
        double mi = 0;
        for (int k = 0; k <= kk; k++) {
            long rowSum = 0;
            for (long c : joint[k]) {
                rowSum += c;
            }
            if (rowSum == 0) {
                continue;
            }
            double pk = (double) rowSum / n;
            hK -= pk * Math.log(pk);
            for (int gi = 0; gi < ng; gi++) {
                if (joint[k][gi] > 0) {
                    double p = (double) joint[k][gi] / n;
                    mi += p * Math.log(p / (pk * genreCount[gi] / n));
                }
            }
        }
        double nmi = hG + hK > 0 ? 2 * mi / (hG + hK) : 0;
        return new Assignment((double) correct / n, (double) majority / n, nmi);
    }

    /** Each fired latent's dominant factor (see the class comment). */
    public static List<LatentFactor> dominantFactors(NmfResult r, boolean[] fired) {
        double[] wn = r.wColumnNorms();
        List<LatentFactor> out = new ArrayList<>();
        for (int j = 0; j < r.latents(); j++) {
            if (!fired[j]) {
                continue;
            }
            int best = -1;
            double max = 0;
            double sum = 0;
            for (int k = 0; k < r.factors(); k++) {
                double s = r.h(k, j) * wn[k];
                sum += s;
                if (s > max) {
                    max = s;
                    best = k;
                }
            }
            out.add(best < 0 ? new LatentFactor(j, -1, 0, Double.NaN) : new LatentFactor(j, best, max, max / sum));
        }
        return out;
    }

    /** Row indices (tokens) of the {@code perFactor} largest positive {@code W[:, k]}, largest first (ties: lower token). */
    public static int[] topTokens(NmfResult r, int k, int perFactor) {
        return topIndices(r.w(), r.tokens(), r.factors(), k, perFactor);
    }

    /**
     * The top tokens of every factor as contexts: from {@code store} (text ±{@value #CONTEXT_RADIUS} tokens
     * and the document) when it is non-null and has token ids, else the token index only. Row t of V is
     * token {@code t} of the activation set.
     */
    public static Map<Integer, List<LatentContext>> contexts(NmfResult r, ActivationStore store, int perFactor) {
        NmfResult n = r.normalized();
        Map<Integer, List<LatentContext>> out = new TreeMap<>();
        // Text needs token ids and the tokenizer of the model the manifest names (imported stores have neither).
        boolean text = store != null && store.hasTokenIds() && store.manifest().model() != null
                && store.manifest().tokenizer() != null;
        for (int k = 0; k < n.factors(); k++) {
            List<LatentContext> list = new ArrayList<>();
            for (int t : topTokens(n, k, perFactor)) {
                double a = n.w(t, k);
                if (text) {
                    TokenContext c = store.context(t, CONTEXT_RADIUS);
                    list.add(new LatentContext(c.before(), c.tokenText(), c.after(), a,
                            c.document().name() + " (" + c.document().genre() + "), token " + t));
                } else {
                    list.add(new LatentContext("", "#" + t, "", a, "token " + t));
                }
            }
            if (!list.isEmpty()) {
                out.put(k, list);
            }
        }
        return out;
    }

    /** The genre shares of each factor's token weights (see {@link GenreMix}); null without a document table. */
    public static GenreMix genreMix(NmfResult r, ActivationStore store) {
        if (store == null) {
            return null;
        }
        List<DocumentInfo> docs;
        try {
            docs = store.documents();
        } catch (RuntimeException e) {
            return null; // no document table: no genres to report
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        int[] genreOf = new int[r.tokens()];
        for (int t = 0; t < r.tokens(); t++) {
            int d = store.docId(t);
            String g = d >= 0 && d < docs.size() ? docs.get(d).genre() : "";
            genreOf[t] = index.computeIfAbsent(g.isEmpty() ? "(none)" : g, x -> index.size());
        }
        int ng = index.size();
        double[] tokenShare = new double[ng];
        double[][] share = new double[r.factors()][ng];
        double[] total = new double[r.factors()];
        for (int t = 0; t < r.tokens(); t++) {
            tokenShare[genreOf[t]] += 1.0 / r.tokens();
            for (int k = 0; k < r.factors(); k++) {
                double w = r.w(t, k);
                share[k][genreOf[t]] += w;
                total[k] += w;
            }
        }
        for (int k = 0; k < r.factors(); k++) {
            for (int g = 0; g < ng; g++) {
                share[k][g] = total[k] > 0 ? share[k][g] / total[k] : 0;
            }
        }
        return new GenreMix(List.copyOf(index.keySet()), tokenShare, share);
    }

    /** The summary.json object (see the class comment). */
    public static ObjectNode summary(Run run) {
        NmfResult r = run.result();
        ObjectNode o = Json.object();
        o.put("format_version", FORMAT_VERSION);
        o.put("kind", "saestitch-nmf-summary");
        o.put("sae", run.sae());
        o.put("acts", run.acts());
        o.put("num_latents", r.latents());
        int fired = 0;
        for (boolean b : run.fired()) {
            fired += b ? 1 : 0;
        }
        o.put("fired_latents", fired);
        o.put("factors", r.factors());
        DocumentRows docs = run.documents();
        o.put("tokens", docs == null ? r.tokens() : docs.pooled().tokensUsed());
        o.put("nnz", run.nnz());
        o.put("pool", docs == null ? "token" : "document");
        if (docs != null) {
            o.put("documents", r.tokens());
            o.put("document_statistic", docs.pooled().statistic().id());
            o.put("document_weighting", docs.pooled().weighting().id());
            o.put("skipped_documents", docs.pooled().skippedDocuments());
            o.put("skipped_tokens", docs.pooled().skippedTokens());
        }
        o.put("algorithm", r.options().algorithm().id());
        o.put("seed", r.options().seed());
        o.put("max_iterations", r.options().maxIterations());
        o.put("tolerance", r.options().tolerance());
        o.put("iterations", r.iterations());
        o.put("converged", r.converged());
        o.put("relative_error", r.relativeError());
        ArrayNode errs = o.putArray("errors");
        for (double e : r.errors()) {
            errs.add(e);
        }
        o.put("empty_factors", r.emptyFactors());
        o.put("seconds", run.encodeSeconds() + run.nmfSeconds());
        o.put("encode_seconds", run.encodeSeconds());
        o.put("nmf_seconds", run.nmfSeconds());
        GenreMix g = run.genreMix();
        if (g != null) {
            ObjectNode gm = o.putObject("genre_mix");
            ObjectNode ts = gm.putObject("token_share");
            for (int i = 0; i < g.genres().size(); i++) {
                ts.put(g.genres().get(i), g.tokenShare()[i]);
            }
            if (g.documentShare() != null) {
                ObjectNode ds = gm.putObject("document_share");
                for (int i = 0; i < g.genres().size(); i++) {
                    ds.put(g.genres().get(i), g.documentShare()[i]);
                }
            }
            ArrayNode fs = gm.putArray("factors");
            for (int k = 0; k < r.factors(); k++) {
                ObjectNode f = fs.addObject();
                f.put("factor", k);
                ObjectNode s = f.putObject("share");
                for (int i = 0; i < g.genres().size(); i++) {
                    s.put(g.genres().get(i), g.share()[k][i]);
                }
                int top = g.topGenre(k);
                f.put("top_genre", g.genres().get(top));
                f.put("purity", g.share()[k][top]);
                f.put("base_share", g.baseShare()[top]);
                f.put("lift", g.lift(k, top));
            }
            Assignment a = assignment(r, g);
            if (a != null) {
                ObjectNode as = gm.putObject("assignment");
                as.put("purity", a.purity());
                as.put("majority_baseline", a.majorityBaseline());
                as.put("nmi", a.nmi());
            }
        }
        return o;
    }

    /** Indices i of the {@code count} largest positive {@code x[i·stride + col]}, largest first (ties: lower i). */
    static int[] topIndices(double[] x, int rows, int stride, int col, int count) {
        int[] best = new int[count];
        int n = 0;
        for (int i = 0; i < rows; i++) {
            double v = x[i * stride + col];
            if (!(v > 0)) {
                continue;
            }
            if (n == count && v <= x[best[n - 1] * stride + col]) {
                continue;
            }
            int at = n < count ? n++ : n - 1; // insertion sort into the kept list (count is small)
            while (at > 0 && x[best[at - 1] * stride + col] < v) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return java.util.Arrays.copyOf(best, n);
    }
}
