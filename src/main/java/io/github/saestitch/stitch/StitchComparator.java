package io.github.saestitch.stitch;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.RangeTask;
import io.github.saestitch.cluster.SetSource;
import io.github.saestitch.cluster.Shared;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.sae.SaeSnapshot;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * {@code saestitch compare}: for a small SAE S and a larger SAE L of the same site and d_in, and an
 * activation set, says for every latent of L whether it is novel or a reconstruction latent, what
 * adding it to S does to mse, which latents split which (swap groups) and what every point on the path
 * from S to L costs (docs/definitions.md#stitching; Bussmann, Leask et al. 2024).
 *
 * <p><b>How.</b> (1) Decoder cosines in tiles ({@link DecoderSimilarity}): max_cos, nearest, and the
 * parent/child edges; (2) the swap groups ({@link SwapGroups}) and the interpolation order
 * ({@link ComparePass.Plan}), which depend on the decoders only; (3) one streaming pass over the tokens
 * ({@link ComparePass}) that gives every Δmse ({@link io.github.saestitch.sae.ErrorChange} per token),
 * every group's Δmse and every interpolation row exactly from S's residual and the sparse codes, as
 * {@link ComparePass.Sums} that {@code assemble} turns into the result, plus the co-activation sums for
 * the activation correlation ({@link Coactivation}; a further pass per extra tile when they exceed
 * their memory). No hybrid SAE is ever built or run: the literal procedure (build S + {j}, evaluate)
 * would cost F_L full evaluations.
 *
 * <p><b>Exactness.</b> Every reported mse is what {@code eval.Evaluator} measures for the
 * corresponding hybrid (built by {@link Stitcher}) on the same tokens, up to float rounding of the
 * reconstructions (≲ 1e-6 relative; the tests hold it to 1e-4 against a literal implementation).
 *
 * <p><b>Bad input</b> is an {@link IllegalArgumentException} with a message for the user: d_in of S,
 * L and the set differ, S is wider than L, the set is empty, or it holds a NaN or infinity. The
 * comparator never prints; pass a {@link CompareProgress} to see progress.
 */
public final class StitchComparator {
    private final Kernels kernels;
    private final Distributed distributed; // null: the pass runs in this process

    /**
     * Runs the streaming pass as tasks over ranges of whole pass blocks ({@link RangeRunner}; Spark in the
     * {@code saestitch-spark} module). The sums have the bits of one process for any number of ranges.
     *
     * @param runner  where the tasks run
     * @param set     opens the same activation set on an executor (a path every executor can read)
     * @param ranges  tasks to cut the pass into; 0 = the runner's default
     * @param kernels the kernels' name on the executors ({@link KernelsProvider#byName})
     */
    public record Distributed(RangeRunner runner, SetSource set, int ranges, String kernels) {}

    /** A comparator running encoders and similarity tiles with {@code kernels}. */
    public StitchComparator(Kernels kernels) {
        this(kernels, null);
    }

    /** A comparator whose streaming pass runs distributed (null: in this process). */
    public StitchComparator(Kernels kernels, Distributed distributed) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.distributed = distributed;
        if (distributed != null && distributed.ranges() < 0) {
            throw new IllegalArgumentException("ranges must be >= 0, got " + distributed.ranges());
        }
    }

    /** {@link #compare(Sae, Sae, ActivationSet, CompareOptions, CompareProgress)} without progress. */
    public CompareResult compare(Sae small, Sae large, ActivationSet acts, CompareOptions options) {
        return compare(small, large, acts, options, CompareProgress.NONE);
    }

    /**
     * Compares {@code small} (S) with {@code large} (L) on the first {@code options.maxTokens()} tokens
     * of {@code acts}.
     *
     * @throws IllegalArgumentException for bad input (see the class comment)
     */
    public CompareResult compare(
            Sae small, Sae large, ActivationSet acts, CompareOptions options, CompareProgress progress) {
        Objects.requireNonNull(small, "small");
        Objects.requireNonNull(large, "large");
        Objects.requireNonNull(acts, "acts");
        Objects.requireNonNull(options, "options");
        CompareProgress listener = progress == null ? CompareProgress.NONE : progress;
        validate(small, large, acts);
        long n = Math.min(acts.numTokens(), options.maxTokens());
        int fs = small.numLatents();
        int fl = large.numLatents();
        double tau = options.threshold();

        long tStart = System.nanoTime();
        listener.phase(CompareProgress.Phase.DECODER_SIMILARITY, 0, 0);
        DecoderSimilarity sim = DecoderSimilarity.compute(kernels, large.wDec(), small.wDec(), tau);
        SwapGroups groups = SwapGroups.build(fs, fl, sim.edges());
        ComparePass.Plan path = ComparePass.Plan.of(sim, groups);
        long tSimilarity = System.nanoTime() - tStart;
        long corrNanos = 0;

        int tileRows = 0;
        int passes = 1;
        String skipped = options.activationCorrelation() ? "" : "not requested";
        if (options.activationCorrelation()) {
            int rows = (int) Math.max(1, Math.min(fl, options.correlationMemoryBytes() / (8L * fs)));
            int needed = (fl + rows - 1) / rows;
            if (needed <= options.maxCorrelationPasses()) {
                tileRows = rows;
                passes = needed;
            } else {
                skipped = String.format(
                        java.util.Locale.ROOT,
                        "skipped: the co-activation sums of %d × %d latents need %.1f GiB"
                                + " and %d passes over the tokens with %d MiB; allow more memory or more passes",
                        fl,
                        fs,
                        8.0 * fl * fs / (1L << 30),
                        needed,
                        options.correlationMemoryBytes() >> 20);
            }
        }
        double[] maxActCorr = new double[fl];
        int[] actNearest = new int[fl];
        double[] nearestActCorr = new double[fl];
        Arrays.fill(maxActCorr, Double.NaN);
        Arrays.fill(actNearest, -1);
        Arrays.fill(nearestActCorr, Double.NaN);

        ComparePass.Sums sums;
        ComparePass.Times times;
        int workers = options.effectiveThreads();
        ComparePass pass = new ComparePass(small, large, kernels, options.effectiveBlockTokens(fl), workers);
        listener.phase(CompareProgress.Phase.STREAMING_PASS, 1, passes);
        if (distributed != null && tileRows > 0) {
            throw new IllegalArgumentException("the activation correlation is not computed distributed yet: "
                    + "compare without it (--no-correlation) or on one machine");
        }
        if (distributed != null && options.greedyPath()) {
            throw new IllegalArgumentException("the greedy interpolation path is not computed distributed yet: "
                    + "compare without --greedy-path or on one machine");
        }
        Coactivation tile = tileRows > 0 ? new Coactivation(0, Math.min(fl, tileRows), fs) : null;
        CodesCollector collected = options.greedyPath() ? new CodesCollector(listener, n) : null;
        sums = distributed == null
                ? pass.run(acts, 0, n, path, tile, collected != null ? collected : listener)
                : distributedSums(small, large, n, path, options.effectiveBlockTokens(fl), pass.passBlockTokens());
        if (tile != null) {
            long t0 = System.nanoTime();
            Correlations.fill(tile, sums, sim.nearest(), maxActCorr, actNearest, nearestActCorr, workers);
            corrNanos += System.nanoTime() - t0;
        }
        for (int p = 2; p <= passes && tileRows > 0; p++) {
            tile = null; // let the previous tile go before the next is allocated
            int from = (p - 1) * tileRows;
            tile = new Coactivation(from, Math.min(fl, from + tileRows), fs);
            listener.phase(CompareProgress.Phase.CORRELATION_PASS, p, passes);
            pass.feedCorrelation(acts, 0, n, tile, listener);
            long t0 = System.nanoTime();
            Correlations.fill(tile, sums, sim.nearest(), maxActCorr, actNearest, nearestActCorr, workers);
            corrNanos += System.nanoTime() - t0;
        }
        times = pass.times();

        listener.phase(CompareProgress.Phase.RESULTS, 0, 0);
        CompareResult partial = assemble(
                small,
                large,
                options,
                n,
                sim,
                groups,
                path,
                sums,
                maxActCorr,
                actNearest,
                nearestActCorr,
                tileRows > 0 ? passes : 0,
                skipped,
                null);
        if (collected != null) {
            boolean[] novel = new boolean[fl];
            for (int j = 0; j < fl; j++) {
                novel[j] = groups.groupOfLarge()[j] < 0;
            }
            ComparePass.Sums sumsForFvu = sums;
            partial = partial.withGreedy(GreedyPath.compute(
                    small,
                    large,
                    acts,
                    (int) n,
                    collected.small(fs),
                    collected.large(fl),
                    novel,
                    sim.maxCos(),
                    mse -> sumsForFvu.fvu(mse * sumsForFvu.tokens()),
                    kernels));
        }
        double sec = 1e-9;
        CompareTimings timings = new CompareTimings(
                tSimilarity * sec,
                times.readNanos() * sec,
                times.encodeNanos() * sec,
                times.tokenNanos() * sec,
                (times.correlationNanos() + corrNanos) * sec,
                (System.nanoTime() - tStart) * sec);
        return partial.withTimings(timings);
    }

    /** The pass's sums from tasks over ranges of whole pass blocks, merged by the one tree. */
    private ComparePass.Sums distributedSums(
            Sae small, Sae large, long n, ComparePass.Plan plan, int blockTokens, int passBlock) {
        RangeRunner runner = distributed.runner();
        Shared<SaeSnapshot> s = runner.share(SaeSnapshot.of(small));
        Shared<SaeSnapshot> l = runner.share(SaeSnapshot.of(large));
        Shared<ComparePass.Plan> sharedPlan = runner.share(plan);
        SetSource source = distributed.set();
        String kernelsName = distributed.kernels();
        int ranges = distributed.ranges() > 0 ? distributed.ranges() : runner.defaultRanges();
        long[] bounds = RangeRunner.bounds(n, passBlock, ranges);
        RangeTask<ComparePass.Sums> task = (from, to) -> {
            try (var set = source.open()) {
                // One worker per task: a cluster runs one task per core, and the sums do not depend on it.
                return new ComparePass(
                                s.get().sae(), l.get().sae(), KernelsProvider.byName(kernelsName), blockTokens, 1)
                        .nodes(set, from, to, sharedPlan.get(), CompareProgress.NONE);
            }
        };
        try {
            return RangeRunner.merge(
                    runner.run("compare", bounds, task),
                    ComparePass.Sums::merge,
                    ComparePass.Sums.empty(small.dIn(), small.numLatents(), large.numLatents(), plan));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the distributed compare failed: " + e.getMessage(), e);
        }
    }

    /**
     * Throws {@link IllegalArgumentException} with a message for the user when S, L and the set do not fit together.
     */
    static void validate(Sae small, Sae large, ActivationSet acts) {
        if (small.dIn() != large.dIn()) {
            throw new IllegalArgumentException("the small SAE has d_in = " + small.dIn()
                    + " but the large SAE has d_in = " + large.dIn() + "; both must read the same activation site");
        }
        if (small.numLatents() > large.numLatents()) {
            throw new IllegalArgumentException("the small SAE (" + small.numLatents()
                    + " latents) is wider than the large SAE (" + large.numLatents()
                    + " latents); did you swap them? Pass the narrower SAE as --small and the wider as --large");
        }
        if (small.numLatents() == 0) {
            throw new IllegalArgumentException("the small SAE has no latents");
        }
        if (acts.dIn() != small.dIn()) {
            throw new IllegalArgumentException("activation set " + acts.describe() + " has d_in = " + acts.dIn()
                    + " but the SAEs have d_in = " + small.dIn());
        }
        if (acts.numTokens() <= 0) {
            throw new IllegalArgumentException(
                    "activation set " + acts.describe() + " is empty: nothing to compare on");
        }
    }

    /** Whether a hybrid of these SAEs is a composite (a topk source) rather than one standard SAE. */
    static boolean composite(Sae small, Sae large) {
        return small.activation() instanceof Activation.TopK || large.activation() instanceof Activation.TopK;
    }

    /** The note on how hybrids are defined, for the outputs. */
    static String hybridNote(Sae small, Sae large) {
        if (composite(small, large)) {
            return "hybrids are composite models: every latent keeps the activation it has inside its source SAE "
                    + "(a topk source's top-k is taken over that whole SAE), decoder rows are concatenated and b_dec is S's; "
                    + "they cannot be written as one standard SAE";
        }
        return "hybrids are standard SAEs: moved latents keep their encoder and activation exactly as in L, with L's b_dec "
                + "folded into b_enc (b_enc'_j = b_enc_j + W_enc^L[:,j]·(b_dec^S − b_dec^L) when both apply b_dec to the "
                + "input); S keeps its b_dec";
    }

    /** The result from the pass's sums: every division by the token count is {@link ComparePass.Sums#perToken}. */
    private CompareResult assemble(
            Sae small,
            Sae large,
            CompareOptions options,
            long n,
            DecoderSimilarity sim,
            SwapGroups groups,
            ComparePass.Plan path,
            ComparePass.Sums s,
            double[] maxActCorr,
            int[] actNearest,
            double[] nearestActCorr,
            int passes,
            String skipped,
            CompareTimings timings) {
        int fs = small.numLatents();
        int fl = large.numLatents();
        double tau = options.threshold();

        double[] deltaMse = new double[fl];
        List<LatentResult> latents = new ArrayList<>(fl);
        for (int j = 0; j < fl; j++) {
            deltaMse[j] = s.perToken(s.deltaLatent()[j]);
            int g = groups.groupOfLarge()[j];
            latents.add(new LatentResult(
                    j,
                    sim.maxCos()[j],
                    sim.nearest()[j],
                    g < 0 ? LatentKind.NOVEL : LatentKind.RECONSTRUCTION,
                    deltaMse[j],
                    s.perToken(s.countLarge()[j]),
                    maxActCorr[j],
                    actNearest[j],
                    nearestActCorr[j],
                    g,
                    path.stepOfLarge()[j] + 1));
        }

        int[] stepOfGroup = new int[groups.size()];
        for (int q = 0; q < path.swapOrder().length; q++) {
            stepOfGroup[path.swapOrder()[q]] = path.addOrder().length + q + 1;
        }
        List<SwapGroupResult> groupResults = new ArrayList<>(groups.size());
        for (SwapGroups.Group g : groups.groups()) {
            long dl0 = 0;
            for (int j : g.children()) {
                dl0 += s.countLarge()[j];
            }
            for (int i : g.parents()) {
                dl0 -= s.countSmall()[i];
            }
            groupResults.add(new SwapGroupResult(
                    g.id(),
                    g.parents(),
                    g.children(),
                    g.cosine(),
                    g.numEdges(),
                    s.perToken(s.deltaGroup()[g.id()]),
                    s.perToken(dl0),
                    stepOfGroup[g.id()]));
        }

        long nnzSmall = Arrays.stream(s.countSmall()).sum();
        long nnzLarge = Arrays.stream(s.countLarge()).sum();
        List<InterpolationStep> steps = new ArrayList<>(path.numSteps() + 1);
        steps.add(new InterpolationStep(
                0,
                InterpolationStep.Action.START,
                -1,
                Float.NaN,
                fs,
                s.perToken(s.sseSmall()),
                s.fvu(s.sseSmall()),
                s.perToken(nnzSmall),
                0.0));
        double sse = s.sseSmall();
        long nnz = nnzSmall;
        int numLatents = fs;
        for (int step = 0; step < path.numSteps(); step++) {
            sse += s.deltaStep()[step];
            int g = path.stepGroup()[step];
            if (g < 0) {
                int j = path.addOrder()[step];
                nnz += s.countLarge()[j];
                numLatents++;
                steps.add(new InterpolationStep(
                        step + 1,
                        InterpolationStep.Action.ADD,
                        j,
                        sim.maxCos()[j],
                        numLatents,
                        s.perToken(sse),
                        s.fvu(sse),
                        s.perToken(nnz),
                        s.perToken(s.deltaStep()[step])));
            } else {
                SwapGroups.Group group = groups.groups().get(g);
                for (int j : group.children()) {
                    nnz += s.countLarge()[j];
                }
                for (int i : group.parents()) {
                    nnz -= s.countSmall()[i];
                }
                numLatents += group.children().length - group.parents().length;
                steps.add(new InterpolationStep(
                        step + 1,
                        InterpolationStep.Action.SWAP,
                        g,
                        group.cosine(),
                        numLatents,
                        s.perToken(sse),
                        s.fvu(sse),
                        s.perToken(nnz),
                        s.perToken(s.deltaStep()[step])));
            }
        }

        Contingency contingency = Contingency.of(sim.maxCos(), deltaMse, tau);
        JointSweep joint = jointSweep(path, s, sim.maxCos(), steps, Math.max(tau, ComparePass.Plan.JOINT_LIMIT));
        List<ThresholdSweepRow> sweep = new ArrayList<>();
        for (double t : ThresholdSweepRow.thresholds()) {
            InterpolationStep at = joint.at(t);
            sweep.add(new ThresholdSweepRow(t, Contingency.of(sim.maxCos(), deltaMse, t), at.mse(), at.fvu()));
        }

        ActivationSimilarity actSim = ActivationSimilarity.notComputed(skipped);
        if (passes > 0) {
            int defined = 0;
            int same = 0;
            double sumNearest = 0;
            int nearestDefined = 0;
            for (int j = 0; j < fl; j++) {
                if (actNearest[j] >= 0) {
                    defined++;
                    if (actNearest[j] == sim.nearest()[j]) {
                        same++;
                    }
                }
                if (!Double.isNaN(nearestActCorr[j])) {
                    nearestDefined++;
                    sumNearest += nearestActCorr[j];
                }
            }
            actSim = new ActivationSimilarity(
                    true,
                    passes,
                    defined == 0 ? Double.NaN : (double) same / defined,
                    nearestDefined == 0 ? Double.NaN : sumNearest / nearestDefined,
                    "");
        }

        ModelSummary smallSummary = new ModelSummary(
                fs,
                small.activation().name(),
                small.applyBDecToInput(),
                s.perToken(s.sseSmall()),
                s.fvu(s.sseSmall()),
                s.perToken(nnzSmall),
                dead(s.countSmall()));
        ModelSummary largeSummary = new ModelSummary(
                fl,
                large.activation().name(),
                large.applyBDecToInput(),
                s.perToken(s.sseLarge()),
                s.fvu(s.sseLarge()),
                s.perToken(nnzLarge),
                dead(s.countLarge()));
        return new CompareResult(
                options,
                n,
                kernels.name(),
                smallSummary,
                largeSummary,
                latents,
                groupResults,
                steps,
                contingency,
                sweep,
                actSim,
                composite(small, large),
                hybridNote(small, large),
                timings,
                joint,
                null);
    }

    /**
     * The joint sweep's path: the interpolation's start and add rows (every novel latent, ascending
     * max_cos), then the pass's extension latents in the same order ({@link ComparePass.Sums#deltaExtend}).
     */
    private static JointSweep jointSweep(
            ComparePass.Plan plan, ComparePass.Sums s, float[] maxCos, List<InterpolationStep> steps, double limit) {
        int adds = plan.addOrder().length;
        List<InterpolationStep> rows = new ArrayList<>(steps.subList(0, adds + 1));
        InterpolationStep last = rows.get(adds);
        double sse = s.sseSmall(); // the same sum, in the same order, as the path's add rows
        for (int q = 0; q < adds; q++) {
            sse += s.deltaStep()[q];
        }
        long nnz = Arrays.stream(s.countSmall()).sum();
        for (int q = 0; q < adds; q++) {
            nnz += s.countLarge()[plan.addOrder()[q]];
        }
        int numLatents = last.numLatents();
        for (int q = 0; q < plan.extendOrder().length; q++) {
            int j = plan.extendOrder()[q];
            sse += s.deltaExtend()[q];
            nnz += s.countLarge()[j];
            numLatents++;
            rows.add(new InterpolationStep(
                    adds + q + 1,
                    InterpolationStep.Action.ADD,
                    j,
                    maxCos[j],
                    numLatents,
                    s.perToken(sse),
                    s.fvu(sse),
                    s.perToken(nnz),
                    s.perToken(s.deltaExtend()[q])));
        }
        return new JointSweep(rows, JointSweep.minimumOf(rows), limit);
    }

    /**
     * Passes progress on and keeps a copy of the pass's codes (valid only during each call), for the
     * greedy path.
     */
    private static final class CodesCollector implements CompareProgress {
        private final CompareProgress inner;
        private final List<SparseRows> small = new ArrayList<>();
        private final List<SparseRows> large = new ArrayList<>();

        CodesCollector(CompareProgress inner, long n) {
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "the greedy path keeps the tokens in memory: compare at most " + Integer.MAX_VALUE + " tokens");
            }
            this.inner = inner;
        }

        @Override
        public void phase(Phase phase, int pass, int passes) {
            inner.phase(phase, pass, passes);
        }

        @Override
        public void tokens(long done, long total) {
            inner.tokens(done, total);
        }

        @Override
        public void codes(long firstToken, SparseRows s, SparseRows l) {
            small.add(copy(s));
            large.add(copy(l));
            inner.codes(firstToken, s, l);
        }

        SparseRows small(int cols) {
            return SaeRunner.concatRows(small, cols);
        }

        SparseRows large(int cols) {
            return SaeRunner.concatRows(large, cols);
        }

        private static SparseRows copy(SparseRows c) {
            int nnz = c.nnz();
            return new SparseRows(
                    c.rows(),
                    c.cols(),
                    Arrays.copyOf(c.rowPtr(), c.rows() + 1),
                    Arrays.copyOf(c.colIdx(), nnz),
                    Arrays.copyOf(c.values(), nnz));
        }
    }

    private static int dead(long[] counts) {
        int dead = 0;
        for (long c : counts) {
            if (c == 0) {
                dead++;
            }
        }
        return dead;
    }
}
