package io.github.saestitch.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.stitch.Contingency;
import io.github.saestitch.study.TrainingLengthStudy;
import io.github.saestitch.train.Convergence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the HTML report: {@code outDir/index.html}, one self-contained file (inline CSS, inline SVG
 * figures, the data as embedded JSON, a little vanilla JavaScript; no network request of any kind),
 * and every figure again as a standalone file {@code outDir/figures/ID.svg} (and {@code ID.png} when
 * asked) for papers and slides.
 *
 * <p>Sections, each present only when its data is: overview; per pair the max_cos–Δmse scatter with
 * the contingency table beside the source's, the max_cos histogram, the cumulative individual Δmse,
 * the threshold sweep and a swap-group summary; interpolation curves across pairs; family summary;
 * training curves; Frankenstein against the originals; the toy-model absorption comparison; the latent
 * explorer; and a list of the inputs.
 *
 * <p>All inputs are read and checked before anything is written, so a bad file leaves {@code outDir}
 * as it was. {@code figures/} is replaced as a whole (no stale figures from an earlier run), then
 * {@code index.html} is written atomically. Other files in {@code outDir} are left alone.
 */
public final class ReportBuilder {
    /** The HTML file name. */
    public static final String HTML = "index.html";
    /** The figures' sub-directory. */
    public static final String FIGURES = "figures";
    /** PNG pixels per SVG unit: sharp on slides and in print. */
    static final double PNG_SCALE = 2;

    /** The source's contingency table (GPT-2 small, 768 → 1536 latents; Bussmann, Leask et al. 2024). */
    static final long SOURCE_NOVEL_IMPROVES = 628;

    static final long SOURCE_NOVEL_WORSENS = 29;
    static final long SOURCE_RECONSTRUCTION_IMPROVES = 281;
    static final long SOURCE_RECONSTRUCTION_WORSENS = 598;

    private ReportBuilder() {}

    /** A figure drawn for this report: its chart, its laid-out scene. */
    private record Drawn(Figures.Chart chart, Scene scene) {}

    /** Everything the report reads, read before anything is written (a bad input writes nothing). */
    private record Loaded(
            List<CompareRun> runs,
            FamilyRun family,
            List<TrainingCurve> curves,
            Path frankPath,
            FrankensteinTable frank,
            Path toyPath,
            ToyTable toy,
            List<MetaSaeRun> metas,
            List<NmfRun> nmfs) {}

    /** The page as it is built: its HTML, its figures in order, its embedded data and its notes. */
    private static final class Draft {
        final HtmlPage page;
        final Map<String, Drawn> drawn = new LinkedHashMap<>();
        final ObjectNode data;
        final List<String> notes = new ArrayList<>();
        final boolean png;

        Draft(ReportInputs inputs) {
            page = new HtmlPage(inputs.title());
            data = ReportData.root(inputs.title(), List.of());
            png = inputs.png();
        }

        void figure(Figures.Chart chart) {
            page.raw(draw(chart, drawn, png));
        }
    }

    /**
     * The explorer's per-pair data: the pair objects, the sampled latent rows of each pair, the pair
     * holding each pair's smaller SAE as its larger one ({@code prev}, −1 when none) and the view of that
     * smaller SAE when no pair holds it ({@code smallNodes}, null entries otherwise).
     */
    private record Explorer(
            List<ObjectNode> pairNodes, List<int[]> pairRows, int[] prev, List<ObjectNode> smallNodes) {}

    /**
     * Reads the inputs, writes {@code outDir/index.html} and {@code outDir/figures/}, and says what it
     * wrote.
     *
     * @throws ReportInputException when an input file is missing or malformed (nothing is written then)
     */
    public static ReportResult build(ReportInputs inputs, Path outDir) throws IOException {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(outDir, "outDir");
        Loaded in = read(inputs);
        Draft d = new Draft(inputs);
        Explorer ex = pairSections(d, in.runs(), inputs);
        // Decompositions attach to the explorer before the sections that follow (their notes come first).
        ExplorerTarget[] metaTargets = attachMetas(d, in, ex);
        ExplorerTarget[] nmfTargets = attachNmfs(d, in, ex);
        studySections(d, in);
        sourceSection(d, in, inputs);
        decompositionSections(d, in, ex.prev(), metaTargets, nmfTargets);
        d.page.section("about", "About this report", null);
        d.page.raw(aboutHtml(
                inputs,
                in.runs(),
                in.family(),
                in.curves(),
                in.frankPath(),
                in.toyPath(),
                in.metas(),
                in.nmfs(),
                d.notes));
        ArrayNode dataNotes = d.data.putArray("notes");
        d.notes.forEach(dataNotes::add);
        String html = d.page.render(
                lead(in.runs(), in.family()),
                d.data,
                "Written by saestitch (report data "
                        + "format_version " + ReportData.FORMAT_VERSION
                        + "). Self-contained: no network access; figures are "
                        + "also in <code>figures/</code>.");
        return write(d, html, outDir);
    }

