package io.github.saestitch.report;

import io.github.saestitch.report.Plot.Axis;
import io.github.saestitch.report.Plot.Layer;
import io.github.saestitch.report.Plot.Line;
import io.github.saestitch.report.Plot.Markers;
import io.github.saestitch.report.Plot.Points;
import io.github.saestitch.report.Plot.Rects;
import io.github.saestitch.report.Plot.Rule;
import io.github.saestitch.report.Scene.Anchor;
import io.github.saestitch.report.Scene.DotShape;
import io.github.saestitch.report.Scene.Dots;
import io.github.saestitch.report.Scene.Group;
import io.github.saestitch.report.Scene.Poly;
import io.github.saestitch.report.Scene.Rect;
import io.github.saestitch.report.Scene.Shape;
import io.github.saestitch.report.Scene.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays a {@link Figure} out in pixels: fits each axis's domain to the data, picks ticks, sizes the
 * margins from the tick labels, maps every layer through the scales and places one legend under the
 * panels. The result is a {@link Scene} that the SVG and PNG writers draw as is.
 */
final class FigureLayout {
    static final double TICK_FONT = 11;
    static final double LABEL_FONT = 12;
    static final double TITLE_FONT = 13;
    static final double LEGEND_FONT = 12;
    static final String INK = "#222222";
    static final String MUTED = "#666666";
    static final String GRID = "#e8e8e8";
    static final String FRAME = "#999999";
    /** Fraction of the data range added on each fitted side so that edge points are not cut by the frame. */
    static final double PAD = 0.04;

    private FigureLayout() {}

    /** Average advance of a character, as a fraction of the font size (DejaVu Sans / Helvetica digits ≈ 0.55–0.6). */
    static double textWidth(String s, double size) {
        return s.length() * size * 0.6;
    }

    /** Lays out {@code f}. */
    static Scene layout(Figure f) {
        List<Shape> shapes = new ArrayList<>();
        int rows = (f.panels().size() + f.columns() - 1) / f.columns();
        int cols = Math.min(f.columns(), f.panels().size());
        double width = cols * f.panelWidth();
        List<LegendItem> legend = legendItems(f.panels());
        List<List<LegendItem>> legendRows = wrapLegend(legend, width - 20);
        double legendH = legendRows.isEmpty() ? 0 : legendRows.size() * 18 + 10;
        double height = rows * f.panelHeight() + legendH;
        shapes.add(new Rect(0, 0, width, height, "#ffffff", null, 0, 1));
        for (int i = 0; i < f.panels().size(); i++) {
            double ox = (i % f.columns()) * f.panelWidth();
            double oy = (i / f.columns()) * f.panelHeight();
            panel(f.panels().get(i), ox, oy, f.panelWidth(), f.panelHeight(), shapes);
        }
        double ly = rows * f.panelHeight() + 14;
        for (List<LegendItem> row : legendRows) {
            double rowW = rowWidth(row);
            double lx = Math.max(10, (width - rowW) / 2);
            for (LegendItem it : row) {
                swatch(it, lx, ly - 4, shapes);
                shapes.add(new Text(lx + 20, ly, it.name, LEGEND_FONT, Anchor.START, 0, INK, false));
                lx += itemWidth(it);
            }
            ly += 18;
        }
        return new Scene(f.id(), f.title(), width, height, shapes);
    }

    // ---- one panel ----

