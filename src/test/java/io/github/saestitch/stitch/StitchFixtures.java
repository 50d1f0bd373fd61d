package io.github.saestitch.stitch;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded pairs of SAEs (S small, L large, same d) with planted stitching structure, and tokens to run
 * them on, for the literal tests.
 *
 * <p>L's decoder rows are, in a random mix: <em>children</em> of one S row (the row plus 20% noise:
 * cosine ≈ 0.98), <em>splits</em> (two or three children of the same S row), children of an S row that
 * has a near-duplicate in S (so the group has two parents), and <em>novel</em> rows (random
 * directions). Any row of L whose cosine to some S row lies within {@link #COS_GAP} of the threshold is
 * redrawn as novel until none does, so a float32 and a double cosine classify every pair alike.
 *
 * <p><b>Continuous</b> fixtures ({@code quantum == 0}) use gaussian values, a "massive" dim of mean 40
 * (as residual streams have) and, unless asked otherwise, b_dec of S and L that differ. Decision
 * margins: every pre-activation keeps {@link #MARGIN} from its boundary (0 for relu/topk, θ for
 * jumprelu/batchtopk; biases and thresholds are nudged), and tokens on which a topk SAE's k-th and
 * (k+1)-th largest positive pre-activations are within MARGIN are dropped. Float rounding (≲ 1e-5
 * here), including the re-association of a stitched SAE's folded bias, then cannot flip a decision.
 *
 * <p><b>Grid</b> fixtures ({@code quantum > 0}) round every weight, bias and input to multiples of
 * {@code quantum} with small magnitudes, so encoder and decoder arithmetic is exact in float32 and the
 * fast path must match the literal one to double rounding.
 */
final class StitchFixtures {
    /** Distance every continuous pre-activation keeps from its decision boundary. */
    static final double MARGIN = 1e-3;
    /** No decoder cosine lies within this of the threshold. */
    static final double COS_GAP = 1e-3;

    enum Arch {
        RELU,
        JUMPRELU,
        TOPK,
        BATCHTOPK
    }

    /** S, L and the tokens [tokens, d]. */
    record Pair(Sae small, Sae large, FloatMatrix x) {}

    /** A fixture specification. */
    record Spec(
            Arch archSmall,
            Arch archLarge,
            boolean applySmall,
            boolean applyLarge,
            boolean sameBDec,
            int d,
            int fSmall,
            int fLarge,
            int tokens,
            double quantum,
            double threshold,
            long seed) {
        Spec withQuantum(double q) {
            return new Spec(
                    archSmall,
                    archLarge,
                    applySmall,
                    applyLarge,
                    sameBDec,
                    d,
                    fSmall,
                    fLarge,
                    tokens,
                    q,
                    threshold,
                    seed);
        }
    }

    private StitchFixtures() {}

    static Spec spec(Arch s, Arch l, boolean applySmall, boolean applyLarge, long seed) {
        return new Spec(s, l, applySmall, applyLarge, false, 24, 14, 36, 300, 0, 0.7, seed);
    }

    static Pair pair(Spec sp) {
        Random rnd = new Random(sp.seed());
        int d = sp.d();
        boolean grid = sp.quantum() > 0;
        double[] mu = new double[d];
        for (int c = 0; c < d; c++) {
            mu[c] = grid ? 0.5 * rnd.nextGaussian() : 2 * rnd.nextGaussian();
        }
        if (!grid) {
            mu[0] += 40;
        }
        // Decoders.
        double[][] decS = new double[sp.fSmall()][];
        for (int i = 0; i < decS.length; i++) {
            if (i > 0 && rnd.nextDouble() < 0.15) {
                decS[i] = perturb(rnd, decS[rnd.nextInt(i)], 0.15); // a near-duplicate: two parents of one child
            } else {
                decS[i] = randomRow(rnd, d, 0.6 + 0.8 * rnd.nextDouble());
            }
        }
        quantize(decS, sp.quantum());
        double[][] decL = new double[sp.fLarge()][];
        List<Double> keys = new ArrayList<>(); // every max cosine and edge cosine accepted so far
        for (int j = 0; j < decL.length; j++) {
            for (int attempt = 0; ; attempt++) {
                if (attempt == 10_000) {
                    throw new IllegalStateException("cannot draw L row " + j + " clear of the threshold and of ties");
                }
                double[] row;
                if (rnd.nextDouble() < 0.55) {
                    row = perturb(rnd, decS[rnd.nextInt(decS.length)], 0.2);
                    if (grid) { // make sure a child differs from its parent after rounding
                        row[rnd.nextInt(d)] += sp.quantum() * (rnd.nextBoolean() ? 1 : -1);
                    }
                } else {
                    row = randomRow(rnd, d, 0.6 + 0.8 * rnd.nextDouble());
                }
                row = quantize(row, sp.quantum());
                List<Double> mine = orderKeys(row, decS, sp.threshold());
                if (mine == null || collides(mine, keys)) {
                    continue;
                }
                keys.addAll(mine);
                decL[j] = row;
                break;
            }
        }
        // Biases of the decoders: near the mean, different for S and L unless asked.
        double[] bDecS = new double[d];
        double[] bDecL = new double[d];
        for (int c = 0; c < d; c++) {
            bDecS[c] = mu[c] + 0.2 * rnd.nextGaussian();
            bDecL[c] = sp.sameBDec() ? bDecS[c] : mu[c] + 0.4 * rnd.nextGaussian();
        }
        quantize(bDecS, sp.quantum());
        quantize(bDecL, sp.quantum());
        // Tokens: mean plus a few active generator directions (rows of S and L) plus noise.
        float[][] x = new float[sp.tokens()][d];
        for (float[] row : x) {
            double[] v = mu.clone();
            int active = 1 + rnd.nextInt(4);
            for (int a = 0; a < active; a++) {
                double[] g = rnd.nextBoolean() ? decS[rnd.nextInt(decS.length)] : decL[rnd.nextInt(decL.length)];
                double coef = 0.5 + (grid ? rnd.nextInt(3) * 0.5 : -Math.log(1 - rnd.nextDouble()));
                for (int c = 0; c < d; c++) {
                    v[c] += coef * g[c];
                }
            }
            for (int c = 0; c < d; c++) {
                v[c] += (grid ? 0.25 : 0.1) * rnd.nextGaussian();
            }
            quantize(v, sp.quantum() == 0 ? 0 : sp.quantum());
            for (int c = 0; c < d; c++) {
                row[c] = (float) v[c];
            }
        }
        Sae small = sae(rnd, sp.archSmall(), sp.applySmall(), decS, bDecS, sp.quantum());
        Sae large = sae(rnd, sp.archLarge(), sp.applyLarge(), decL, bDecL, sp.quantum());
        if (!grid) {
            small = withMargins(small, x, rnd);
            large = withMargins(large, x, rnd);
            x = dropAmbiguousTopK(small, dropAmbiguousTopK(large, x));
        }
        return new Pair(small, large, matrix(x, d));
    }

    /** An SAE whose encoder roughly inverts {@code dec}: W_enc[:, i] ≈ dec_i / ‖dec_i‖² plus noise. */
    private static Sae sae(Random rnd, Arch arch, boolean apply, double[][] dec, double[] bDec, double q) {
        int f = dec.length;
        int d = bDec.length;
        double[][] wEnc = new double[d][f];
        double[] bEnc = new double[f];
        for (int i = 0; i < f; i++) {
            double n2 = 0;
            for (double v : dec[i]) {
                n2 += v * v;
            }
            for (int c = 0; c < d; c++) {
                wEnc[c][i] = dec[i][c] / n2 + 0.1 * rnd.nextGaussian();
            }
            bEnc[i] = -0.3 + 0.2 * rnd.nextGaussian();
        }
        if (!apply) {
            // The encoder sees raw x: centre it through the bias instead (b_enc −= b_dec·W_enc), as a trained
            // SAE without apply_b_dec_to_input would learn.
            for (int i = 0; i < f; i++) {
                for (int c = 0; c < d; c++) {
                    bEnc[i] -= bDec[c] * wEnc[c][i];
                }
            }
        }
        quantize(wEnc, q);
        quantize(bEnc, q);
        Activation act = switch (arch) {
            case RELU -> new Activation.Relu();
            case JUMPRELU -> {
                float[] theta = new float[f];
                for (int i = 0; i < f; i++) {
                    theta[i] = (float) quantize(-0.2 + 0.6 * rnd.nextDouble(), q); // some negative on purpose
                }
                yield new Activation.JumpRelu(theta);
            }
            case TOPK -> new Activation.TopK(Math.min(4, f));
            case BATCHTOPK -> new Activation.BatchTopK(4, (float) quantize(0.25, q));
        };
        return new Sae(act, apply, matrix(wEnc), floats(bEnc), matrix(dec), floats(bDec), null);
    }

    /** Nudges b_enc (or θ) so that no pre-activation on x lies within MARGIN of its decision boundary. */
    private static Sae withMargins(Sae sae, float[][] x, Random rnd) {
        int f = sae.numLatents();
        double[][] p = pre(sae, x, false); // without b_enc
        float[] bEnc = sae.bEnc().clone();
        float[] theta = sae.activation() instanceof Activation.JumpRelu j
                ? j.threshold().clone()
                : null;
        for (int i = 0; i < f; i++) {
            double[] col = new double[x.length];
            for (int t = 0; t < x.length; t++) {
                col[t] = p[t][i];
            }
            switch (sae.activation()) {
                case Activation.Relu r -> bEnc[i] = avoid(negate(col, 0), bEnc[i]);
                case Activation.TopK k -> bEnc[i] = avoid(negate(col, 0), bEnc[i]);
                case Activation.BatchTopK b -> bEnc[i] = avoid(negate(col, b.threshold()), bEnc[i]);
                case Activation.JumpRelu j -> {
                    double[] full = new double[col.length];
                    for (int t = 0; t < col.length; t++) {
                        full[t] = col[t] + bEnc[i];
                    }
                    theta[i] = avoid(full, theta[i]);
                }
            }
        }
        Activation act = theta == null ? sae.activation() : new Activation.JumpRelu(theta);
        return new Sae(act, sae.applyBDecToInput(), sae.wEnc(), bEnc, sae.wDec(), sae.bDec(), null);
    }

    /** Tokens of x on which a topk SAE's k-th and (k+1)-th largest positive pre-activations are ≥ MARGIN apart. */
    private static float[][] dropAmbiguousTopK(Sae sae, float[][] x) {
        if (!(sae.activation() instanceof Activation.TopK topK)) {
            return x;
        }
        double[][] pre = pre(sae, x, true);
        List<float[]> kept = new ArrayList<>();
        for (int t = 0; t < x.length; t++) {
            double[] pos = Arrays.stream(pre[t]).filter(v -> v > 0).sorted().toArray();
            int m = pos.length;
            if (m <= topK.k() || pos[m - topK.k()] - pos[m - topK.k() - 1] >= MARGIN) {
                kept.add(x[t]);
            }
        }
        return kept.toArray(new float[0][]);
    }

    /** Pre-activations in double, with or without b_enc. [tokens][F] */
    static double[][] pre(Sae sae, float[][] x, boolean withBias) {
        int d = sae.dIn(), f = sae.numLatents();
        double[][] out = new double[x.length][f];
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < f; i++) {
                double s = withBias ? sae.bEnc()[i] : 0;
                for (int c = 0; c < d; c++) {
                    double v = x[t][c];
                    if (sae.applyBDecToInput()) {
                        v -= sae.bDec()[c];
                    }
                    s += v * sae.wEnc().get(c, i);
                }
                out[t][i] = s;
            }
        }
        return out;
    }

    /** A float near {@code target} at distance ≥ MARGIN from every value in {@code forbidden}. */
    static float avoid(double[] forbidden, double target) {
        double[] s = forbidden.clone();
        Arrays.sort(s);
        double best = target;
        if (distance(s, best) >= MARGIN) {
            return (float) best;
        }
        double bestGap = Double.POSITIVE_INFINITY;
        List<Double> candidates = new ArrayList<>(List.of(s[0] - 2 * MARGIN, s[s.length - 1] + 2 * MARGIN));
        for (int i = 1; i < s.length; i++) {
            if (s[i] - s[i - 1] >= 4 * MARGIN) {
                candidates.add((s[i] + s[i - 1]) / 2);
            }
        }
        for (double c : candidates) {
            if (distance(s, (float) c) >= MARGIN && Math.abs(c - target) < bestGap) {
                bestGap = Math.abs(c - target);
                best = c;
            }
        }
        return (float) best;
    }

    private static double distance(double[] sorted, double t) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : sorted) {
            m = Math.min(m, Math.abs(v - t));
        }
        return m;
    }

    private static double[] negate(double[] v, double plus) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = plus - v[i];
        }
        return out;
    }

    /**
     * The cosines of {@code row} that order the interpolation (its max cosine and its edge cosines), or
     * null when one of its cosines lies within COS_GAP of τ.
     */
    private static List<Double> orderKeys(double[] row, double[][] small, double tau) {
        List<Double> out = new ArrayList<>();
        double max = Double.NEGATIVE_INFINITY;
        for (double[] o : small) {
            double c = cos(row, o);
            if (Math.abs(c - tau) < COS_GAP) {
                return null;
            }
            if (c > tau) {
                out.add(c);
            }
            max = Math.max(max, c);
        }
        out.add(max);
        return out;
    }

    /**
     * Whether any new key is within COS_GAP of an accepted one: the interpolation sorts by these
     * cosines, and float vs double rounding must not reorder near-ties.
     */
    private static boolean collides(List<Double> mine, List<Double> keys) {
        for (double a : mine) {
            for (double b : keys) {
                if (Math.abs(a - b) < COS_GAP) {
                    return true;
                }
            }
        }
        return false;
    }

    static double cos(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int c = 0; c < a.length; c++) {
            ab += a[c] * b[c];
            aa += a[c] * a[c];
            bb += b[c] * b[c];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    private static double[] randomRow(Random rnd, int d, double norm) {
        double[] v = new double[d];
        double n = 0;
        for (int c = 0; c < d; c++) {
            v[c] = rnd.nextGaussian();
            n += v[c] * v[c];
        }
        double s = norm / Math.sqrt(n);
        for (int c = 0; c < d; c++) {
            v[c] *= s;
        }
        return v;
    }

    /** {@code row} plus gaussian noise of {@code rel} times its norm, spread over the dims. */
    private static double[] perturb(Random rnd, double[] row, double rel) {
        double n = 0;
        for (double v : row) {
            n += v * v;
        }
        double s = rel * Math.sqrt(n / row.length);
        double[] out = row.clone();
        for (int c = 0; c < out.length; c++) {
            out[c] += s * rnd.nextGaussian();
        }
        return out;
    }

    private static double quantize(double v, double q) {
        return q == 0 ? v : Math.round(v / q) * q;
    }

    private static double[] quantize(double[] v, double q) {
        for (int i = 0; i < v.length; i++) {
            v[i] = quantize(v[i], q);
        }
        return v;
    }

    private static void quantize(double[][] m, double q) {
        for (double[] row : m) {
            quantize(row, q);
        }
    }

    static FloatMatrix matrix(double[][] rows) {
        FloatMatrix m = FloatMatrix.zeros(rows.length, rows[0].length);
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                m.set(r, c, (float) rows[r][c]);
            }
        }
        return m;
    }

    static FloatMatrix matrix(float[][] rows, int d) {
        FloatMatrix m = FloatMatrix.zeros(rows.length, d);
        for (int r = 0; r < rows.length; r++) {
            m.setRow(r, rows[r]);
        }
        return m;
    }

    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
