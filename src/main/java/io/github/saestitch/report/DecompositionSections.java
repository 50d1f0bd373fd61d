package io.github.saestitch.report;

import io.github.saestitch.io.LatentContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's sections on decompositions of one SAE: a meta-SAE ({@link MetaSaeRun}: each latent as a
 * weighted sum of a few broader meta-latents, each meta-latent matched to latents of a smaller SAE) and
 * an NMF ({@link NmfRun}: groups of latents that fire together, with their top contexts).
 *
 * <p>Latent links point into the latent explorer ({@link ExplorerTarget}) when the SAE is in it (the larger
 * SAE of a pair, or the smaller SAE of a pair that starts a chain); otherwise the indices are plain text.
 * Each latent shown carries its label, the token of its top context, when its SAE has contexts.
 */
final class DecompositionSections {
    /** Latents shown as "L:j = M:a (w) + …" examples. */
    static final int META_EXAMPLES = 8;
    /** Meta-latents listed in the "most used" table. */
    static final int META_TABLE = 12;
    /** NMF factors shown in the table (the explorer and factors.csv have them all). */
    static final int MAX_FACTORS = 40;
    /** Top latents and contexts shown per factor. */
    static final int FACTOR_LATENTS = 8;

    static final int FACTOR_CONTEXTS = 3;

    static final String META_INTRO = "A meta-SAE is a small sparse autoencoder trained on the decoder rows of an SAE: "
            + "it writes each latent <i>L:j</i> as a weighted sum of a few <i>meta-latents</i> <i>M:a</i>, broader "
            + "directions that several latents share (the companion meta-SAE paper used k = 4 meta-latents per latent "
            + "and about 1/20 of the SAE's width). Each meta-latent is then matched, by decoder cosine, to the nearest "
            + "latents of a smaller SAE of the family (<i>S:i</i>), so \u201cthis latent = these broader ones\u201d "
            + "can be read off. The explorer shows the meta-latents of every latent.";

    static final String NMF_INTRO =
            "A non-negative matrix factorisation of the tokens \u00d7 latents activation matrix "
                    + "V \u2248 W\u00b7H groups latents that fire on the same tokens into a few factors: each row of H is a "
                    + "factor's weight on every latent (its top latents below), each column of W its strength on every token "
                    + "(its top contexts, with the token where the factor is strongest highlighted). The relative error "
                    + "\u2016V \u2212 WH\u2016 / \u2016V\u2016 says how much of the activations the factors leave out. The "
                    + "explorer shows the factor of every latent. Factorised per token, the factors tend to be word classes; "
                    + "pooled per document (one row of V per document: the latents' mean activation over its tokens), "
                    + "they tend to be topics and genres, and each factor's most over-represented genre is shown.";

    private DecompositionSections() {}

    /**
     * One meta-SAE's block.
     *
     * @param pair        where the SAE the meta-SAE decomposes opens in the explorer, or null
     * @param nearestPair where the meta-SAE's nearest_sae opens in the explorer, or null
     */
    static String meta(MetaSaeRun m, ExplorerTarget pair, ExplorerTarget nearestPair) {
        MetaSaeRun.Summary s = m.summary();
        StringBuilder sb = new StringBuilder(8192);
        sb.append("<div class=\"decomp\">\n<h3>").append(Fmt.xml(m.label())).append("</h3>\n");
        sb.append("<p class=\"meta\">From ").append(code(m.dir().toString()));
        if (!s.sae().isEmpty()) {
            sb.append(", trained on the decoder of ").append(code(s.sae()));
        }
        sb.append(".</p>\n");
        String nearest = s.nearestNumLatents() > 0 ? Fmt.count(s.nearestNumLatents()) + " latents" : Fmt.MISSING;
        if (!s.nearestSae().isEmpty()) {
            nearest += " (" + Fmt.xml(s.nearestSae()) + ")";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            Fmt.count(s.numLatents()),
            s.dIn() > 0 ? Fmt.count(s.dIn()) : Fmt.MISSING,
            Fmt.count(s.metaLatents()),
            s.k() > 0 ? Integer.toString(s.k()) : Fmt.MISSING,
            Fmt.sig(s.fvu(), 3),
            Fmt.num(s.l0()),
            nearest
        });
        sb.append(HtmlPage.table(
                "metasae",
                new String[] {
                    "latents", "d_in", "meta-latents", "k", "fvu of the decoder rows", "l0", "meta-latents matched to"
                },
                rows,
                6));

