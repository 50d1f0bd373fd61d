package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.report.Plot.Axis;
import io.github.saestitch.report.Plot.Layer;
import io.github.saestitch.report.Plot.Line;
import io.github.saestitch.report.Plot.Markers;
import io.github.saestitch.report.Plot.Points;
import io.github.saestitch.report.Plot.Rects;
import io.github.saestitch.report.Plot.Rule;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** The chart model, its layout and both renderers. */
class ChartTest {
    /** Pixel tolerance of positions written with 0.1 px rounding. */
    static final double PX_TOL = 0.051;

    // ---- ticks ----

    @Test
    void linearTicksAreNiceAndExactlyLabelled() {
        List<Ticks.Tick> t = Ticks.linear(0, 1, 5);
        assertThat(t).extracting(Ticks.Tick::label).containsExactly("0.0", "0.2", "0.4", "0.6", "0.8", "1.0");
        assertThat(t.get(3).value()).isCloseTo(0.6, within(1e-15));
        // 0.1 steps never print as 0.30000000000000004
        assertThat(Ticks.linear(0.05, 0.45, 4))
                .extracting(Ticks.Tick::label)
                .containsExactly("0.1", "0.2", "0.3", "0.4");
        assertThat(Ticks.linear(-30, 70, 5))
                .extracting(Ticks.Tick::label)
                .containsExactly("-20", "0", "20", "40", "60");
        assertThat(Ticks.linear(768, 1536, 4))
                .extracting(Ticks.Tick::label)
                .containsExactly("800", "1000", "1200", "1400");
    }

    @Test
    void tinyAndHugeTicksUseExponents() {
        assertThat(Ticks.linear(0, 4e-5, 4))
                .extracting(Ticks.Tick::label)
                .containsExactly("0", "1e-5", "2e-5", "3e-5", "4e-5");
        assertThat(Ticks.linear(1e-5, 2e-5, 4))
                .extracting(Ticks.Tick::label)
                .containsExactly("1e-5", "1.2e-5", "1.4e-5", "1.6e-5", "1.8e-5", "2e-5");
        assertThat(Ticks.linear(0, 1, 1)).extracting(Ticks.Tick::label).containsExactly("0", "1");
        assertThat(Ticks.linear(0, 3e7, 3)).extracting(Ticks.Tick::label).containsExactly("0", "1e7", "2e7", "3e7");
    }