    private static Loaded read(ReportInputs inputs) throws IOException {
        List<CompareRun> runs = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (PairInput p : inputs.pairs()) {
            CompareRun r = CompareRun.read(p.compareDir(), p.label(), p.contexts(), p.small());
            if (!labels.add(r.label())) {
                // Two pairs of the same widths (e.g. two sites): tell them apart by directory.
                r = new CompareRun(
                        r.dir(),
                        r.label() + " (" + r.dir().getFileName() + ")",
                        r.summary(),
                        r.latents(),
                        r.groups(),
                        r.interpolation(),
                        r.contexts(),
                        r.small());
                labels.add(r.label());
            }
            runs.add(r);
        }
        FamilyRun family = inputs.familyDir() == null ? null : FamilyRun.read(inputs.familyDir());
        List<TrainingCurve> curves = new ArrayList<>();
        if (family != null) {
            curves.addAll(family.curves());
        }
        for (ReportInputs.TrainingLogInput t : inputs.trainingLogs()) {
            curves.add(TrainingCurve.read(t.csv(), t.label()));
        }
        Path frankPath = discover(inputs.frankenstein(), inputs.familyDir(), FrankensteinTable.FILE);
        FrankensteinTable frank = frankPath == null ? null : FrankensteinTable.read(frankPath);
        Path toyPath = discover(inputs.toyComparison(), inputs.familyDir(), ToyTable.FILE);
        ToyTable toy = toyPath == null ? null : ToyTable.read(toyPath);
        List<MetaSaeRun> metas = new ArrayList<>();
        for (Path p : inputs.metaSaeDirs()) {
            metas.add(MetaSaeRun.read(p));
        }
        List<NmfRun> nmfs = new ArrayList<>();
        for (Path p : inputs.nmfDirs()) {
            nmfs.add(NmfRun.read(p));
        }
        return new Loaded(runs, family, curves, frankPath, frank, toyPath, toy, metas, nmfs);
    }

    /** The overview and one section per pair; returns the explorer's pair data, linked across widths. */
    private static Explorer pairSections(Draft d, List<CompareRun> runs, ReportInputs inputs) {
        ArrayNode pairData = d.data.putArray("pairs");
        List<ObjectNode> pairNodes = new ArrayList<>();
        List<int[]> pairRows = new ArrayList<>();
        if (!runs.isEmpty()) {
            d.page.section("overview", "Overview", overviewIntro(runs));
            d.page.raw(overviewTable(runs));
        }
        for (int k = 0; k < runs.size(); k++) {
            CompareRun run = runs.get(k);
            String pid = "pair" + (k + 1);
            pairSection(d, run, k, inputs);
            int[] rows = Sampling.indices(run.latents().size(), inputs.maxExplorerLatents(), inputs.seed());
            if (rows.length < run.latents().size()) {
                d.notes.add(run.label() + ": the explorer holds " + Fmt.count(rows.length) + " of "
                        + Fmt.count(run.latents().size()) + " latents (uniform random sample, seed " + inputs.seed()
                        + "); latents.csv has them all.");
            }
            ObjectNode pd = ReportData.pair(pid, run, rows, inputs.seed(), pid + "-maxcos-vs-dmse-svg");
            pairData.add(pd);
            pairNodes.add(pd);
            pairRows.add(rows);
        }
        // The explorer walks across widths (parent in the next smaller SAE, children in the next larger)
        // through pairs that share an SAE, and shows meta-latents and NMF factors of the SAE they decompose.
        // A pair whose smaller SAE is no pair's larger one also carries that SAE's own view (small_latents),
        // so every SAE of a chain (the smallest included) has its latents in the explorer.
        int[] prev = new int[runs.size()];
        List<ObjectNode> smallNodes = new ArrayList<>();
        for (int k = 0; k < runs.size(); k++) {
            prev[k] = uniquePair(runs, true, runs.get(k).summary().small().numLatents());
            pairNodes.get(k).put("prev_pair", prev[k]);
            pairNodes
                    .get(k)
                    .put(
                            "next_pair",
                            uniquePair(
                                    runs, false, runs.get(k).summary().large().numLatents()));
            ObjectNode sn = prev[k] < 0 ? ReportData.small(runs.get(k)) : null;
            if (sn != null) {
                pairNodes.get(k).set("small_latents", sn);
            }
            smallNodes.add(sn);
        }
        return new Explorer(pairNodes, pairRows, prev, smallNodes);
    }

    /** Pair k's section: its figures, contingency table and swap groups. */
    private static void pairSection(Draft d, CompareRun run, int k, ReportInputs inputs) {
        String pid = "pair" + (k + 1);
        d.page.section(pid, "Pair " + (k + 1) + ": " + run.label(), pairIntro(run));
        Figures.Chart scatter = Figures.scatter(run, pid + "-maxcos-vs-dmse", inputs.maxScatterPoints(), inputs.seed());
        d.page.raw("<div class=\"row\">\n");
        d.figure(scatter);
        d.page.raw("<div class=\"side\">\n" + contingencyHtml(run) + "</div>\n</div>\n");
        d.figure(Figures.histogram(run, pid + "-maxcos-histogram"));
        d.figure(Figures.cumulative(run, pid + "-cumulative-dmse"));
        Figures.Chart sweep = Figures.sweep(run, pid + "-threshold-sweep");
        if (sweep != null) {
            d.figure(sweep);
        }
        d.page.raw(groupsHtml(run));
        for (String n : scatter.notes()) {
            d.notes.add(run.label() + ": " + n);
        }
    }

    /** Puts each meta-SAE into the explorer of the SAE it decomposes; returns where each one's latents are. */
    private static ExplorerTarget[] attachMetas(Draft d, Loaded in, Explorer ex) {
        List<CompareRun> runs = in.runs();
        ExplorerTarget[] targets = new ExplorerTarget[in.metas().size()];
        for (int i = 0; i < in.metas().size(); i++) {
            MetaSaeRun m = in.metas().get(i);
            ExplorerTarget nearest = target(runs, ex.prev(), m.summary().nearestNumLatents());
            targets[i] = target(runs, ex.prev(), m.summary().numLatents());
            boolean attached = false;
            for (int k = 0; k < runs.size(); k++) {
                ArrayNode into = explorerList(
                        runs, k, ex.pairNodes(), ex.smallNodes(), m.summary().numLatents(), "meta");
                if (into != null) {
                    into.add(ReportData.meta(
                            m,
                            explorerLatents(
                                    runs.get(k),
                                    ex.pairRows().get(k),
                                    m.summary().numLatents()),
                            nearest));
                    attached = true;
                }
            }
            if (!attached) {
                d.notes.add(unattached(m.label(), m.dir(), m.summary().numLatents(), runs));
            }
        }
        return targets;
    }