        // Examples: latents made of at least two meta-latents, evenly spread over the latent indices.
        List<Integer> multi = new ArrayList<>();
        for (int j = 0; j < m.latentMeta().size(); j++) {
            if (m.latentMeta().get(j).size() >= 2) {
                multi.add(j);
            }
        }
        if (multi.isEmpty()) {
            for (int j = 0; j < m.latentMeta().size(); j++) {
                if (!m.latentMeta().get(j).isEmpty()) {
                    multi.add(j);
                }
            }
        }
        if (!multi.isEmpty()) {
            int n = Math.min(META_EXAMPLES, multi.size());
            sb.append("<h4>Examples</h4>\n<p class=\"small\">Each latent of the ")
                    .append(Fmt.count(s.numLatents()))
                    .append(
                            "-latent SAE as its meta-latents (weights in brackets); under it, each meta-latent's nearest "
                                    + "latents of the smaller SAE (decoder cosine in brackets).</p>\n<ul class=\"meta-examples\">\n");
            for (int e = 0; e < n; e++) {
                int j = multi.get((int) ((long) e * multi.size() / n));
                sb.append("<li><b>")
                        .append(ExplorerTarget.link(pair, j, "L:" + j))
                        .append("</b> = ");
                List<MetaSaeRun.Weighted> w = m.latentMeta().get(j);
                for (int i = 0; i < w.size(); i++) {
                    sb.append(i == 0 ? "" : " + ")
                            .append("M:")
                            .append(w.get(i).index())
                            .append(" (")
                            .append(Fmt.sig(w.get(i).weight(), 3))
                            .append(')');
                }
                sb.append("<br><span class=\"small\">");
                for (int i = 0; i < w.size(); i++) {
                    sb.append(i == 0 ? "" : "; ")
                            .append("M:")
                            .append(w.get(i).index())
                            .append(" \u2248 ")
                            .append(nearestList(m.metaNearest().get(w.get(i).index()), nearestPair, 3));
                }
                sb.append("</span></li>\n");
            }
            sb.append("</ul>\n");
        }

