package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.decomp.CodeMatrix;
import io.github.saestitch.decomp.DocumentPooling;
import io.github.saestitch.decomp.Nmf;
import io.github.saestitch.decomp.NmfAnalysis;
import io.github.saestitch.decomp.NmfFactors;
import io.github.saestitch.decomp.NmfGenres;
import io.github.saestitch.decomp.NmfOptions;
import io.github.saestitch.decomp.NmfResult;
import io.github.saestitch.decomp.NmfWriter;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.SparseRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch nmf}: group an SAE's latents into a few factors by NMF of their activations. */
@Command(
        name = "nmf",
        mixinStandardHelpOptions = true,
        description = {
            "Group the latents of an SAE into K high-level factors: factorise the non-negative tokens × latents",
            "activation matrix V ≈ W·H (W tokens × K, H K × latents) by non-negative matrix factorisation.",
            "A row of H is a factor's weights on the latents; a column of W is how strongly the factor is",
            "present on each token. V is the SAE's sparse codes on the first N tokens and is never densified;",
            "HALS (default) or multiplicative updates, seeded, until the relative error",
            "‖V − WH‖/‖V‖ improves by less than the tolerance. SAE activations are never negative (a negative value is refused).",
            "",
            "Writes OUT/factors.csv (top latents per factor), OUT/latent_factor.csv (each latent's dominant",
            "factor), OUT/factor_contexts.jsonl (top tokens per factor, with text when ACTS is a store) and",
            "OUT/summary.json (errors per iteration; with a store, each factor's genre mix). See README.",
            "",
            "--pool document makes the rows of V the documents of an activation store instead of its tokens:",
            "row d is the mean (or sum) of each latent's activation over document d's tokens, so a factor is",
            "a group of latents that documents share (a topic or genre) rather than a word class. W is then",
            "documents × K; OUT/factor_documents.csv lists each factor's top documents with name and genre,",
            "factor_contexts.jsonl holds each top document's best token for the factor, and summary.json",
            "rates each factor's genre purity and lift and the documents' factor-vs-genre agreement."
        },
        footer = {
            "",
            "Examples:",
            "  saestitch nmf --sae runs/family/width-768 --acts runs/acts --factors 10 --out runs/nmf",
            "  saestitch nmf --sae runs/family/width-1536/sae --acts runs/acts --factors 10 --pool document --out runs/nmf-doc"
        })
final class NmfCommand implements Callable<Integer> {
    /** Default of --tokens with --pool token. */
    static final long DEFAULT_TOKENS = 100_000;