    private static void panel(Plot p, double ox, double oy, double w, double h, List<Shape> out) {
        double top = oy + (p.title().isEmpty() ? 12 : 28);
        double bottom = oy + h - (p.x().label().isEmpty() ? 28 : 46);
        double[] xd = domain(p, true);
        double[] yd = domain(p, false);
        List<Ticks.Tick> yt = ticks(p.y(), yd, Math.max(3, (int) ((bottom - top) / 55)));
        double maxLabel = 0;
        for (Ticks.Tick t : yt) {
            maxLabel = Math.max(maxLabel, textWidth(t.label(), TICK_FONT));
        }
        double left = ox + maxLabel + 12 + (p.y().label().isEmpty() ? 6 : 22);
        double right = ox + w - 16;
        Scale xs = new Scale(xd[0], xd[1], left, right, p.x().log());
        Scale ys = new Scale(yd[0], yd[1], bottom, top, p.y().log());
        List<Ticks.Tick> xt = xTicks(p.x(), xd, right - left);

        if (!p.title().isEmpty()) {
            out.add(new Text(ox + w / 2, oy + 17, p.title(), TITLE_FONT, Anchor.MIDDLE, 0, INK, true));
        }
        for (Ticks.Tick t : xt) {
            double px = xs.map(t.value());
            out.add(new Poly(new double[] {px, px}, new double[] {top, bottom}, GRID, 1, false));
        }
        for (Ticks.Tick t : yt) {
            double py = ys.map(t.value());
            out.add(new Poly(new double[] {left, right}, new double[] {py, py}, GRID, 1, false));
        }

        List<Shape> inner = new ArrayList<>();
        List<Shape> overlay = new ArrayList<>();
        boolean any = false;
        for (Layer layer : p.layers()) {
            any |= draw(layer, xs, ys, inner, overlay);
        }
        Rect area = new Rect(left, top, right - left, bottom - top, null, null, 0, 1);
        out.add(new Group(area, xs, ys, p.role(), inner));
        out.add(new Rect(left, top, right - left, bottom - top, null, FRAME, 1, 1));
        out.addAll(overlay);
        if (!any) {
            out.add(new Text(
                    (left + right) / 2, (top + bottom) / 2, p.emptyNote(), LABEL_FONT, Anchor.MIDDLE, 0, MUTED, false));
        }

        for (Ticks.Tick t : xt) {
            double px = xs.map(t.value());
            out.add(new Poly(new double[] {px, px}, new double[] {bottom, bottom + 4}, FRAME, 1, false));
            out.add(new Text(px, bottom + 16, t.label(), TICK_FONT, Anchor.MIDDLE, 0, INK, false));
        }
        for (Ticks.Tick t : yt) {
            double py = ys.map(t.value());
            out.add(new Poly(new double[] {left - 4, left}, new double[] {py, py}, FRAME, 1, false));
            out.add(new Text(left - 7, py + 4, t.label(), TICK_FONT, Anchor.END, 0, INK, false));
        }
        if (!p.x().label().isEmpty()) {
            out.add(new Text((left + right) / 2, bottom + 36, p.x().label(), LABEL_FONT, Anchor.MIDDLE, 0, INK, false));
        }
        if (!p.y().label().isEmpty()) {
            out.add(new Text(ox + 15, (top + bottom) / 2, p.y().label(), LABEL_FONT, Anchor.MIDDLE, -90, INK, false));
        }
    }

    /** Draws one layer; returns whether it had at least one finite data point (rules do not count). */
    private static boolean draw(Layer layer, Scale xs, Scale ys, List<Shape> inner, List<Shape> overlay) {
        return switch (layer) {
            case Points pts -> drawPoints(pts, xs, ys, inner);
            case Line line -> drawLine(line, xs, ys, inner);
            case Rects r -> drawRects(r, xs, ys, inner);
            case Rule r -> {
                drawRule(r, xs, ys, inner, overlay);
                yield false;
            }
            case Markers m -> drawMarkers(m, xs, ys, inner, overlay);
        };
    }

    private static boolean drawPoints(Points p, Scale xs, Scale ys, List<Shape> inner) {
        DoubleList cx = new DoubleList();
        DoubleList cy = new DoubleList();
        Map<DotShape, DoubleList[]> clamped = new LinkedHashMap<>();
        boolean any = false;
        for (int i = 0; i < p.x().length; i++) {
            double x = p.x()[i];
            double y = p.y()[i];
            if (!drawable(x, xs) || !drawable(y, ys)) {
                continue;
            }
            any = true;
            boolean inX = xs.contains(x);
            boolean inY = ys.contains(y);
            if (inX && inY) {
                cx.add(xs.map(x));
                cy.add(ys.map(y));
            } else {
                // Outside a fixed domain: pin to the edge and point the triangle the way the value lies.
                DotShape s = !inY
                        ? (y > ys.hi() ? DotShape.TRIANGLE_UP : DotShape.TRIANGLE_DOWN)
                        : (x > xs.hi() ? DotShape.TRIANGLE_RIGHT : DotShape.TRIANGLE_LEFT);
                DoubleList[] xy =
                        clamped.computeIfAbsent(s, k -> new DoubleList[] {new DoubleList(), new DoubleList()});
                double px = xs.map(xs.clamp(x));
                double py = ys.map(ys.clamp(y));
                // Keep the marker inside the clip rectangle.
                xy[0].add(Math.max(xs.p0() + 3, Math.min(xs.p1() - 3, px)));
                xy[1].add(Math.max(ys.p1() + 3, Math.min(ys.p0() - 3, py)));
            }
        }
        inner.add(new Dots(cx.toArray(), cy.toArray(), p.radius(), DotShape.CIRCLE, p.color(), null, p.opacity()));
        for (Map.Entry<DotShape, DoubleList[]> e : clamped.entrySet()) {
            inner.add(new Dots(
                    e.getValue()[0].toArray(),
                    e.getValue()[1].toArray(),
                    p.radius() + 1.5,
                    e.getKey(),
                    p.color(),
                    null,
                    1));
        }
        return any;
    }

