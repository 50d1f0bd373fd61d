package io.github.saestitch.report;

import io.github.saestitch.report.CompareRun.Latents;
import io.github.saestitch.report.Plot.Axis;
import io.github.saestitch.report.Plot.Layer;
import io.github.saestitch.report.Plot.Line;
import io.github.saestitch.report.Plot.Markers;
import io.github.saestitch.report.Plot.Points;
import io.github.saestitch.report.Plot.Rects;
import io.github.saestitch.report.Plot.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's figures, built from the input data: each a {@link Figure} (what is drawn) plus a short
 * introduction saying what it shows and how to read it, and notes on anything left out.
 */
final class Figures {
    /** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies, and in greyscale print. */
    static final String NOVEL = "#0072B2";

    static final String RECONSTRUCTION = "#D55E00";
    static final String REFERENCE = "#222222";
    static final String RULE = "#555555";
    static final String[] PALETTE = {
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"
    };
    /**
     * Colours of many series on one plot (Paul Tol's "muted" scheme: nine colours told apart with the
     * common colour-vision deficiencies). The Okabe–Ito {@link #PALETTE} has only eight, and its two blues
     * read as one line when ten Frankenstein series share a plot; these come with {@link #SERIES_DASHES}
     * and {@link #SERIES_MARKERS} so that any two series differ in at least two of colour, dash and marker.
     */
    static final String[] SERIES = {
        "#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499"
    };

    static final Scene.Dash[] SERIES_DASHES = {Scene.Dash.SOLID, Scene.Dash.DASH_DOT, Scene.Dash.DOTTED};
    static final Scene.DotShape[] SERIES_MARKERS = {
        Scene.DotShape.CIRCLE,
        Scene.DotShape.SQUARE,
        Scene.DotShape.TRIANGLE_UP,
        Scene.DotShape.DIAMOND,
        Scene.DotShape.TRIANGLE_DOWN
    };

    /** The style of series {@code i} of many (colour, dash, marker). */
    record SeriesStyle(String color, Scene.Dash dash, Scene.DotShape marker) {
        static SeriesStyle of(int i) {
            // Dash and marker shift once the colours wrap, so that series 9 and 10 still differ from every
            // earlier one in two of the three (checked for the first 11 series in DecompositionReportTest).
            int wrap = i / SERIES.length;
            return new SeriesStyle(
                    SERIES[i % SERIES.length],
                    SERIES_DASHES[(i + wrap) % SERIES_DASHES.length],
                    SERIES_MARKERS[(i + 4 * wrap) % SERIES_MARKERS.length]);
        }
    }

    static final String MSE_LABEL = "mse (\u03a3 over dims, mean over tokens)";
    /** Histogram bin width of max_cos: 0.02 puts the default τ = 0.7 on a bin edge. */
    static final double COS_BIN = 0.02;
    /**
     * A scatter's y range is cut to the 0.5–99.5 % quantiles (plus margin) when the full range is more
     * than this many times wider: a handful of extreme Δmse would otherwise flatten every other latent
     * onto the zero line. The cut points stay visible as edge triangles and are counted in a note.
     */
    static final double OUTLIER_RANGE_FACTOR = 4;

    private Figures() {}

    /**
     * A figure and its text.
     *
     * @param figure what is drawn
     * @param intro  HTML paragraph content (already escaped) saying what it shows and how to read it
     * @param notes  plain-text notes shown under the figure (sampling, cut ranges); may be empty
     */
    record Chart(Figure figure, String intro, List<String> notes) {
        Chart {
            notes = List.copyOf(notes);
        }
    }

    // ---- per pair ----

