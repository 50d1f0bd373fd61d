package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded random SAEs and inputs for tests, of two kinds.
 *
 * <ul>
 *   <li>{@link #grid}: every weight and input is a small multiple of 1/4 (thresholds of 1/16), so every
 *       product and partial sum in encode and decode is exactly representable in float32 for the sizes
 *       used here (|pre| ≤ 100 in units of 1/16, |x̂| ≤ 13,000 in units of 1/64, both far below 2²⁴).
 *       A float32 implementation must then agree with the double reference <em>exactly</em>, including
 *       exact ties in top-k and pre-activations exactly at a threshold.</li>
 *   <li>{@link #gaussian}: realistic continuous values (with a "massive activation" dim of mean 100),
 *       where float32 rounds. Biases and thresholds are then nudged so that no pre-activation lies
 *       within {@link #MARGIN} of a decision boundary (0 for ReLU, θ for JumpReLU/BatchTopK), and
 *       top-k tokens whose k-th and (k+1)-th largest values are within MARGIN are dropped: float32
 *       rounding (~1e-5 here) cannot flip a decision, so the active sets must agree exactly and the
 *       values within a tolerance.</li>
 * </ul>
 */
public final class TestSaes {
    /** Distance every gaussian pre-activation keeps from a decision boundary; ≫ float32 rounding of pre. */
    public static final double MARGIN = 1e-3;

    /** Architectures under test, with how k is chosen for top-k. */
    public enum Arch {
        RELU,
        JUMPRELU,
        TOPK_SMALL,
        TOPK_ALL,
        BATCHTOPK;

        int k(int numLatents) {
            return this == TOPK_ALL ? numLatents : Math.min(3, numLatents);
        }
    }

    /** An SAE and the tokens to run it on. @param x [tokens, dIn] */
    public record Case(Sae sae, FloatMatrix x) {}

    private TestSaes() {}

    /** A grid case (exact in float32); see the class comment. */
    public static Case grid(Arch arch, int dIn, int f, int tokens, boolean applyBDec, long seed) {
        Random rnd = new Random(seed);
        float[][] wEnc = new float[dIn][f];
        float[][] wDec = new float[f][dIn];
        float[] bEnc = new float[f];
        float[] bDec = new float[dIn];
        for (float[] row : wEnc) {
            fillGrid(rnd, row, 4);
        }
        for (float[] row : wDec) {
            fillGrid(rnd, row, 4);
        }
        fillGrid(rnd, bEnc, 4);
        fillGrid(rnd, bDec, 4);
        float[][] x = new float[tokens][dIn];
        for (float[] row : x) {
            fillGrid(rnd, row, 8);
        }
        Activation act = switch (arch) {
            case RELU -> new Activation.Relu();
            case JUMPRELU -> {
                float[] theta = new float[f];
                for (int j = 0; j < f; j++) {
                    theta[j] = (rnd.nextInt(33) - 8) / 16f; // [-0.5, 1.5], negative ones included on purpose
                }
                yield new Activation.JumpRelu(theta);
            }
            case TOPK_SMALL, TOPK_ALL -> new Activation.TopK(arch.k(f));
            case BATCHTOPK -> new Activation.BatchTopK(arch.k(f), rnd.nextInt(9) / 8f); // [0, 1], 0 included
        };
        return new Case(sae(act, applyBDec, wEnc, bEnc, wDec, bDec), matrix(x));
    }

    /** A gaussian case with decisions MARGIN away from every boundary; see the class comment. */
    public static Case gaussian(Arch arch, int dIn, int f, int tokens, boolean applyBDec, long seed) {
        Random rnd = new Random(seed);
        float[] mu = new float[dIn];
        for (int i = 0; i < dIn; i++) {
            mu[i] = (float) (2 * rnd.nextGaussian());
        }
        if (dIn >= 2) {
            mu[0] += 100f; // a "massive activation" dim, as residual streams have
        }
        float[][] x = new float[tokens][dIn];
        for (float[] row : x) {
            for (int i = 0; i < dIn; i++) {
                row[i] = (float) (mu[i] + rnd.nextGaussian());
            }
        }
        float[] bDec = new float[dIn];
        for (int i = 0; i < dIn; i++) {
            bDec[i] = (float) (mu[i] + 0.1 * rnd.nextGaussian());
        }
        float[][] wEnc = new float[dIn][f];
        for (float[] row : wEnc) {
            for (int j = 0; j < f; j++) {
                row[j] = (float) (rnd.nextGaussian() / Math.sqrt(dIn));
            }
        }
        float[][] wDec = new float[f][dIn];
        for (float[] row : wDec) {
            for (int i = 0; i < dIn; i++) {
                row[i] = (float) (rnd.nextGaussian() / Math.sqrt(f));
            }
        }
        // p[t][j] = (x − b_dec)·W_enc (or x·W_enc) without b_enc, in double.
        Sae noBias = sae(new Activation.Relu(), applyBDec, wEnc, new float[f], wDec, bDec);
        double[][] p = ReferenceSae.pre(noBias, matrix(x));
        float[] bEnc = new float[f];
        float[] theta = new float[f];
        float globalTheta = 0.25f;
        for (int j = 0; j < f; j++) {
            double[] col = column(p, j);
            double target = 0.5 * rnd.nextGaussian();
            switch (arch) {
                case RELU, TOPK_SMALL, TOPK_ALL -> bEnc[j] = avoid(negate(col), target); // p + b ≠ 0
                case JUMPRELU -> {
                    bEnc[j] = (float) target;
                    double[] pre = col.clone();
                    for (int t = 0; t < pre.length; t++) {
                        pre[t] += bEnc[j];
                    }
                    theta[j] = avoid(pre, rnd.nextDouble()); // θ ≠ p + b
                }
                case BATCHTOPK -> {
                    double[] forbidden = negate(col);
                    for (int t = 0; t < forbidden.length; t++) {
                        forbidden[t] += globalTheta;
                    }
                    bEnc[j] = avoid(forbidden, target); // p + b ≠ θ
                }
            }
        }
        Activation act = switch (arch) {
            case RELU -> new Activation.Relu();
            case JUMPRELU -> new Activation.JumpRelu(theta);
            case TOPK_SMALL, TOPK_ALL -> new Activation.TopK(arch.k(f));
            case BATCHTOPK -> new Activation.BatchTopK(arch.k(f), globalTheta);
        };
        Sae sae = sae(act, applyBDec, wEnc, bEnc, wDec, bDec);
        if (act instanceof Activation.TopK topK) {
            x = dropAmbiguousTopKTokens(sae, x, topK.k());
        }
        return new Case(sae, matrix(x, x.length, dIn));
    }

    /** Keeps the tokens whose k-th and (k+1)-th largest positive pre-activations differ by ≥ MARGIN. */
    private static float[][] dropAmbiguousTopKTokens(Sae sae, float[][] x, int k) {
        double[][] pre = ReferenceSae.pre(sae, matrix(x));
        List<float[]> kept = new ArrayList<>();
        for (int t = 0; t < x.length; t++) {
            double[] pos = Arrays.stream(pre[t]).filter(v -> v > 0).sorted().toArray();
            int m = pos.length;
            if (m <= k || pos[m - k] - pos[m - k - 1] >= MARGIN) {
                kept.add(x[t]);
            }
        }
        return kept.toArray(new float[0][]);
    }

    /**
     * A float near {@code target} at distance ≥ MARGIN from every value in {@code forbidden}: the target
     * itself when it is, else the nearest midpoint of a wide enough gap (or a point past either end).
     */
    static float avoid(double[] forbidden, double target) {
        float t = (float) target;
        if (distance(forbidden, t) >= MARGIN) {
            return t;
        }
        double[] s = forbidden.clone();
        Arrays.sort(s);
        List<Double> candidates = new ArrayList<>();
        candidates.add(s[0] - 2 * MARGIN);
        candidates.add(s[s.length - 1] + 2 * MARGIN);
        for (int i = 1; i < s.length; i++) {
            if (s[i] - s[i - 1] >= 4 * MARGIN) {
                candidates.add((s[i] + s[i - 1]) / 2);
            }
        }
        float best = Float.NaN;
        for (double c : candidates) {
            float cf = (float) c;
            if (distance(forbidden, cf) >= MARGIN
                    && (Float.isNaN(best) || Math.abs(cf - target) < Math.abs(best - target))) {
                best = cf;
            }
        }
        if (Float.isNaN(best)) {
            throw new IllegalStateException("no value keeps MARGIN from " + Arrays.toString(forbidden));
        }
        return best;
    }

    private static double distance(double[] values, double t) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : values) {
            m = Math.min(m, Math.abs(v - t));
        }
        return m;
    }

    private static double[] column(double[][] a, int j) {
        double[] c = new double[a.length];
        for (int t = 0; t < a.length; t++) {
            c[t] = a[t][j];
        }
        return c;
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }

    /** Multiples of 1/4 in [-half/4, half/4]. */
    private static void fillGrid(Random rnd, float[] v, int half) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (rnd.nextInt(2 * half + 1) - half) / 4f;
        }
    }

    /**
     * The hand-worked tiny SAE: dIn 2, F 3, relu, b_dec = (1, 0) applied to the input. W_enc columns:
     * (1, 0), (0, 1), (1, −1); b_enc = (0, −2, 0); W_dec rows: (1, 0), (0, 2), (5, 5). On x = (2, 1),
     * (1, 3) (SaeRunnerTest, EvaluatorTest) the codes are (1, 0, 0), (0, 1, 0).
     */
    public static Sae handWorkedSae() {
        return sae(
                new Activation.Relu(),
                true,
                new float[][] {{1, 0, 1}, {0, 1, -1}},
                new float[] {0, -2, 0},
                new float[][] {{1, 0}, {0, 2}, {5, 5}},
                new float[] {1, 0});
    }

    /** An SAE from row arrays: wEnc [dIn][F], wDec [F][dIn]. */
    public static Sae sae(
            Activation act, boolean applyBDec, float[][] wEnc, float[] bEnc, float[][] wDec, float[] bDec) {
        return new Sae(
                act,
                applyBDec,
                matrix(wEnc, bDec.length, bEnc.length),
                bEnc,
                matrix(wDec, bEnc.length, bDec.length),
                bDec,
                null);
    }

    /** A heap matrix from rows (at least one row). */
    public static FloatMatrix matrix(float[][] rows) {
        return matrix(rows, rows.length, rows.length == 0 ? 0 : rows[0].length);
    }

    /** A heap matrix {@code [r, c]} from rows (works for zero rows). */
    public static FloatMatrix matrix(float[][] rows, int r, int c) {
        FloatMatrix m = FloatMatrix.zeros(r, c);
        for (int i = 0; i < r; i++) {
            m.setRow(i, rows[i]);
        }
        return m;
    }

    /** Dense double rows of a matrix. */
    public static double[][] toDouble(FloatMatrix m) {
        double[][] out = new double[m.rows()][m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                out[r][c] = m.get(r, c);
            }
        }
        return out;
    }
}
