package io.github.saestitch.report;

import io.github.saestitch.report.Plot.Axis;
import io.github.saestitch.report.Plot.Layer;
import io.github.saestitch.report.Plot.Line;
import io.github.saestitch.report.Plot.Rule;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.PathShape;
import io.github.saestitch.study.SourceNumbers;
import io.github.saestitch.study.TrainingLengthStudy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's section "How this compares with the source": our contingency tables beside the stitching
 * write-up's (GPT-2 small 768 → 1536), the joint effect of the novel latents at every τ and the greedy
 * order against the cosine order (from a compare's {@code joint_path.csv} and {@code greedy_path.csv}),
 * and the training-length study ({@code training_length_study.csv}). Every sentence about our data is
 * generated from the numbers. Inputs written before these files existed are skipped, with a note.
 */
final class SourceComparison {
    /** The section id. */
    static final String ID = "source";

    static final String HEADING = "How this compares with the source";

    private SourceComparison() {}

    /** A pair's joint sweep and greedy path, read from its compare directory (null parts: not there). */
    record Paths(
            CompareRun run,
            double[] jointCos,
            double[] jointMse,
            double minThreshold,
            double minMse,
            double[] cosineMse,
            double[] greedyMse) {}

    /** The joint path, its minimum and the two add orders of a pair, or null when its compare predates them. */
    static Paths read(CompareRun run) throws IOException {
        Path joint = run.dir().resolve(CompareWriter.JOINT_PATH_FILE);
        if (!Files.isRegularFile(joint)) {
            return null;
        }
        Csv j = Csv.read(joint);
        j.requireFormatVersion(CompareWriter.FORMAT_VERSION);
        int cc = j.column("max_cos");
        int mc = j.column("mse");
        double[] cos = new double[j.size()];
        double[] mse = new double[j.size()];
        for (int r = 0; r < j.size(); r++) {
            cos[r] = j.number(r, cc);
            mse[r] = j.number(r, mc);
        }
        double minT = Double.NaN;
        double minM = Double.NaN;
        Path sweep = run.dir().resolve(CompareWriter.SWEEP_FILE);
        if (Files.isRegularFile(sweep)) {
            Csv s = Csv.read(sweep);
            int kind = s.column("row");
            for (int r = 0; r < s.size(); r++) {
                if (s.text(r, kind).equals("joint_minimum")) {
                    minT = s.number(r, s.column("threshold"));
                    minM = s.number(r, s.column("joint_mse"));
                }
            }
        }
        List<CompareRun.Step> steps = run.interpolation();
        List<Double> cosine = new ArrayList<>();
        for (CompareRun.Step st : steps) {
            if (st.action().equals("start") || st.action().equals("add")) {
                cosine.add(st.mse());
            }
        }
        double[] greedy = null;
        Path g = run.dir().resolve(CompareWriter.GREEDY_PATH_FILE);
        if (Files.isRegularFile(g)) {
            Csv gc = Csv.read(g);
            gc.requireFormatVersion(CompareWriter.FORMAT_VERSION);
            int gm = gc.column("mse");
            greedy = new double[gc.size()];
            for (int r = 0; r < gc.size(); r++) {
                greedy[r] = gc.number(r, gm);
            }
        }
        return new Paths(
                run,
                cos,
                mse,
                minT,
                minM,
                cosine.stream().mapToDouble(Double::doubleValue).toArray(),
                greedy);
    }

    /** The section's opening paragraph. */
    static String intro() {
        return "The stitching write-up (Bussmann, Leask, Nanda et al. 2024) reports one pair, GPT-2 small's 768- and "
                + "1536-latent SAEs: its contingency table, 79.8% agreement of &#8220;novel&#8221; with &#8220;lowers mse "
                + "alone&#8221;, and &#8220;almost 10%&#8221; lower mse with all 657 novel latents added. Below, the same "
                + "numbers for our pairs, the joint effect at every threshold, a marginal-aware order, and how the "
                + "numbers move with training length. Every sentence about our data is written from the numbers.";
    }

    /** Our pairs' tables beside the source's (HTML). */
    static String contingencyTable(List<CompareRun> runs, List<Paths> paths) {
        SourceNumbers src = SourceNumbers.GPT2_SMALL_768_1536;
        StringBuilder sb = new StringBuilder("<table class=\"num\"><thead><tr><th>pair</th><th>novel &amp; helps</th>"
                + "<th>novel &amp; hurts</th><th>recon. &amp; helps</th><th>recon. &amp; hurts</th><th>agreement</th>"
                + "<th>all novel jointly</th><th>best joint &#964;</th><th>its mse change</th></tr></thead><tbody>\n");
        sb.append(String.format(
                Locale.ROOT,
                "<tr><td>GPT-2 small %d &#8594; %d (source)</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td>"
                        + "<td>&#8776; %s</td><td>&#8212;</td><td>&#8212;</td></tr>\n",
                src.smallWidth(),
                src.largeWidth(),
                src.novelImproves(),
                src.novelWorsens(),
                src.reconstructionImproves(),
                src.reconstructionWorsens(),
                Fmt.pct(src.agreement(), false),
                Fmt.pct(src.novelAddedChange(), true)));
        for (int k = 0; k < runs.size(); k++) {
            CompareRun run = runs.get(k);
            io.github.saestitch.stitch.Contingency c = run.contingency();
            double s = run.summary().small().mse();
            Paths p = paths.get(k);
            sb.append("<tr><td>")
                    .append(Fmt.xml(run.label()))
                    .append("</td><td>")
                    .append(c.novelImproves())
                    .append("</td><td>")
                    .append(c.novelWorsens())
                    .append("</td><td>")
                    .append(c.reconstructionImproves())
                    .append("</td><td>")
                    .append(c.reconstructionWorsens())
                    .append("</td><td>")
                    .append(Fmt.pct(c.agreement(), false))
                    .append("</td><td>")
                    .append(Fmt.pct(change(run.summary().novelAdded().mse(), s), true))
                    .append("</td><td>")
                    .append(p == null ? "&#8212;" : threshold(p.minThreshold()))
                    .append("</td><td>")
                    .append(p == null ? "&#8212;" : Fmt.pct(change(p.minMse(), s), true))
                    .append("</td></tr>\n");
        }
        return sb.append("</tbody></table>\n").toString();
    }

    /** mse of S + every latent with max_cos ≤ τ against τ, with τ = 0.7 and the best τ marked; or null. */
    static Figures.Chart jointChart(Paths p, String id) {
        double s = p.run().summary().small().mse();
        int n = p.jointCos().length - 1;
        if (n < 1) {
            return null;
        }
        double[] x = new double[n];
        double[] y = new double[n];
        for (int k = 1; k <= n; k++) {
            x[k - 1] = p.jointCos()[k];
            y[k - 1] = 100 * change(p.jointMse()[k], s);
        }
        double tau = p.run().summary().threshold();
        List<Layer> layers = new ArrayList<>(List.of(
                new Line("S + every latent with max_cos \u2264 \u03c4", Figures.NOVEL, x, y, 1.8, false),
                new Rule(null, Figures.RULE, true, tau, "\u03c4 used", true),
                new Rule(null, Figures.RULE, false, 0, null, false)));
        if (Double.isFinite(p.minThreshold())) {
            layers.add(new Rule(null, Figures.RECONSTRUCTION, true, p.minThreshold(), "lowest", true));
        }
        Plot plot =
                new Plot("", Axis.linear("threshold \u03c4 on max_cos"), Axis.linear("mse change vs S (%)"), layers);
        return new Figures.Chart(
                Figure.single(id, p.run().label() + ": joint effect against the threshold", plot, 620, 360),
                jointSentence(p),
                List.of());
    }

    /** The cosine order of the novel latents against the greedy order, mse against latents added; or null. */
    static Figures.Chart ordersChart(Paths p, String id) {
        if (p.greedyMse() == null || p.cosineMse().length < 2) {
            return null;
        }
        double s = p.run().summary().small().mse();
        List<Layer> layers = List.of(
                new Line(
                        "cosine order (ascending max_cos)",
                        Figures.NOVEL,
                        index(p.cosineMse()),
                        pct(p.cosineMse(), s),
                        1.8,
                        false),
                new Line(
                        "greedy order (exact joint \u0394mse)",
                        Figures.RECONSTRUCTION,
                        index(p.greedyMse()),
                        pct(p.greedyMse(), s),
                        1.8,
                        true),
                new Rule(null, Figures.RULE, false, 0, null, false));
        Plot plot = new Plot("", Axis.linear("novel latents added"), Axis.linear("mse change vs S (%)"), layers);
        return new Figures.Chart(
                Figure.single(id, p.run().label() + ": cosine order against greedy order", plot, 620, 360),
                ordersSentence(p),
                List.of());
    }

    /** One sentence on the joint figure, from the numbers. */
    static String jointSentence(Paths p) {
        double s = p.run().summary().small().mse();
        double tau = p.run().summary().threshold();
        double atTau = change(p.run().summary().novelAdded().mse(), s);
        String where = !Double.isFinite(p.minThreshold())
                ? "adding no latent at all is best"
                : String.format(
                        Locale.ROOT,
                        "it is lowest at \u03c4 = %.3f (%s), %s the \u03c4 used",
                        p.minThreshold(),
                        Fmt.pct(change(p.minMse(), s), true),
                        p.minThreshold() < tau ? "below" : p.minThreshold() > tau ? "above" : "at");
        return String.format(
                Locale.ROOT,
                "On our %s pair, adding every latent with max_cos \u2264 %.2f together changes mse by %s (the source: "
                        + "about \u221210%%); %s.",
                Fmt.xml(p.run().label()),
                tau,
                Fmt.pct(atTau, true),
                where);
    }

    /** One sentence on the orders figure, from the numbers. */
    static String ordersSentence(Paths p) {
        double s = p.run().summary().small().mse();
        PathShape cosine = PathShape.of(p.cosineMse(), p.cosineMse().length);
        PathShape greedy = PathShape.of(p.greedyMse(), p.greedyMse().length);
        int cr = cosine.risingSteps();
        int gr = greedy.risingSteps();
        int gmin = greedy.minimumStep();
        int n = greedy.steps();
        return String.format(
                Locale.ROOT,
                "Both orders join S and S + all %d novel latents. The cosine order %s; the greedy order %s, reaching "
                        + "%s after %d latents%s.",
                n,
                cr == 0 ? "never raises mse" : "raises mse in " + cr + " of its " + n + " steps",
                gr == 0 ? "is monotone" : "raises mse in " + gr + " steps",
                Fmt.pct(change(p.greedyMse()[gmin], s), true),
                gmin,
                gmin == n
                        ? ""
                        : gr == n - gmin
                                ? " and then rises at every step, as the remaining latents, none of which helps any more, go in"
                                : String.format(
                                        Locale.ROOT, " and then rises in %d of the remaining %d steps", gr, n - gmin));
    }

    /** The training-length study's table (HTML) with its sentence, or "" without a study. */
    static String studyHtml(Path csv) throws IOException {
        if (csv == null || !Files.isRegularFile(csv)) {
            return "";
        }
        Csv c = Csv.read(csv);
        c.requireFormatVersion(TrainingLengthStudy.FORMAT_VERSION);
        StringBuilder sb = new StringBuilder("<h3>Training length</h3>\n<p>From " + Fmt.xml(csv.toString())
                + ": the smallest pair trained for each length on the same activations, compared on the same "
                + "tokens.</p>\n<table class=\"num\"><thead><tr><th>training tokens</th><th>pair</th><th>novel &amp; helps"
                + "</th><th>novel &amp; hurts</th><th>recon. &amp; helps</th><th>recon. &amp; hurts</th><th>agreement</th>"
                + "<th>all novel jointly</th><th>best joint &#964;</th></tr></thead><tbody>\n");
        List<double[]> ours = new ArrayList<>(); // tokens, agreement, joint change
        for (int r = 0; r < c.size(); r++) {
            double tokens = c.number(r, c.column("training_tokens"));
            boolean source = !c.text(r, c.column("source")).equals("saestitch");
            double agreement = c.number(r, c.column("agreement"));
            double joint = c.number(r, c.column("novel_added_mse_change_fraction"));
            if (!source) {
                ours.add(new double[] {tokens, agreement, joint});
            }
            sb.append("<tr><td>")
                    .append(source ? "source (unknown)" : Fmt.count((long) tokens))
                    .append("</td><td>")
                    .append(source ? "GPT-2 small " : "")
                    .append(c.integer(r, c.column("small_width")))
                    .append(" &#8594; ")
                    .append(c.integer(r, c.column("large_width")))
                    .append("</td>");
            for (String col :
                    List.of("novel_improves", "novel_worsens", "reconstruction_improves", "reconstruction_worsens")) {
                sb.append("<td>").append(c.integer(r, c.column(col))).append("</td>");
            }
            sb.append("<td>")
                    .append(Fmt.pct(agreement, false))
                    .append("</td><td>")
                    .append(source ? "&#8776; " : "")
                    .append(Fmt.pct(joint, true))
                    .append("</td><td>")
                    .append(threshold(c.number(r, c.column("joint_minimum_threshold"))))
                    .append("</td></tr>\n");
        }
        sb.append("</tbody></table>\n");
        if (ours.size() >= 2) {
            double[] a = ours.get(0);
            double[] b = ours.get(ours.size() - 1);
            sb.append(String.format(
                    Locale.ROOT,
                    "<p>From %s to %s training tokens, agreement goes from %s to %s (the source: %s) and the joint "
                            + "effect of all novel latents from %s to %s (the source: about &#8722;10%%).</p>\n",
                    Fmt.count((long) a[0]),
                    Fmt.count((long) b[0]),
                    Fmt.pct(a[1], false),
                    Fmt.pct(b[1], false),
                    Fmt.pct(SourceNumbers.GPT2_SMALL_768_1536.agreement(), false),
                    Fmt.pct(a[2], true),
                    Fmt.pct(b[2], true)));
        }
        return sb.toString();
    }

    /**
     * The downstream scores (the reconstruction spliced back into the model, {@code embedding_recovered}
     * of {@code eval --downstream}) of the Frankenstein table's models, when it has them; otherwise a
     * sentence saying they were not measured. The sentences are written from the numbers.
     */
    static String downstreamHtml(FrankensteinTable frank) {
        String head = "<h3 id=\"source-downstream\">Downstream scores</h3>\n";
        if (frank == null || !frank.hasDownstream()) {
            return head + "<p>Not measured in this report: mse says nothing about whether the model still computes "
                    + "the same thing with the reconstruction spliced in (<code>eval --downstream</code>, "
                    + "<code>frankenstein --downstream</code>).</p>\n";
        }
        List<FrankensteinTable.Row> scored = frank.rows().stream()
                .filter(r -> Double.isFinite(r.embeddingRecovered()))
                .toList();
        List<FrankensteinTable.Row> originals = scored.stream()
                .filter(r -> r.series().equals(FrankensteinTable.ORIGINAL))
                .sorted(java.util.Comparator.comparingInt(FrankensteinTable.Row::numLatents))
                .toList();
        FrankensteinTable.Row best = scored.stream()
                .filter(r -> !r.series().equals(FrankensteinTable.ORIGINAL))
                .max(java.util.Comparator.comparingDouble(FrankensteinTable.Row::embeddingRecovered))
                .orElse(null);
        StringBuilder sb = new StringBuilder(head);
        sb.append("<p>The model's sentence embedding with each SAE's reconstruction spliced in at the hook, on the "
                + "Frankenstein stage's held-out tokens: <code>embedding_recovered</code> is 1 when the embedding is "
                + "unchanged and 0 when it is no better than replacing the activations by their mean (the analog "
                + "of the CE-loss-recovered score of SAELens, dictionary_learning and SAEBench; the stitching "
                + "write-up reports mse only).");
        if (originals.size() >= 2) {
            FrankensteinTable.Row lo = originals.getFirst();
            FrankensteinTable.Row hi = originals.getLast();
            sb.append(String.format(
                    Locale.ROOT,
                    " On our data the originals score from %.3f (%s latents) to %.3f (%s latents).",
                    lo.embeddingRecovered(),
                    Fmt.count(lo.numLatents()),
                    hi.embeddingRecovered(),
                    Fmt.count(hi.numLatents())));
        }
        if (best != null) {
            sb.append(String.format(
                    Locale.ROOT,
                    " The best stitched model, %s with %s latents, scores %.3f.",
                    Fmt.xml(best.series()),
                    Fmt.count(best.numLatents()),
                    best.embeddingRecovered()));
        }
        sb.append("</p>\n<table><thead><tr><th>series</th><th>latents</th><th>mse</th>"
                + "<th>embedding recovered</th></tr></thead><tbody>\n");
        for (FrankensteinTable.Row r : scored) {
            sb.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.4f</td></tr>%n",
                    Fmt.xml(r.series()),
                    Fmt.count(r.numLatents()),
                    Fmt.num(r.mse()),
                    r.embeddingRecovered()));
        }
        return sb.append("</tbody></table>\n").toString();
    }

    private static String threshold(double t) {
        return Double.isFinite(t) ? String.format(Locale.ROOT, "%.3f", t) : "&#8212;";
    }

    private static double change(double mse, double small) {
        return small > 0 ? (mse - small) / small : Double.NaN;
    }

    private static double[] index(double[] v) {
        double[] x = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            x[i] = i;
        }
        return x;
    }

    private static double[] pct(double[] mse, double small) {
        double[] y = new double[mse.length];
        for (int i = 0; i < mse.length; i++) {
            y[i] = 100 * change(mse[i], small);
        }
        return y;
    }
}