    /** The source's key figure: max_cos against Δmse, one dot per latent of L, coloured by kind. */
    static Chart scatter(CompareRun run, String id, int maxPoints, long seed) {
        Latents l = run.latents();
        double tau = run.summary().threshold();
        int[] shown = Sampling.indices(l.size(), maxPoints, seed);
        List<String> notes = new ArrayList<>();
        if (shown.length < l.size()) {
            notes.add(
                    "Showing " + Fmt.count(shown.length) + " of " + Fmt.count(l.size()) + " latents: a uniform random "
                            + "sample (seed " + seed + "). The counts in the table use every latent.");
        }
        FigureLayout.DoubleList nx = new FigureLayout.DoubleList();
        FigureLayout.DoubleList ny = new FigureLayout.DoubleList();
        FigureLayout.DoubleList rx = new FigureLayout.DoubleList();
        FigureLayout.DoubleList ry = new FigureLayout.DoubleList();
        int undefined = 0;
        for (int i : shown) {
            if (!Double.isFinite(l.maxCos()[i]) || !Double.isFinite(l.deltaMse()[i])) {
                undefined++;
                continue;
            }
            (l.novel()[i] ? nx : rx).add(l.maxCos()[i]);
            (l.novel()[i] ? ny : ry).add(l.deltaMse()[i]);
        }
        if (undefined > 0) {
            notes.add(Fmt.count(undefined) + " latents have no defined max_cos or \u0394mse and are not drawn.");
        }
        Axis y = Axis.linear("\u0394mse when added alone to the smaller SAE");
        double[] cut = robustRange(l.deltaMse());
        if (cut != null) {
            y = y.domain(cut[0], cut[1]);
            long beyond = 0;
            for (double d : l.deltaMse()) {
                if (Double.isFinite(d) && (d < cut[0] || d > cut[1])) {
                    beyond++;
                }
            }
            notes.add("The \u0394mse axis is cut to [" + Fmt.num(cut[0]) + ", " + Fmt.num(cut[1]) + "] so the bulk is "
                    + "readable; " + Fmt.count(beyond)
                    + " latents lie beyond it and are drawn as triangles at the edge "
                    + "(their values are in the explorer and latents.csv).");
        }
        int n = nx.size() + rx.size();
        double r = n > 5000 ? 1.8 : n > 1000 ? 2.3 : 3;
        double op = n > 5000 ? 0.45 : n > 1000 ? 0.6 : 0.8;
        Points novel = new Points("novel (max_cos \u2264 \u03c4)", NOVEL, nx.toArray(), ny.toArray(), r, op);
        Points recon =
                new Points("reconstruction (max_cos > \u03c4)", RECONSTRUCTION, rx.toArray(), ry.toArray(), r, op);
        List<Layer> layers = new ArrayList<>();
        layers.add(new Rule(null, RULE, false, 0, null, false));
        // Legend: novel first whatever the draw order (an empty layer only adds the legend entry).
        layers.add(new Points(novel.name(), NOVEL, new double[0], new double[0], r, op));
        // The larger group first, so the smaller one stays visible on top.
        if (nx.size() >= rx.size()) {
            layers.add(novel);
            layers.add(recon);
        } else {
            layers.add(recon);
            layers.add(novel);
        }
        layers.add(new Rule(null, RULE, true, tau, "\u03c4 = " + Ticks.compact(tau), true));
        Plot p = new Plot("", Axis.linear("max_cos with the smaller SAE (decoder cosine)"), y, layers, null, "scatter");
        String intro = "Each dot is one latent of the larger SAE ("
                + Fmt.count(run.summary().large().numLatents())
                + " latents). <b>x</b>: its max_cos, the largest cosine between its decoder row and any decoder row of "
                + "the smaller SAE. <b>y</b>: \u0394mse, how the smaller SAE's mse changes when this latent alone is added "
                + "to it (below the zero line: the addition helps). Left of the dashed line (max_cos \u2264 \u03c4 = "
                + Ticks.compact(tau)
                + ") the latent is <i>novel</i>, right of it <i>reconstruction</i>. The source found "
                + "novel latents almost always below zero and reconstruction latents mostly above; the table counts "
                + "each quadrant beside the source's numbers.";
        return new Chart(Figure.single(id, run.label() + ": max_cos against \u0394mse", p, 620, 430), intro, notes);
    }