    @Option(names = "--sae", required = true, paramLabel = "S", description = "The SAE directory.")
    Path sae;

    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(names = "--factors", required = true, paramLabel = "K", description = "Number of factors (rank of W·H).")
    int factors;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "OUT",
            description = "Output directory (written whole, or not at all).")
    Path out;

    @Option(
            names = "--tokens",
            paramLabel = "N",
            description =
                    "Use the first N tokens; 0 = all. Default: 100000 with --pool token (about 5 s in all for a 768-latent "
                            + "SAE on 2 cores), all with --pool document.")
    Long tokens;

    @Option(
            names = "--pool",
            defaultValue = "token",
            paramLabel = "P",
            description =
                    "Rows of V: token (each token's codes) or document (each store document's pooled codes; needs a "
                            + "store with document ids). Default: ${DEFAULT-VALUE}.")
    String pool;

    @Option(
            names = "--doc-statistic",
            defaultValue = "mean",
            paramLabel = "S",
            description =
                    "With --pool document: mean or sum of each latent over the document's tokens. Default: ${DEFAULT-VALUE}.")
    String docStatistic;

    @Option(
            names = "--doc-weighting",
            defaultValue = "none",
            paramLabel = "W",
            description =
                    "With --pool document: per-latent column weights: none, idf (down-weight latents firing in most "
                            + "documents) or unit (every latent's column scaled to unit norm). Default: ${DEFAULT-VALUE}.")
    String docWeighting;

    @Option(
            names = "--iterations",
            defaultValue = "" + NmfOptions.DEFAULT_MAX_ITERATIONS,
            paramLabel = "I",
            description = "Most iterations. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(
            names = "--tolerance",
            defaultValue = "" + NmfOptions.DEFAULT_TOLERANCE,
            paramLabel = "T",
            description =
                    "Stop when an iteration improves the relative error by less than this fraction; 0 = never. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(
            names = "--algorithm",
            defaultValue = "hals",
            paramLabel = "A",
            description =
                    "hals (alternating least squares per column: fast) or mu (multiplicative updates: slow). Default: ${DEFAULT-VALUE}.")
    String algorithm;

    @Option(
            names = "--seed",
            defaultValue = "0",
            paramLabel = "SEED",
            description = "Seed of the initialisation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        if (tokens != null && tokens < 0) {
            throw new BadInputException("--tokens must be >= 0 (0 = all), got " + tokens);
        }
        NmfOptions options =
                new NmfOptions(factors, iterations, tolerance, seed, NmfOptions.Algorithm.parse(algorithm));
        DocumentPooling.Statistic statistic = DocumentPooling.Statistic.parse(docStatistic);
        DocumentPooling.Weighting weighting = DocumentPooling.Weighting.parse(docWeighting);
        NmfAnalysis run;
        if (pool.equals("document")) {
            run = documents(options, statistic, weighting);
        } else if (!pool.equals("token")) {
            throw new BadInputException("--pool must be token or document, got '" + pool + "'");
        } else if (!docStatistic.equals("mean") || !docWeighting.equals("none")) {
            throw new BadInputException("--doc-statistic and --doc-weighting apply to --pool document only");
        } else {
            run = tokens(options);
        }
        NmfWriter.write(run, out, overwrite.on);
        if (json.print(NmfWriter.summary(run))) {
            return 0;
        }
        print(run);
        return 0;
    }

    /** {@code --pool token}: V's rows are the first tokens of the activations. */
    private NmfAnalysis tokens(NmfOptions options) throws Exception {
        long tokens = this.tokens == null ? DEFAULT_TOKENS : this.tokens;
        LoadedSae s = Inputs.sae(sae);
        long t0 = System.nanoTime();
        SparseRows v;
        try (ActivationSet set = Inputs.acts(acts, tokens)) {
            if (set.dIn() != s.sae().dIn()) {
                throw new BadInputException(
                        "the SAE " + sae + " has d_in " + s.sae().dIn() + " but " + acts + " has d = " + set.dIn());
            }
            try (CliProgress bar = new CliProgress("encode", set.numTokens(), "tok")) {
                v = CodeMatrix.encode(s.sae(), kernels.kernels(), set, 0, bar::stepTo);
            }
        }
        if (v.nnz() == 0) {
            throw new BadInputException("no latent of " + sae + " fires on the " + v.rows() + " tokens of " + acts
                    + ": nothing to factorise");
        }
        double encodeSecs = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        NmfResult r = factorize(v, options);
        double nmfSecs = (System.nanoTime() - t1) / 1e9;
        try (ActivationStore store = Files.isDirectory(acts) ? ActivationStore.open(acts) : null) {
            return NmfAnalysis.ofTokens(sae.toString(), acts.toString(), r, v, store, encodeSecs, nmfSecs);
        }
    }

    /** {@code --pool document}: V's rows are the store's documents. */
    private NmfAnalysis documents(
            NmfOptions options, DocumentPooling.Statistic statistic, DocumentPooling.Weighting weighting)
            throws Exception {
        long tokens = this.tokens == null ? 0 : this.tokens;
        LoadedSae s = Inputs.sae(sae);
        if (!Files.isDirectory(acts)) {
            throw new BadInputException("--pool document needs an activation store directory (it knows each token's "
                    + "document); " + acts + " is " + (Files.exists(acts) ? "a file" : "missing"));
        }
        Inputs.acts(acts, 0).close(); // the same clear refusals as --pool token for a bad or empty store
        try (ActivationStore store = ActivationStore.open(acts)) {
            List<DocumentInfo> table = DocumentPooling.requireDocuments(store);
            if (store.dIn() != s.sae().dIn()) {
                throw new BadInputException(
                        "the SAE " + sae + " has d_in " + s.sae().dIn() + " but " + acts + " has d = " + store.dIn());
            }
            long t0 = System.nanoTime();
            DocumentPooling.Pooled p;
            long n = tokens > 0 ? Math.min(tokens, store.numTokens()) : store.numTokens();
            try (CliProgress bar = new CliProgress("encode+pool", n, "tok")) {
                p = DocumentPooling.encode(
                        s.sae(), kernels.kernels(), store, tokens, statistic, weighting, bar::stepTo);
            }
            SparseRows v = p.matrix();
            if (v.nnz() == 0) {
                throw new BadInputException(
                        "no latent of " + sae + " fires on the documents of " + acts + ": nothing to factorise");
            }
            if (factors > v.rows()) {
                throw new BadInputException("--factors " + factors + " exceeds the " + v.rows() + " documents being "
                        + "factorized; use fewer factors or more --tokens");
            }
            double encodeSecs = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            NmfResult r = factorize(v, options);
            double nmfSecs = (System.nanoTime() - t1) / 1e9;
            return NmfAnalysis.ofDocuments(
                    sae.toString(),
                    acts.toString(),
                    r,
                    new NmfAnalysis.DocumentRows(p, table),
                    store,
                    new SaeRunner(s.sae(), kernels.kernels()),
                    encodeSecs,
                    nmfSecs);
        }
    }

    private void print(NmfAnalysis run) {
        NmfResult r = run.result();
        NmfAnalysis.DocumentRows docs = run.documents();
        if (docs == null) {
            System.out.printf(
                    Locale.ROOT,
                    "NMF of %s on %d tokens of %s: V is %d × %d with %d non-zeros (%.2f per token)%n",
                    sae,
                    r.tokens(),
                    acts,
                    r.tokens(),
                    r.latents(),
                    run.nnz(),
                    (double) run.nnz() / r.tokens());
        } else {
            DocumentPooling.Pooled p = docs.pooled();
            System.out.printf(
                    Locale.ROOT,
                    "NMF of %s on %d documents (%d tokens, %s per latent, weighting %s; %d short "
                            + "documents left out) of %s: V is %d × %d with %d non-zeros%n",
                    sae,
                    r.tokens(),
                    p.tokensUsed(),
                    p.statistic().id(),
                    p.weighting().id(),
                    p.skippedDocuments(),
                    acts,
                    r.tokens(),
                    r.latents(),
                    run.nnz());
        }
        System.out.printf(
                Locale.ROOT,
                "  %s, K = %d: relative error %.4f after %d iterations (%s; start %.4f, after 10: %.4f)%n",
                r.options().algorithm().id(),
                r.factors(),
                r.relativeError(),
                r.iterations(),
                r.converged() ? "converged" : "iteration cap",
                r.errors()[0],
                r.errors()[Math.min(10, r.iterations())]);
        System.out.printf(
                Locale.ROOT,
                "  encode %.1f s, nmf %.1f s (%.0f ms per iteration)%n",
                run.encodeSeconds(),
                run.nmfSeconds(),
                1000 * run.nmfSeconds() / Math.max(1, r.iterations()));
        List<NmfFactors.FactorLatent> top = run.topLatents(6);
        NmfGenres.GenreMix g = run.genreMix();
        for (int k = 0; k < r.factors(); k++) {
            int fk = k;
            StringBuilder sb = new StringBuilder();
            top.stream()
                    .filter(x -> x.factor() == fk)
                    .forEach(x -> sb.append(String.format(Locale.ROOT, " %d (%.2f)", x.latent(), x.weight())));
            System.out.printf("  factor %d: latents%s%n", k, sb);
            if (g != null) {
                StringBuilder gs = new StringBuilder();
                for (int i : g.byLift(fk, 3)) {
                    gs.append(String.format(
                            Locale.ROOT,
                            " %s %.0f%% (x%.1f)",
                            g.genres().get(i),
                            100 * g.share()[fk][i],
                            g.share()[fk][i] / g.baseShare()[i]));
                }
                int tg = g.topGenre(fk);
                System.out.printf(
                        Locale.ROOT,
                        "      genres (share of W, lift over the %s' share):%s; top genre %s %.0f%% " + "(x%.1f)%n",
                        docs == null ? "tokens" : "documents",
                        gs,
                        g.genres().get(tg),
                        100 * g.share()[fk][tg],
                        g.lift(fk, tg));
            }
            if (docs != null) {
                StringBuilder ds = new StringBuilder();
                run.topDocuments(8).stream()
                        .filter(x -> x.factor() == fk)
                        .forEach(x -> ds.append(String.format(
                                Locale.ROOT,
                                " %s(%s)",
                                x.document().name(),
                                x.document().genre())));
                System.out.printf("      top documents:%s%n", ds);
            }
            List<LatentContext> cs = run.contexts().getOrDefault(k, List.of());
            for (int i = 0; i < Math.min(2, cs.size()); i++) {
                LatentContext c = cs.get(i);
                System.out.printf(
                        Locale.ROOT,
                        "      %.2f  %s[%s]%s   (%s)%n",
                        c.activation(),
                        c.before(),
                        c.token(),
                        c.after(),
                        c.source());
            }
        }
        NmfGenres.Assignment a = run.assignment();
        if (a != null) {
            System.out.printf(
                    Locale.ROOT,
                    "  documents by dominant factor vs genre: purity %.3f (largest genre alone %.3f), " + "NMI %.3f%n",
                    a.purity(),
                    a.majorityBaseline(),
                    a.nmi());
        }
        System.out.println("  wrote " + out.resolve(NmfWriter.FACTORS_FILE) + ", " + NmfWriter.LATENT_FACTOR_FILE + ", "
                + NmfWriter.CONTEXTS_FILE + (docs == null ? "" : ", " + NmfWriter.DOCUMENTS_FILE) + ", "
                + NmfWriter.SUMMARY_FILE);
    }

    /** The factorization with a progress bar showing the relative error. */
    private NmfResult factorize(SparseRows v, NmfOptions options) {
        try (CliProgress bar = new CliProgress("nmf " + options.algorithm().id(), iterations, "it")) {
            return Nmf.factorize(v, options, (it, max, err) -> {
                bar.stepTo(it);
                bar.extra(String.format(Locale.ROOT, "rel. error %.5f", err));
            });
        }
    }
}
