package io.github.saestitch.cli;

import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.report.ReportBuilder;
import io.github.saestitch.report.ReportInputs;
import io.github.saestitch.report.ReportResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch report}: the self-contained HTML report and latent explorer. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Build the self-contained HTML report and latent explorer.",
            "Works from disk, offline (inline SVG, CSS and data); built from compare outputs and a train-family directory, with every figure also written",
            "as SVG (and PNG with --png) under OUT/figures/ for papers.",
            "Sections appear when their data is present: per-pair max_cos vs Δmse scatter and contingency table",
            "beside the source's (GPT-2 768→1536: 628/29/281/598), max_cos histograms, cumulative Δmse,",
            "threshold sweep, interpolation curves, family summary, training curves, Frankenstein and toy-model",
            "tables (frankenstein.csv / toy_comparison.csv in the family directory, or --frankenstein / --toy),",
            "meta-SAE and NMF summaries (--meta-sae / --nmf), and the latent explorer: pick a pair and a latent, click",
            "a dot, follow #explore-PAIR-LATENT (#explore-sPAIR-LATENT: the smallest SAE of a chain), or search a token;",
            "each latent shows its numbers, contexts, parent and children across widths, meta-latents and NMF factor",
            "(matched to the SAE with as many latents); every latent listed carries its top token as a label."
        },
        footer = {
            "",
            "Examples:",
            "  saestitch report --pair runs/cmp-768-1536 --pair runs/cmp-1536-3072 --family runs/family --out runs/report",
            "  saestitch report --pair runs/cmp-768-1536 --meta-sae runs/meta-1536 --nmf runs/nmf-1536 --out runs/report"
        })
final class ReportCommand implements Callable<Integer> {
    @Option(
            names = "--pair",
            paramLabel = "COMPARE_DIR",
            description = "A compare output directory (repeat for several "
                    + "pairs); its contexts.jsonl and contexts_small.jsonl (top contexts of the larger and smaller SAE's latents) "
                    + "are used when present.")
    List<Path> pairs;

    @Option(names = "--family", paramLabel = "DIR", description = "A train-family output directory.")
    Path family;

    @Option(
            names = "--frankenstein",
            paramLabel = "CSV",
            description = "A frankenstein.csv (default: the family directory's, when it has one).")
    Path frankenstein;

    @Option(
            names = "--toy",
            paramLabel = "CSV",
            description = "A toy_comparison.csv (default: the family directory's, when it has one).")
    Path toy;

    @Option(
            names = "--meta-sae",
            paramLabel = "DIR",
            description = "A meta-sae output directory (summary.json, latent_meta.csv, meta_latents.csv); repeatable.")
    List<Path> metaSae;

    @Option(
            names = "--nmf",
            paramLabel = "DIR",
            description =
                    "An nmf output directory (summary.json, factors.csv, latent_factor.csv, factor_contexts.jsonl); repeatable.")
    List<Path> nmf;

    @Option(
            names = "--title",
            defaultValue = "SAE stitching report",
            description = "Heading. Default: ${DEFAULT-VALUE}.")
    String title;

    @Option(names = "--png", description = "Also write PNG figures.")
    boolean png;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Report directory (index.html + figures/).")
    Path out;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Override
    public Integer call() throws Exception {
        if ((pairs == null || pairs.isEmpty())
                && family == null
                && frankenstein == null
                && toy == null
                && (metaSae == null || metaSae.isEmpty())
                && (nmf == null || nmf.isEmpty())) {
            throw new BadInputException("nothing to report: give at least one --pair COMPARE_DIR, a --family DIR, "
                    + "--frankenstein, --toy, --meta-sae or --nmf");
        }
        ReportInputs.Builder b = builder(title, pairs == null ? List.of() : pairs, family, png);
        if (frankenstein != null) {
            b.frankenstein(frankenstein);
        }
        if (toy != null) {
            b.toyComparison(toy);
        }
        (metaSae == null ? List.<Path>of() : metaSae).forEach(b::metaSae);
        (nmf == null ? List.<Path>of() : nmf).forEach(b::nmf);
        ReportInputs inputs = b.build();
        ReportResult[] built = new ReportResult[1];
        // Written whole, like every output: the report appears complete or not at all.
        AtomicOutput.writeDirectory(out, overwrite.on, tmp -> built[0] = ReportBuilder.build(inputs, tmp));
        print(moved(built[0], out.toAbsolutePath().normalize()));
        return 0;
    }

    /** {@code r} with its paths in the temporary directory it was built in moved to {@code out}. */
    private static ReportResult moved(ReportResult r, Path out) {
        Path tmp = r.html().getParent();
        java.util.function.UnaryOperator<Path> at = p -> p == null ? null : out.resolve(tmp.relativize(p));
        return new ReportResult(
                at.apply(r.html()),
                r.htmlBytes(),
                r.figures().stream()
                        .map(f -> new ReportResult.FigureFile(f.id(), f.title(), at.apply(f.svg()), at.apply(f.png())))
                        .toList(),
                r.sections(),
                r.notes());
    }

    static ReportInputs inputs(String title, List<Path> pairs, Path family, boolean png) {
        return builder(title, pairs, family, png).build();
    }

    /** The inputs every report takes; the caller adds the optional ones. */
    static ReportInputs.Builder builder(String title, List<Path> pairs, Path family, boolean png) {
        ReportInputs.Builder b = ReportInputs.builder().title(title).png(png);
        pairs.forEach(b::pair);
        if (family != null) {
            b.family(family);
        }
        return b;
    }

    static void print(ReportResult r) {
        System.out.printf(
                "report: %s (%.0f kB, %d figures in %s)%n",
                r.html().toAbsolutePath(),
                r.htmlBytes() / 1024.0,
                r.figures().size(),
                r.html().resolveSibling(ReportBuilder.FIGURES));
        for (String note : r.notes()) {
            System.out.println("  note: " + note);
        }
    }
}
