package io.github.saestitch.report;

import io.github.saestitch.report.Scene.Dots;
import io.github.saestitch.report.Scene.Group;
import io.github.saestitch.report.Scene.Poly;
import io.github.saestitch.report.Scene.Rect;
import io.github.saestitch.report.Scene.Shape;
import io.github.saestitch.report.Scene.Text;

/**
 * Writes a {@link Scene} as SVG 1.1 text. Coordinates are rounded to 0.1 px (invisible, and it keeps a
 * 10,000-point scatter near 350 kB); the many dots of one series share one group that carries their
 * fill, so each dot costs only its coordinates.
 *
 * <p>The same markup serves both as a standalone file (with the XML declaration) and inline in the HTML
 * report (without it); ids are prefixed with the figure id, so several figures can share a page.
 */
final class SvgWriter {
    /** Version of the markup conventions ({@code data-frame} and {@code data-role} attributes). */
    static final int FORMAT_VERSION = 1;

    static final String FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

    private SvgWriter() {}

    /** A standalone SVG document (XML declaration first). */
    static String document(Scene s) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element(s);
    }

    /** The {@code <svg>} element alone, for inlining in HTML. */
    static String element(Scene s) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
        coord(sb, s.width());
        sb.append("\" height=\"");
        coord(sb, s.height());
        sb.append("\" viewBox=\"0 0 ");
        coord(sb, s.width());
        sb.append(' ');
        coord(sb, s.height());
        sb.append("\" font-family=\"")
                .append(FONT)
                .append("\" role=\"img\" id=\"")
                .append(Fmt.xml(s.id()))
                .append("-svg\" data-format-version=\"")
                .append(FORMAT_VERSION)
                .append("\">\n");
        sb.append("<title>").append(Fmt.xml(s.title())).append("</title>\n");
        int[] clip = {0};
        for (Shape sh : s.shapes()) {
            shape(sb, sh, s.id(), clip);
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void shape(StringBuilder sb, Shape sh, String id, int[] clip) {
        switch (sh) {
            case Rect r -> rect(sb, r);
            case Dots d -> dots(sb, d);
            case Poly p -> poly(sb, p);
            case Text t -> text(sb, t);
            case Group g -> {
                String cid = id + "-clip" + clip[0]++;
                sb.append("<clipPath id=\"").append(Fmt.xml(cid)).append("\">");
                Rect c = g.clip();
                sb.append("<rect x=\"");
                coord(sb, c.x());
                sb.append("\" y=\"");
                coord(sb, c.y());
                sb.append("\" width=\"");
                coord(sb, c.w());
                sb.append("\" height=\"");
                coord(sb, c.h());
                sb.append("\"/></clipPath>\n");
                sb.append("<g clip-path=\"url(#").append(Fmt.xml(cid)).append(")\" class=\"plot\"");
                if (g.role() != null) {
                    sb.append(" data-role=\"").append(Fmt.xml(g.role())).append('"');
                }
                // The panel's data→pixel mapping, for the report's script (pick / highlight a point).
                sb.append(" data-frame=\"")
                        .append(g.xs().p0())
                        .append(' ')
                        .append(g.xs().p1())
                        .append(' ')
                        .append(g.ys().p0())
                        .append(' ')
                        .append(g.ys().p1())
                        .append(' ')
                        .append(g.xs().lo())
                        .append(' ')
                        .append(g.xs().hi())
                        .append(' ')
                        .append(g.ys().lo())
                        .append(' ')
                        .append(g.ys().hi())
                        .append(' ')
                        .append(g.xs().log() ? 1 : 0)
                        .append(' ')
                        .append(g.ys().log() ? 1 : 0)
                        .append("\">\n");
                for (Shape child : g.children()) {
                    shape(sb, child, id, clip);
                }
                sb.append("</g>\n");
            }
        }
    }

    private static void rect(StringBuilder sb, Rect r) {
        sb.append("<rect x=\"");
        coord(sb, r.x());
        sb.append("\" y=\"");
        coord(sb, r.y());
        sb.append("\" width=\"");
        coord(sb, r.w());
        sb.append("\" height=\"");
        coord(sb, r.h());
        sb.append("\" fill=\"").append(color(r.fill())).append('"');
        if (r.stroke() != null) {
            sb.append(" stroke=\"").append(color(r.stroke())).append("\" stroke-width=\"");
            coord(sb, r.strokeWidth());
            sb.append('"');
        }
        opacity(sb, "opacity", r.opacity());
        sb.append("/>\n");
    }

    private static void dots(StringBuilder sb, Dots d) {
        if (d.x().length == 0) {
            return;
        }
        sb.append("<g fill=\"").append(color(d.fill())).append('"');
        if (d.stroke() != null) {
            sb.append(" stroke=\"").append(color(d.stroke())).append("\" stroke-width=\"1.2\"");
        }
        opacity(sb, "fill-opacity", d.opacity());
        sb.append('>');
        if (d.shape() == Scene.DotShape.CIRCLE) {
            for (int i = 0; i < d.x().length; i++) {
                sb.append("<circle cx=\"");
                coord(sb, d.x()[i]);
                sb.append("\" cy=\"");
                coord(sb, d.y()[i]);
                sb.append("\" r=\"");
                coord(sb, d.r());
                sb.append("\"/>");
                if (i % 8 == 7) {
                    sb.append('\n');
                }
            }
        } else {
            sb.append("<path d=\"");
            for (int i = 0; i < d.x().length; i++) {
                double[][] v = vertices(d.shape(), d.x()[i], d.y()[i], d.r());
                sb.append('M');
                coord(sb, v[0][0]);
                sb.append(' ');
                coord(sb, v[0][1]);
                for (int k = 1; k < v.length; k++) {
                    sb.append('L');
                    coord(sb, v[k][0]);
                    sb.append(' ');
                    coord(sb, v[k][1]);
                }
                sb.append('Z');
            }
            sb.append("\"/>");
        }
        sb.append("</g>\n");
    }

    /** The corners of a polygon marker (triangle, square, diamond) of size r centred at (x, y). */
    static double[][] vertices(Scene.DotShape s, double x, double y, double r) {
        // Squares and diamonds a little smaller than r so they look the size of a circle of radius r.
        double q = r * 0.85;
        double dd = r * 1.15;
        return switch (s) {
            case SQUARE -> new double[][] {{x - q, y - q}, {x + q, y - q}, {x + q, y + q}, {x - q, y + q}};
            case DIAMOND -> new double[][] {{x, y - dd}, {x + dd, y}, {x, y + dd}, {x - dd, y}};
            case TRIANGLE_UP -> new double[][] {{x, y - r}, {x - r, y + r * 0.8}, {x + r, y + r * 0.8}};
            case TRIANGLE_DOWN -> new double[][] {{x, y + r}, {x - r, y - r * 0.8}, {x + r, y - r * 0.8}};
            case TRIANGLE_LEFT -> new double[][] {{x - r, y}, {x + r * 0.8, y - r}, {x + r * 0.8, y + r}};
            case TRIANGLE_RIGHT -> new double[][] {{x + r, y}, {x - r * 0.8, y - r}, {x - r * 0.8, y + r}};
            case CIRCLE -> throw new IllegalArgumentException("a circle has no corners");
        };
    }

    private static void poly(StringBuilder sb, Poly p) {
        sb.append("<polyline fill=\"none\" stroke=\"").append(color(p.stroke())).append("\" stroke-width=\"");
        coord(sb, p.width());
        sb.append("\" stroke-linejoin=\"round\"");
        float[] dash = p.dash().pattern();
        if (dash.length > 0) {
            sb.append(" stroke-dasharray=\"");
            for (int i = 0; i < dash.length; i++) {
                sb.append(i == 0 ? "" : " ");
                coord(sb, dash[i]);
            }
            sb.append('"');
        }
        sb.append(" points=\"");
        for (int i = 0; i < p.x().length; i++) {
            if (i > 0) {
                sb.append(i % 12 == 0 ? '\n' : ' ');
            }
            coord(sb, p.x()[i]);
            sb.append(',');
            coord(sb, p.y()[i]);
        }
        sb.append("\"/>\n");
    }

    private static void text(StringBuilder sb, Text t) {
        sb.append("<text x=\"");
        coord(sb, t.x());
        sb.append("\" y=\"");
        coord(sb, t.y());
        sb.append("\" font-size=\"");
        coord(sb, t.size());
        sb.append('"');
        if (t.anchor() != Scene.Anchor.START) {
            sb.append(" text-anchor=\"")
                    .append(t.anchor() == Scene.Anchor.MIDDLE ? "middle" : "end")
                    .append('"');
        }
        sb.append(" fill=\"").append(color(t.fill())).append('"');
        if (t.bold()) {
            sb.append(" font-weight=\"bold\"");
        }
        if (t.rotate() != 0) {
            sb.append(" transform=\"rotate(");
            coord(sb, t.rotate());
            sb.append(' ');
            coord(sb, t.x());
            sb.append(' ');
            coord(sb, t.y());
            sb.append(")\"");
        }
        sb.append('>').append(Fmt.xml(t.text())).append("</text>\n");
    }

    private static void opacity(StringBuilder sb, String attr, double o) {
        if (o < 1) {
            sb.append(' ').append(attr).append("=\"");
            sb.append(Math.round(Math.max(0, o) * 100) / 100.0);
            sb.append('"');
        }
    }

    /** A colour attribute value: {@code #rrggbb} passes (validated), null is {@code none}. */
    static String color(String c) {
        if (c == null) {
            return "none";
        }
        if (!c.matches("#[0-9a-fA-F]{6}")) {
            throw new IllegalArgumentException("colour must be #rrggbb, got '" + c + "'");
        }
        return c;
    }

    /** Appends {@code v} rounded to 0.1 without a trailing ".0" (and never "-0"); NaN is written as 0. */
    static void coord(StringBuilder sb, double v) {
        long t = Double.isFinite(v) ? Math.round(v * 10) : 0;
        if (t < 0) {
            sb.append('-');
            t = -t;
        }
        sb.append(t / 10);
        if (t % 10 != 0) {
            sb.append('.').append(t % 10);
        }
    }
}