        // The meta-latents most latents use.
        Integer[] order = new Integer[s.metaLatents()];
        int[] uses = new int[s.metaLatents()];
        for (List<MetaSaeRun.Weighted> w : m.latentMeta()) {
            for (MetaSaeRun.Weighted x : w) {
                uses[x.index()]++;
            }
        }
        for (int a = 0; a < order.length; a++) {
            order[a] = a;
        }
        java.util.Arrays.sort(
                order, (a, b) -> uses[b] != uses[a] ? Integer.compare(uses[b], uses[a]) : Integer.compare(a, b));
        List<String[]> mrows = new ArrayList<>();
        for (int i = 0; i < Math.min(META_TABLE, order.length); i++) {
            int a = order[i];
            if (uses[a] == 0 && m.metaNearest().get(a).isEmpty()) {
                break;
            }
            mrows.add(new String[] {
                "M:" + a,
                Fmt.count(uses[a]),
                m.members()[a] >= 0 ? Fmt.count(m.members()[a]) : Fmt.MISSING,
                nearestList(m.metaNearest().get(a), nearestPair, 5)
            });
        }
        if (!mrows.isEmpty()) {
            sb.append("<h4>Most used meta-latents</h4>\n");
            sb.append(HtmlPage.table(
                    "metalist",
                    new String[] {
                        "meta-latent", "latents using it", "members (file)", "nearest latents of the smaller SAE (cos)"
                    },
                    mrows,
                    3));
        }
        sb.append("</div>\n");
        return sb.toString();
    }

    /**
     * One NMF's block.
     *
     * @param pair where the factorised SAE opens in the explorer, or null
     */
    static String nmf(NmfRun n, ExplorerTarget pair) {
        NmfRun.Summary s = n.summary();
        StringBuilder sb = new StringBuilder(16384);
        sb.append("<div class=\"decomp\">\n<h3>").append(Fmt.xml(n.label())).append("</h3>\n");
        sb.append("<p class=\"meta\">From ").append(code(n.dir().toString()));
        if (!s.sae().isEmpty()) {
            sb.append(", factorising the activations of ").append(code(s.sae()));
        }
        sb.append(".</p>\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            Fmt.count(s.numLatents()),
            Fmt.count(s.factors()),
            s.documentPooled()
                    ? (s.documents() >= 0 ? Fmt.count(s.documents()) : Fmt.MISSING) + " documents"
                    : "tokens",
            s.tokens() >= 0 ? Fmt.count(s.tokens()) : Fmt.MISSING,
            Fmt.pct(s.relativeError(), false),
            s.iterations() >= 0 ? Fmt.count(s.iterations()) : Fmt.MISSING
        });
        sb.append(HtmlPage.table(
                "nmfsummary",
                new String[] {"latents", "factors", "rows of V", "tokens", "relative error", "iterations"},
                rows));
        boolean genres = s.genres().stream().anyMatch(java.util.Objects::nonNull);
        List<String[]> frows = new ArrayList<>();
        int shown = Math.min(MAX_FACTORS, s.factors());
        for (int f = 0; f < shown; f++) {
            StringBuilder lat = new StringBuilder();
            List<MetaSaeRun.Weighted> top = n.factorLatents().get(f);
            for (int i = 0; i < Math.min(FACTOR_LATENTS, top.size()); i++) {
                lat.append(i == 0 ? "" : " ")
                        .append(ExplorerTarget.link(
                                pair, top.get(i).index(), "L:" + top.get(i).index()))
                        .append("&nbsp;(")
                        .append(Fmt.sig(top.get(i).weight(), 2))
                        .append(')');
            }
            if (top.isEmpty()) {
                lat.append(Fmt.MISSING);
            }
            NmfRun.FactorGenre g = s.genres().get(f);
            String genre = g == null
                    ? Fmt.MISSING
                    : Fmt.xml(g.genre()) + " " + Fmt.pct(g.purity(), false)
                            + (Double.isFinite(g.lift()) ? " (\u00d7" + Fmt.sig(g.lift(), 2) + ")" : "");
            frows.add(
                    genres
                            ? new String[] {
                                "F:" + f,
                                genre,
                                lat.toString(),
                                contexts(n.contexts().get(f))
                            }
                            : new String[] {
                                "F:" + f, lat.toString(), contexts(n.contexts().get(f))
                            });
        }
        sb.append(
                genres
                        ? HtmlPage.table(
                                "nmf",
                                new String[] {
                                    "factor",
                                    "top genre (share, lift)",
                                    "top latents (weight in H)",
                                    s.documentPooled() ? "top documents" : "top contexts"
                                },
                                frows,
                                1,
                                2,
                                3)
                        : HtmlPage.table(
                                "nmf",
                                new String[] {"factor", "top latents (weight in H)", "top contexts"},
                                frows,
                                1,
                                2));
        if (shown < s.factors()) {
            sb.append("<p class=\"small\">Showing ")
                    .append(shown)
                    .append(" of ")
                    .append(Fmt.count(s.factors()))
                    .append(" factors; ")
                    .append(NmfRun.FACTORS)
                    .append(" has them all.</p>\n");
        }
        sb.append("</div>\n");
        return sb.toString();
    }

    private static String contexts(List<LatentContext> ctx) {
        if (ctx == null || ctx.isEmpty()) {
            return "<span class=\"empty\">no contexts</span>";
        }
        double max = 0;
        for (LatentContext c : ctx) {
            max = Math.max(max, c.activation());
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(FACTOR_CONTEXTS, ctx.size()); i++) {
            LatentContext c = ctx.get(i);
            double alpha = max > 0 ? 0.1 + 0.75 * Math.min(1, Math.max(0, c.activation() / max)) : 0.1;
            sb.append("<div class=\"ctx\"><span class=\"act\">")
                    .append(Fmt.sig(c.activation(), 3))
                    .append("</span>")
                    .append(Fmt.xml(c.before()))
                    .append("<span class=\"tok focus\" style=\"background-color: rgba(230, " + "159, 0, ")
                    .append(String.format(java.util.Locale.ROOT, "%.2f", alpha))
                    .append(")\">")
                    .append(Fmt.xml(c.token()))
                    .append("</span>")
                    .append(Fmt.xml(c.after()));
            if (!c.source().isEmpty()) { // the document (and genre): what a document-pooled factor is about
                sb.append(" <span class=\"src\">").append(Fmt.xml(c.source())).append("</span>");
            }
            sb.append("</div>");
        }
        return sb.toString();
    }

    private static String nearestList(List<MetaSaeRun.Weighted> w, ExplorerTarget nearestPair, int max) {
        if (w.isEmpty()) {
            return Fmt.MISSING;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(max, w.size()); i++) {
            sb.append(i == 0 ? "" : ", ")
                    .append(ExplorerTarget.link(
                            nearestPair, w.get(i).index(), "S:" + w.get(i).index()))
                    .append(" (")
                    .append(Fmt.sig(w.get(i).weight(), 2))
                    .append(')');
        }
        return sb.toString();
    }

    private static String code(String s) {
        return "<code>" + Fmt.xml(s) + "</code>";
    }
}
