package io.github.saestitch.train;

import io.github.saestitch.io.AtomicOutput;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG figures of training runs (XChart, rendered headless into one image of side-by-side panels and
 * written atomically).
 */
public final class Charts {
    private static final int PANEL_W = 480;
    private static final int PANEL_H = 360;

    private Charts() {
    }

    /**
     * The training curves of one run: mse (training batches and held-out), held-out fvu, l0 and dead
     * latents, each against training tokens.
     */
    public static void writeTrainingCurves(List<TrainingLog.Row> rows, String title, Path png) throws IOException {
        List<Double> tok = new ArrayList<>();
        List<Double> mse = new ArrayList<>();
        List<Double> l0 = new ArrayList<>();
        List<Double> dead = new ArrayList<>();
        List<Double> eTok = new ArrayList<>();
        List<Double> eMse = new ArrayList<>();
        List<Double> eFvu = new ArrayList<>();
        List<Double> eL0 = new ArrayList<>();
        List<Double> eDead = new ArrayList<>();
        for (TrainingLog.Row r : rows) {
            tok.add(r.tokens() / 1e6);
            mse.add(r.mse());
            l0.add(r.l0());
            dead.add((double) r.dead());
            if (r.eval() != null && Double.isFinite(r.eval().fvu())) {
                eTok.add(r.tokens() / 1e6);
                eMse.add(r.eval().mse());
                eFvu.add(r.eval().fvu());
                eL0.add(r.eval().l0());
                eDead.add((double) r.eval().dead());
            }
        }
        List<XYChart> panels = new ArrayList<>();
        XYChart c1 = chart(title + ": mse", "training tokens (millions)", "mse (Σ dims, per token)");
        line(c1, "train batches", tok, mse);
        line(c1, "held-out", eTok, eMse);
        c1.getStyler().setYAxisLogarithmic(allPositive(mse) && allPositive(eMse));
        panels.add(c1);
        XYChart c2 = chart("held-out fvu", "training tokens (millions)", "fvu");
        line(c2, "held-out", eTok, eFvu);
        panels.add(c2);
        XYChart c3 = chart("l0", "training tokens (millions)", "active latents per token");
        line(c3, "train batches", tok, l0);
        line(c3, "held-out", eTok, eL0);
        panels.add(c3);
        XYChart c4 = chart("dead latents", "training tokens (millions)", "latents");
        line(c4, "not fired in window", tok, dead);
        line(c4, "never active held-out", eTok, eDead);
        panels.add(c4);
        write(panels, 2, png);
    }

    /**
     * A family summary: held-out mse, fvu, l0 and dead latents against width (log₂ axis).
     */
    public static void writeFamily(List<FamilyTrainer.Member> members, String title, Path png) throws IOException {
        List<Double> w = new ArrayList<>();
        List<Double> mse = new ArrayList<>();
        List<Double> fvu = new ArrayList<>();
        List<Double> l0 = new ArrayList<>();
        List<Double> dead = new ArrayList<>();
        for (FamilyTrainer.Member m : members) {
            if (m.result().finalEval() == null) {
                continue;
            }
            w.add((double) m.width());
            mse.add(m.result().finalEval().mse());
            fvu.add(m.result().finalEval().fvu());
            l0.add(m.result().finalEval().l0());
            dead.add((double) m.result().finalEval().dead());
        }
        List<XYChart> panels = new ArrayList<>();
        String[] names = {"held-out mse", "held-out fvu", "held-out l0", "dead latents (held-out)"};
        List<List<Double>> ys = List.of(mse, fvu, l0, dead);
        for (int i = 0; i < names.length; i++) {
            boolean log = allPositive(w);
            XYChart c = chart(i == 0 ? title + ": " + names[i] : names[i], log ? "width (latents, log scale)"
                    : "width (latents)", names[i]);
            // Why log2 on a linear axis: XChart's own log axis labels only decades (one "1000" for a
            // 768..6144 family) or, without decade-only, overlapping labels; on log2(width) its ticks fall on
            // the doubling widths and the formatter prints them back as widths.
            if (log) {
                c.getStyler().setxAxisTickLabelsFormattingFunction(
                        x -> String.format(java.util.Locale.ROOT, "%,d", Math.round(Math.pow(2, x))));
            }
            line(c, names[i], log ? w.stream().map(v -> Math.log(v) / Math.log(2)).toList() : w, ys.get(i));
            c.getStyler().setLegendVisible(false);
            panels.add(c);
        }
        write(panels, 2, png);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(PANEL_W).height(PANEL_H).title(title).xAxisTitle(x).yAxisTitle(y).build();
        XYStyler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridLinesVisible(true);
        return c;
    }

    private static void line(XYChart c, String name, List<Double> x, List<Double> y) {
        if (x.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(x.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    }

    private static boolean allPositive(List<Double> v) {
        for (double d : v) {
            if (!(d > 0)) {
                return false;
            }
        }
        return true;
    }

    private static void write(List<XYChart> panels, int cols, Path png) throws IOException {
        int rows = (panels.size() + cols - 1) / cols;
        BufferedImage img = new BufferedImage(cols * PANEL_W, rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                Graphics2D sub = (Graphics2D) g.create((i % cols) * PANEL_W, (i / cols) * PANEL_H, PANEL_W, PANEL_H);
                try {
                    panels.get(i).paint(sub, PANEL_W, PANEL_H);
                } finally {
                    sub.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        AtomicOutput.writeFile(png, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
