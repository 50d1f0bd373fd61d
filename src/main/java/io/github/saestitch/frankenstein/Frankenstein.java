package io.github.saestitch.frankenstein;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.activations.HeldOutSplit;
import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.SetSource;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * {@code saestitch frankenstein}: builds Frankenstein SAEs from a family and measures them against the
 * originals on held-out tokens (docs/definitions.md#frankenstein; issue 6).
 *
 * <ol>
 *   <li><b>Tokens.</b> The last {@code heldOutTokens} of the set, extended back to whole documents when the
 *       set records them, are held out (the trainer's held-out set, {@link HeldOutSplit}); selection and
 *       refit use the first {@code min(trainTokens, start of the held-out set)}.</li>
 *   <li><b>Codes.</b> Every member's codes on the selection tokens, once ({@link SourceCodes}): tasks over
 *       ranges of 4,096-token units, in this process or on a cluster ({@link Distributed}), with the same
 *       codes either way.</li>
 *   <li><b>Cosine.</b> {@link CosineSelection}; one model per round (stage s = after member s).</li>
 *   <li><b>Greedy.</b> {@link GreedySelection} until the target width (default: the cosine
 *       Frankenstein's) and the cosine Frankenstein's l0 on the selection tokens are both reached;
 *       the {@code greedy} series takes the prefixes of the cosine stages' widths, the
 *       {@code greedy (equal l0)} series the shortest prefixes reaching each cosine stage's l0.</li>
 *   <li><b>Refit.</b> {@link DecoderRefit#exact} on the selection tokens for every prefix of a series
 *       at once; {@link DecoderRefit#adam} for the final model of each selection.</li>
 *   <li><b>Control.</b> Each original SAE with the same exact refit ({@code original + refit}), so the
 *       table tells the refit's gain from the Frankenstein's.</li>
 *   <li><b>Evaluate.</b> Every original and every model with {@link Evaluator} on the held-out tail,
 *       from the members' held-out codes computed once ({@link PrecomputedModel}: one encoder GEMM per
 *       member instead of one per model; 30 models of the demo family took 2.7 s instead of ≈ 25 s).
 *       The models that are written are then run as saved (folded standard SAE or composite) on the
 *       same tokens, and both results are recorded ({@link FrankensteinResult.SavedCheck}).</li>
 * </ol>
 */
public final class Frankenstein {
    /** Series names of the table (and of {@code frankenstein.csv}). */
    public static final String ORIGINAL = "original";

    public static final String ORIGINAL_REFIT = "original + refit";
    public static final String COSINE = "cosine";
    public static final String COSINE_REFIT = "cosine + refit";
    public static final String COSINE_ADAM = "cosine + adam";
    public static final String GREEDY = "greedy";
    public static final String GREEDY_REFIT = "greedy + refit";
    public static final String GREEDY_ADAM = "greedy + adam";
    public static final String GREEDY_L0 = "greedy (equal l0)";
    public static final String GREEDY_L0_REFIT = "greedy (equal l0) + refit";

    /**
     * Memory for the greedy selection's candidate decoder Gram (C² floats): 1 GiB, i.e. up to 16,384
     * candidates (the demo family has 10,752: 462 MB, 89 GFLOP of GEMM once).
     */
    static final long DECODER_GRAM_BYTES = 1L << 30;

    private final Kernels kernels;
    private final Distributed distributed; // null: the members' codes are computed in this process

    /**
     * The members' codes encoded by tasks on a cluster ({@code frankenstein --master}); selection, refits
     * and evaluation on this machine, from the same codes: the same results as one process.
     *
     * @param runner  the cluster
     * @param set     the activation set, opened by each task (a path every executor can read)
     * @param ranges  ranges per pass (0: the runner's default)
     * @param kernels the kernels' name on the executors
     */
    public record Distributed(RangeRunner runner, SetSource set, int ranges, String kernels) {}

    public Frankenstein(Kernels kernels) {
        this(kernels, null);
    }

    /** With {@code distributed} (null: everything in this process). */
    public Frankenstein(Kernels kernels, Distributed distributed) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.distributed = distributed;
    }

    /** How tokens of {@code set} are encoded: in this process (with progress) or by the cluster's tasks. */
    private SourceCodes.Encoding encoding(ActivationSet set, FrankensteinListener l, int members) {
        if (distributed == null) {
            return SourceCodes.Encoding.local(set, kernels, t -> l.progress(t * members));
        }
        String name = distributed.kernels();
        return new SourceCodes.Encoding(
                distributed.runner(),
                distributed.set(),
                true,
                () -> KernelsProvider.byName(name),
                distributed.ranges());
    }

    /** Runs every stage; see the class comment. */
    public FrankensteinResult run(
            Family family, ActivationSet set, FrankensteinOptions o, FrankensteinListener listener) {
        return run(family, set, o, listener, null);
    }

    /**
     * Runs every stage, and scores every evaluated model downstream with {@code downstream} (its
     * embedding_recovered on the held-out tokens, {@code eval.DownstreamEvaluator}; null: not measured).
     */
    public FrankensteinResult run(
            Family family,
            ActivationSet set,
            FrankensteinOptions o,
            FrankensteinListener listener,
            ToDoubleFunction<Autoencoder> downstream) {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(set, "set");
        Objects.requireNonNull(o, "options");
        FrankensteinListener l = listener == null ? FrankensteinListener.NONE : listener;
        if (set.dIn() != family.dIn()) {
            throw new IllegalArgumentException("the family has d_in = " + family.dIn() + " but activation set "
                    + set.describe() + " has d_in = " + set.dIn());
        }
        long total = set.numTokens();
        if (total <= o.heldOutTokens()) {
            throw new IllegalArgumentException(
                    "activation set " + set.describe() + " has " + total + " tokens; holding out " + o.heldOutTokens()
                            + " for evaluation leaves none for selection and refit (lower --held-out)");
        }
        // Whole documents when the set records them, as the trainer holds out (HeldOutSplit): no document is
        // split between the selection/refit tokens and the evaluation.
        HeldOutSplit split = HeldOutSplit.of(set, o.heldOutTokens());
        long trainLong = Math.min(o.trainTokens(), split.start());
        if (trainLong > Integer.MAX_VALUE / family.dIn()) {
            throw new IllegalArgumentException(
                    "--train-tokens " + trainLong + " does not fit in memory as one array; use fewer");
        }
        if (split.tokens() > Integer.MAX_VALUE / family.dIn()) {
            throw new IllegalArgumentException(
                    "--held-out " + split.tokens() + " does not fit in memory as one array; " + "use fewer");
        }
        long candidates = 0;
        for (int s = 0; s < family.size(); s++) {
            candidates += family.member(s).width();
        }
        if (candidates * family.dIn() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the family has " + candidates + " latents of d_in " + family.dIn()
                    + ": their decoder rows do not fit one array (at most " + (Integer.MAX_VALUE - 8) / family.dIn()
                    + " latents in all)");
        }
        int nTrain = (int) trainLong;
        // Every input is checked before the first stage: a NaN in the held-out tail would otherwise surface
        // only at the evaluation, after every selection and refit. (The selection tokens are checked as
        // they are read, before encoding.)
        ActivationSets.requireFinite(set, split.start(), split.tokens(), "in the held-out tail");
        ActivationSet heldOut = split.range(set);
        Map<String, Double> timings = new LinkedHashMap<>();
        Map<String, DecoderRefit.Stats> refits = new LinkedHashMap<>();
        Map<String, FrankensteinModel> saved = new LinkedHashMap<>();
        List<Pending> pending = new ArrayList<>(); // models to evaluate, in table order

        // Codes of every member on the selection tokens.
        long t = System.nanoTime();
        l.started("encode", (long) nTrain * family.size(), "tok");
        SourceCodes codes = SourceCodes.compute(family, set, 0, nTrain, encoding(set, l, family.size()));
        finish(
                l,
                timings,
                "encode",
                t,
                String.format(Locale.ROOT, "%d tokens × %d SAEs, l0 %s", nTrain, family.size(), l0s(codes)));

        // Cosine selection (always: it sets the greedy targets).
        t = System.nanoTime();
        l.started("cosine selection", 0, "");
        Selection cos = CosineSelection.select(family, kernels, o.threshold());
        List<Integer> stagePrefixes = new ArrayList<>();
        for (int s = 1; s < family.size(); s++) {
            int p = cos.sizeThroughStage(s);
            if (stagePrefixes.isEmpty() || stagePrefixes.get(stagePrefixes.size() - 1) != p) {
                stagePrefixes.add(p); // a round that adds nothing repeats the previous model: one row
            }
        }
        int[][] fires = fireCounts(codes);
        double[] stageL0 = new double[stagePrefixes.size()];
        for (int k = 0; k < stageL0.length; k++) {
            stageL0[k] = trainL0(cos.prefix(stagePrefixes.get(k)), fires, nTrain);
        }
        finish(
                l,
                timings,
                "cosine selection",
                t,
                String.format(
                        Locale.ROOT,
                        "%d latents (%s), train l0 %.2f",
                        cos.numLatents(),
                        FrankensteinModel.fromSources(family, cos).description(),
                        stageL0[stageL0.length - 1]));

        List<Pending> originalRefits = new ArrayList<>();
        if (o.refitExact()) {
            // The control: each original SAE with its decoder refit the same way on the same tokens, so the
            // table separates what the refit gives from what the Frankenstein's latents give.
            t = System.nanoTime();
            l.started("original refit", 0, "");
            long gram = 0;
            for (int s = 0; s < family.size(); s++) {
                FrankensteinModel orig = FrankensteinModel.original(family, s);
                DecoderRefit.Result r = DecoderRefit.exact(
                        codes.codes()[s],
                        codes.x(),
                        codes.transposeTimesTokens(s),
                        orig.wDec(),
                        orig.bDec(),
                        new int[] {orig.numLatents()},
                        o.refit());
                DecoderRefit.Solution sol = r.solutions().get(0);
                originalRefits.add(new Pending(
                        ORIGINAL_REFIT,
                        orig.withDecoder(sol.wDec(), sol.bDec()),
                        codes.l0(s),
                        family.member(s).source() + "; decoder refit exactly ("
                                + r.stats().solver() + ")"));
                refits.put(ORIGINAL_REFIT + " " + family.member(s).width(), r.stats());
                gram += r.stats().gramUpdates();
            }
            finish(
                    l,
                    timings,
                    "original refit",
                    t,
                    String.format(Locale.ROOT, "%d SAEs; Gram %.3g multiply-adds", family.size(), (double) gram));
        }

        if (o.cosine()) {
            FrankensteinModel full = FrankensteinModel.fromSources(family, cos);
            int[] prefixes = stagePrefixes.stream().mapToInt(Integer::intValue).toArray();
            for (int p : prefixes) {
                FrankensteinModel m = FrankensteinModel.fromSources(family, cos.prefix(p));
                pending.add(new Pending(COSINE, m, trainL0(m.selection(), fires, nTrain), m.description()));
            }
            saved.put("sae-cosine", full);
            SparseRows cosCodes = o.refitExact() || o.refitAdam() ? codes.codesOf(cos) : null;
            if (o.refitExact()) {
                t = System.nanoTime();
                l.started("cosine refit", 0, "");
                DecoderRefit.Result r = DecoderRefit.exact(
                        cosCodes,
                        codes.x(),
                        codes.transposeTimesTokens(cos),
                        full.wDec(),
                        full.bDec(),
                        prefixes,
                        o.refit());
                for (int k = 0; k < prefixes.length; k++) {
                    DecoderRefit.Solution s = r.solutions().get(k);
                    FrankensteinModel m = FrankensteinModel.fromSources(family, cos.prefix(prefixes[k]))
                            .withDecoder(s.wDec(), s.bDec());
                    pending.add(new Pending(
                            COSINE_REFIT,
                            m,
                            trainL0(m.selection(), fires, nTrain),
                            m.description() + "; decoder refit exactly ("
                                    + r.stats().solver() + ")"));
                    if (k == prefixes.length - 1) {
                        saved.put("sae-cosine-refit", m);
                    }
                }
                refits.put(COSINE_REFIT, r.stats());
                finish(l, timings, "cosine refit", t, refitSummary(r.stats(), prefixes.length));
            }
            if (o.refitAdam()) {
                t = System.nanoTime();
                l.started("cosine adam", 0, "");
                DecoderRefit.Result r =
                        DecoderRefit.adam(cosCodes, codes.x(), full.wDec(), full.bDec(), o.adam(), o.parts());
                DecoderRefit.Solution s = r.solutions().get(0);
                FrankensteinModel m = full.withDecoder(s.wDec(), s.bDec());
                pending.add(new Pending(
                        COSINE_ADAM,
                        m,
                        trainL0(cos, fires, nTrain),
                        m.description() + "; decoder refit by " + o.adam().epochs() + " epochs of Adam (lr "
                                + o.adam().lr() + ")"));
                refits.put(COSINE_ADAM, r.stats());
                finish(l, timings, "cosine adam", t, r.stats().iterations() + " steps");
            }
        }

        Selection greedy = null;
        GreedySelection.Stats greedyStats = null;
        if (o.greedy()) {
            int f0 = family.member(0).width();
            int width = o.width() > 0 ? o.width() : cos.numLatents();
            if (width < f0) {
                throw new IllegalArgumentException("--width " + width + " is below the smallest SAE's " + f0
                        + " latents, where the greedy selection starts");
            }
            double l0Target = stageL0[stageL0.length - 1];
            t = System.nanoTime();
            l.started("greedy selection", 0, "");
            // Fixed pieces, not o.parts(): the co-activation sums, and so the order, are the same on any machine.
            GreedySelection.Result g = GreedySelection.select(
                    family,
                    codes,
                    width - f0,
                    l0Target,
                    GreedySelection.COACTIVATION_PIECES,
                    kernels,
                    DECODER_GRAM_BYTES);
            greedy = g.selection();
            greedyStats = g.stats();
            finish(
                    l,
                    timings,
                    "greedy selection",
                    t,
                    String.format(
                            Locale.ROOT,
                            "%d steps (%.1f ms each; first evaluation %.1f s), train mse %.4g → %.4g",
                            g.stats().steps(),
                            1e3
                                    * g.stats().stepSeconds()
                                    / Math.max(1, g.stats().steps()),
                            g.stats().initialSeconds(),
                            g.mseAfter()[0],
                            g.mseAfter()[g.mseAfter().length - 1]));
            TreeSet<Integer> widths = new TreeSet<>();
            for (int p : stagePrefixes) {
                if (p <= width) {
                    widths.add(Math.min(p, greedy.numLatents()));
                }
            }
            widths.add(Math.min(width, greedy.numLatents()));
            if (g.stats().firstNonImproving() > 0) {
                // The greedy optimum with the sources' decoder rows: beyond it every addition costs mse.
                widths.add(f0 + g.stats().firstNonImproving() - 1);
            }
            List<Integer> l0Prefixes = new ArrayList<>(); // distinct: two targets may need the same prefix
            List<Integer> l0Stages = new ArrayList<>();
            for (int k = 0; k < stageL0.length; k++) {
                int p = g.prefixReachingL0(stageL0[k]);
                if (!l0Prefixes.contains(p)) {
                    l0Prefixes.add(p);
                    l0Stages.add(k);
                }
            }
            for (int p : widths) {
                FrankensteinModel m = FrankensteinModel.fromSources(family, greedy.prefix(p));
                pending.add(new Pending(GREEDY, m, trainL0(m.selection(), fires, nTrain), m.description()));
            }
            for (int k = 0; k < l0Prefixes.size(); k++) {
                FrankensteinModel m = FrankensteinModel.fromSources(family, greedy.prefix(l0Prefixes.get(k)));
                pending.add(new Pending(
                        GREEDY_L0,
                        m,
                        trainL0(m.selection(), fires, nTrain),
                        m.description()
                                + String.format(
                                        Locale.ROOT,
                                        "; stopped at the train l0 of the cosine Frankenstein of %d latents (%.2f)",
                                        stagePrefixes.get(l0Stages.get(k)),
                                        stageL0[l0Stages.get(k)])));
            }
            int finalWidth = Math.min(width, greedy.numLatents());
            FrankensteinModel full = FrankensteinModel.fromSources(family, greedy.prefix(finalWidth));
            saved.put("sae-greedy", full);
            TreeSet<Integer> all = new TreeSet<>(widths);
            all.addAll(l0Prefixes);
            int maxPrefix = all.last();
            Selection gMax = greedy.prefix(maxPrefix);
            SparseRows gCodes = o.refitExact() || o.refitAdam() ? codes.codesOf(gMax) : null;
            if (o.refitExact()) {
                t = System.nanoTime();
                l.started("greedy refit", 0, "");
                FrankensteinModel src = FrankensteinModel.fromSources(family, gMax);
                int[] prefixes = all.stream().mapToInt(Integer::intValue).toArray();
                DecoderRefit.Result r = DecoderRefit.exact(
                        gCodes,
                        codes.x(),
                        codes.transposeTimesTokens(gMax),
                        src.wDec(),
                        src.bDec(),
                        prefixes,
                        o.refit());
                Map<Integer, DecoderRefit.Solution> byPrefix = new LinkedHashMap<>();
                for (int k = 0; k < prefixes.length; k++) {
                    byPrefix.put(prefixes[k], r.solutions().get(k));
                }
                String how = "; decoder refit exactly (" + r.stats().solver() + ")";
                for (int p : widths) {
                    FrankensteinModel m = refitModel(family, greedy.prefix(p), byPrefix.get(p));
                    pending.add(
                            new Pending(GREEDY_REFIT, m, trainL0(m.selection(), fires, nTrain), m.description() + how));
                    if (p == finalWidth) {
                        saved.put("sae-greedy-refit", m);
                    }
                }
                for (int p : l0Prefixes) {
                    FrankensteinModel m = refitModel(family, greedy.prefix(p), byPrefix.get(p));
                    pending.add(new Pending(
                            GREEDY_L0_REFIT, m, trainL0(m.selection(), fires, nTrain), m.description() + how));
                }
                refits.put(GREEDY_REFIT, r.stats());
                finish(l, timings, "greedy refit", t, refitSummary(r.stats(), prefixes.length));
            }
            if (o.refitAdam()) {
                t = System.nanoTime();
                l.started("greedy adam", 0, "");
                SparseRows fc = finalWidth == maxPrefix ? gCodes : DecoderRefit.leadingColumns(gCodes, finalWidth);
                DecoderRefit.Result r = DecoderRefit.adam(fc, codes.x(), full.wDec(), full.bDec(), o.adam(), o.parts());
                DecoderRefit.Solution s = r.solutions().get(0);
                FrankensteinModel m = full.withDecoder(s.wDec(), s.bDec());
                pending.add(new Pending(
                        GREEDY_ADAM,
                        m,
                        trainL0(m.selection(), fires, nTrain),
                        m.description() + "; decoder refit by " + o.adam().epochs() + " epochs of Adam (lr "
                                + o.adam().lr() + ")"));
                refits.put(GREEDY_ADAM, r.stats());
                finish(l, timings, "greedy adam", t, r.stats().iterations() + " steps");
            }
        }

        // Held-out evaluation: every source's codes once, then each model from them (PrecomputedModel).
        t = System.nanoTime();
        int nHeld = (int) split.tokens();
        l.started("encode held-out", (long) nHeld * family.size(), "tok");
        SourceCodes held = SourceCodes.compute(family, set, split.start(), nHeld, encoding(set, l, family.size()));
        finish(l, timings, "encode held-out", t, nHeld + " tokens × " + family.size() + " SAEs");
        t = System.nanoTime();
        l.started("evaluate", (long) (family.size() + originalRefits.size() + pending.size()) * nHeld, "tok");
        Evaluator ev = new Evaluator(kernels);
        List<FrankensteinResult.Row> rows = new ArrayList<>();
        List<FrankensteinModel> evaluated = new ArrayList<>();
        long[] done = {0};
        for (int s = 0; s < family.size(); s++) {
            FrankensteinModel m = FrankensteinModel.original(family, s);
            evaluated.add(m);
            EvalResult e = evaluate(ev, PrecomputedModel.of(held, m, kernels), heldOut, l, done);
            rows.add(new FrankensteinResult.Row(
                    ORIGINAL,
                    family.member(s).width(),
                    e.mse(),
                    e.fvu(),
                    e.l0(),
                    codes.l0(s),
                    Double.NaN,
                    family.member(s).source()));
        }
        List<Pending> all = new ArrayList<>(originalRefits);
        all.addAll(pending);
        for (Pending p : all) {
            evaluated.add(p.model());
            EvalResult e = evaluate(ev, PrecomputedModel.of(held, p.model(), kernels), heldOut, l, done);
            rows.add(new FrankensteinResult.Row(
                    p.series(), p.model().numLatents(), e.mse(), e.fvu(), e.l0(), p.trainL0(), Double.NaN, p.note()));
        }
        finish(l, timings, "evaluate", t, rows.size() + " models on " + nHeld + " held-out tokens");
        if (downstream != null) {
            t = System.nanoTime();
            l.started("downstream", rows.size(), "SAEs");
            for (int i = 0; i < rows.size(); i++) {
                FrankensteinResult.Row r = rows.get(i);
                double score = downstream.applyAsDouble(evaluated.get(i).autoencoder(kernels));
                rows.set(
                        i,
                        new FrankensteinResult.Row(
                                r.series(), r.numLatents(), r.mse(), r.fvu(), r.l0(), r.trainL0(), score, r.note()));
                l.progress(i + 1);
            }
            finish(l, timings, "downstream", t, rows.size() + " models spliced into the model");
        }

        // The SAEs to be written, run as they will be saved (folded standard SAE or composite): the
        // same metrics up to float rounding, recorded as a check.
        t = System.nanoTime();
        l.started("check saved", (long) saved.size() * nHeld, "tok");
        Map<String, FrankensteinResult.SavedCheck> checks = new LinkedHashMap<>();
        done[0] = 0;
        for (Map.Entry<String, FrankensteinModel> e : saved.entrySet()) {
            EvalResult pre = ev.evaluate(PrecomputedModel.of(held, e.getValue(), kernels), heldOut, null);
            EvalResult real = evaluate(ev, e.getValue().autoencoder(kernels), heldOut, l, done);
            checks.put(e.getKey(), new FrankensteinResult.SavedCheck(pre.mse(), real.mse(), pre.l0(), real.l0()));
        }
        finish(l, timings, "check saved", t, checkSummary(checks));
        return new FrankensteinResult(
                family,
                set.describe(),
                total,
                nTrain,
                split.tokens(),
                o,
                kernels.name(),
                List.copyOf(rows),
                o.cosine() ? cos : null,
                greedy,
                greedyStats,
                refits,
                saved,
                checks,
                timings);
    }

    private static EvalResult evaluate(
            Evaluator ev,
            io.github.saestitch.sae.Autoencoder model,
            ActivationSet set,
            FrankensteinListener l,
            long[] done) {
        long base = done[0];
        EvalResult e = ev.evaluate(model, set, k -> l.progress(base + k));
        done[0] += set.numTokens();
        return e;
    }

    private static String checkSummary(Map<String, FrankensteinResult.SavedCheck> checks) {
        double worst = 0;
        for (FrankensteinResult.SavedCheck c : checks.values()) {
            worst = Math.max(worst, c.relativeMseDifference());
        }
        return String.format(
                Locale.ROOT,
                "%d SAEs run as saved; largest relative mse difference to the table %.1e",
                checks.size(),
                worst);
    }

    private record Pending(String series, FrankensteinModel model, double trainL0, String note) {}

    private static FrankensteinModel refitModel(Family family, Selection sel, DecoderRefit.Solution s) {
        return FrankensteinModel.fromSources(family, sel).withDecoder(s.wDec(), s.bDec());
    }

    private static void finish(
            FrankensteinListener l, Map<String, Double> timings, String stage, long t0, String summary) {
        double secs = (System.nanoTime() - t0) / 1e9;
        timings.put(stage, secs);
        l.finished(stage, secs, summary);
    }

    private static String refitSummary(DecoderRefit.Stats s, int prefixes) {
        return String.format(
                Locale.ROOT,
                "%s, %d latents (%d fire), %d prefixes; Gram %.3g + FᵀX %.3g multiply-adds in %.1f s, "
                        + "solve %.1f s%s",
                s.solver(),
                s.numLatents(),
                s.fired(),
                prefixes,
                (double) s.gramUpdates(),
                (double) s.rhsUpdates(),
                s.accumulateSeconds(),
                s.solveSeconds(),
                s.iterations() > 0
                        ? String.format(
                                Locale.ROOT, " (%d iterations, residual %.2g)", s.iterations(), s.relativeResidual())
                        : "");
    }

    private static String l0s(SourceCodes codes) {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < codes.codes().length; s++) {
            sb.append(s == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.1f", codes.l0(s)));
        }
        return sb.toString();
    }

    /** [member][latent] tokens on which each latent fires, on the selection tokens. */
    private static int[][] fireCounts(SourceCodes codes) {
        int[][] f = new int[codes.codes().length][];
        for (int s = 0; s < f.length; s++) {
            SparseRows c = codes.codes()[s];
            f[s] = new int[c.cols()];
            for (int e = 0; e < c.nnz(); e++) {
                f[s][c.colIdx()[e]]++;
            }
        }
        return f;
    }

    /** l0 of a selection on the selection tokens: Σ over its latents of their firing counts / N. */
    static double trainL0(Selection sel, int[][] fires, int n) {
        long sum = 0;
        for (int h = 0; h < sel.numLatents(); h++) {
            sum += fires[sel.source()[h]][sel.latent()[h]];
        }
        return (double) sum / n;
    }
}