    /**
     * The [lo, hi] to cut a Δmse axis to when a few extreme values would flatten the rest, or null when
     * the full range is fine.
     */
    static double[] robustRange(double[] values) {
        double[] f = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (f.length < 50) {
            return null;
        }
        double qlo = f[(int) Math.floor(0.005 * (f.length - 1))];
        double qhi = f[(int) Math.ceil(0.995 * (f.length - 1))];
        double r = qhi - qlo;
        double full = f[f.length - 1] - f[0];
        if (!(r > 0) || full <= OUTLIER_RANGE_FACTOR * r) {
            return null;
        }
        return new double[] {Math.min(qlo - 0.15 * r, 0), Math.max(qhi + 0.15 * r, 0)};
    }

    /** Histogram of max_cos, stacked by kind. */
    static Chart histogram(CompareRun run, String id) {
        Latents l = run.latents();
        double tau = run.summary().threshold();
        double min = 0;
        double max = 1;
        for (double c : l.maxCos()) {
            if (Double.isFinite(c)) {
                min = Math.min(min, c);
                max = Math.max(max, c);
            }
        }
        int b0 = (int) Math.floor(min / COS_BIN + 1e-9);
        int b1 = (int) Math.ceil(max / COS_BIN - 1e-9);
        int bins = Math.max(1, b1 - b0);
        long[] novel = new long[bins];
        long[] recon = new long[bins];
        for (int i = 0; i < l.size(); i++) {
            double c = l.maxCos()[i];
            if (!Double.isFinite(c)) {
                continue;
            }
            int b = Math.min(bins - 1, Math.max(0, (int) Math.floor(c / COS_BIN + 1e-9) - b0));
            (l.novel()[i] ? novel : recon)[b]++;
        }
        double[] x0 = new double[bins];
        double[] x1 = new double[bins];
        double[] zero = new double[bins];
        double[] nTop = new double[bins];
        double[] rTop = new double[bins];
        for (int b = 0; b < bins; b++) {
            x0[b] = (b0 + b) * COS_BIN;
            x1[b] = (b0 + b + 1) * COS_BIN;
            nTop[b] = novel[b];
            rTop[b] = novel[b] + recon[b];
        }
        List<Layer> layers = List.of(
                new Rects("novel", NOVEL, x0, x1, zero, nTop, 0.85),
                new Rects("reconstruction", RECONSTRUCTION, x0, x1, nTop, rTop, 0.85),
                new Rule(null, RULE, true, tau, "\u03c4 = " + Ticks.compact(tau), true));
        Plot p = new Plot(
                "",
                Axis.linear("max_cos with the smaller SAE"),
                Axis.linear("latents per bin").withZero(),
                layers);
        String intro =
                "How many latents of the larger SAE have each max_cos (bins of " + COS_BIN + "), stacked by kind. "
                        + "Latents near 1 are (nearly) shared with the smaller SAE; the mass left of \u03c4 is what the larger SAE "
                        + "knows that the smaller one does not.";
        return new Chart(Figure.single(id, run.label() + ": distribution of max_cos", p, 620, 360), intro, List.of());
    }