    @Test
    void logTicks() {
        assertThat(Ticks.log10(500, 200000)).extracting(Ticks.Tick::label).containsExactly("1000", "10000", "100000");
        assertThat(Ticks.log10(1.5, 40)).extracting(Ticks.Tick::label).containsExactly("2", "5", "10", "20");
        assertThat(Ticks.log10(1e-6, 1e-3))
                .extracting(Ticks.Tick::label)
                .containsExactly("1e-6", "1e-5", "1e-4", "0.001");
        // within one 1-2-5 gap: falls back to linear ticks
        assertThat(Ticks.log10(2.1, 2.9)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void degenerateTickDomainsGiveNoTicks() {
        assertThat(Ticks.linear(1, 1, 5)).isEmpty();
        assertThat(Ticks.linear(Double.NaN, 1, 5)).isEmpty();
        assertThat(Ticks.linear(0, Double.POSITIVE_INFINITY, 5)).isEmpty();
        assertThat(Ticks.log10(-1, 10)).isEmpty();
        assertThat(Ticks.log10(0, 10)).isEmpty();
    }

    // ---- scales ----

    @Test
    void scalesMapLinearlyAndLogarithmically() {
        Scale x = new Scale(0, 1, 100, 300, false);
        assertThat(x.map(0.25)).isEqualTo(150);
        assertThat(x.map(Double.NaN)).isNaN();
        Scale y = new Scale(-1, 1, 400, 0, false); // inverted, as a y axis
        assertThat(y.map(1)).isEqualTo(0);
        assertThat(y.map(0)).isEqualTo(200);
        Scale lg = new Scale(10, 1000, 0, 200, true);
        assertThat(lg.map(100)).isCloseTo(100, within(1e-9));
        assertThat(lg.map(0)).isNaN();
        assertThat(lg.map(-5)).isNaN();
        assertThat(x.contains(1 + 1e-12)).isTrue();
        assertThat(x.contains(1.01)).isFalse();
        assertThat(x.clamp(7)).isEqualTo(1);
        assertThatThrownBy(() -> new Scale(1, 1, 0, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Scale(0, 10, 0, 1, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Scale(0, Double.NaN, 0, 1, false)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- domains ----

    @Test
    void domainsFitPadAndRespectFixedEnds() {
        Plot p = plot(new Points("a", "#000000", new double[] {0, 10}, new double[] {-2, 2}, 2, 1));
        double[] xd = FigureLayout.domain(p, true);
        assertThat(xd[0]).isCloseTo(-0.4, within(1e-12));
        assertThat(xd[1]).isCloseTo(10.4, within(1e-12));
        Plot fixed = new Plot("", Axis.linear("x").domain(0, 1), Axis.linear("y"), p.layers());
        assertThat(FigureLayout.domain(fixed, true)).containsExactly(0, 1);
        // a histogram rests on zero: no padding below it
        Plot hist = new Plot(
                "",
                Axis.linear("x"),
                Axis.linear("n").withZero(),
                List.of(new Rects(
                        "h", "#000000", new double[] {0}, new double[] {1}, new double[] {0}, new double[] {5}, 1)));
        assertThat(FigureLayout.domain(hist, false)[0]).isEqualTo(0);
        // a single value is centred in a widened domain
        Plot one = plot(new Points("a", "#000000", new double[] {3}, new double[] {3}, 2, 1));
        double[] d = FigureLayout.domain(one, true);
        assertThat((d[0] + d[1]) / 2).isCloseTo(3, within(1e-12));
        assertThat(d[1]).isGreaterThan(d[0]);
        // all zeros on an axis that includes zero (no dead latents): [0, 1], no negative half
        Plot zeros = new Plot(
                "",
                Axis.linear("x"),
                Axis.linear("dead").withZero(),
                List.of(new Points("a", "#000000", new double[] {1, 2}, new double[] {0, 0}, 2, 1)));
        assertThat(FigureLayout.domain(zeros, false)).containsExactly(0, 1);
        // a rule counts towards its axis (τ stays visible even if all points are below it)
        Plot rule = new Plot(
                "",
                Axis.linear("x"),
                Axis.linear("y"),
                List.of(
                        new Points("a", "#000000", new double[] {0.1, 0.2}, new double[] {1, 2}, 2, 1),
                        new Rule(null, "#000000", true, 0.7, "τ", true)));
        assertThat(FigureLayout.domain(rule, true)[1]).isGreaterThan(0.7);
        // log axes ignore non-positive values
        Plot lg = new Plot(
                "",
                Axis.log("x"),
                Axis.linear("y"),
                List.of(new Points("a", "#000000", new double[] {-1, 0, 10, 1000}, new double[] {1, 2, 3, 4}, 2, 1)));
        double[] ld = FigureLayout.domain(lg, true);
        assertThat(ld[0]).isGreaterThan(0).isLessThan(10);
        assertThat(ld[1]).isGreaterThan(1000);
    }

    // ---- SVG ----

    @Test
    void svgIsWellFormedAndPlacesPointsByTheScale() throws Exception {
        Figure f = Figure.single(
                "t-scatter",
                "A <test> & \"figure\"",
                new Plot(
                        "title",
                        Axis.linear("x").domain(0, 1),
                        Axis.linear("y").domain(0, 1),
                        List.of(new Points("pts", "#0072B2", new double[] {0.5, 0.25}, new double[] {0.5, 0.75}, 3, 1)),
                        null,
                        "scatter"),
                600,
                400);
        Scene s = FigureLayout.layout(f);
        Document doc = parse(SvgWriter.document(s));
        Element plotG = (Element) doc.getElementsByTagName("g").item(0);
        assertThat(plotG.getAttribute("data-role")).isEqualTo("scatter");
        String[] frame = plotG.getAttribute("data-frame").split(" ");
        assertThat(frame).hasSize(10);
        Scene.Group group = s.shapes().stream()
                .filter(Scene.Group.class::isInstance)
                .map(Scene.Group.class::cast)
                .findFirst()
                .orElseThrow();
        NodeList circles = doc.getElementsByTagName("circle");
        assertThat(circles.getLength()).isEqualTo(2 + 1); // two points + the legend swatch
        Element c0 = (Element) circles.item(0);
        assertThat(Double.parseDouble(c0.getAttribute("cx")))
                .isCloseTo(group.xs().map(0.5), within(PX_TOL));
        assertThat(Double.parseDouble(c0.getAttribute("cy")))
                .isCloseTo(group.ys().map(0.5), within(PX_TOL));
        Element c1 = (Element) circles.item(1);
        assertThat(Double.parseDouble(c1.getAttribute("cy"))).isLessThan(Double.parseDouble(c0.getAttribute("cy")));
        assertThat(doc.getElementsByTagName("title").item(0).getTextContent()).isEqualTo("A <test> & \"figure\"");
        // ticks at 0, 0.2, … 1.0 on both axes, labels printed
        List<String> texts = texts(doc);
        assertThat(texts).contains("0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "x", "y", "title", "pts");
        // the clip path id carries the figure id, so two figures can share one HTML page
        assertThat(((Element) doc.getElementsByTagName("clipPath").item(0)).getAttribute("id"))
                .startsWith("t-scatter-");
    }

    @Test
    void tickLabelsSitAtTheirValues() throws Exception {
        Figure f = Figure.single(
                "t-ticks",
                "",
                plot(new Points("p", "#000000", new double[] {0, 10}, new double[] {0, 100}, 2, 1)),
                500,
                400);
        Scene s = FigureLayout.layout(f);
        Scene.Group g = s.shapes().stream()
                .filter(Scene.Group.class::isInstance)
                .map(Scene.Group.class::cast)
                .findFirst()
                .orElseThrow();
        int xTicks = 0;
        int yTicks = 0;
        for (Scene.Shape sh : s.shapes()) {
            if (sh instanceof Scene.Text t && t.text().matches("-?[0-9.]+")) {
                double v = Double.parseDouble(t.text());
                if (t.anchor() == Scene.Anchor.MIDDLE) { // x tick label, centred under its tick
                    assertThat(t.x()).isCloseTo(g.xs().map(v), within(1e-9));
                    assertThat(t.y()).isGreaterThan(g.ys().p0());
                    xTicks++;
                } else { // y tick label, right-aligned left of the axis, baseline 4 px below the tick
                    assertThat(t.anchor()).isEqualTo(Scene.Anchor.END);
                    assertThat(t.y() - 4).isCloseTo(g.ys().map(v), within(1e-9));
                    assertThat(t.x()).isLessThan(g.xs().p0());
                    yTicks++;
                }
            }
        }
        assertThat(xTicks).isBetween(3, 12);
        assertThat(yTicks).isBetween(3, 12);
    }

    @Test
    void escapesEveryTextAndDropsCharactersXmlForbids() throws Exception {
        String evil = "</svg><script>alert(1)</script> & 'q' \"d\" \u0001\u0008\uFFFF \uD800 ok \uD83D\uDE00";
        Figure f = Figure.single(
                "t-esc",
                evil,
                new Plot(
                        evil,
                        Axis.linear(evil),
                        Axis.linear(evil),
                        List.of(new Markers(
                                evil, "#000000", new double[] {1}, new double[] {1}, new String[] {evil}, false))),
                500,
                300);
        String svg = SvgWriter.document(FigureLayout.layout(f));
        Document doc = parse(svg);
        assertThat(doc.getElementsByTagName("script").getLength()).isZero();
        assertThat(texts(doc)).contains("</svg><script>alert(1)</script> & 'q' \"d\"   ok \uD83D\uDE00");
        assertThat(Fmt.xml("a<b&c>\"'")).isEqualTo("a&lt;b&amp;c&gt;&quot;&#39;");
        assertThat(Fmt.xml("tab\tnl\ncr\r")).isEqualTo("tab\tnl\ncr\r");
    }

    @Test
    void nanAndEmptyDataAreHandled() throws Exception {
        double nan = Double.NaN;
        Plot p = new Plot(
                "",
                Axis.linear("x"),
                Axis.linear("y"),
                List.of(
                        new Points(
                                "p",
                                "#000000",
                                new double[] {nan, 1, 2, Double.POSITIVE_INFINITY},
                                new double[] {1, nan, 2, 3},
                                2,
                                1),
                        new Line(
                                "l",
                                "#0072B2",
                                new double[] {0, 1, 2, 3, 4},
                                new double[] {0, 1, nan, 3, 4},
                                1,
                                false)));
        Scene s = FigureLayout.layout(Figure.single("t-nan", "", p, 500, 300));
        String svg = SvgWriter.document(s);
        Document doc = parse(svg);
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
        // one finite point; the line breaks at NaN into two polylines (plus grid/ticks)
        Scene.Group g = s.shapes().stream()
                .filter(Scene.Group.class::isInstance)
                .map(Scene.Group.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(g.children().stream()
                        .filter(Scene.Dots.class::isInstance)
                        .mapToInt(d -> ((Scene.Dots) d).x().length)
                        .sum())
                .isEqualTo(1);
        assertThat(g.children().stream().filter(Scene.Poly.class::isInstance).count())
                .isEqualTo(2);
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");

        Plot empty = new Plot(
                "",
                Axis.linear("x"),
                Axis.log("y"),
                List.of(
                        new Points("p", "#000000", new double[0], new double[0], 2, 1),
                        new Line("l", "#000000", new double[] {1}, new double[] {-3}, 1, false)),
                "nothing here",
                null);
        String e = SvgWriter.document(FigureLayout.layout(Figure.single("t-empty", "", empty, 400, 300)));
        assertThat(texts(parse(e))).contains("nothing here");
    }

    @Test
    void pointsOutsideAFixedDomainBecomeEdgeTriangles() {
        Plot p = new Plot(
                "",
                Axis.linear("x").domain(0, 1),
                Axis.linear("y").domain(-1, 1),
                List.of(new Points(
                        "p", "#000000", new double[] {0.5, 0.5, 0.5, 2}, new double[] {0, 50, -50, 0}, 2, 1)));
        Scene s = FigureLayout.layout(Figure.single("t-clip", "", p, 400, 300));
        Scene.Group g = s.shapes().stream()
                .filter(Scene.Group.class::isInstance)
                .map(Scene.Group.class::cast)
                .findFirst()
                .orElseThrow();
        List<Scene.Dots> dots = g.children().stream()
                .filter(Scene.Dots.class::isInstance)
                .map(Scene.Dots.class::cast)
                .toList();
        assertThat(dots)
                .extracting(Scene.Dots::shape)
                .containsExactly(
                        Scene.DotShape.CIRCLE,
                        Scene.DotShape.TRIANGLE_UP,
                        Scene.DotShape.TRIANGLE_DOWN,
                        Scene.DotShape.TRIANGLE_RIGHT);
        for (Scene.Dots d : dots) {
            for (int i = 0; i < d.x().length; i++) {
                assertThat(d.x()[i])
                        .isBetween(g.clip().x(), g.clip().x() + g.clip().w());
                assertThat(d.y()[i])
                        .isBetween(g.clip().y(), g.clip().y() + g.clip().h());
            }
        }
        String svg = SvgWriter.document(s);
        assertThat(svg).contains("<path d=\"M");
    }

    @Test
    void coordinatesAreRoundedCompactly() {
        StringBuilder sb = new StringBuilder();
        for (double v : new double[] {0, -0.04, 1.25, 12.0, -3.36, 1e-9, Double.NaN}) {
            SvgWriter.coord(sb, v);
            sb.append(' ');
        }
        assertThat(sb.toString()).isEqualTo("0 0 1.3 12 -3.4 0 0 ");
        assertThatThrownBy(() -> SvgWriter.color("red\" onload=\"x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SvgWriter.color(null)).isEqualTo("none");
    }

    @Test
    void tenThousandPointsStayCompact() {
        SplittableRandom r = new SplittableRandom(7);
        int n = 10_000;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble();
            y[i] = r.nextGaussian();
        }
        String svg = SvgWriter.document(FigureLayout.layout(
                Figure.single("t-big", "", plot(new Points("p", "#000000", x, y, 2, 0.5)), 620, 430)));
        assertThat(svg.length()).isLessThan(450_000);
        assertThat(svg.split("<circle", -1).length - 1).isEqualTo(n + 1);
    }

    /** Random figures of every layer kind always give well-formed SVG whose points lie in the plot area. */
    @ParameterizedTest
    @MethodSource("randomFigures")
    void randomFiguresAreWellFormed(long seed, boolean logX) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1 + r.nextInt(60);
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble() < 0.05
                    ? Double.NaN
                    : Math.exp(r.nextGaussian() * 3) * (logX ? 1 : r.nextDouble() - 0.5);
            y[i] = r.nextDouble() < 0.05 ? Double.NaN : r.nextGaussian() * Math.pow(10, r.nextInt(13) - 6);
        }
        List<Layer> layers = new ArrayList<>();
        layers.add(new Points("p", "#0072B2", x, y, 2, 0.6));
        layers.add(new Line("l", "#D55E00", x, y, 1, r.nextBoolean()));
        layers.add(new Rule(null, "#555555", true, x[0], "rule", true));
        layers.add(new Markers("m", "#222222", x, y, null, r.nextBoolean()));
        Plot p = new Plot("random", logX ? Axis.log("x") : Axis.linear("x"), Axis.linear("y"), layers);
        Scene s = FigureLayout.layout(new Figure("t-rand", "", List.of(p, p), 2, 400, 300));
        Document doc = parse(SvgWriter.document(s));
        assertThat(doc.getElementsByTagName("g").getLength()).isGreaterThanOrEqualTo(2);
        for (Scene.Shape sh : s.shapes()) {
            if (sh instanceof Scene.Group g) {
                for (Scene.Shape c : g.children()) {
                    if (c instanceof Scene.Dots d && d.shape() == Scene.DotShape.CIRCLE) {
                        for (int i = 0; i < d.x().length; i++) {
                            assertThat(d.x()[i])
                                    .isBetween(
                                            g.clip().x() - 1e-6,
                                            g.clip().x() + g.clip().w() + 1e-6);
                            assertThat(d.y()[i])
                                    .isBetween(
                                            g.clip().y() - 1e-6,
                                            g.clip().y() + g.clip().h() + 1e-6);
                        }
                    }
                }
            }
        }
    }

    static Stream<Arguments> randomFigures() {
        List<Arguments> out = new ArrayList<>();
        for (long seed = 1; seed <= 12; seed++) {
            out.add(Arguments.of(seed, seed % 3 == 0));
        }
        return out.stream();
    }

    @Test
    void figureIdsAndSizesAreValidated() {
        Plot p = plot(new Points("p", "#000000", new double[] {1}, new double[] {1}, 2, 1));
        assertThatThrownBy(() -> Figure.single("Bad Id", "", p, 400, 300))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bad Id");
        assertThatThrownBy(() -> Figure.single("ok", "", p, 10, 300)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Points("p", "#000000", new double[] {1}, new double[0], 2, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- PNG ----

    @Test
    void pngIsTheSameSceneRasterised() throws Exception {
        Plot p = new Plot(
                "",
                Axis.linear("x").domain(0, 1),
                Axis.linear("y").domain(0, 1),
                List.of(new Points("p", "#D55E00", new double[] {0.5}, new double[] {0.5}, 6, 1)));
        Scene s = FigureLayout.layout(Figure.single("t-png", "", p, 400, 300));
        byte[] png = PngWriter.png(s, 2);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo((int) Math.ceil(s.height() * 2));
        Scene.Group g = s.shapes().stream()
                .filter(Scene.Group.class::isInstance)
                .map(Scene.Group.class::cast)
                .findFirst()
                .orElseThrow();
        int rgb = img.getRGB((int) Math.round(g.xs().map(0.5) * 2), (int) Math.round(g.ys().map(0.5) * 2)) & 0xFFFFFF;
        assertThat(rgb).isEqualTo(0xD55E00);
        assertThat(img.getRGB(1, 1) & 0xFFFFFF).isEqualTo(0xFFFFFF);
        assertThatThrownBy(() -> PngWriter.png(s, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers ----

    static Plot plot(Layer... layers) {
        return new Plot("", Axis.linear("x"), Axis.linear("y"), List.of(layers));
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    static List<String> texts(Document doc) {
        NodeList nl = doc.getElementsByTagName("text");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nl.getLength(); i++) {
            out.add(nl.item(i).getTextContent());
        }
        return out;
    }
}
