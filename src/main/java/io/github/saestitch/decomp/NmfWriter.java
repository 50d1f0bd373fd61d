package io.github.saestitch.decomp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.activations.TokenContext;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.report.LatentContext;
import io.github.saestitch.report.LatentContexts;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
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
 *       {@code share}, the fraction of {@code Σ_t W[t, factor]} on tokens of each genre.</li>
 * </ul>
 */
public final class NmfWriter {
    /** Version of every file written here. */
    public static final int FORMAT_VERSION = 1;
    public static final String FACTORS_FILE = "factors.csv";
    public static final String LATENT_FACTOR_FILE = "latent_factor.csv";
    public static final String CONTEXTS_FILE = "factor_contexts.jsonl";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String FACTORS_HEADER = "format_version,factor,rank,latent,weight";
    public static final String LATENT_FACTOR_HEADER = "format_version,latent,factor,weight,share";
    /** Latents listed per factor. */
    public static final int TOP_LATENTS = 20;
    /** Contexts per factor. */
    public static final int TOP_TOKENS = 5;
    /** Tokens of text on each side of a context (as the demo's latent contexts). */
    public static final int CONTEXT_RADIUS = 6;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
     */
    public record Run(String sae, String acts, NmfResult result, long nnz, boolean[] fired,
            Map<Integer, List<LatentContext>> contexts, GenreMix genreMix, double encodeSeconds, double nmfSeconds) {
        public Run {
            Objects.requireNonNull(result, "result");
            result = result.normalized();
        }
    }

    /**
     * Genre shares of the factors' token weights.
     *
     * @param genres     the genres, in order of first appearance among the tokens
     * @param tokenShare [genres] fraction of the tokens in each genre
     * @param share      [factors][genres] fraction of {@code Σ_t W[t, k]} on tokens of each genre
     */
    public record GenreMix(List<String> genres, double[] tokenShare, double[][] share) {
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
            try (Writer w = Files.newBufferedWriter(dir.resolve(FACTORS_FILE), StandardCharsets.UTF_8)) {
                w.write(FACTORS_HEADER + "\n");
                for (FactorLatent r : topLatents(run.result(), TOP_LATENTS)) {
                    w.write(FORMAT_VERSION + "," + r.factor() + "," + r.rank() + "," + r.latent() + "," + r.weight() + "\n");
                }
            }
            try (Writer w = Files.newBufferedWriter(dir.resolve(LATENT_FACTOR_FILE), StandardCharsets.UTF_8)) {
                w.write(LATENT_FACTOR_HEADER + "\n");
                for (LatentFactor r : dominantFactors(run.result(), run.fired())) {
                    w.write(FORMAT_VERSION + "," + r.latent() + "," + r.factor() + "," + r.weight() + ","
                            + (Double.isFinite(r.share()) ? Double.toString(r.share()) : "") + "\n");
                }
            }
            LatentContexts.write(run.contexts(), dir.resolve(CONTEXTS_FILE));
            Files.writeString(dir.resolve(SUMMARY_FILE), JSON.writeValueAsString(summary) + "\n", StandardCharsets.UTF_8);
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
        ObjectNode o = JSON.createObjectNode();
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
        o.put("tokens", r.tokens());
        o.put("nnz", run.nnz());
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
            ArrayNode fs = gm.putArray("factors");
            for (int k = 0; k < r.factors(); k++) {
                ObjectNode f = fs.addObject();
                f.put("factor", k);
                ObjectNode s = f.putObject("share");
                for (int i = 0; i < g.genres().size(); i++) {
                    s.put(g.genres().get(i), g.share()[k][i]);
                }
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