    private static boolean drawLine(Line l, Scale xs, Scale ys, List<Shape> inner) {
        DoubleList px = new DoubleList();
        DoubleList py = new DoubleList();
        boolean any = false;
        for (int i = 0; i <= l.x().length; i++) {
            boolean ok = i < l.x().length && drawable(l.x()[i], xs) && drawable(l.y()[i], ys);
            if (ok) {
                px.add(xs.map(l.x()[i]));
                py.add(ys.map(l.y()[i]));
                any = true;
            } else if (px.size() > 0) {
                if (px.size() == 1) {
                    // A lone point between gaps would be invisible as a line: show it as a dot.
                    inner.add(new Dots(
                            px.toArray(), py.toArray(), Math.max(1.5, l.width()), DotShape.CIRCLE, l.color(), null, 1));
                } else {
                    inner.add(new Poly(px.toArray(), py.toArray(), l.color(), l.width(), l.dash()));
                }
                px = new DoubleList();
                py = new DoubleList();
            }
        }
        return any;
    }

    private static boolean drawRects(Rects r, Scale xs, Scale ys, List<Shape> inner) {
        boolean any = false;
        for (int i = 0; i < r.x0().length; i++) {
            double a = xs.map(r.x0()[i]);
            double b = xs.map(r.x1()[i]);
            double c = ys.map(r.y0()[i]);
            double d = ys.map(r.y1()[i]);
            if (!(Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(c) && Double.isFinite(d))) {
                continue;
            }
            any = true;
            inner.add(new Rect(
                    Math.min(a, b), Math.min(c, d), Math.abs(b - a), Math.abs(d - c), r.color(), null, 0, r.opacity()));
        }
        return any;
    }

    private static void drawRule(Rule r, Scale xs, Scale ys, List<Shape> inner, List<Shape> overlay) {
        Scale s = r.vertical() ? xs : ys;
        if (!drawable(r.value(), s) || !s.contains(r.value())) {
            return;
        }
        double v = s.map(r.value());
        if (r.vertical()) {
            inner.add(new Poly(new double[] {v, v}, new double[] {ys.p0(), ys.p1()}, r.color(), 1.2, r.dashed()));
            if (r.label() != null && !r.label().isEmpty()) {
                boolean flip = v + 6 + textWidth(r.label(), TICK_FONT) > xs.p1();
                overlay.add(new Text(
                        flip ? v - 5 : v + 5,
                        ys.p1() + 13,
                        r.label(),
                        TICK_FONT,
                        flip ? Anchor.END : Anchor.START,
                        0,
                        r.color(),
                        false));
            }
        } else {
            inner.add(new Poly(new double[] {xs.p0(), xs.p1()}, new double[] {v, v}, r.color(), 1.2, r.dashed()));
            if (r.label() != null && !r.label().isEmpty()) {
                overlay.add(new Text(xs.p1() - 5, v - 5, r.label(), TICK_FONT, Anchor.END, 0, r.color(), false));
            }
        }
    }

    private static boolean drawMarkers(Markers m, Scale xs, Scale ys, List<Shape> inner, List<Shape> overlay) {
        DoubleList px = new DoubleList();
        DoubleList py = new DoubleList();
        for (int i = 0; i < m.x().length; i++) {
            double x = m.x()[i];
            double y = m.y()[i];
            if (!drawable(x, xs) || !drawable(y, ys) || !xs.contains(x) || !ys.contains(y)) {
                continue;
            }
            px.add(xs.map(x));
            py.add(ys.map(y));
            if (m.labels() != null && m.labels()[i] != null && !m.labels()[i].isEmpty()) {
                double tx = xs.map(x);
                boolean flip = tx + 8 + textWidth(m.labels()[i], TICK_FONT) > xs.p1();
                overlay.add(new Text(
                        flip ? tx - 7 : tx + 7,
                        ys.map(y) - 7,
                        m.labels()[i],
                        TICK_FONT,
                        flip ? Anchor.END : Anchor.START,
                        0,
                        m.color(),
                        true));
            }
        }
        inner.add(new Dots(
                px.toArray(),
                py.toArray(),
                4.5,
                m.shape(),
                m.hollow() ? "#ffffff" : m.color(),
                m.hollow() ? m.color() : "#ffffff",
                1));
        return px.size() > 0;
    }

