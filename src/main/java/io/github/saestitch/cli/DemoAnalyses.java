package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.StoreManifest;
import io.github.saestitch.decomp.DocumentPooling;
import io.github.saestitch.decomp.MetaSae;
import io.github.saestitch.decomp.MetaSaeOptions;
import io.github.saestitch.decomp.MetaSaeWriter;
import io.github.saestitch.decomp.NearestLatents;
import io.github.saestitch.decomp.Nmf;
import io.github.saestitch.decomp.NmfAnalysis;
import io.github.saestitch.decomp.NmfOptions;
import io.github.saestitch.decomp.NmfResult;
import io.github.saestitch.decomp.NmfWriter;
import io.github.saestitch.frankenstein.Family;
import io.github.saestitch.frankenstein.Frankenstein;
import io.github.saestitch.frankenstein.FrankensteinOptions;
import io.github.saestitch.frankenstein.FrankensteinResult;
import io.github.saestitch.frankenstein.FrankensteinWriter;
import io.github.saestitch.io.InputFingerprint;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.TrainResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's analyses of the trained family, each through the same library calls as its command
 * ({@code frankenstein}, {@code meta-sae}, {@code nmf --pool document}) with that command's defaults, and
 * each cached on the fingerprint of its options and input files ({@link DemoConsole#cached}).
 *
 * @param plan    the sizes and directories
 * @param kernels the numeric backend of every stage
 * @param console the stage lines and the stage cache
 */
record DemoAnalyses(DemoPlan plan, Kernels kernels, DemoConsole console) {
    /** The SAE directory of a family member. */
    private static Path sae(FamilyTrainer.Member m) {
        return m.dir().resolve(TrainResult.SAE_DIR);
    }

    /** The key of a stage's cache: what it ran with, beyond its input files. */
    private String key(Object options, Object... more) {
        return options + "\u0000" + List.of(more) + "\u0000" + kernels.name();
    }

    /** Stage 5: the family stitched into one SAE (cosine rule and greedy selection, decoder refit). */
    Path frankenstein(FamilyTrainer.FamilyResult fam) throws Exception {
        console.stage(5, "Frankenstein SAEs from the family (cosine and greedy selection, decoder refit)");
        Path out = plan.frankenstein();
        FrankensteinOptions options =
                FrankensteinOptions.defaults().withTokens(plan.compareTokens(), FrankensteinOptions.DEFAULT_HELD_OUT);
        List<Path> inputs =
                new ArrayList<>(fam.members().stream().map(DemoAnalyses::sae).toList());
        inputs.add(plan.acts().resolve(StoreManifest.FILE));
        console.cached(
                "frankenstein",
                out,
                InputFingerprint.of(key(options, inputs, "downstream"), inputs.toArray(Path[]::new)),
                () -> {
                    List<Family.Member> members = new ArrayList<>();
                    for (FamilyTrainer.Member m : fam.members()) {
                        members.add(new Family.Member(SaeFormats.load(sae(m)).sae(), sae(m).toString()));
                    }
                    FrankensteinResult r;
                    FrankensteinCommand.Listener listener = new FrankensteinCommand.Listener();
                    // Every model is also spliced into MiniLM on the held-out tokens (embedding_recovered).
                    try (ActivationSet set = ActivationSets.open(plan.acts());
                            DownstreamScores scores =
                                    DownstreamScores.openHeldOut(plan.acts(), set, options.heldOutTokens())) {
                        r = new Frankenstein(kernels)
                                .run(
                                        new Family(members),
                                        set,
                                        options,
                                        listener,
                                        m -> scores.score(m).result().embeddingRecovered());
                    } finally {
                        listener.close();
                    }
                    FrankensteinWriter.write(r, out, true);
                    return r.rows().size() + " models evaluated on " + r.heldOutTokens() + " held-out tokens";
                });
        return out;
    }

    /** Stage 6: a meta-SAE of the widest SAE, its meta-latents described by the smallest SAE's latents. */
    Path metaSae(FamilyTrainer.FamilyResult fam) throws Exception {
        FamilyTrainer.Member smallest = fam.members().get(0);
        FamilyTrainer.Member widest = fam.members().get(fam.members().size() - 1);
        console.stage(
                6, "meta-SAE of width " + widest.width() + " (nearest latents in width " + smallest.width() + ")");
        Path out = plan.metaSae();
        MetaSaeOptions options = MetaSaeOptions.defaults(0, 0);
        console.cached("meta-sae", out, InputFingerprint.of(key(options), sae(widest), sae(smallest)), () -> {
            Sae l = SaeFormats.load(sae(widest)).sae();
            Sae s = SaeFormats.load(sae(smallest)).sae();
            MetaSae.Result r = MetaSae.train(l, options, kernels, TrainCommand.progressListener("  meta-sae"));
            NearestLatents near = NearestLatents.compute(kernels, r.meta().wDec(), s.wDec(), MetaSaeWriter.NEAREST);
            MetaSaeWriter.write(
                    new MetaSaeWriter.Run(sae(widest).toString(), sae(smallest).toString(), s.numLatents(), r, near),
                    out,
                    true);
            return String.format(
                    Locale.ROOT,
                    "%d meta-latents, fvu %.4f",
                    r.metaLatents(),
                    r.eval().fvu());
        });
        return out;
    }

    /** Stage 7: NMF of the second SAE's activations pooled per document (mean per latent, no weighting). */
    Path nmf(FamilyTrainer.FamilyResult fam) throws Exception {
        FamilyTrainer.Member second = fam.members().get(1);
        int factors = plan.nmfFactors();
        console.stage(
                7, "NMF of width " + second.width() + "'s activations pooled per document, " + factors + " factors");
        Path out = plan.nmf();
        NmfOptions options = NmfOptions.defaults(factors, 0);
        DocumentPooling.Statistic statistic = DocumentPooling.Statistic.MEAN;
        DocumentPooling.Weighting weighting = DocumentPooling.Weighting.NONE;
        InputFingerprint fingerprint = InputFingerprint.of(
                key(options, statistic, weighting), sae(second), plan.acts().resolve(StoreManifest.FILE));
        console.cached("nmf", out, fingerprint, () -> {
            Sae sae = SaeFormats.load(sae(second)).sae();
            try (ActivationStore store = ActivationStore.open(plan.acts())) {
                var table = DocumentPooling.requireDocuments(store);
                long t0 = System.nanoTime();
                DocumentPooling.Pooled p;
                try (CliProgress bar = new CliProgress("  encode+pool", store.numTokens(), "tok")) {
                    p = DocumentPooling.encode(sae, kernels, store, 0, statistic, weighting, bar::stepTo);
                }
                SparseRows v = p.matrix();
                if (v.nnz() == 0 || factors > v.rows()) {
                    throw new IllegalArgumentException("the " + v.rows() + " documents (" + v.nnz() + " non-zeros) are "
                            + "too few to factorize into " + factors + " factors; extract more --tokens");
                }
                double encodeSecs = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                NmfResult r = Nmf.factorize(v, options, Nmf.Listener.NONE);
                double nmfSecs = (System.nanoTime() - t1) / 1e9;
                NmfWriter.write(
                        NmfAnalysis.ofDocuments(
                                sae(second).toString(),
                                plan.acts().toString(),
                                r,
                                new NmfAnalysis.DocumentRows(p, table),
                                store,
                                new SaeRunner(sae, kernels),
                                encodeSecs,
                                nmfSecs),
                        out,
                        true);
                return String.format(Locale.ROOT, "%d documents, relative error %.4f", v.rows(), r.relativeError());
            }
        });
        return out;
    }
}