    /** Puts each NMF into the explorer of the SAE it factorises; returns where each one's latents are. */
    private static ExplorerTarget[] attachNmfs(Draft d, Loaded in, Explorer ex) {
        List<CompareRun> runs = in.runs();
        ExplorerTarget[] targets = new ExplorerTarget[in.nmfs().size()];
        for (int i = 0; i < in.nmfs().size(); i++) {
            NmfRun n = in.nmfs().get(i);
            targets[i] = target(runs, ex.prev(), n.summary().numLatents());
            boolean attached = false;
            for (int k = 0; k < runs.size(); k++) {
                ArrayNode into = explorerList(
                        runs, k, ex.pairNodes(), ex.smallNodes(), n.summary().numLatents(), "nmf");
                if (into != null) {
                    into.add(ReportData.nmf(
                            n,
                            explorerLatents(
                                    runs.get(k),
                                    ex.pairRows().get(k),
                                    n.summary().numLatents())));
                    attached = true;
                }
            }
            if (!attached) {
                d.notes.add(unattached(n.label(), n.dir(), n.summary().numLatents(), runs));
            }
        }
        return targets;
    }

    /** Interpolation, family, training curves, Frankenstein and toy sections, each when its input is there. */
    private static void studySections(Draft d, Loaded in) {
        if (!in.runs().isEmpty()) {
            d.page.section("interpolation", "Interpolation between sizes", null);
            d.figure(Figures.interpolation(in.runs(), "interpolation"));
        }
        FamilyRun family = in.family();
        if (family != null) {
            d.page.section(
                    "family", "Family summary", "From " + code(family.dir().resolve(FamilyRun.SUMMARY_CSV)) + ".");
            d.page.raw(familyTable(family));
            if (!family.members().isEmpty()) {
                d.figure(Figures.family(family, "family-summary"));
            }
            if (!family.missing().isEmpty()) {
                d.notes.add("Family members without a " + TrainingCurve.FILE + " (no training curve shown): "
                        + String.join(", ", family.missing()) + ".");
            }
        }
        if (!in.curves().isEmpty()) {
            d.page.section("training", "Training curves", null);
            d.figure(Figures.training(in.curves(), "training-curves"));
            d.page.raw(convergenceTable(in.curves()));
        }
        if (in.frank() != null) {
            d.page.section(
                    "frankenstein",
                    "Frankenstein and greedy SAEs",
                    "From " + code(in.frank().file()) + ".");
            d.figure(Figures.frankenstein(in.frank(), "frankenstein"));
            d.page.raw(frankensteinTable(in.frank()));
        }
        if (in.toy() != null) {
            d.page.section(
                    "toy", "Toy model: absorption", "From " + code(in.toy().file()) + ".");
            d.figure(Figures.toy(in.toy(), "toy-absorption"));
            d.page.raw(toyTable(in.toy()));
        }
    }

    /**
     * "How this compares with the source": the tables side by side, the joint sweep and the greedy order
     * per pair, the training-length study (training_length_study.csv in the family directory) and the
     * place of the downstream scores.
     */
    private static void sourceSection(Draft d, Loaded in, ReportInputs inputs) throws IOException {
        if (in.runs().isEmpty()) {
            return;
        }
        List<SourceComparison.Paths> paths = new ArrayList<>();
        for (CompareRun run : in.runs()) {
            paths.add(SourceComparison.read(run));
        }
        d.page.section(SourceComparison.ID, SourceComparison.HEADING, SourceComparison.intro());
        d.page.raw(SourceComparison.contingencyTable(in.runs(), paths));
        for (int k = 0; k < paths.size(); k++) {
            SourceComparison.Paths p = paths.get(k);
            if (p == null) {
                d.page.raw("<p>" + Fmt.xml(in.runs().get(k).label()) + ": compare written before the joint sweep "
                        + "(no " + io.github.saestitch.stitch.CompareWriter.JOINT_PATH_FILE
                        + "); re-run compare for the joint effect at every "
                        + "threshold.</p>\n");
                continue;
            }
            Figures.Chart joint = SourceComparison.jointChart(p, "pair" + (k + 1) + "-joint-sweep");
            if (joint != null) {
                d.figure(joint);
            }
            Figures.Chart orders = SourceComparison.ordersChart(p, "pair" + (k + 1) + "-greedy-order");
            if (orders != null) {
                d.figure(orders);
            }
        }
        d.page.raw(SourceComparison.studyHtml(
                inputs.familyDir() == null ? null : inputs.familyDir().resolve(TrainingLengthStudy.FILE)));
        d.page.raw(SourceComparison.downstreamHtml(in.frank()));
    }

    /** Meta-SAE and NMF sections, then the latent explorer. */
    private static void decompositionSections(
            Draft d, Loaded in, int[] prev, ExplorerTarget[] metaTargets, ExplorerTarget[] nmfTargets) {
        if (!in.metas().isEmpty()) {
            d.page.section("meta-sae", "Meta-SAEs: latents as sums of broader ones", DecompositionSections.META_INTRO);
            for (int i = 0; i < in.metas().size(); i++) {
                d.page.raw(DecompositionSections.meta(
                        in.metas().get(i),
                        metaTargets[i],
                        target(in.runs(), prev, in.metas().get(i).summary().nearestNumLatents())));
            }
        }
        if (!in.nmfs().isEmpty()) {
            d.page.section("nmf", "NMF factors: latents that fire together", DecompositionSections.NMF_INTRO);
            for (int i = 0; i < in.nmfs().size(); i++) {
                d.page.raw(DecompositionSections.nmf(in.nmfs().get(i), nmfTargets[i]));
            }
        }
        if (!in.runs().isEmpty()) {
            d.page.section("explorer", "Latent explorer", EXPLORER_INTRO);
            d.page.raw(EXPLORER_HTML);
        }
    }

