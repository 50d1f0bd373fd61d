package io.github.saestitch.decomp;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.activations.TokenContext;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything one NMF run produced, ready to be written ({@link NmfWriter}) or shown: the factorisation
 * ({@link NmfResult#normalized() normalised}: unit-norm rows of H, W carries the scale), each factor's
 * top contexts, the genre mix of its row weights and, with {@code --pool document}, what each row is.
 * Build one with {@link #ofTokens} (rows of V are tokens) or {@link #ofDocuments} (rows are documents of a
 * store, {@link DocumentPooling}); the factor tables are {@link NmfFactors}, the genre statistics
 * {@link NmfGenres}.
 *
 * @param sae           the SAE's path as given
 * @param acts          the activations' path as given
 * @param result        the factorisation (given raw, kept normalised)
 * @param nnz           stored entries of V
 * @param fired         [F] whether each latent fired on any of the rows
 * @param contexts      top contexts per factor ({@link #tokenContexts}, {@link #documentContexts}), the
 *                      factor index as key
 * @param genreMix      genre shares, or null when the activations have no document table
 * @param encodeSeconds time to compute V
 * @param nmfSeconds    time of the factorisation
 * @param documents     with {@code --pool document}: what each row of V is; null for tokens
 */
public record NmfAnalysis(
        String sae,
        String acts,
        NmfResult result,
        long nnz,
        boolean[] fired,
        Map<Integer, List<LatentContext>> contexts,
        NmfGenres.GenreMix genreMix,
        double encodeSeconds,
        double nmfSeconds,
        DocumentRows documents) {
    /** Contexts per factor. */
    public static final int TOP_TOKENS = 5;
    /** Tokens of text on each side of a context (as the demo's latent contexts). */
    public static final int CONTEXT_RADIUS = 6;

    public NmfAnalysis {
        Objects.requireNonNull(result, "result");
        result = result.normalized();
    }

    /** A token-pooled run (rows of V are tokens). */
    public NmfAnalysis(
            String sae,
            String acts,
            NmfResult result,
            long nnz,
            boolean[] fired,
            Map<Integer, List<LatentContext>> contexts,
            NmfGenres.GenreMix genreMix,
            double encodeSeconds,
            double nmfSeconds) {
        this(sae, acts, result, nnz, fired, contexts, genreMix, encodeSeconds, nmfSeconds, null);
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
     * The analysis of {@code r}, the factorisation of V whose row t is token t of the activations:
     * {@value #TOP_TOKENS} contexts per factor and, when {@code store} is non-null and has a document
     * table, the genre mix.
     *
     * @param store the activations when they are a store (contexts with text, genres), else null
     */
    public static NmfAnalysis ofTokens(
            String sae,
            String acts,
            NmfResult r,
            SparseRows v,
            ActivationStore store,
            double encodeSeconds,
            double nmfSeconds) {
        return new NmfAnalysis(
                sae,
                acts,
                r,
                v.nnz(),
                CodeMatrix.fired(v),
                tokenContexts(r, store, TOP_TOKENS),
                NmfGenres.tokenGenreMix(r, store),
                encodeSeconds,
                nmfSeconds);
    }

    /**
     * The analysis of {@code r}, the factorisation of the document-pooled V {@code docs}:
     * {@value #TOP_TOKENS} top documents per factor as contexts (each with its best token, re-encoded by
     * {@code runner}), the genre mix and the document assignment.
     */
    public static NmfAnalysis ofDocuments(
            String sae,
            String acts,
            NmfResult r,
            DocumentRows docs,
            ActivationStore store,
            SaeRunner runner,
            double encodeSeconds,
            double nmfSeconds) {
        SparseRows v = docs.pooled().matrix();
        return new NmfAnalysis(
                sae,
                acts,
                r,
                v.nnz(),
                CodeMatrix.fired(v),
                documentContexts(r, docs, store, runner, TOP_TOKENS),
                NmfGenres.documentGenreMix(r, docs),
                encodeSeconds,
                nmfSeconds,
                docs);
    }

    /** The {@code perFactor} largest loadings of each factor ({@link NmfFactors#topLatents}). */
    public List<NmfFactors.FactorLatent> topLatents(int perFactor) {
        return NmfFactors.topLatents(result, perFactor);
    }

    /** Each fired latent's dominant factor ({@link NmfFactors#dominantFactors}). */
    public List<NmfFactors.LatentFactor> latentFactors() {
        return NmfFactors.dominantFactors(result, fired);
    }

    /** The {@code perFactor} top documents of each factor; empty for token rows. */
    public List<NmfFactors.FactorDocument> topDocuments(int perFactor) {
        return documents == null ? List.of() : NmfFactors.topDocuments(result, documents, perFactor);
    }

    /** The documents' factor-vs-genre agreement ({@link NmfGenres#assignment}); null without row genres. */
    public NmfGenres.Assignment assignment() {
        return NmfGenres.assignment(result, genreMix);
    }

    /** Latents that fired on at least one row. */
    public int firedLatents() {
        int n = 0;
        for (boolean b : fired) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /**
     * The top tokens of every factor as contexts: from {@code store} (text ±{@value #CONTEXT_RADIUS} tokens
     * and the document) when it is non-null and has token ids, else the token index only. Row t of V is
     * token {@code t} of the activation set.
     */
    public static Map<Integer, List<LatentContext>> tokenContexts(NmfResult r, ActivationStore store, int perFactor) {
        NmfResult n = r.normalized();
        Map<Integer, List<LatentContext>> out = new TreeMap<>();
        // Text needs token ids and the tokenizer of the model the manifest names (imported stores have neither).
        boolean text = store != null
                && store.hasTokenIds()
                && store.manifest().model() != null
                && store.manifest().tokenizer() != null;
        for (int k = 0; k < n.factors(); k++) {
            List<LatentContext> list = new ArrayList<>();
            for (int t : NmfFactors.topTokens(n, k, perFactor)) {
                double a = n.w(t, k);
                if (text) {
                    TokenContext c = store.context(t, CONTEXT_RADIUS);
                    list.add(new LatentContext(
                            c.before(),
                            c.tokenText(),
                            c.after(),
                            a,
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

    /**
     * The top documents of every factor as contexts: each document's token that scores highest for the
     * factor ({@link DocumentPooling#bestToken}) with ±{@value #CONTEXT_RADIUS} tokens of text when the
     * store can decode it, else {@code #INDEX}; {@code source} "name (genre)".
     */
    public static Map<Integer, List<LatentContext>> documentContexts(
            NmfResult r, DocumentRows docs, ActivationStore store, SaeRunner runner, int perFactor) {
        NmfResult n = r.normalized();
        boolean text = store.hasTokenIds()
                && store.manifest().model() != null
                && store.manifest().tokenizer() != null;
        Map<Integer, List<LatentContext>> out = new TreeMap<>();
        for (int k = 0; k < n.factors(); k++) {
            List<LatentContext> list = new ArrayList<>();
            for (int row : NmfFactors.topTokens(n, k, perFactor)) {
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
}
