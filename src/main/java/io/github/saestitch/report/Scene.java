package io.github.saestitch.report;

import java.util.List;
import java.util.Objects;

/**
 * A laid-out figure in pixels: the few primitives that {@link SvgWriter} and {@link PngWriter} both
 * draw. Keeping the layout (scales, ticks, legend placement) out of the writers is what makes the SVG
 * and the PNG of a figure the same chart.
 *
 * @param id     the figure id (prefix of the SVG's internal ids, so several figures can share one page)
 * @param title  accessible title
 * @param width  pixels
 * @param height pixels
 * @param shapes drawn in order
 */
record Scene(String id, String title, double width, double height, List<Shape> shapes) {
    Scene {
        Objects.requireNonNull(id, "id");
        shapes = List.copyOf(shapes);
    }

    /** Horizontal text alignment relative to the anchor point. */
    enum Anchor {
        START,
        MIDDLE,
        END
    }

    /** Marker shapes of a {@link Dots} list. */
    enum DotShape {
        CIRCLE,
        TRIANGLE_UP,
        TRIANGLE_DOWN,
        TRIANGLE_LEFT,
        TRIANGLE_RIGHT,
        SQUARE,
        DIAMOND
    }

    /**
     * Stroke patterns of a {@link Poly}: on/off lengths in pixels (empty: solid). Why these: with the
     * series colours they tell up to ~10 lines apart even in greyscale or with a colour-vision deficiency.
     */
    enum Dash {
        SOLID(),
        DASHED(5, 4),
        DOTTED(1.5f, 3),
        DASH_DOT(8, 3, 1.5f, 3);

        private final float[] pattern;

        Dash(float... pattern) {
            this.pattern = pattern;
        }

        /** On/off lengths; empty for solid. */
        float[] pattern() {
            return pattern.clone();
        }
    }

    /** A drawing primitive. Colours are {@code #rrggbb}; null fill or stroke means none. */
    sealed interface Shape permits Rect, Dots, Poly, Text, Group {}

    /** A rectangle. */
    record Rect(double x, double y, double w, double h, String fill, String stroke, double strokeWidth, double opacity)
            implements Shape {}

    /**
     * Many markers of one style (one SVG group: the per-point cost is just the coordinates).
     *
     * @param r size (circle radius; triangles fit a circle of that radius)
     */
    record Dots(double[] x, double[] y, double r, DotShape shape, String fill, String stroke, double opacity)
            implements Shape {
        Dots {
            if (x.length != y.length) {
                throw new IllegalArgumentException("dots: " + x.length + " x vs " + y.length + " y");
            }
        }
    }

    /** An open polyline. */
    record Poly(double[] x, double[] y, String stroke, double width, Dash dash) implements Shape {
        Poly {
            if (x.length != y.length) {
                throw new IllegalArgumentException("polyline: " + x.length + " x vs " + y.length + " y");
            }
            dash = dash == null ? Dash.SOLID : dash;
        }

        /** Solid, or {@link Dash#DASHED}. */
        Poly(double[] x, double[] y, String stroke, double width, boolean dashed) {
            this(x, y, stroke, width, dashed ? Dash.DASHED : Dash.SOLID);
        }
    }

    /**
     * A line of text whose baseline starts (or is centred, or ends) at (x, y).
     *
     * @param rotate degrees clockwise about (x, y) (−90: reads bottom to top)
     */
    record Text(double x, double y, String text, double size, Anchor anchor, double rotate, String fill, boolean bold)
            implements Shape {
        Text {
            text = text == null ? "" : text;
        }
    }

    /**
     * Children clipped to a rectangle (the plot area) and tagged with the panel's data-to-pixel mapping,
     * which the HTML report's script reads to place and pick points.
     *
     * @param clip  the clip rectangle (its fill/stroke are ignored)
     * @param xs    the x scale of the panel
     * @param ys    the y scale of the panel
     * @param role  {@link Plot#role()} (may be null)
     */
    record Group(Rect clip, Scale xs, Scale ys, String role, List<Shape> children) implements Shape {
        Group {
            children = List.copyOf(children);
        }
    }
}