    /** Writes the figures first (as one directory), then the page that links to them. */
    private static ReportResult write(Draft d, String html, Path outDir) throws IOException {
        Path figDir = outDir.resolve(FIGURES);
        List<ReportResult.FigureFile> files = new ArrayList<>();
        for (Drawn dr : d.drawn.values()) {
            String id = dr.chart().figure().id();
            files.add(new ReportResult.FigureFile(
                    id,
                    dr.chart().figure().title(),
                    figDir.resolve(id + ".svg"),
                    d.png ? figDir.resolve(id + ".png") : null));
        }
        AtomicOutput.writeDirectory(figDir, tmp -> {
            for (Drawn dr : d.drawn.values()) {
                String id = dr.chart().figure().id();
                Files.writeString(tmp.resolve(id + ".svg"), SvgWriter.document(dr.scene()), StandardCharsets.UTF_8);
                if (d.png) {
                    Files.write(tmp.resolve(id + ".png"), PngWriter.png(dr.scene(), PNG_SCALE));
                }
            }
        });
        Path index = outDir.resolve(HTML);
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        AtomicOutput.writeFile(index, tmp -> Files.write(tmp, bytes));
        return new ReportResult(index, bytes.length, files, d.page.sectionIds(), d.notes);
    }

    /** The explicit path, else {@code dir/name} when it exists, else null. */
    private static Path discover(Path explicit, Path dir, String name) {
        if (explicit != null) {
            return explicit;
        }
        if (dir != null && Files.isRegularFile(dir.resolve(name))) {
            return dir.resolve(name);
        }
        return null;
    }

    /**
     * The index of the one pair whose smaller ({@code asLarger} false) or larger ({@code asLarger} true)
     * SAE has {@code width} latents, or −1 when none or several do (several sites of one width: the
     * width alone cannot say which is meant).
     */
    static int uniquePair(List<CompareRun> runs, boolean asLarger, int width) {
        int found = -1;
        for (int k = 0; k < runs.size(); k++) {
            CompareRun.Summary s = runs.get(k).summary();
            if ((asLarger ? s.large() : s.small()).numLatents() == width) {
                if (found >= 0) {
                    return -1;
                }
                found = k;
            }
        }
        return found;
    }

    /**
     * Where the latents of the SAE with {@code width} latents open in the explorer: the larger SAE of the
     * one pair that has it, else the smaller SAE of the one pair that has it and starts a chain
     * ({@code prev} −1); null when none or several pairs have it.
     */
    static ExplorerTarget target(List<CompareRun> runs, int[] prev, int width) {
        int k = uniquePair(runs, true, width);
        if (k >= 0) {
            return new ExplorerTarget(k, false, runs.get(k).contexts());
        }
        k = uniquePair(runs, false, width);
        if (k >= 0 && prev[k] < 0) {
            return new ExplorerTarget(k, true, runs.get(k).small().contexts());
        }
        return null;
    }

    /**
     * The explorer list ({@code meta} or {@code nmf}) of pair k that a decomposition of the SAE with
     * {@code width} latents belongs in: the pair's own when its larger SAE has that width, its
     * small_latents' when it has that view and its smaller SAE has that width, else null.
     */
    private static ArrayNode explorerList(
            List<CompareRun> runs,
            int k,
            List<ObjectNode> pairNodes,
            List<ObjectNode> smallNodes,
            int width,
            String key) {
        CompareRun.Summary s = runs.get(k).summary();
        if (s.large().numLatents() == width) {
            return (ArrayNode) pairNodes.get(k).get(key);
        }
        if (smallNodes.get(k) != null && s.small().numLatents() == width) {
            return (ArrayNode) smallNodes.get(k).get(key);
        }
        return null;
    }

    /** The latents of the SAE with {@code width} latents that pair k's explorer holds (see {@link #explorerList}). */
    private static int[] explorerLatents(CompareRun run, int[] rows, int width) {
        return run.summary().large().numLatents() == width
                ? ReportData.latentsOf(run, rows)
                : java.util.stream.IntStream.range(0, run.summary().small().numLatents())
                        .toArray();
    }

    private static String unattached(String label, Path dir, int width, List<CompareRun> runs) {
        java.util.TreeSet<Integer> w = new java.util.TreeSet<>();
        for (CompareRun r : runs) {
            w.add(r.summary().large().numLatents());
            if (uniquePair(runs, true, r.summary().small().numLatents()) < 0) {
                w.add(r.summary().small().numLatents());
            }
        }
        String widths =
                w.stream().map(Fmt::count).reduce((a, b) -> a + ", " + b).orElse("none");
        return label + " (" + dir + "): no explorer SAE has " + Fmt.count(width) + " latents (the explorer shows "
                + "the larger SAE of each pair and the smallest SAE of each chain: " + widths + "), so it appears in "
                + "its own section only.";
    }

    private static String draw(Figures.Chart chart, Map<String, Drawn> drawn, boolean png) {
        String id = chart.figure().id();
        if (drawn.containsKey(id)) {
            throw new IllegalStateException("two figures with id " + id);
        }
        Scene scene = FigureLayout.layout(chart.figure());
        drawn.put(id, new Drawn(chart, scene));
        return HtmlPage.figure(chart, SvgWriter.element(scene), png);
    }

    private static String code(Path p) {
        return "<code>" + Fmt.xml(p.toString()) + "</code>";
    }

    // ---- text ----

    private static String lead(List<CompareRun> runs, FamilyRun family) {
        StringBuilder sb = new StringBuilder();
        sb.append("What does a wider SAE know that a narrower one does not? For each pair of SAEs trained on the same "
                + "activations, every latent of the larger SAE is classified by its decoder's max cosine with the "
                + "smaller SAE (<i>novel</i> at or below \u03c4, <i>reconstruction</i> above) and measured by how the "
                + "smaller SAE's mse changes when that latent alone is added (\u0394mse), as in \u201cStitching SAEs of "
                + "different sizes\u201d (Bussmann and Leask).");
        if (!runs.isEmpty()) {
            sb.append(" This report covers ").append(runs.size()).append(runs.size() == 1 ? " pair" : " pairs");
            if (family != null) {
                sb.append(" and a family of ").append(family.members().size()).append(" widths");
            }
            sb.append('.');
        }
        return sb.toString();
    }

