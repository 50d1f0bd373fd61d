package io.github.saestitch.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.Json;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import java.util.List;
import java.util.Map;

/**
 * The JSON embedded in the report ({@code <script type="application/json" id="report-data">}), which
 * the latent explorer reads and which a script can extract from the page.
 *
 * <p><b>Format</b> (version {@value #FORMAT_VERSION}):
 * <pre>
 * format_version, kind ("saestitch-report"), title, notes [string],
 * pairs [{ id, label, dir, threshold, tokens, scatter_svg (id of the pair's scatter SVG element),
 *          small / large {num_latents, mse, fvu, l0, dead},
 *          latents { total, included, sampled, seed,
 *                    columns { latent [int], max_cos, nearest [int], kind (string, one char per latent:
 *                              'n' novel, 'r' reconstruction), delta_mse, freq, max_act_corr,
 *                              act_nearest [int], nearest_act_corr, group [int], step [int] } },
 *          groups { group, parents [[int]], children [[int]], delta_mse, delta_l0, cosine, step },
 *          contexts { "latent": [{before, token, after, activation, source?, spans? [[text, act]]}] },
 *          prev_pair, next_pair (0-based index of the pair whose larger / smaller SAE is this pair's
 *                                smaller / larger one, −1 when none or ambiguous: the feature-splitting tree),
 *          meta [{ label, dir, num_latents, meta_latents, k, fvu, nearest_num_latents,
 *                  nearest_pair (pair whose larger SAE the meta-latents are matched to, or −1),
 *                  nearest_small (true when nearest_pair's smaller SAE is meant instead: see small_latents),
 *                  of { "latent": [[meta_latent, weight]] }, members [int per meta-latent],
 *                  nearest [[[latent, cos]] per meta-latent] }],
 *          nmf [{ label, dir, factors, relative_error, tokens,
 *                 of { "latent": [[factor, weight, share]] }, top [[[latent, weight]] per factor] }],
 *          small_latents (only when prev_pair is −1: the smaller SAE is no pair's larger one, so the explorer
 *                         opens its latents here, at #explore-sPAIR-LATENT)
 *                        { total, contexts { "latent": [...] as above }, freq [number or null per latent]
 *                          (absent when unknown), meta [...], nmf [...] as above } }]
 * </pre>
 * {@code meta} and {@code nmf} hold the decompositions of this pair's larger SAE (matched by
 * num_latents; those of {@code small_latents} of its smaller SAE); their {@code of} maps hold the
 * explorer's latents only. A latent's label (its top context's token) is not stored: the script derives
 * it from {@code contexts}.
 * Measurements are rounded to {@value #DIGITS} significant digits (the CSVs keep full precision); an
 * undefined number is {@code null}; integer columns use −1 for "none" as in {@code latents.csv}.
 */
final class ReportData {
    static final int FORMAT_VERSION = 1;
    /** Significant digits of embedded measurements: plenty to read, and ~40 % smaller than full doubles. */
    static final int DIGITS = 5;

    private static final ObjectMapper JSON = Json.MAPPER;

    private ReportData() {}

