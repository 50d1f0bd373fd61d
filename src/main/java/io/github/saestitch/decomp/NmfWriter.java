package io.github.saestitch.decomp;

import static io.github.saestitch.decomp.NmfFactors.dominantFactors;
import static io.github.saestitch.decomp.NmfFactors.topDocuments;
import static io.github.saestitch.decomp.NmfFactors.topLatents;
import static io.github.saestitch.decomp.NmfGenres.assignment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.decomp.NmfAnalysis.DocumentRows;
import io.github.saestitch.decomp.NmfFactors.FactorDocument;
import io.github.saestitch.decomp.NmfFactors.FactorLatent;
import io.github.saestitch.decomp.NmfFactors.LatentFactor;
import io.github.saestitch.decomp.NmfGenres.Assignment;
import io.github.saestitch.decomp.NmfGenres.GenreMix;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.CsvWriter;
import io.github.saestitch.io.Json;
import io.github.saestitch.io.LatentContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The output directory of {@code saestitch nmf}, written whole through {@link AtomicOutput#writeDirectory}
 * (nothing half-written). Every file has format version {@value #FORMAT_VERSION}; the factorisation is
 * written {@link NmfResult#normalized() normalised}: each row of H has unit L2 norm, so an H entry is a
 * loading in [0, 1] and {@code W[t, k]} is the length (in activation units) of factor k's part of token
 * t's codes.
 * The numbers come from an {@link NmfAnalysis} (contexts, genre mix), {@link NmfFactors} (the factor
 * tables) and {@link NmfGenres} (genre statistics); this class only writes them.
 * <ul>
 *   <li>{@value #FACTORS_FILE}: {@code format_version,factor,rank,latent,weight} — for each factor its
 *       {@value #TOP_LATENTS} largest loadings {@code H[factor, latent]} (positive ones only), rank 0 first.</li>
 *   <li>{@value #LATENT_FACTOR_FILE}: {@code format_version,latent,factor,weight,share} — one row per latent
 *       that fired on at least one of the tokens: its dominant factor
 *       {@code argmax_k H[k, latent]·‖W[:, k]‖} (the lowest k on ties), {@code weight} that maximum and
 *       {@code share} it over {@code Σ_k H[k, latent]·‖W[:, k]‖}. A latent that fired but has no loading
 *       on any factor gets factor −1, weight 0 and an empty share.</li>
 *   <li>{@value #CONTEXTS_FILE}: the {@value NmfAnalysis#TOP_TOKENS} tokens with the largest {@code W[t, factor]} per
 *       factor, in {@link LatentContexts}'s line format with the factor index as {@code latent} and
 *       {@code W[t, factor]} as {@code activation}; with text (±{@value NmfAnalysis#CONTEXT_RADIUS} tokens) when the
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
 *   <li>{@value #CONTEXTS_FILE}: one context per top document ({@value NmfAnalysis#TOP_TOKENS} documents of largest
 *       {@code W[d, factor]}): the document's token that scores highest for the factor
 *       ({@link DocumentPooling#bestToken}) with ±{@value NmfAnalysis#CONTEXT_RADIUS} tokens of text,
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

    private NmfWriter() {}

    /** Writes the four files into {@code out} (replacing it only when {@code replace}). */
    public static void write(NmfAnalysis run, Path out, boolean replace) throws IOException {
        if (Files.exists(out) && !replace) {
            throw new IllegalArgumentException(out + " already exists; choose another directory or pass --overwrite");
        }
        ObjectNode summary = summary(run);
        AtomicOutput.writeDirectory(out, replace, dir -> {
            try (CsvWriter w = CsvWriter.open(dir.resolve(FACTORS_FILE), FACTORS_HEADER)) {
                for (FactorLatent r : topLatents(run.result(), TOP_LATENTS)) {
                    w.integer(FORMAT_VERSION)
                            .integer(r.factor())
                            .integer(r.rank())
                            .integer(r.latent())
                            .number(r.weight())
                            .endRow();
                }
            }
            try (CsvWriter w = CsvWriter.open(dir.resolve(LATENT_FACTOR_FILE), LATENT_FACTOR_HEADER)) {
                for (LatentFactor r : dominantFactors(run.result(), run.fired())) {
                    w.integer(FORMAT_VERSION)
                            .integer(r.latent())
                            .integer(r.factor())
                            .number(r.weight())
                            .number(r.share())
                            .endRow();
                }
            }
            LatentContexts.write(run.contexts(), dir.resolve(CONTEXTS_FILE));
            if (run.documents() != null) {
                try (CsvWriter w = CsvWriter.open(dir.resolve(DOCUMENTS_FILE), DOCUMENTS_HEADER)) {
                    for (FactorDocument r : topDocuments(run.result(), run.documents(), TOP_DOCUMENTS)) {
                        w.integer(FORMAT_VERSION)
                                .integer(r.factor())
                                .integer(r.rank())
                                .integer(r.document().id())
                                .text(r.document().name())
                                .text(r.document().genre())
                                .number(r.weight())
                                .endRow();
                    }
                }
            }
            Json.write(dir.resolve(SUMMARY_FILE), summary);
        });
    }

    /** The summary.json object (see the class comment). */
    public static ObjectNode summary(NmfAnalysis run) {
        NmfResult r = run.result();
        ObjectNode o = Json.object();
        o.put("format_version", FORMAT_VERSION);
        o.put("kind", "saestitch-nmf-summary");
        o.put("sae", run.sae());
        o.put("acts", run.acts());
        o.put("num_latents", r.latents());
        o.put("fired_latents", run.firedLatents());
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
}