    private static String overviewIntro(List<CompareRun> runs) {
        return "One row per compared pair. <i>Helping</i> means \u0394mse &lt; 0 when the latent alone is added to the "
                + "smaller SAE. <i>Agreement</i> is the fraction of latents (with \u0394mse \u2260 0) whose kind predicts "
                + "the sign: novel latents that help plus reconstruction latents that hurt; the source's GPT-2 pair has "
                + Fmt.pct(sourceAgreement(), false) + ". The last columns are the joint effect of adding all novel "
                + "latents at once (the source cut GPT-2's mse by almost 10% this way).";
    }

    private static double sourceAgreement() {
        return (double) (SOURCE_NOVEL_IMPROVES + SOURCE_RECONSTRUCTION_WORSENS)
                / (SOURCE_NOVEL_IMPROVES
                        + SOURCE_NOVEL_WORSENS
                        + SOURCE_RECONSTRUCTION_IMPROVES
                        + SOURCE_RECONSTRUCTION_WORSENS);
    }

    private static String overviewTable(List<CompareRun> runs) {
        String[] h = {
            "pair",
            "smaller",
            "larger",
            "tokens",
            "\u03c4",
            "novel",
            "novel that help",
            "reconstruction that hurt",
            "agreement",
            "mse smaller",
            "mse larger",
            "mse + all novel",
            "l0 smaller",
            "l0 + all novel"
        };
        List<String[]> rows = new ArrayList<>();
        for (int k = 0; k < runs.size(); k++) {
            CompareRun r = runs.get(k);
            Contingency c = r.contingency();
            CompareRun.Summary s = r.summary();
            long n = c.novel() + c.reconstruction();
            CompareRun.Landmark na = s.novelAdded();
            rows.add(new String[] {
                "<a href=\"#pair" + (k + 1) + "\">" + Fmt.xml(r.label()) + "</a>",
                Fmt.count(s.small().numLatents()),
                Fmt.count(s.large().numLatents()),
                s.tokens() >= 0 ? Fmt.count(s.tokens()) : Fmt.MISSING,
                Ticks.compact(s.threshold()),
                Fmt.count(c.novel()) + " <span class=\"pct\">(" + Fmt.pct(frac(c.novel(), n), false) + ")</span>",
                Fmt.pct(frac(c.novelImproves(), c.novel()), false),
                Fmt.pct(frac(c.reconstructionWorsens(), c.reconstruction()), false),
                Fmt.pct(c.agreement(), false),
                Fmt.num(s.small().mse()),
                Fmt.num(s.large().mse()),
                Fmt.num(na.mse())
                        + (Double.isFinite(na.mseChangeFraction())
                                ? " <span class=\"pct\">(" + Fmt.pct(na.mseChangeFraction(), true) + ")</span>"
                                : ""),
                Fmt.num(s.small().l0()),
                Fmt.num(na.l0())
            });
        }
        return HtmlPage.table("overview", h, rows);
    }

