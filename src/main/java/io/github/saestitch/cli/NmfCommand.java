package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.decomp.CodeMatrix;
import io.github.saestitch.decomp.Nmf;
import io.github.saestitch.decomp.NmfOptions;
import io.github.saestitch.decomp.NmfResult;
import io.github.saestitch.decomp.NmfWriter;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.report.LatentContext;
import io.github.saestitch.tensor.SparseRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch nmf}: group an SAE's latents into a few factors by NMF of their activations. */
@Command(name = "nmf", mixinStandardHelpOptions = true,
        description = {"Group the latents of an SAE into K high-level factors: factorise the non-negative tokens × latents",
                "activation matrix V ≈ W·H (W tokens × K, H K × latents) by non-negative matrix factorisation.",
                "A row of H is a factor's weights on the latents; a column of W is how strongly the factor is",
                "present on each token. V is the SAE's sparse codes on the first N tokens and is never densified;",
                "HALS (default) or multiplicative updates, seeded, until the relative error",
                "‖V − WH‖/‖V‖ improves by less than the tolerance. SAE activations are never negative (a negative value is refused).",
                "",
                "Writes OUT/factors.csv (top latents per factor), OUT/latent_factor.csv (each latent's dominant",
                "factor), OUT/factor_contexts.jsonl (top tokens per factor, with text when ACTS is a store) and",
                "OUT/summary.json (errors per iteration; with a store, each factor's genre mix). See README."},
        footer = {"", "Example:  saestitch nmf --sae runs/family/width-768 --acts runs/acts --factors 10 --out runs/nmf"})
final class NmfCommand implements Callable<Integer> {
    @Option(names = "--sae", required = true, paramLabel = "S", description = "The SAE directory.")
    Path sae;

    @Option(names = "--acts", required = true, paramLabel = "ACTS", description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(names = "--factors", required = true, paramLabel = "K", description = "Number of factors (rank of W·H).")
    int factors;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "Output directory (written whole, or not at all).")
    Path out;

    @Option(names = "--tokens", defaultValue = "100000", paramLabel = "N",
            description = "Use the first N tokens; 0 = all. Default: ${DEFAULT-VALUE} (about 5 s in all for a 768-latent SAE on 2 cores).")
    long tokens;