    private static boolean drawable(double v, Scale s) {
        return Double.isFinite(v) && (!s.log() || v > 0);
    }

    // ---- domains and ticks ----

    /** The [lo, hi] of one axis of a plot: fixed ends where given, else fitted to the data and padded. */
    static double[] domain(Plot p, boolean xAxis) {
        Axis a = xAxis ? p.x() : p.y();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Layer layer : p.layers()) {
            double[][] vals = switch (layer) {
                case Points pts -> new double[][] {xAxis ? pts.x() : pts.y()};
                case Line l -> new double[][] {xAxis ? l.x() : l.y()};
                case Markers m -> new double[][] {xAxis ? m.x() : m.y()};
                case Rects r -> xAxis ? new double[][] {r.x0(), r.x1()} : new double[][] {r.y0(), r.y1()};
                case Rule r -> r.vertical() == xAxis ? new double[][] {{r.value()}} : new double[0][];
            };
            for (double[] vs : vals) {
                for (double v : vs) {
                    if (Double.isFinite(v) && (!a.log() || v > 0)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (a.ticks() != null) {
            for (Ticks.Tick t : a.ticks()) {
                lo = Math.min(lo, t.value());
                hi = Math.max(hi, t.value());
            }
        }
        boolean fixedLo = Double.isFinite(a.min());
        boolean fixedHi = Double.isFinite(a.max());
        if (lo > hi) { // no data
            lo = a.log() ? 1 : 0;
            hi = a.log() ? 10 : 1;
        }
        if (a.includeZero() && !a.log()) {
            lo = Math.min(lo, 0);
            hi = Math.max(hi, 0);
        }
        if (fixedLo) {
            lo = a.min();
        }
        if (fixedHi) {
            hi = a.max();
        }
        if (!(hi > lo)) {
            // A single value: widen around it so it sits in the middle; all zeros on an axis that
            // includes zero (no dead latents, say) sit at the bottom of [0, 1], never around a negative half.
            if (a.includeZero() && lo == 0 && !a.log()) {
                return new double[] {0, 1};
            }
            if (a.log()) {
                lo = lo / 2;
                hi = hi * 2;
            } else {
                double d = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                lo -= d;
                hi += d;
            }
            return new double[] {lo, hi};
        }
        if (a.log()) {
            double f = Math.pow(hi / lo, PAD);
            return new double[] {fixedLo ? lo : lo / f, fixedHi ? hi : hi * f};
        }
        double pad = (hi - lo) * PAD;
        // A histogram's bars start at 0: no padding below a zero that the data rest on.
        boolean zeroBase = a.includeZero() && lo == 0;
        return new double[] {fixedLo || zeroBase ? lo : lo - pad, fixedHi ? hi : hi + pad};
    }

    private static List<Ticks.Tick> ticks(Axis a, double[] d, int target) {
        if (a.ticks() != null) {
            List<Ticks.Tick> in = new ArrayList<>();
            for (Ticks.Tick t : a.ticks()) {
                if (t.value() >= d[0] && t.value() <= d[1]) {
                    in.add(t);
                }
            }
            return in;
        }
        return a.log() ? Ticks.log10(d[0], d[1]) : Ticks.linear(d[0], d[1], target);
    }

    /** x ticks: as many as fit without the labels touching. */
    private static List<Ticks.Tick> xTicks(Axis a, double[] d, double plotWidth) {
        if (a.ticks() != null || a.log()) {
            List<Ticks.Tick> t = ticks(a, d, 0);
            return thin(t, plotWidth, widest(t));
        }
        for (int target = Math.max(2, (int) (plotWidth / 80)); ; target--) {
            List<Ticks.Tick> t = ticks(a, d, target);
            if (target <= 2 || t.size() * (widest(t) + 10) <= plotWidth) {
                return t;
            }
        }
    }

    private static double widest(List<Ticks.Tick> ticks) {
        double w = 0;
        for (Ticks.Tick k : ticks) {
            w = Math.max(w, textWidth(k.label(), TICK_FONT));
        }
        return w;
    }

    /** Keeps every n-th of fixed/log ticks when they would overlap. */
    private static List<Ticks.Tick> thin(List<Ticks.Tick> t, double plotWidth, double widest) {
        int keep = Math.max(1, (int) (plotWidth / (widest + 10)));
        if (t.size() <= keep) {
            return t;
        }
        int every = (t.size() + keep - 1) / keep;
        List<Ticks.Tick> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i += every) {
            out.add(t.get(i));
        }
        return out;
    }

    // ---- legend ----

    private enum Swatch {
        DOT,
        RING,
        LINE,
        DASH,
        BOX
    }

    /**
     * One legend entry; a line's entry also shows the marker of a {@link Markers} layer of the same name
     * and colour ({@code marker} null when none), so a series reads as its colour, dash and marker.
     */
    private record LegendItem(
            String name, String color, Swatch swatch, Scene.Dash dash, DotShape marker, boolean hollow) {}

    private static List<LegendItem> legendItems(List<Plot> panels) {
        Map<String, LegendItem> items = new LinkedHashMap<>();
        for (Plot p : panels) {
            for (Layer l : p.layers()) {
                if (l.name() == null || l.name().isEmpty()) {
                    continue;
                }
                Swatch s = switch (l) {
                    case Points pts -> Swatch.DOT;
                    case Markers m -> m.hollow() ? Swatch.RING : Swatch.DOT;
                    case Line line -> line.dash() != Scene.Dash.SOLID ? Swatch.DASH : Swatch.LINE;
                    case Rule r -> r.dashed() ? Swatch.DASH : Swatch.LINE;
                    case Rects r -> Swatch.BOX;
                };
                Scene.Dash dash = switch (l) {
                    case Line line -> line.dash();
                    case Rule r -> r.dashed() ? Scene.Dash.DASHED : Scene.Dash.SOLID;
                    default -> Scene.Dash.SOLID;
                };
                String key = l.name() + "\u0000" + l.color();
                LegendItem old = items.get(key);
                if (old == null) {
                    items.put(
                            key,
                            new LegendItem(
                                    l.name(),
                                    l.color(),
                                    s,
                                    dash,
                                    l instanceof Markers m && m.shape() != DotShape.CIRCLE ? m.shape() : null,
                                    l instanceof Markers m2 && m2.hollow()));
                } else if (l instanceof Markers m
                        && old.marker() == null
                        && (old.swatch() == Swatch.LINE || old.swatch() == Swatch.DASH)) {
                    items.put(
                            key,
                            new LegendItem(old.name(), old.color(), old.swatch(), old.dash(), m.shape(), m.hollow()));
                }
            }
        }
        return new ArrayList<>(items.values());
    }

    private static double itemWidth(LegendItem it) {
        return 20 + textWidth(it.name, LEGEND_FONT) + 18;
    }

    private static double rowWidth(List<LegendItem> row) {
        double w = 0;
        for (LegendItem it : row) {
            w += itemWidth(it);
        }
        return w - 18;
    }

    private static List<List<LegendItem>> wrapLegend(List<LegendItem> items, double maxWidth) {
        List<List<LegendItem>> rows = new ArrayList<>();
        List<LegendItem> row = new ArrayList<>();
        double w = 0;
        for (LegendItem it : items) {
            double iw = itemWidth(it);
            if (!row.isEmpty() && w + iw > maxWidth) {
                rows.add(row);
                row = new ArrayList<>();
                w = 0;
            }
            row.add(it);
            w += iw;
        }
        if (!row.isEmpty()) {
            rows.add(row);
        }
        return rows;
    }

    private static void swatch(LegendItem it, double x, double y, List<Shape> out) {
        switch (it.swatch) {
            case DOT ->
                out.add(new Dots(
                        new double[] {x + 7},
                        new double[] {y},
                        4,
                        it.marker == null ? DotShape.CIRCLE : it.marker,
                        it.color,
                        null,
                        1));
            case RING ->
                out.add(new Dots(
                        new double[] {x + 7},
                        new double[] {y},
                        4,
                        it.marker == null ? DotShape.CIRCLE : it.marker,
                        "#ffffff",
                        it.color,
                        1));
            case LINE, DASH -> {
                out.add(new Poly(new double[] {x, x + 15}, new double[] {y, y}, it.color, 2, it.dash));
                if (it.marker != null) {
                    out.add(new Dots(
                            new double[] {x + 7.5},
                            new double[] {y},
                            3.5,
                            it.marker,
                            it.hollow ? "#ffffff" : it.color,
                            it.hollow ? it.color : "#ffffff",
                            1));
                }
            }
            case BOX -> out.add(new Rect(x + 1, y - 5, 12, 10, it.color, null, 0, 0.85));
        }
    }

    /** A growable double array (avoids boxing for 10k-point scatters). */
    static final class DoubleList {
        private double[] a = new double[16];
        private int n;

        void add(double v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        double[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
