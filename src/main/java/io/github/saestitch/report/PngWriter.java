package io.github.saestitch.report;

import io.github.saestitch.report.Scene.Dots;
import io.github.saestitch.report.Scene.Group;
import io.github.saestitch.report.Scene.Poly;
import io.github.saestitch.report.Scene.Rect;
import io.github.saestitch.report.Scene.Shape;
import io.github.saestitch.report.Scene.Text;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Draws a {@link Scene} with Java2D into a PNG (headless: a {@link BufferedImage}, no display needed).
 * It draws exactly the primitives {@link SvgWriter} writes, so the PNG is the same chart as the SVG,
 * rasterised at {@code scale} pixels per SVG unit (2 for print-sharp slides).
 */
final class PngWriter {
    private PngWriter() {}

    /** The PNG bytes of {@code s} at {@code scale} device pixels per unit. */
    static byte[] png(Scene s, double scale) throws IOException {
        if (!(scale > 0 && scale <= 8)) {
            throw new IllegalArgumentException("scale must be in (0, 8], got " + scale);
        }
        int w = (int) Math.ceil(s.width() * scale);
        int h = (int) Math.ceil(s.height() * scale);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.scale(scale, scale);
            for (Shape sh : s.shapes()) {
                draw(g, sh);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer in this Java runtime");
        }
        return out.toByteArray();
    }

    private static void draw(Graphics2D g, Shape sh) {
        switch (sh) {
            case Rect r -> {
                Rectangle2D.Double box = new Rectangle2D.Double(r.x(), r.y(), r.w(), r.h());
                withOpacity(g, r.opacity(), () -> {
                    if (r.fill() != null) {
                        g.setColor(color(r.fill()));
                        g.fill(box);
                    }
                    if (r.stroke() != null) {
                        g.setColor(color(r.stroke()));
                        g.setStroke(new BasicStroke((float) r.strokeWidth()));
                        g.draw(box);
                    }
                });
            }
            case Dots d ->
                withOpacity(g, d.opacity(), () -> {
                    for (int i = 0; i < d.x().length; i++) {
                        java.awt.Shape m;
                        if (d.shape() == Scene.DotShape.CIRCLE) {
                            m = new Ellipse2D.Double(d.x()[i] - d.r(), d.y()[i] - d.r(), 2 * d.r(), 2 * d.r());
                        } else {
                            double[][] v = SvgWriter.vertices(d.shape(), d.x()[i], d.y()[i], d.r());
                            Path2D.Double p = new Path2D.Double();
                            p.moveTo(v[0][0], v[0][1]);
                            for (int k = 1; k < v.length; k++) {
                                p.lineTo(v[k][0], v[k][1]);
                            }
                            p.closePath();
                            m = p;
                        }
                        if (d.fill() != null) {
                            g.setColor(color(d.fill()));
                            g.fill(m);
                        }
                        if (d.stroke() != null) {
                            g.setColor(color(d.stroke()));
                            g.setStroke(new BasicStroke(1.2f));
                            g.draw(m);
                        }
                    }
                });
            case Poly p -> {
                if (p.x().length < 2) {
                    return;
                }
                Path2D.Double path = new Path2D.Double();
                path.moveTo(p.x()[0], p.y()[0]);
                for (int i = 1; i < p.x().length; i++) {
                    path.lineTo(p.x()[i], p.y()[i]);
                }
                g.setColor(color(p.stroke()));
                g.setStroke(
                        p.dash().pattern().length > 0
                                ? new BasicStroke(
                                        (float) p.width(),
                                        BasicStroke.CAP_BUTT,
                                        BasicStroke.JOIN_ROUND,
                                        10f,
                                        p.dash().pattern(),
                                        0f)
                                : new BasicStroke((float) p.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
                g.draw(path);
            }
            case Text t -> {
                Font font = new Font("DejaVu Sans", t.bold() ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) t.size());
                g.setFont(font);
                g.setColor(color(t.fill()));
                double w = g.getFontMetrics().getStringBounds(t.text(), g).getWidth();
                double dx = switch (t.anchor()) {
                    case START -> 0;
                    case MIDDLE -> -w / 2;
                    case END -> -w;
                };
                AffineTransform saved = g.getTransform();
                g.translate(t.x(), t.y());
                if (t.rotate() != 0) {
                    g.rotate(Math.toRadians(t.rotate()));
                }
                g.drawString(t.text(), (float) dx, 0f);
                g.setTransform(saved);
            }
            case Group gr -> {
                java.awt.Shape savedClip = g.getClip();
                g.clip(new Rectangle2D.Double(
                        gr.clip().x(), gr.clip().y(), gr.clip().w(), gr.clip().h()));
                for (Shape c : gr.children()) {
                    draw(g, c);
                }
                g.setClip(savedClip);
            }
        }
    }

    private static void withOpacity(Graphics2D g, double opacity, Runnable r) {
        Composite saved = g.getComposite();
        if (opacity < 1) {
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) Math.max(0, opacity)));
        }
        r.run();
        g.setComposite(saved);
    }

    private static Color color(String hex) {
        return new Color(Integer.parseInt(SvgWriter.color(hex).substring(1), 16));
    }
}