    @Option(names = "--iterations", defaultValue = "" + NmfOptions.DEFAULT_MAX_ITERATIONS, paramLabel = "I",
            description = "Most iterations. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--tolerance", defaultValue = "" + NmfOptions.DEFAULT_TOLERANCE, paramLabel = "T",
            description = "Stop when an iteration improves the relative error by less than this fraction; 0 = never. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--algorithm", defaultValue = "hals", paramLabel = "A",
            description = "hals (alternating least squares per column: fast) or mu (multiplicative updates: slow). Default: ${DEFAULT-VALUE}.")
    String algorithm;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "Seed of the initialisation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--overwrite", description = "Replace OUT if it exists.")
    boolean overwrite;

    @Option(names = "--json", description = "Also print summary.json on stdout.")
    boolean json;

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Override
    public Integer call() throws Exception {
        if (!overwrite && Files.exists(out)) {
            throw new BadInputException(out + " already exists; choose another directory or pass --overwrite");
        }
        if (tokens < 0) {
            throw new BadInputException("--tokens must be >= 0 (0 = all), got " + tokens);
        }
        NmfOptions options = new NmfOptions(factors, iterations, tolerance, seed, NmfOptions.Algorithm.parse(algorithm));
        LoadedSae s = Inputs.sae(sae);
        long t0 = System.nanoTime();
        SparseRows v;
        try (ActivationSet set = Inputs.acts(acts, tokens)) {
            if (set.dIn() != s.sae().dIn()) {
                throw new BadInputException("the SAE " + sae + " has d_in " + s.sae().dIn() + " but " + acts + " has d = "
                        + set.dIn());
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
        NmfResult r;
        try (CliProgress bar = new CliProgress("nmf " + options.algorithm().id(), iterations, "it")) {
            r = Nmf.factorize(v, options, (it, max, err) -> {
                bar.stepTo(it);
                bar.extra(String.format(Locale.ROOT, "rel. error %.5f", err));
            });
        }
        double nmfSecs = (System.nanoTime() - t1) / 1e9;
        ActivationStore store = Files.isDirectory(acts) ? ActivationStore.open(acts) : null;
        NmfWriter.Run run;
        try {
            run = new NmfWriter.Run(sae.toString(), acts.toString(), r, v.nnz(), CodeMatrix.fired(v),
                    NmfWriter.contexts(r, store, NmfWriter.TOP_TOKENS), NmfWriter.genreMix(r, store), encodeSecs, nmfSecs);
        } finally {
            if (store != null) {
                store.close();
            }
        }
        NmfWriter.write(run, out, overwrite);
        if (json) {
            Json.print(System.out, NmfWriter.summary(run));
            return 0;
        }
        print(run, v);
        return 0;
    }

    private void print(NmfWriter.Run run, SparseRows v) {
        NmfResult r = run.result();
        System.out.printf(Locale.ROOT, "NMF of %s on %d tokens of %s: V is %d × %d with %d non-zeros (%.2f per token)%n",
                sae, r.tokens(), acts, r.tokens(), r.latents(), v.nnz(), (double) v.nnz() / r.tokens());
        System.out.printf(Locale.ROOT, "  %s, K = %d: relative error %.4f after %d iterations (%s; start %.4f, after 10: %.4f)%n",
                r.options().algorithm().id(), r.factors(), r.relativeError(), r.iterations(),
                r.converged() ? "converged" : "iteration cap", r.errors()[0], r.errors()[Math.min(10, r.iterations())]);
        System.out.printf(Locale.ROOT, "  encode %.1f s, nmf %.1f s (%.0f ms per iteration)%n", run.encodeSeconds(),
                run.nmfSeconds(), 1000 * run.nmfSeconds() / Math.max(1, r.iterations()));
        List<NmfWriter.FactorLatent> top = NmfWriter.topLatents(r, 6);
        NmfWriter.GenreMix g = run.genreMix();
        for (int k = 0; k < r.factors(); k++) {
            int fk = k;
            StringBuilder sb = new StringBuilder();
            top.stream().filter(x -> x.factor() == fk).forEach(x -> sb.append(String.format(Locale.ROOT, " %d (%.2f)", x.latent(), x.weight())));
            System.out.printf("  factor %d: latents%s%n", k, sb);
            if (g != null) {
                StringBuilder gs = new StringBuilder();
                IntStream.range(0, g.genres().size()).boxed()
                        .sorted(Comparator.comparingDouble((Integer i) -> -g.share()[fk][i] / g.tokenShare()[i]))
                        .limit(3)
                        .forEach(i -> gs.append(String.format(Locale.ROOT, " %s %.0f%% (x%.1f)", g.genres().get(i),
                                100 * g.share()[fk][i], g.share()[fk][i] / g.tokenShare()[i])));
                System.out.printf("      genres (share of W, lift over the tokens' share):%s%n", gs);
            }
            List<LatentContext> cs = run.contexts().getOrDefault(k, List.of());
            for (int i = 0; i < Math.min(2, cs.size()); i++) {
                LatentContext c = cs.get(i);
                System.out.printf(Locale.ROOT, "      %.2f  %s[%s]%s   (%s)%n", c.activation(), c.before(), c.token(),
                        c.after(), c.source());
            }
        }
        System.out.println("  wrote " + out.resolve(NmfWriter.FACTORS_FILE) + ", " + NmfWriter.LATENT_FACTOR_FILE + ", "
                + NmfWriter.CONTEXTS_FILE + ", " + NmfWriter.SUMMARY_FILE);
    }
}
