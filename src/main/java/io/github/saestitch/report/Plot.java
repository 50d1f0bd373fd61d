package io.github.saestitch.report;

import java.util.List;
import java.util.Objects;

/**
 * One chart panel in data space: two axes and the layers drawn on them. {@link FigureLayout} turns it
 * into pixels; nothing here knows about SVG or PNG, so both outputs draw the same chart.
 *
 * @param title      panel title printed above the plot area (may be empty)
 * @param x          horizontal axis
 * @param y          vertical axis
 * @param layers     drawn in order (later on top)
 * @param emptyNote  printed in the middle of the plot area when no layer has a finite data point
 * @param role       a tag written into the SVG ({@code data-role}) so the report's script can find the
 *                   panel (e.g. the scatter the latent explorer highlights in); may be null
 */
record Plot(String title, Axis x, Axis y, List<Layer> layers, String emptyNote, String role) {
    Plot {
        title = title == null ? "" : title;
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        layers = List.copyOf(layers);
        emptyNote = emptyNote == null ? "no data" : emptyNote;
    }

    Plot(String title, Axis x, Axis y, List<Layer> layers) {
        this(title, x, y, layers, null, null);
    }

    /**
     * One axis.
     *
     * @param label       axis title
     * @param log         base-10 logarithmic (non-positive values are not drawn)
     * @param min         fixed domain start, or NaN to fit the data
     * @param max         fixed domain end, or NaN to fit the data
     * @param includeZero extend the fitted domain to 0 (and start exactly at 0 when all data are ≥ 0)
     * @param ticks       fixed ticks (e.g. the widths of a family), or null for automatic ones
     */
    record Axis(String label, boolean log, double min, double max, boolean includeZero, List<Ticks.Tick> ticks) {
        Axis {
            label = label == null ? "" : label;
            ticks = ticks == null ? null : List.copyOf(ticks);
        }

        static Axis linear(String label) {
            return new Axis(label, false, Double.NaN, Double.NaN, false, null);
        }

        static Axis log(String label) {
            return new Axis(label, true, Double.NaN, Double.NaN, false, null);
        }

        Axis domain(double lo, double hi) {
            return new Axis(label, log, lo, hi, includeZero, ticks);
        }

        Axis withZero() {
            return new Axis(label, log, min, max, true, ticks);
        }

        Axis withTicks(List<Ticks.Tick> t) {
            return new Axis(label, log, min, max, includeZero, t);
        }
    }

    /** Something drawn in a plot. A layer with a non-null name gets a legend entry. */
    sealed interface Layer permits Points, Line, Rects, Rule, Markers {
        String name();

        String color();
    }

    /**
     * A scatter of small dots. Points outside a fixed axis domain are drawn at the domain edge as
     * triangles pointing outwards, so outliers stay visible (and countable) without squashing the rest.
     */
    record Points(String name, String color, double[] x, double[] y, double radius, double opacity) implements Layer {
        Points {
            requireSameLength(x, y);
        }
    }

    /** A polyline through the points in order; NaN points break it into separate pieces. */
    record Line(String name, String color, double[] x, double[] y, double width, Scene.Dash dash) implements Layer {
        Line {
            requireSameLength(x, y);
            dash = dash == null ? Scene.Dash.SOLID : dash;
        }

        /** Solid, or {@link Scene.Dash#DASHED}. */
        Line(String name, String color, double[] x, double[] y, double width, boolean dashed) {
            this(name, color, x, y, width, dashed ? Scene.Dash.DASHED : Scene.Dash.SOLID);
        }
    }

    /** Axis-aligned rectangles in data coordinates (histogram bars, horizontal bars). */
    record Rects(String name, String color, double[] x0, double[] x1, double[] y0, double[] y1, double opacity)
            implements Layer {
        Rects {
            requireSameLength(x0, x1);
            requireSameLength(x0, y0);
            requireSameLength(x0, y1);
        }
    }

    /** A reference line across the whole plot at {@code value} (vertical: an x value), with an optional label. */
    record Rule(String name, String color, boolean vertical, double value, String label, boolean dashed)
            implements Layer {}

    /** Highlighted reference points (e.g. the original SAEs) with a text label each (labels may be null). */
    record Markers(
            String name, String color, double[] x, double[] y, String[] labels, boolean hollow, Scene.DotShape shape)
            implements Layer {
        Markers {
            requireSameLength(x, y);
            if (labels != null && labels.length != x.length) {
                throw new IllegalArgumentException("labels: " + labels.length + " for " + x.length + " points");
            }
            shape = shape == null ? Scene.DotShape.CIRCLE : shape;
        }

        /** Circles. */
        Markers(String name, String color, double[] x, double[] y, String[] labels, boolean hollow) {
            this(name, color, x, y, labels, hollow, Scene.DotShape.CIRCLE);
        }
    }

    private static void requireSameLength(double[] a, double[] b) {
        Objects.requireNonNull(a, "coordinates");
        Objects.requireNonNull(b, "coordinates");
        if (a.length != b.length) {
            throw new IllegalArgumentException("coordinate arrays differ in length: " + a.length + " vs " + b.length);
        }
    }
}