    private static double frac(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    private static String pairIntro(CompareRun run) {
        CompareRun.Summary s = run.summary();
        StringBuilder sb = new StringBuilder();
        sb.append("<span class=\"meta\">Smaller SAE: ")
                .append(Fmt.count(s.small().numLatents()))
                .append(" latents");
        if (!s.small().activation().isEmpty()) {
            sb.append(" (").append(Fmt.xml(s.small().activation())).append(')');
        }
        sb.append("; larger: ").append(Fmt.count(s.large().numLatents())).append(" latents");
        if (!s.large().activation().isEmpty()) {
            sb.append(" (").append(Fmt.xml(s.large().activation())).append(')');
        }
        if (s.tokens() >= 0) {
            sb.append("; measured on ").append(Fmt.count(s.tokens())).append(" tokens");
        }
        sb.append("; \u03c4 = ").append(Ticks.compact(s.threshold()));
        if (!s.kernels().isEmpty()) {
            sb.append("; kernels: ").append(Fmt.xml(s.kernels()));
        }
        sb.append(". From ").append(code(run.dir())).append(".</span>");
        if (s.composite()) {
            sb.append(" <b>Composite:</b> the larger SAE is a topk SAE, so an added latent keeps the activation it has "
                    + "inside the larger SAE (a composite hybrid, not one standard SAE).");
        }
        if (!s.hybrids().isEmpty()) {
            sb.append(" <span class=\"meta\">").append(Fmt.xml(s.hybrids())).append("</span>");
        }
        return sb.toString();
    }

    /** The 2×2 table of kind × sign of Δmse, beside the source's. */
    static String contingencyHtml(CompareRun run) {
        Contingency c = run.contingency();
        long sn = SOURCE_NOVEL_IMPROVES + SOURCE_NOVEL_WORSENS;
        long sr = SOURCE_RECONSTRUCTION_IMPROVES + SOURCE_RECONSTRUCTION_WORSENS;
        StringBuilder sb = new StringBuilder();
        sb.append("<h3>Kind against the sign of \u0394mse</h3>\n");
        sb.append("<div class=\"tablewrap\"><table class=\"contingency\">\n<thead><tr><th></th><th colspan=\"2\">")
                .append(Fmt.xml(run.label()))
                .append("</th><th colspan=\"2\" class=\"source-col\">source: GPT-2 768 \u2192 1536"
                        + "</th></tr>\n<tr><th></th><th class=\"kind-novel\">novel</th><th class=\"kind-reconstruction\">"
                        + "reconstruction</th><th class=\"source-col\">novel</th><th class=\"source-col\">reconstruction</th>"
                        + "</tr></thead>\n<tbody>\n");
        cRow(
                sb,
                "\u0394mse &lt; 0 (helps)",
                c.novelImproves(),
                c.novel(),
                c.reconstructionImproves(),
                c.reconstruction(),
                SOURCE_NOVEL_IMPROVES,
                sn,
                SOURCE_RECONSTRUCTION_IMPROVES,
                sr);
        cRow(
                sb,
                "\u0394mse &gt; 0 (hurts)",
                c.novelWorsens(),
                c.novel(),
                c.reconstructionWorsens(),
                c.reconstruction(),
                SOURCE_NOVEL_WORSENS,
                sn,
                SOURCE_RECONSTRUCTION_WORSENS,
                sr);
        if (c.novelUnchanged() + c.reconstructionUnchanged() > 0) {
            cRow(
                    sb,
                    "\u0394mse = 0 (never active)",
                    c.novelUnchanged(),
                    c.novel(),
                    c.reconstructionUnchanged(),
                    c.reconstruction(),
                    -1,
                    sn,
                    -1,
                    sr);
        }
        sb.append("<tr><th>total</th><td>")
                .append(Fmt.count(c.novel()))
                .append("</td><td>")
                .append(Fmt.count(c.reconstruction()))
                .append("</td><td class=\"source-col\">")
                .append(Fmt.count(sn))
                .append("</td><td class=\"source-col\">")
                .append(Fmt.count(sr))
                .append("</td></tr>\n");
        sb.append("</tbody></table></div>\n");
        sb.append("<p class=\"small\">Percentages are within each kind. Agreement (kind predicts the sign): <b>")
                .append(Fmt.pct(c.agreement(), false))
                .append("</b> here, ")
                .append(Fmt.pct(sourceAgreement(), false))
                .append(" in the source.");
        if (run.undefinedDeltaMse() > 0) {
            sb.append(' ')
                    .append(Fmt.count(run.undefinedDeltaMse()))
                    .append(" latents have no \u0394mse and count as unchanged.");
        }
        sb.append("</p>\n");
        CompareRun.Summary s = run.summary();
        if (s.actComputed()) {
            sb.append("<p class=\"small\">Activation similarity: for ")
                    .append(Fmt.pct(s.sameNearestFraction(), false))
                    .append(
                            " of latents the most correlated small latent is also the decoder-nearest; mean correlation "
                                    + "with the decoder-nearest: ")
                    .append(Fmt.sig(s.meanNearestActCorr(), 3))
                    .append(".</p>\n");
        }
        return sb.toString();
    }

    private static void cRow(
            StringBuilder sb,
            String head,
            long novel,
            long nTotal,
            long recon,
            long rTotal,
            long srcNovel,
            long sn,
            long srcRecon,
            long sr) {
        sb.append("<tr><th>").append(head).append("</th>");
        cell(sb, novel, nTotal, "");
        cell(sb, recon, rTotal, "");
        cell(sb, srcNovel, sn, " class=\"source-col\"");
        cell(sb, srcRecon, sr, " class=\"source-col\"");
        sb.append("</tr>\n");
    }

    private static void cell(StringBuilder sb, long v, long total, String cls) {
        sb.append("<td").append(cls).append('>');
        if (v < 0) {
            sb.append(Fmt.MISSING);
        } else {
            sb.append(Fmt.count(v))
                    .append(" <span class=\"pct\">(")
                    .append(Fmt.pct(frac(v, total), false))
                    .append(")</span>");
        }
        sb.append("</td>");
    }

    /** Swap groups by shape (parents → children) with their mean effects. */
    static String groupsHtml(CompareRun run) {
        List<CompareRun.SwapGroup> groups = run.groups();
        StringBuilder sb = new StringBuilder("<h3>Swap groups</h3>\n");
        if (groups.isEmpty()) {
            sb.append(
                    "<p class=\"empty\">No swap groups: no latent of the larger SAE has a decoder cosine above \u03c4 with "
                            + "a latent of the smaller one.</p>\n");
            return sb.toString();
        }
        String[] shapes = {"1 \u2192 1", "1 \u2192 2", "1 \u2192 3+", "2+ \u2192 1", "2+ \u2192 2+"};
        long[] count = new long[shapes.length];
        long[] worse = new long[shapes.length];
        long[] sparser = new long[shapes.length];
        double[] sumD = new double[shapes.length];
        double[] sumL = new double[shapes.length];
        long[] nD = new long[shapes.length];
        long[] nL = new long[shapes.length];
        for (CompareRun.SwapGroup g : groups) {
            int p = g.parents().length;
            int c = g.children().length;
            int k = p <= 1 ? (c <= 1 ? 0 : c == 2 ? 1 : 2) : (c <= 1 ? 3 : 4);
            count[k]++;
            if (Double.isFinite(g.deltaMse())) {
                sumD[k] += g.deltaMse();
                nD[k]++;
                if (g.deltaMse() > 0) {
                    worse[k]++;
                }
            }
            if (Double.isFinite(g.deltaL0())) {
                sumL[k] += g.deltaL0();
                nL[k]++;
                if (g.deltaL0() < 0) {
                    sparser[k]++;
                }
            }
        }
        List<String[]> rows = new ArrayList<>();
        for (int k = 0; k < shapes.length; k++) {
            if (count[k] == 0) {
                continue;
            }
            rows.add(new String[] {
                shapes[k],
                Fmt.count(count[k]),
                Fmt.pct(frac(worse[k], nD[k]), false),
                Fmt.pct(frac(sparser[k], nL[k]), false),
                Fmt.num(nD[k] == 0 ? Double.NaN : sumD[k] / nD[k]),
                Fmt.num(nL[k] == 0 ? Double.NaN : sumL[k] / nL[k])
            });
        }
        sb.append("<p>A swap group is a connected set of parents (latents of the smaller SAE) and their children "
                        + "(latents of the larger SAE with decoder cosine above \u03c4). Swapping a group replaces its parents by "
                        + "its children. The source found most swaps raise mse a little but lower l0. ")
                .append(Fmt.count(groups.size()))
                .append(" groups in this pair, by shape (parents \u2192 children):</p>\n");
        sb.append(HtmlPage.table(
                "groups",
                new String[] {"shape", "groups", "raise mse", "lower l0", "mean \u0394mse", "mean \u0394l0"},
                rows));
        return sb.toString();
    }

    private static String familyTable(FamilyRun f) {
        List<String[]> rows = new ArrayList<>();
        for (FamilyRun.Member m : f.members()) {
            rows.add(new String[] {
                Fmt.count(m.width()),
                Fmt.xml(m.architecture()),
                m.steps() >= 0 ? Fmt.count(m.steps()) : Fmt.MISSING,
                m.tokens() >= 0 ? Fmt.count(m.tokens()) : Fmt.MISSING,
                Fmt.num(m.mse()),
                Fmt.num(m.fvu()),
                Fmt.num(m.l0()),
                Double.isFinite(m.dead()) ? Fmt.count(Math.round(m.dead())) : Fmt.MISSING,
                Fmt.pct(m.deadFraction(), false),
                Double.isFinite(m.tokensPerSecond()) ? Fmt.count(Math.round(m.tokensPerSecond())) : Fmt.MISSING
            });
        }
        return HtmlPage.table(
                "family",
                new String[] {
                    "width", "architecture", "steps", "tokens", "mse", "fvu", "l0", "dead", "dead fraction", "tokens/s"
                },
                rows,
                1);
    }

    private static String frankensteinTable(FrankensteinTable t) {
        boolean down = t.hasDownstream();
        List<String[]> rows = new ArrayList<>();
        for (FrankensteinTable.Row r : t.rows()) {
            double ref = r.series().equals(FrankensteinTable.ORIGINAL) ? Double.NaN : t.originalMseAt(r.numLatents());
            List<String> cells = new ArrayList<>(List.of(
                    Fmt.xml(r.series()),
                    Fmt.count(r.numLatents()),
                    Fmt.num(r.mse()),
                    Fmt.num(r.fvu()),
                    Fmt.num(r.l0()),
                    ref > 0 ? Fmt.pct(r.mse() / ref - 1, true) : Fmt.MISSING));
            if (down) {
                cells.add(Double.isFinite(r.embeddingRecovered()) ? Fmt.sig(r.embeddingRecovered(), 4) : Fmt.MISSING);
            }
            cells.add(Fmt.xml(r.note()));
            rows.add(cells.toArray(String[]::new));
        }
        List<String> headers =
                new ArrayList<>(List.of("series", "latents", "mse", "fvu", "l0", "mse vs originals of equal width"));
        if (down) {
            headers.add("embedding recovered");
        }
        headers.add("note");
        return HtmlPage.table("frankenstein", headers.toArray(String[]::new), rows, headers.size() - 1)
                + "<p class=\"small\">mse vs originals: the relative difference to the original SAEs' mse at the same "
                + "number of latents, interpolated linearly in log(num_latents) between the two nearest originals "
                + "(negative: the stitched SAE reconstructs better); \u2014 outside the originals' range."
                + (down
                        ? " Embedding recovered: the SAE's reconstruction spliced into the model at its hook, "
                                + "(cos(x̂) − cos(mean)) / (1 − cos(mean)) with cos the cosine to the model's own sentence "
                                + "embedding over the held-out tokens' windows (1: unchanged; 0: no better than the "
                                + "mean activation), the analog of SAELens' and SAEBench's CE loss recovered."
                        : "")
                + "</p>\n";
    }

    /** Per run: the convergence criterion ({@link Convergence}) on its held-out curve. */
    private static String convergenceTable(List<TrainingCurve> curves) {
        List<String[]> rows = new ArrayList<>();
        for (TrainingCurve c : curves) {
            Convergence v = c.convergence();
            rows.add(new String[] {
                Fmt.xml(c.label()),
                v == null ? Fmt.MISSING : Fmt.count(v.toTokens()),
                v == null ? Fmt.MISSING : Fmt.num(v.mseFrom()),
                v == null ? Fmt.MISSING : Fmt.num(v.mseTo()),
                v == null ? Fmt.MISSING : Fmt.pct(v.relativeChange(), true),
                v == null ? "not judged" : v.converged() ? "yes" : "<b>no</b>"
            });
        }
        return HtmlPage.table(
                        "convergence",
                        new String[] {
                            "run",
                            "training tokens",
                            "held-out mse at 3/4",
                            "held-out mse at the end",
                            "change over the last quarter",
                            "converged"
                        },
                        rows,
                        0,
                        5)
                + "<p class=\"small\">Converged: " + Fmt.xml(Convergence.CRITERION)
                + " (the mse at 3/4 of the run read off the held-out curve by linear interpolation). An unconverged "
                + "SAE's comparisons describe how long it trained as much as the SAE.</p>\n";
    }

    private static String toyTable(ToyTable t) {
        List<String[]> rows = new ArrayList<>();
        for (ToyTable.Row r : t.rows()) {
            rows.add(new String[] {
                Fmt.xml(r.arm()),
                Fmt.sig(r.absorption(), 3),
                Fmt.sig(r.meanMaxCos(), 3),
                Fmt.sig(r.parentRecall(), 3),
                Fmt.num(r.mse()),
                Fmt.num(r.fvu()),
                Fmt.num(r.l0()),
                Double.isFinite(r.dead()) ? Fmt.count(Math.round(r.dead())) : Fmt.MISSING
            });
        }
        return HtmlPage.table(
                "toy",
                new String[] {"arm", "absorption", "mean max cos", "parent recall", "mse", "fvu", "l0", "dead"},
                rows);
    }

    private static String aboutHtml(
            ReportInputs in,
            List<CompareRun> runs,
            FamilyRun family,
            List<TrainingCurve> curves,
            Path frank,
            Path toy,
            List<MetaSaeRun> metas,
            List<NmfRun> nmfs,
            List<String> notes) {
        StringBuilder sb = new StringBuilder();
        if (!notes.isEmpty()) {
            sb.append("<h3>Notes on the data shown</h3>\n<ul class=\"notes\">\n");
            for (String n : notes) {
                sb.append("<li>").append(Fmt.xml(n)).append("</li>\n");
            }
            sb.append("</ul>\n");
        }
        sb.append("<h3>Inputs</h3>\n<ul class=\"notes\">\n");
        for (CompareRun r : runs) {
            sb.append("<li>")
                    .append(Fmt.xml(r.label()))
                    .append(": ")
                    .append(code(r.dir()))
                    .append(" (")
                    .append(CompareRun.SUMMARY)
                    .append(" format_version ")
                    .append(r.summary().formatVersion())
                    .append(", ")
                    .append(CompareRun.LATENTS)
                    .append(", ")
                    .append(CompareRun.GROUPS)
                    .append(", ")
                    .append(CompareRun.INTERPOLATION);
            if (!r.contexts().isEmpty()) {
                sb.append(", contexts for ")
                        .append(Fmt.count(r.contexts().size()))
                        .append(" latents");
            }
            long smallCtx = r.small().contexts().values().stream()
                    .filter(c -> !c.isEmpty())
                    .count();
            if (smallCtx > 0) {
                sb.append(", ")
                        .append(LatentContexts.SMALL_FILE)
                        .append(": contexts for ")
                        .append(Fmt.count(smallCtx))
                        .append(" latents of the smaller SAE");
            }
            sb.append(")</li>\n");
        }
        if (family != null) {
            sb.append("<li>family: ")
                    .append(code(family.dir()))
                    .append(" (")
                    .append(FamilyRun.SUMMARY_CSV)
                    .append(", ")
                    .append(family.curves().size())
                    .append(' ')
                    .append(TrainingCurve.FILE)
                    .append(")</li>\n");
        }
        for (TrainingCurve c : curves) {
            if (family == null || !family.curves().contains(c)) {
                sb.append("<li>training log ")
                        .append(Fmt.xml(c.label()))
                        .append(": ")
                        .append(code(c.file()))
                        .append("</li>\n");
            }
        }
        if (frank != null) {
            sb.append("<li>Frankenstein: ").append(code(frank)).append("</li>\n");
        }
        if (toy != null) {
            sb.append("<li>toy comparison: ").append(code(toy)).append("</li>\n");
        }
        for (MetaSaeRun m : metas) {
            sb.append("<li>")
                    .append(Fmt.xml(m.label()))
                    .append(": ")
                    .append(code(m.dir()))
                    .append(" (")
                    .append(MetaSaeRun.SUMMARY)
                    .append(", ")
                    .append(MetaSaeRun.LATENT_META)
                    .append(", ")
                    .append(MetaSaeRun.META_LATENTS)
                    .append(")</li>\n");
        }
        for (NmfRun n : nmfs) {
            sb.append("<li>")
                    .append(Fmt.xml(n.label()))
                    .append(": ")
                    .append(code(n.dir()))
                    .append(" (")
                    .append(NmfRun.SUMMARY)
                    .append(", ")
                    .append(NmfRun.FACTORS)
                    .append(", ")
                    .append(NmfRun.LATENT_FACTOR);
            if (!n.contexts().isEmpty()) {
                sb.append(", ").append(NmfRun.CONTEXTS);
            }
            sb.append(")</li>\n");
        }
        sb.append(
                        "</ul>\n<p class=\"small\">The page embeds its data as JSON (<code>&lt;script type=\"application/json\" "
                                + "id=\"report-data\"&gt;</code>, format_version ")
                .append(ReportData.FORMAT_VERSION)
                .append("); measurements there are rounded to ")
                .append(ReportData.DIGITS)
                .append(" significant digits; the CSV files keep full precision. Sampling, where any, uses seed ")
                .append(in.seed())
                .append(".</p>\n");
        return sb.toString();
    }

    private static final String EXPLORER_INTRO = "Pick an SAE and a latent (or click a dot in the scatter, or any "
            + "latent link in this report) to see its max_cos and nearest latent in the smaller SAE, its kind, "
            + "\u0394mse, firing frequency, activation correlation with the smaller SAE's latents, its swap group "
            + "(parents and children), its parent and children across widths (the feature-splitting tree), its "
            + "meta-latents and NMF factor when the report has them, and its top-activating contexts. The smallest SAE "
            + "of each chain opens too, with its frequency, children and contexts. Next to each latent id, in quotes, is "
            + "its label: the token it fires on most. Search a token to list every latent whose top contexts contain "
            + "it, in all SAEs. A latent has its own address: #explore-PAIR-LATENT for the larger SAE of a pair, "
            + "#explore-sPAIR-LATENT for the smaller SAE of a pair that starts a chain.";

    private static final String EXPLORER_HTML = """
            <div class="controls">
            <label>SAE <select id="ex-pair"></select></label>
            <label>Latent <input id="ex-latent" type="number" min="0" step="1" value="0"></label>
            <button type="button" id="ex-prev">\u25c0 previous</button>
            <button type="button" id="ex-next">next \u25b6</button>
            <label>Search a token <input id="ex-search" type="search" placeholder="a token or word" autocomplete="off"></label>
            </div>
            <div class="search-results" id="ex-search-results"></div>
            <div class="picks"></div>
            <div class="body"><div class="detail"><p class="empty">The explorer needs JavaScript.</p></div>
            <div class="plot"></div></div>
            """;
}