    /**
     * Cumulative sum of the individual Δmse in order of increasing max_cos, with the joint effect of
     * adding all novel latents at once as a reference point.
     */
    static Chart cumulative(CompareRun run, String id) {
        Latents l = run.latents();
        double tau = run.summary().threshold();
        Integer[] order = new Integer[l.size()];
        int n = 0;
        for (int i = 0; i < l.size(); i++) {
            if (Double.isFinite(l.maxCos()[i]) && Double.isFinite(l.deltaMse()[i])) {
                order[n++] = i;
            }
        }
        Integer[] idx = Arrays.copyOf(order, n);
        Arrays.sort(idx, (a, b) -> Double.compare(l.maxCos()[a], l.maxCos()[b]));
        double[] x = new double[n + 1];
        double[] cum = new double[n + 1];
        boolean[] novel = new boolean[n + 1];
        double sumNovel = 0;
        double sumRecon = 0;
        x[0] = n == 0 ? 0 : l.maxCos()[idx[0]];
        for (int k = 0; k < n; k++) {
            int i = idx[k];
            x[k + 1] = l.maxCos()[i];
            cum[k + 1] = cum[k] + l.deltaMse()[i];
            novel[k + 1] = l.novel()[i];
            if (l.novel()[i]) {
                sumNovel += l.deltaMse()[i];
            } else {
                sumRecon += l.deltaMse()[i];
            }
        }
        novel[0] = n > 0 && novel[1];
        // Segment k (point k−1 → k) is the step that adds latent k: colour it by that latent's kind.
        double[] yn = new double[n + 1];
        double[] yr = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            boolean nextNovel = k < n && novel[k + 1];
            boolean nextRecon = k < n && !novel[k + 1];
            yn[k] = (k > 0 && novel[k]) || nextNovel ? cum[k] : Double.NaN;
            yr[k] = (k > 0 && !novel[k]) || nextRecon ? cum[k] : Double.NaN;
        }
        List<Layer> layers = new ArrayList<>();
        layers.add(new Rule(null, RULE, false, 0, null, false));
        layers.add(new Line("novel latents (\u03a3 of individual \u0394mse)", NOVEL, x, yn, 2, false));
        layers.add(
                new Line("reconstruction latents (\u03a3 of individual \u0394mse)", RECONSTRUCTION, x, yr, 2, false));
        layers.add(new Rule(null, RULE, true, tau, "\u03c4 = " + Ticks.compact(tau), true));
        double mseS = run.summary().small().mse();
        CompareRun.Landmark joint = run.summary().novelAdded();
        double jointDelta = joint.mse() - mseS;
        if (Double.isFinite(jointDelta)) {
            layers.add(new Markers(
                    "joint: all novel latents added together",
                    REFERENCE,
                    new double[] {tau},
                    new double[] {jointDelta},
                    null,
                    true));
        }
        Plot p = new Plot(
                "",
                Axis.linear("max_cos (latents taken in increasing order)"),
                Axis.linear("cumulative \u03a3 of individual \u0394mse"),
                layers);
        StringBuilder intro = new StringBuilder();
        intro.append(
                "The running <b>sum of the individual \u0394mse</b> of the larger SAE's latents, taken in order of "
                        + "increasing max_cos. It is not the effect of adding those latents together: each \u0394mse was measured "
                        + "with that latent alone, and latents overlap. The joint path is the interpolation curve; the open "
                        + "circle at \u03c4 is the measured joint change after adding all novel latents at once. ");
        intro.append("Sum over novel latents: ").append(Fmt.num(sumNovel));
        if (mseS > 0) {
            intro.append(" (")
                    .append(Fmt.pct(sumNovel / mseS, true))
                    .append(" of the smaller SAE's mse ")
                    .append(Fmt.num(mseS))
                    .append(")");
        }
        intro.append("; over reconstruction latents: ").append(Fmt.num(sumRecon));
        if (mseS > 0) {
            intro.append(" (").append(Fmt.pct(sumRecon / mseS, true)).append(")");
        }
        intro.append('.');
        if (Double.isFinite(jointDelta)) {
            intro.append(" Joint change with all novel latents: ").append(Fmt.num(jointDelta));
            if (mseS > 0) {
                intro.append(" (").append(Fmt.pct(jointDelta / mseS, true)).append(")");
            }
            intro.append('.');
        }
        return new Chart(
                Figure.single(id, run.label() + ": cumulative individual \u0394mse", p, 620, 380),
                intro.toString(),
                List.of());
    }

    /** How the contingency table changes with τ (summary.json's threshold_sweep), or null without a sweep. */
    static Chart sweep(CompareRun run, String id) {
        List<CompareRun.SweepRow> rows = run.summary().sweep();
        if (rows.size() < 2) {
            return null;
        }
        int n = rows.size();
        double[] t = new double[n];
        double[] novelOk = new double[n];
        double[] reconOk = new double[n];
        double[] agree = new double[n];
        for (int i = 0; i < n; i++) {
            CompareRun.SweepRow r = rows.get(i);
            t[i] = r.threshold();
            novelOk[i] = ratio(r.novelImproves(), r.novelImproves() + r.novelWorsens());
            reconOk[i] = ratio(r.reconstructionWorsens(), r.reconstructionImproves() + r.reconstructionWorsens());
            agree[i] = r.agreement();
        }
        List<Layer> layers = List.of(
                new Line("novel latents that improve mse (fraction of novel)", NOVEL, t, novelOk, 2, false),
                new Line(
                        "reconstruction latents that worsen mse (fraction of reconstruction)",
                        RECONSTRUCTION,
                        t,
                        reconOk,
                        2,
                        false),
                new Line("agreement (both, over all latents)", REFERENCE, t, agree, 2, true),
                new Rule(null, RULE, true, run.summary().threshold(), "\u03c4 used", true));
        Plot p = new Plot(
                "",
                Axis.linear("threshold \u03c4 on max_cos"),
                Axis.linear("fraction").domain(0, 1),
                layers);
        String intro =
                "The source chose \u03c4 = 0.7 as roughly where latents switch from lowering to raising mse. Here "
                        + "the split is redone at other thresholds with the same individual \u0394mse: how often the kind predicts "
                        + "the sign of \u0394mse. A good \u03c4 keeps both coloured lines high.";
        return new Chart(
                Figure.single(id, run.label() + ": classification against the threshold", p, 620, 360),
                intro,
                List.of());
    }

    private static double ratio(long a, long b) {
        return b <= 0 || a < 0 ? Double.NaN : (double) a / b;
    }

    // ---- across pairs ----

    /** mse against num_latents and against l0 along every pair's interpolation path. */
    static Chart interpolation(List<CompareRun> runs, String id) {
        List<Layer> byWidth = new ArrayList<>();
        List<Layer> byL0 = new ArrayList<>();
        double minW = Double.POSITIVE_INFINITY;
        double maxW = 0;
        // (width, l0, mse) per original SAE; a chain of pairs shares its middle SAEs, drawn once. Keyed by
        // width and mse, so equal widths from different families still both show.
        Map<String, double[]> originals = new LinkedHashMap<>();
        FigureLayout.DoubleList lw = new FigureLayout.DoubleList();
        FigureLayout.DoubleList ll0 = new FigureLayout.DoubleList();
        FigureLayout.DoubleList lm = new FigureLayout.DoubleList();
        for (int k = 0; k < runs.size(); k++) {
            CompareRun run = runs.get(k);
            String color = PALETTE[k % PALETTE.length];
            List<CompareRun.Step> steps = run.interpolation();
            double[] w = new double[steps.size()];
            double[] l0 = new double[steps.size()];
            double[] mse = new double[steps.size()];
            for (int i = 0; i < steps.size(); i++) {
                w[i] = steps.get(i).numLatents();
                l0[i] = steps.get(i).l0();
                mse[i] = steps.get(i).mse();
                minW = Math.min(minW, w[i]);
                maxW = Math.max(maxW, w[i]);
            }
            byWidth.add(new Line(run.label(), color, w, mse, 1.8, false));
            byL0.add(new Line(run.label(), color, l0, mse, 1.8, false));
            for (CompareRun.ModelStats m :
                    List.of(run.summary().small(), run.summary().large())) {
                if (Double.isFinite(m.mse())) {
                    originals.putIfAbsent(
                            m.numLatents() + "|" + m.mse(), new double[] {m.numLatents(), m.l0(), m.mse()});
                    minW = Math.min(minW, m.numLatents());
                    maxW = Math.max(maxW, m.numLatents());
                }
            }
            CompareRun.Landmark na = run.summary().novelAdded();
            if (Double.isFinite(na.mse()) && na.numLatents() > 0) {
                lw.add(na.numLatents());
                ll0.add(na.l0());
                lm.add(na.mse());
            }
        }
        double[] ow = new double[originals.size()];
        double[] ol0 = new double[originals.size()];
        double[] om = new double[originals.size()];
        String[] labels = new String[originals.size()];
        int i = 0;
        for (double[] v : originals.values()) {
            labels[i] = Integer.toString((int) v[0]);
            ow[i] = v[0];
            ol0[i] = v[1];
            om[i] = v[2];
            i++;
        }
        if (lw.size() > 0) {
            byWidth.add(new Markers("all novel latents added", REFERENCE, lw.toArray(), lm.toArray(), null, true));
            byL0.add(new Markers("all novel latents added", REFERENCE, ll0.toArray(), lm.toArray(), null, true));
        }
        byWidth.add(new Markers("original SAEs (width)", REFERENCE, ow, om, labels, false));
        byL0.add(new Markers("original SAEs (width)", REFERENCE, ol0, om, labels, false));
        // A chain of widths (768 → … → 98304) is unreadable on a linear axis.
        Axis wx = maxW / minW >= 8 ? Axis.log("number of latents") : Axis.linear("number of latents");
        List<Plot> panels = List.of(
                new Plot("mse against size", wx, Axis.linear(MSE_LABEL), byWidth),
                new Plot(
                        "mse against sparsity",
                        Axis.linear("l0 (active latents per token)"),
                        Axis.linear(MSE_LABEL),
                        byL0));
        String intro = "The joint path from the smaller SAE towards the larger one: start at the smaller SAE, add the "
                + "novel latents one at a time (ascending max_cos), then swap the swap groups (descending cosine; a swap "
                + "replaces parents with their children). Every step is a point. Left: mse against the number of "
                + "latents; right: mse against l0. The labelled black points are the original SAEs (their width), the "
                + "open circles where all novel latents have been added. A path below the line between the originals "
                + "is a stitched SAE that beats simple interpolation.";
        return new Chart(new Figure(id, "Interpolation between SAE sizes", panels, 2, 520, 400), intro, List.of());
    }

    // ---- family and training ----

    /** Held-out mse, fvu, l0 and dead fraction against width. */
    static Chart family(FamilyRun f, String id) {
        int n = f.members().size();
        double[] w = new double[n];
        double[] mse = new double[n];
        double[] fvu = new double[n];
        double[] l0 = new double[n];
        double[] dead = new double[n];
        List<Ticks.Tick> ticks = new ArrayList<>();
        double minW = Double.POSITIVE_INFINITY;
        double maxW = 0;
        for (int i = 0; i < n; i++) {
            FamilyRun.Member m = f.members().get(i);
            w[i] = m.width();
            mse[i] = m.mse();
            fvu[i] = m.fvu();
            l0[i] = m.l0();
            dead[i] = m.deadFraction();
            ticks.add(new Ticks.Tick(m.width(), Integer.toString(m.width())));
            minW = Math.min(minW, m.width());
            maxW = Math.max(maxW, m.width());
        }
        Axis x = (maxW / minW >= 4 ? Axis.log("width (latents)") : Axis.linear("width (latents)")).withTicks(ticks);
        String c = PALETTE[0];
        List<Plot> panels = List.of(
                new Plot("mse", x, Axis.linear(MSE_LABEL), lineWithDots(c, w, mse)),
                new Plot("fvu", x, Axis.linear("fraction of variance unexplained"), lineWithDots(c, w, fvu)),
                new Plot("l0", x, Axis.linear("active latents per token"), lineWithDots(c, w, l0)),
                new Plot("dead latents", x, Axis.linear("fraction never active").withZero(), lineWithDots(c, w, dead)));
        String intro = "The family's SAEs differ only in width (same activations, options and seed). Each panel is a "
                + "held-out metric of the final SAE against width: reconstruction error (mse, fvu), sparsity (l0) and "
                + "the fraction of latents that never fire on the held-out tokens.";
        return new Chart(new Figure(id, "Family summary", panels, 2, 440, 320), intro, List.of());
    }

    private static List<Layer> lineWithDots(String color, double[] x, double[] y) {
        return List.of(new Line(null, color, x, y, 1.8, false), new Markers(null, color, x, y, null, false));
    }

    /** Training mse, l0 and dead latents against training tokens, one colour per run. */
    static Chart training(List<TrainingCurve> curves, String id) {
        double maxTokens = 0;
        boolean positive = true;
        for (TrainingCurve c : curves) {
            for (int i = 0; i < c.size(); i++) {
                if (Double.isFinite(c.tokens()[i])) {
                    maxTokens = Math.max(maxTokens, c.tokens()[i]);
                }
                if (Double.isFinite(c.mse()[i]) && c.mse()[i] <= 0) {
                    positive = false;
                }
            }
        }
        double unit = maxTokens >= 1e6 ? 1e6 : maxTokens >= 1e3 ? 1e3 : 1;
        String tokensLabel = "training tokens" + (unit == 1e6 ? " (millions)" : unit == 1e3 ? " (thousands)" : "");
        List<Layer> mse = new ArrayList<>();
        List<Layer> l0 = new ArrayList<>();
        List<Layer> dead = new ArrayList<>();
        for (int k = 0; k < curves.size(); k++) {
            TrainingCurve c = curves.get(k);
            String color = PALETTE[k % PALETTE.length];
            double[] t = new double[c.size()];
            for (int i = 0; i < c.size(); i++) {
                t[i] = c.tokens()[i] / unit;
            }
            mse.add(new Line(c.label(), color, t, c.mse(), 1.5, false));
            mse.add(new Markers(null, color, t, c.evalMse(), null, true));
            l0.add(new Line(c.label(), color, t, c.l0(), 1.5, false));
            dead.add(new Line(c.label(), color, t, c.dead(), 1.5, false));
        }
        Axis x = Axis.linear(tokensLabel);
        List<Plot> panels = List.of(
                new Plot(
                        "mse (training batches; open circles: held-out)",
                        x,
                        positive ? Axis.log(MSE_LABEL) : Axis.linear(MSE_LABEL),
                        mse),
                new Plot(
                        "l0 (training batches)",
                        x,
                        Axis.linear("active latents per token").withZero(),
                        l0),
                new Plot(
                        "dead latents",
                        x,
                        Axis.linear("latents not fired recently").withZero(),
                        dead));
        String intro =
                "Training curves from the training logs: the training-batch mse (log scale; held-out evaluations "
                        + "as open circles), the l0 of the training batches and the number of latents that did not fire within "
                        + "the dead window, each against training tokens.";
        return new Chart(new Figure(id, "Training curves", panels, 3, 400, 320), intro, List.of());
    }

    // ---- Frankenstein and toy comparison ----

    /**
     * Stitched (Frankenstein, greedy, refit) SAEs against the originals: mse against the number of latents and against
     * l0.
     */
    static Chart frankenstein(FrankensteinTable t, String id) {
        List<Layer> byWidth = new ArrayList<>();
        List<Layer> byL0 = new ArrayList<>();
        double minW = Double.POSITIVE_INFINITY;
        double maxW = 0;
        int k = 0;
        for (String s : t.series()) {
            List<FrankensteinTable.Row> rows =
                    t.rows().stream().filter(r -> r.series().equals(s)).toList();
            boolean original = s.equals(FrankensteinTable.ORIGINAL);
            SeriesStyle style = original
                    ? new SeriesStyle(REFERENCE, Scene.Dash.DASHED, Scene.DotShape.CIRCLE)
                    : SeriesStyle.of(k++);
            String color = style.color();
            String name = original ? "original SAEs" : s;
            // Each panel's line runs in order of its x, whatever the file order.
            List<FrankensteinTable.Row> w = rows.stream()
                    .sorted(java.util.Comparator.comparingInt(FrankensteinTable.Row::numLatents))
                    .toList();
            double[] wx =
                    w.stream().mapToDouble(FrankensteinTable.Row::numLatents).toArray();
            double[] wy = w.stream().mapToDouble(FrankensteinTable.Row::mse).toArray();
            List<FrankensteinTable.Row> z = rows.stream()
                    .filter(r -> Double.isFinite(r.l0()))
                    .sorted(java.util.Comparator.comparingDouble(FrankensteinTable.Row::l0))
                    .toList();
            double[] zx = z.stream().mapToDouble(FrankensteinTable.Row::l0).toArray();
            double[] zy = z.stream().mapToDouble(FrankensteinTable.Row::mse).toArray();
            for (double v : wx) {
                minW = Math.min(minW, v);
                maxW = Math.max(maxW, v);
            }
            byWidth.add(new Line(name, color, wx, wy, 1.8, style.dash()));
            byWidth.add(new Markers(name, color, wx, wy, null, !original, style.marker()));
            byL0.add(new Line(name, color, zx, zy, 1.8, style.dash()));
            byL0.add(new Markers(name, color, zx, zy, null, !original, style.marker()));
        }
        Axis x = maxW / minW >= 8 ? Axis.log("number of latents") : Axis.linear("number of latents");
        List<Plot> panels = List.of(
                new Plot("mse against the number of latents", x, Axis.linear(MSE_LABEL), byWidth),
                new Plot("mse against l0", Axis.linear("l0 (active latents per token)"), Axis.linear(MSE_LABEL), byL0));
        String intro =
                "Stitched SAEs built from the family against the original SAEs (dashed, black, filled dots; every stitched series has its own colour, line pattern and hollow marker), on the same "
                        + "held-out tokens: lower is better in both panels. A <i>cosine</i> series starts from the smallest SAE "
                        + "and adds, from each wider SAE in turn, every latent whose max_cos against the latents chosen so far "
                        + "is below \u03c4 (the source's Frankenstein); a <i>greedy</i> series adds the candidate with the most "
                        + "negative \u0394mse given the latents chosen so far; <i>+ refit</i> re-solves the decoder with the "
                        + "encoders fixed. The left panel compares at equal width, the source's claim; the right one at equal "
                        + "l0, since a stitched SAE that keeps every novel latent also fires more latents per token. The table "
                        + "below has every point.";
        return new Chart(new Figure(id, "Stitched SAEs against the originals", panels, 2, 480, 360), intro, List.of());
    }

    /** Absorption and mean max cosine per arm of the toy comparison, as horizontal bars. */
    static Chart toy(ToyTable t, String id) {
        int n = t.rows().size();
        List<Ticks.Tick> ticks = new ArrayList<>();
        double[] y0 = new double[n];
        double[] y1 = new double[n];
        double[] zero = new double[n];
        double[] abs = new double[n];
        double[] mmc = new double[n];
        for (int i = 0; i < n; i++) {
            ToyTable.Row r = t.rows().get(i);
            double y = n - 1 - i; // first arm on top
            ticks.add(new Ticks.Tick(y, r.arm()));
            y0[i] = y - 0.35;
            y1[i] = y + 0.35;
            abs[i] = r.absorption();
            mmc[i] = r.meanMaxCos();
        }
        Axis y = new Axis("", false, -0.6, n - 0.4, false, ticks);
        List<Plot> panels = List.of(
                new Plot(
                        "absorption (lower is better)",
                        Axis.linear("mean over parent features").domain(0, 1),
                        y,
                        List.of(new Rects(null, PALETTE[1], zero, abs, y0, y1, 0.85))),
                new Plot(
                        "recovery of the true features",
                        Axis.linear("mean max cosine (higher is better)").domain(0, 1),
                        y,
                        List.of(new Rects(null, PALETTE[0], zero, mmc, y0, y1, 0.85))));
        String intro =
                "SAEs trained on Nabeshima's toy model, whose true features form a tree of parents and children, "
                        + "so absorption can be measured exactly. <b>Absorption</b> of a parent: over tokens where one of its "
                        + "children is present, the fraction on which the parent's latent stays silent (0: none). <b>Mean max "
                        + "cosine</b>: how closely the decoder rows match the true feature directions. Nabeshima reports that "
                        + "the Matryoshka loss removes most absorption.";
        return new Chart(
                new Figure(id, "Toy model: feature absorption", panels, 2, 470, Math.max(200, 90 + 42 * n)),
                intro,
                List.of());
    }
}
