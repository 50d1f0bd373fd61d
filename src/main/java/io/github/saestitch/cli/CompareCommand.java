package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.ActivationsException;
import io.github.saestitch.eval.PairContexts;
import io.github.saestitch.eval.TopContexts;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareProgress;
import io.github.saestitch.stitch.CompareResult;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.Contingency;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.tensor.SparseRows;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch compare}: every latent of a larger SAE against a smaller one, exactly. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = {
            "Compare a small SAE S with a larger SAE L of the same site, latent by latent, on an activation set.",
            "For every latent j of L: max_cos (largest decoder cosine to any latent of S) and its nearest latent,",
            "kind (novel when max_cos <= threshold, else reconstruction), delta_mse (the exact mse change from",
            "adding j to S with j's own encoder, as in L), its frequency, and its activation correlation with S.",
            "Swap groups (connected parent/child sets, cos > threshold) with the exact effect of replacing the",
            "parents by the children, and the interpolation path from S towards L (add novel latents by ascending",
            "max_cos, then swap groups by descending cosine). All from one streaming pass over the tokens.",
            "",
            "Writes OUT/latents.csv, OUT/groups.csv, OUT/interpolation.csv and OUT/summary.json (see README),",
            "and with a store's token ids OUT/contexts.jsonl and OUT/contexts_small.jsonl (see --contexts)."
        },
        footer = {
            "",
            "Example:  saestitch compare --small runs/family/w768 --large runs/family/w1536 --acts runs/acts --out runs/cmp"
        })
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--small", required = true, paramLabel = "S", description = "The smaller SAE directory.")
    Path small;

    @Option(
            names = "--large",
            required = true,
            paramLabel = "L",
            description = "The larger SAE directory (same d_in and site).")
    Path large;

    @Option(
            names = "--acts",
            required = true,
            paramLabel = "ACTS",
            description = "Activation store directory or .npy [tokens, d_in].")
    Path acts;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "OUT",
            description = "Output directory (written whole, or not at all).")
    Path out;

    @Option(
            names = "--threshold",
            defaultValue = "" + CompareOptions.DEFAULT_THRESHOLD,
            paramLabel = "τ",
            description =
                    "Decoder-cosine threshold for novel vs reconstruction and for swap-group edges. Default: ${DEFAULT-VALUE}.")
    double threshold;

    @Option(
            names = "--tokens",
            defaultValue = "0",
            paramLabel = "N",
            description = "Use only the first N tokens (default: all).")
    long tokens;

    @Option(
            names = "--no-correlation",
            description = "Skip the activation-correlation similarity (saves memory and time on very wide SAEs).")
    boolean noCorrelation;

    @Option(
            names = "--greedy-path",
            description = {
                "Also write the greedy (marginal-aware) order of the novel latents (OUT/greedy_path.csv): from S, add "
                        + "the novel latent with the most negative exact delta-mse given those already added, with the "
                        + "Frankenstein's greedy selection on the compare's own codes. Keeps the tokens and both SAEs' "
                        + "codes in memory (about 1.5 KB per token at d = 384)."
            })
    boolean greedyPath;

    @Option(
            names = "--contexts",
            negatable = true,
            description = {
                "Also write the top-activating contexts (" + TopContexts.PER_LATENT + " per latent, text decoded "
                        + "from the store) and firing frequency of every latent of L (OUT/contexts.jsonl) and of S "
                        + "(OUT/contexts_small.jsonl), which 'report' shows in its latent explorer. Collected from the "
                        + "compare's own encoding (no second pass); only the top tokens' text is decoded. Default: on when ACTS is an activation store with token ids "
                        + "(one that 'saestitch activations' extracted); off for a .npy file, which has no text."
            })
    Boolean contexts;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Mixin
    JsonOption json = new JsonOption();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Mixin
    ClusterOption cluster = new ClusterOption();

    @Override
    public Integer call() throws Exception {
        LoadedSae s = Inputs.rawInputSae(small, "compare");
        LoadedSae l = Inputs.rawInputSae(large, "compare");
        CompareOptions options = CompareOptions.defaults()
                .withThreshold(threshold)
                .withActivationCorrelation(!noCorrelation)
                .withGreedyPath(greedyPath);
        if (tokens > 0) {
            options = options.withMaxTokens(tokens);
        }
        CompareResult r;
        PairContexts ctx;
        long t0 = System.nanoTime();
        try (ActivationSet set = Inputs.acts(acts, 0);
                io.github.saestitch.cluster.RangeRunner runner = cluster.on() ? cluster.open() : null) {
            // The contexts come from the compare pass's own codes: no second encoding of the set.
            PairContexts.Collector collector = withContexts(set) && runner == null
                    ? new PairContexts.Collector(s.sae().numLatents(), l.sae().numLatents())
                    : null;
            CliProgress[] bar = new CliProgress[1];
            try {
                r = new StitchComparator(
                                kernels.kernels(),
                                runner == null
                                        ? null
                                        : new StitchComparator.Distributed(
                                                runner,
                                                io.github.saestitch.cluster.SetSource.path(acts),
                                                cluster.partitions,
                                                kernels.kernels().name()))
                        .compare(s.sae(), l.sae(), set, options, new CompareProgress() {
                            @Override
                            public void phase(Phase phase, int pass, int passes) {
                                if (bar[0] != null) {
                                    bar[0].close();
                                    bar[0] = null;
                                }
                                if (phase == Phase.STREAMING_PASS || phase == Phase.CORRELATION_PASS) {
                                    String name = phase == Phase.STREAMING_PASS
                                            ? "compare"
                                            : "correlation " + pass + "/" + passes;
                                    long total = Math.min(set.numTokens(), tokens > 0 ? tokens : Long.MAX_VALUE);
                                    bar[0] = new CliProgress(name, total, "tok");
                                }
                            }

                            @Override
                            public void tokens(long done, long total) {
                                if (bar[0] != null) {
                                    bar[0].stepTo(done);
                                }
                            }

                            @Override
                            public void codes(long firstToken, SparseRows smallCodes, SparseRows largeCodes) {
                                if (collector != null) {
                                    collector.add(firstToken, smallCodes, largeCodes);
                                }
                            }
                        });
            } finally {
                if (bar[0] != null) {
                    bar[0].close();
                }
            }
            ctx = collector == null ? null : contexts(collector, (ActivationStore) set);
        }
        CompareWriter.write(r, out, overwrite.on, ctx == null ? dir -> {} : ctx::writeInto);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (json.print(CompareWriter.summary(r))) {
            return 0;
        }
        Contingency c = r.contingency();
        System.out.printf(
                "compared %s (S, %d latents) with %s (L, %d latents) on %d tokens in %.1f s (%s kernels)%n",
                small, r.small().numLatents(), large, r.large().numLatents(), r.tokens(), secs, r.kernels());
        System.out.printf(
                "  S: mse %.5g  fvu %.4f  l0 %.2f     L: mse %.5g  fvu %.4f  l0 %.2f%n",
                r.small().mse(),
                r.small().fvu(),
                r.small().l0(),
                r.large().mse(),
                r.large().fvu(),
                r.large().l0());
        System.out.printf(
                "  τ = %.2f: %d novel, %d reconstruction latents; %d swap groups%n",
                threshold, c.novel(), c.reconstruction(), r.groups().size());
        System.out.printf(
                "  contingency (Δmse < 0 = improves):  novel %d improve / %d worsen;  reconstruction %d improve / %d worsen%n",
                c.novelImproves(), c.novelWorsens(), c.reconstructionImproves(), c.reconstructionWorsens());
        var na = r.novelAdded();
        System.out.printf(
                "  S + all novel latents: %d latents, mse %.5g (%+.1f%%), l0 %.2f%n",
                na.numLatents(), na.mse(), 100 * (na.mse() / r.small().mse() - 1), na.l0());
        var min = r.joint().minimumRow();
        System.out.printf(
                "  joint sweep: S + every latent with max_cos <= τ is lowest at τ = %.3f: %d latents added, mse %.5g (%+.1f%%)%n",
                r.joint().minimumThreshold(),
                min.numLatents() - r.small().numLatents(),
                min.mse(),
                100 * (min.mse() / r.small().mse() - 1));
        if (r.greedy() != null) {
            var g = r.greedy().shape();
            System.out.printf(
                    "  greedy order of the novel latents: lowest mse %.5g after %d of %d; %s%n",
                    g.minimumMse(),
                    g.minimumStep(),
                    g.steps(),
                    g.monotone() ? "monotone" : g.risingSteps() + " steps raise the mse");
        }
        if (r.composite()) {
            System.out.println("  note: " + r.hybridNote());
        }
        System.out.println("  wrote " + out.resolve("latents.csv") + ", groups.csv, interpolation.csv, summary.json, "
                + CompareWriter.SWEEP_FILE + ", " + CompareWriter.JOINT_PATH_FILE
                + (r.greedy() == null ? "" : ", " + CompareWriter.GREEDY_PATH_FILE)
                + (ctx == null ? "" : ", contexts.jsonl, contexts_small.jsonl"));
        return 0;
    }

    /** Whether to write contexts: as {@code --contexts} says, by default when the set's tokens can be decoded. */
    private boolean withContexts(ActivationSet set) {
        boolean decodable = TopContexts.decodable(set);
        if (Boolean.TRUE.equals(contexts) && !decodable) {
            throw new BadInputException("--contexts needs an activation store with token ids and its model's tokenizer "
                    + "(from 'saestitch activations'); " + acts + " has none. Leave out --contexts");
        }
        return contexts == null ? decodable : contexts;
    }

    /** The collected top contexts of both SAEs' latents, their text decoded from the store. */
    private PairContexts contexts(PairContexts.Collector collector, ActivationStore store) {
        try {
            return collector.finish(store);
        } catch (ActivationsException e) {
            throw new BadInputException("cannot decode the top contexts from " + acts + ": " + e.getMessage()
                    + " (--no-contexts compares without them)");
        }
    }
}
