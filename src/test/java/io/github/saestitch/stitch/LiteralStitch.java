package io.github.saestitch.stitch;

import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import io.github.saestitch.eval.InMemoryActivationSet;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The literal procedure of docs/definitions.md#stitching, kept plain on purpose: decoder cosines as a full double
 * matrix, groups by breadth-first search, and every Δmse by <em>building the hybrid and evaluating it</em> with
 * {@link Evaluator} (F_L + G + steps evaluations). Tests compare {@link StitchComparator} with it.
 */
final class LiteralStitch {
    static final Kernels KERNELS = new ScalarKernels();

    private LiteralStitch() {}

    /** Everything compare reports, computed literally. */
    record Result(
            double[] maxCos,
            int[] nearest,
            boolean[] novel,
            List<int[][]> groups,
            double[] groupCosine,
            double mseSmall,
            double l0Small,
            double fvuSmall,
            double mseLarge,
            double l0Large,
            double fvuLarge,
            double[] deltaMse,
            double[] freq,
            double[] groupDeltaMse,
            double[] groupDeltaL0,
            List<Row> path,
            double[] maxActCorr,
            int[] actNearest,
            double[] nearestActCorr) {}

    /** One interpolation row. */
    record Row(String action, int target, int numLatents, double mse, double l0) {}

    /**
     * The hybrid as docs/definitions.md#adding-a-latent defines it, literally: S's latents {@code keptSmall}
     * computed by S, L's latents {@code addedLarge} computed by L (each exactly as inside its source), decoded as
     * {@code Σ f·W_dec rows + b_dec^S} in double.
     */
    static final class Hybrid implements Autoencoder {
        final Sae small;
        final Sae large;
        final int[] keptSmall;
        final int[] addedLarge;

        Hybrid(Sae small, Sae large, int[] keptSmall, int[] addedLarge) {
            this.small = small;
            this.large = large;
            this.keptSmall = keptSmall;
            this.addedLarge = addedLarge;
        }

        @Override
        public int dIn() {
            return small.dIn();
        }

        @Override
        public int numLatents() {
            return keptSmall.length + addedLarge.length;
        }

        @Override
        public SparseRows encode(FloatMatrix x) {
            FloatMatrix fs = new SaeRunner(small, KERNELS).encodeDense(x);
            FloatMatrix fl = new SaeRunner(large, KERNELS).encodeDense(x);
            FloatMatrix h = FloatMatrix.zeros(x.rows(), numLatents());
            for (int t = 0; t < x.rows(); t++) {
                for (int q = 0; q < keptSmall.length; q++) {
                    h.set(t, q, fs.get(t, keptSmall[q]));
                }
                for (int q = 0; q < addedLarge.length; q++) {
                    h.set(t, keptSmall.length + q, fl.get(t, addedLarge[q]));
                }
            }
            return SparseRows.fromDense(h);
        }

        @Override
        public void decode(SparseRows codes, FloatMatrix out) {
            for (int t = 0; t < codes.rows(); t++) {
                double[] s = new double[dIn()];
                for (int c = 0; c < s.length; c++) {
                    s[c] = small.bDec()[c];
                }
                for (int e = codes.rowPtr()[t]; e < codes.rowPtr()[t + 1]; e++) {
                    int h = codes.colIdx()[e];
                    double f = codes.values()[e];
                    FloatMatrix dec = h < keptSmall.length ? small.wDec() : large.wDec();
                    int row = h < keptSmall.length ? keptSmall[h] : addedLarge[h - keptSmall.length];
                    for (int c = 0; c < s.length; c++) {
                        s[c] += f * dec.get(row, c);
                    }
                }
                for (int c = 0; c < s.length; c++) {
                    out.set(t, c, (float) s[c]);
                }
            }
        }
    }

    /** Literal evaluation of a hybrid on x. */
    static EvalResult eval(Sae small, Sae large, int[] kept, int[] added, FloatMatrix x) {
        return new Evaluator(KERNELS)
                .evaluate(new Hybrid(small, large, kept, added), new InMemoryActivationSet(x, "x"), null);
    }