    static ObjectNode root(String title, List<String> notes) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format_version", FORMAT_VERSION);
        o.put("kind", "saestitch-report");
        o.put("title", title);
        ArrayNode n = o.putArray("notes");
        notes.forEach(n::add);
        return o;
    }

    /**
     * One pair's explorer data.
     *
     * @param rows      the latents.csv rows to embed (all, or a sample), ascending
     * @param scatterId the id of the pair's scatter SVG element
     */
    static ObjectNode pair(String id, CompareRun run, int[] rows, long seed, String scatterId) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("label", run.label());
        o.put("dir", run.dir().toString());
        num(o, "threshold", run.summary().threshold());
        o.put("tokens", run.summary().tokens());
        o.put("scatter_svg", scatterId);
        model(o.putObject("small"), run.summary().small());
        model(o.putObject("large"), run.summary().large());
        CompareRun.Latents l = run.latents();
        ObjectNode lat = o.putObject("latents");
        lat.put("total", run.summary().large().numLatents());
        lat.put("in_file", l.size());
        lat.put("included", rows.length);
        lat.put("sampled", rows.length < l.size());
        lat.put("seed", seed);
        ObjectNode cols = lat.putObject("columns");
        ArrayNode latent = cols.putArray("latent");
        ArrayNode maxCos = cols.putArray("max_cos");
        ArrayNode nearest = cols.putArray("nearest");
        StringBuilder kind = new StringBuilder(rows.length);
        ArrayNode delta = cols.putArray("delta_mse");
        ArrayNode freq = cols.putArray("freq");
        ArrayNode maxAct = cols.putArray("max_act_corr");
        ArrayNode actNearest = cols.putArray("act_nearest");
        ArrayNode nearestAct = cols.putArray("nearest_act_corr");
        ArrayNode group = cols.putArray("group");
        ArrayNode step = cols.putArray("step");
        for (int r : rows) {
            latent.add(l.latent()[r]);
            add(maxCos, l.maxCos()[r]);
            nearest.add(l.nearest()[r]);
            kind.append(l.novel()[r] ? 'n' : 'r');
            add(delta, l.deltaMse()[r]);
            add(freq, l.freq()[r]);
            add(maxAct, l.maxActCorr()[r]);
            actNearest.add(l.actNearest()[r]);
            add(nearestAct, l.nearestActCorr()[r]);
            group.add(l.group()[r]);
            step.add(l.step()[r]);
        }
        cols.put("kind", kind.toString());
        ObjectNode g = o.putObject("groups");
        ArrayNode gid = g.putArray("group");
        ArrayNode parents = g.putArray("parents");
        ArrayNode children = g.putArray("children");
        ArrayNode gd = g.putArray("delta_mse");
        ArrayNode gl = g.putArray("delta_l0");
        ArrayNode gc = g.putArray("cosine");
        ArrayNode gs = g.putArray("step");
        for (CompareRun.SwapGroup sg : run.groups()) {
            gid.add(sg.group());
            ArrayNode ps = parents.addArray();
            for (int v : sg.parents()) {
                ps.add(v);
            }
            ArrayNode cs = children.addArray();
            for (int v : sg.children()) {
                cs.add(v);
            }
            add(gd, sg.deltaMse());
            add(gl, sg.deltaL0());
            add(gc, sg.cosine());
            gs.add(sg.step());
        }
        o.putArray("meta");
        o.putArray("nmf");
        o.put("prev_pair", -1);
        o.put("next_pair", -1);
        ObjectNode ctx = o.putObject("contexts");
        boolean[] included = new boolean[run.summary().large().numLatents()];
        for (int r : rows) {
            included[l.latent()[r]] = true;
        }
        for (Map.Entry<Integer, List<LatentContext>> e : new java.util.TreeMap<>(run.contexts()).entrySet()) {
            if (!included[e.getKey()]) {
                continue;
            }
            ArrayNode arr = ctx.putArray(Integer.toString(e.getKey()));
            for (LatentContext c : e.getValue()) {
                arr.add(LatentContexts.context(c));
            }
        }
        return o;
    }

    /** Most nearest latents shown per meta-latent and most top latents per NMF factor. */
    static final int TOP = 5;

    /**
     * A meta-SAE's data for the explorer of one pair (whose larger SAE it decomposes).
     *
     * @param latents     the latents of the decomposed SAE that the explorer holds
     * @param nearestSae  where the meta-SAE's nearest_sae opens in the explorer, or null
     */
    static ObjectNode meta(MetaSaeRun m, int[] latents, ExplorerTarget nearestSae) {
        ObjectNode o = JSON.createObjectNode();
        MetaSaeRun.Summary s = m.summary();
        o.put("label", m.label());
        o.put("dir", m.dir().toString());
        o.put("num_latents", s.numLatents());
        o.put("meta_latents", s.metaLatents());
        o.put("k", s.k());
        num(o, "fvu", s.fvu());
        o.put("nearest_num_latents", s.nearestNumLatents());
        o.put("nearest_pair", nearestSae == null ? -1 : nearestSae.pair());
        o.put("nearest_small", nearestSae != null && nearestSae.small());
        ObjectNode of = o.putObject("of");
        for (int j : latents) {
            List<MetaSaeRun.Weighted> w = m.latentMeta().get(j);
            if (!w.isEmpty()) {
                weighted(of.putArray(Integer.toString(j)), w, Integer.MAX_VALUE);
            }
        }
        ArrayNode members = o.putArray("members");
        for (int v : m.members()) {
            members.add(v);
        }
        ArrayNode nearest = o.putArray("nearest");
        for (List<MetaSaeRun.Weighted> w : m.metaNearest()) {
            weighted(nearest.addArray(), w, TOP);
        }
        return o;
    }

    /** An NMF's data for the explorer of the SAE it factorises, whose latents {@code latents} the explorer holds. */
    static ObjectNode nmf(NmfRun n, int[] latents) {
        ObjectNode o = JSON.createObjectNode();
        NmfRun.Summary s = n.summary();
        o.put("label", n.label());
        o.put("dir", n.dir().toString());
        o.put("factors", s.factors());
        num(o, "relative_error", s.relativeError());
        o.put("tokens", s.tokens());
        ObjectNode of = o.putObject("of");
        for (int j : latents) {
            List<NmfRun.LatentFactor> f = n.latentFactor().get(j);
            if (f.isEmpty()) {
                continue;
            }
            ArrayNode a = of.putArray(Integer.toString(j));
            for (NmfRun.LatentFactor lf : f) {
                ArrayNode t = a.addArray();
                t.add(lf.factor());
                add(t, lf.weight());
                add(t, lf.share());
            }
        }
        ArrayNode top = o.putArray("top");
        for (List<MetaSaeRun.Weighted> w : n.factorLatents()) {
            weighted(top.addArray(), w, TOP);
        }
        return o;
    }

    /** The latent indices of latents.csv rows {@code rows}. */
    static int[] latentsOf(CompareRun run, int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = run.latents().latent()[rows[i]];
        }
        return out;
    }

    /**
     * The explorer's view of a pair's smaller SAE (all its latents): contexts and frequencies from
     * {@code contexts_small.jsonl}; meta and nmf are filled in by the caller.
     */
    static ObjectNode small(CompareRun run) {
        ObjectNode o = JSON.createObjectNode();
        int n = run.summary().small().numLatents();
        o.put("total", n);
        ObjectNode ctx = o.putObject("contexts");
        for (Map.Entry<Integer, List<LatentContext>> e : run.small().contexts().entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            ArrayNode arr = ctx.putArray(Integer.toString(e.getKey()));
            for (LatentContext c : e.getValue()) {
                arr.add(LatentContexts.context(c));
            }
        }
        if (!run.small().freq().isEmpty()) {
            ArrayNode f = o.putArray("freq");
            for (int j = 0; j < n; j++) {
                Double v = run.small().freq().get(j);
                add(f, v == null ? Double.NaN : v);
            }
        }
        o.putArray("meta");
        o.putArray("nmf");
        return o;
    }

    private static void weighted(ArrayNode into, List<MetaSaeRun.Weighted> w, int max) {
        for (int i = 0; i < Math.min(max, w.size()); i++) {
            ArrayNode t = into.addArray();
            t.add(w.get(i).index());
            add(t, w.get(i).weight());
        }
    }

    private static void model(ObjectNode o, CompareRun.ModelStats m) {
        o.put("num_latents", m.numLatents());
        num(o, "mse", m.mse());
        num(o, "fvu", m.fvu());
        num(o, "l0", m.l0());
        o.put("dead", m.dead());
    }

    private static void num(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, Fmt.round(v, DIGITS));
        } else {
            o.putNull(key);
        }
    }

    private static void add(ArrayNode a, double v) {
        if (Double.isFinite(v)) {
            a.add(Fmt.round(v, DIGITS));
        } else {
            a.addNull();
        }
    }

    /**
     * The JSON text, safe inside a {@code <script>} element: {@code <}, {@code >} and {@code &} can only
     * occur inside JSON strings, where their {@code \}{@code uXXXX} escapes mean the same, so no
     * {@code </script>} or {@code <!--} in the data can end the element early.
     */
    static String scriptSafe(ObjectNode root) {
        String s;
        try {
            s = Json.line(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise report data", e);
        }
        return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
    }
}