    static Result compute(Sae small, Sae large, FloatMatrix x, double tau) {
        int fs = small.numLatents();
        int fl = large.numLatents();
        int n = x.rows();
        double[][] cos = new double[fl][fs];
        for (int j = 0; j < fl; j++) {
            for (int i = 0; i < fs; i++) {
                cos[j][i] = StitchFixtures.cos(row(large.wDec(), j), row(small.wDec(), i));
            }
        }
        double[] maxCos = new double[fl];
        int[] nearest = new int[fl];
        boolean[] novel = new boolean[fl];
        for (int j = 0; j < fl; j++) {
            int best = 0;
            for (int i = 1; i < fs; i++) {
                if (cos[j][i] > cos[j][best]) {
                    best = i;
                }
            }
            maxCos[j] = cos[j][best];
            nearest[j] = best;
            novel[j] = maxCos[j] <= tau;
        }
        // Groups: BFS over the bipartite graph, started from S latents in increasing order.
        int[] groupOfSmall = new int[fs];
        int[] groupOfLarge = new int[fl];
        Arrays.fill(groupOfSmall, -1);
        Arrays.fill(groupOfLarge, -1);
        List<int[][]> groups = new ArrayList<>();
        List<Double> groupCos = new ArrayList<>();
        for (int i0 = 0; i0 < fs; i0++) {
            final int start = i0;
            if (groupOfSmall[i0] >= 0 || IntStream.range(0, fl).noneMatch(j -> cos[j][start] > tau)) {
                continue;
            }
            int g = groups.size();
            ArrayDeque<int[]> queue = new ArrayDeque<>(); // {side (0 = S, 1 = L), index}
            queue.add(new int[] {0, i0});
            groupOfSmall[i0] = g;
            double gc = Double.NEGATIVE_INFINITY;
            while (!queue.isEmpty()) {
                int[] v = queue.poll();
                if (v[0] == 0) {
                    for (int j = 0; j < fl; j++) {
                        if (cos[j][v[1]] > tau) {
                            gc = Math.max(gc, cos[j][v[1]]);
                            if (groupOfLarge[j] < 0) {
                                groupOfLarge[j] = g;
                                queue.add(new int[] {1, j});
                            }
                        }
                    }
                } else {
                    for (int i = 0; i < fs; i++) {
                        if (cos[v[1]][i] > tau && groupOfSmall[i] < 0) {
                            groupOfSmall[i] = g;
                            queue.add(new int[] {0, i});
                        }
                    }
                }
            }
            final int gg = g;
            groups.add(new int[][] {
                IntStream.range(0, fs).filter(i -> groupOfSmall[i] == gg).toArray(),
                IntStream.range(0, fl).filter(j -> groupOfLarge[j] == gg).toArray()
            });
            groupCos.add(gc);
        }
        int[] allSmall = IntStream.range(0, fs).toArray();
        EvalResult base = eval(small, large, allSmall, new int[0], x);
        EvalResult largeOwn = new Evaluator(KERNELS).evaluate(large, new InMemoryActivationSet(x, "x"));
        double[] delta = new double[fl];
        for (int j = 0; j < fl; j++) {
            delta[j] = eval(small, large, allSmall, new int[] {j}, x).mse() - base.mse();
        }
        double[] freq = largeOwn.freq();
        double[] gDelta = new double[groups.size()];
        double[] gL0 = new double[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            int[] parents = groups.get(g)[0];
            int[] kept = IntStream.range(0, fs)
                    .filter(i -> Arrays.binarySearch(parents, i) < 0)
                    .toArray();
            EvalResult r = eval(small, large, kept, groups.get(g)[1], x);
            gDelta[g] = r.mse() - base.mse();
            gL0[g] = r.l0() - base.l0();
        }
        // The path: novel by ascending max_cos (then index), groups by descending cosine (then id).
        List<Row> path = new ArrayList<>();
        path.add(new Row("start", -1, fs, base.mse(), base.l0()));
        boolean[] removed = new boolean[fs];
        boolean[] added = new boolean[fl];
        Integer[] novelOrder = IntStream.range(0, fl)
                .filter(j -> novel[j])
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> maxCos[j]).thenComparingInt(j -> j))
                .toArray(Integer[]::new);
        Integer[] groupOrder = IntStream.range(0, groups.size())
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(g -> -groupCos.get(g))
                        .thenComparingInt(g -> g))
                .toArray(Integer[]::new);
        for (int j : novelOrder) {
            added[j] = true;
            path.add(row("add", j, small, large, removed, added, x));
        }
        for (int g : groupOrder) {
            for (int i : groups.get(g)[0]) {
                removed[i] = true;
            }
            for (int j : groups.get(g)[1]) {
                added[j] = true;
            }
            path.add(row("swap", g, small, large, removed, added, x));
        }
        double[][] corr = correlations(small, large, x);
        double[] maxAct = new double[fl];
        int[] actNearest = new int[fl];
        double[] nearestAct = new double[fl];
        for (int j = 0; j < fl; j++) {
            maxAct[j] = Double.NaN;
            actNearest[j] = -1;
            for (int i = 0; i < fs; i++) {
                if (!Double.isNaN(corr[j][i]) && (actNearest[j] < 0 || corr[j][i] > maxAct[j])) {
                    maxAct[j] = corr[j][i];
                    actNearest[j] = i;
                }
            }
            nearestAct[j] = corr[j][nearest[j]];
        }
        return new Result(
                maxCos,
                nearest,
                novel,
                groups,
                groupCos.stream().mapToDouble(Double::doubleValue).toArray(),
                base.mse(),
                base.l0(),
                base.fvu(),
                largeOwn.mse(),
                largeOwn.l0(),
                largeOwn.fvu(),
                delta,
                freq,
                gDelta,
                gL0,
                path,
                maxAct,
                actNearest,
                nearestAct);
    }

    private static Row row(
            String action, int target, Sae small, Sae large, boolean[] removed, boolean[] added, FloatMatrix x) {
        int[] kept = IntStream.range(0, removed.length).filter(i -> !removed[i]).toArray();
        int[] in = IntStream.range(0, added.length).filter(j -> added[j]).toArray();
        EvalResult r = eval(small, large, kept, in, x);
        return new Row(action, target, kept.length + in.length, r.mse(), r.l0());
    }

    /**
     * Pearson correlation of every (L latent, S latent) pair of activations over the tokens, two-pass
     * in double; NaN where either does not vary. [F_L][F_S]
     */
    static double[][] correlations(Sae small, Sae large, FloatMatrix x) {
        FloatMatrix fs = new SaeRunner(small, KERNELS).encodeDense(x);
        FloatMatrix fl = new SaeRunner(large, KERNELS).encodeDense(x);
        int n = x.rows();
        double[][] out = new double[large.numLatents()][small.numLatents()];
        for (int j = 0; j < large.numLatents(); j++) {
            for (int i = 0; i < small.numLatents(); i++) {
                double mj = 0, mi = 0;
                for (int t = 0; t < n; t++) {
                    mj += fl.get(t, j);
                    mi += fs.get(t, i);
                }
                mj /= n;
                mi /= n;
                double cov = 0, vj = 0, vi = 0;
                for (int t = 0; t < n; t++) {
                    double a = fl.get(t, j) - mj, b = fs.get(t, i) - mi;
                    cov += a * b;
                    vj += a * a;
                    vi += b * b;
                }
                out[j][i] = vj > 0 && vi > 0 ? cov / Math.sqrt(vj * vi) : Double.NaN;
            }
        }
        return out;
    }

    static double[] row(FloatMatrix m, int r) {
        double[] out = new double[m.cols()];
        for (int c = 0; c < out.length; c++) {
            out[c] = m.get(r, c);
        }
        return out;
    }

    /** The literal standard SAE for S − removed + added (non-topk sources): concatenation with the folded bias. */
    static Sae foldedSae(Sae small, Sae large, int[] kept, int[] added) {
        int d = small.dIn();
        int f = kept.length + added.length;
        FloatMatrix wEnc = FloatMatrix.zeros(d, f);
        FloatMatrix wDec = FloatMatrix.zeros(f, d);
        float[] bEnc = new float[f];
        float[] theta = new float[f];
        for (int h = 0; h < f; h++) {
            boolean fromSmall = h < kept.length;
            Sae src = fromSmall ? small : large;
            int k = fromSmall ? kept[h] : added[h - kept.length];
            double b = src.bEnc()[k];
            for (int c = 0; c < d; c++) {
                wEnc.set(c, h, src.wEnc().get(c, k));
                wDec.set(h, c, src.wDec().get(k, c));
                if (!fromSmall) {
                    double betaS = small.applyBDecToInput() ? small.bDec()[c] : 0;
                    double betaL = large.applyBDecToInput() ? large.bDec()[c] : 0;
                    b += src.wEnc().get(c, k) * (betaS - betaL);
                }
            }
            bEnc[h] = (float) b;
            theta[h] = switch (src.activation()) {
                case Activation.Relu r -> 0f;
                case Activation.JumpRelu jr -> jr.threshold()[k];
                case Activation.BatchTopK bt -> bt.threshold();
                case Activation.TopK tk -> throw new IllegalArgumentException("topk has no standard hybrid");
            };
        }
        return new Sae(
                new Activation.JumpRelu(theta),
                small.applyBDecToInput(),
                wEnc,
                bEnc,
                wDec,
                small.bDec().clone(),
                null);
    }
}
