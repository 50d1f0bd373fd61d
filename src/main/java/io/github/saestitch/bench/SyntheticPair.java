package io.github.saestitch.bench;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Vec;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A random-but-realistic pair of relu SAEs (S with F_S latents, L with F_L) and activations drawn from
 * a sparse ground-truth model, with the structure the stitching post describes, for benchmarks and worked
 * examples.
 *
 * <p><b>Ground truth.</b> {@code F_L} unit feature directions g in {@code d} dims; a third of them
 * come in sibling pairs with cosine ≈ 0.5 (features that a narrower dictionary merges). A token is
 * {@code x = μ + Σ_k a_k g_k + noise} over {@code activeFeatures} random features on average, with
 * amplitudes {@code a = 1 + Exp(1)}, μ with one "massive" dim, and gaussian noise of std 0.05.
 *
 * <p><b>L</b> has one latent per ground-truth feature: decoder row g (plus 10% noise), encoder
 * column g, b_enc = −{@link #THRESHOLD_LARGE}, b_dec ≈ μ, applied to the input (relu SAEs, as the post
 * trained). The decoders are not fitted: activations are shrunk by the threshold (f = a − θ) and S
 * under-reconstructs, so adding a reconstruction latent of L often lowers mse here, unlike in
 * trained SAEs. The data is for timing and for exercising every code path, not for conclusions about
 * novel vs reconstruction latents. <b>S</b> has F_S latents:
 * 40% are single features of L (noisy copies: one child each), 40% are merged sibling pairs
 * {@code normalize(g_a + g_b)} (two children at cosine ≈ 0.87: a split), 20% are directions L does
 * not have; L's features covered by neither are novel (≈ 40% of L, close to the post's 657 of 1536).
 * The decoder-cosine structure, l0 (≈ 40 for both at 40 active features) and the sparse code statistics are therefore
 * like
 * those of trained SAEs, which is what the cost of a compare depends on.
 *
 * @param small S
 * @param large L
 * @param x     [tokens, dIn] activations
 */
public record SyntheticPair(Sae small, Sae large, FloatMatrix x) {
    /**
     * Encoder threshold (−b_enc) of L, in units of feature amplitude. With 40 active features per token
     * in d = 384 the interference between non-orthogonal directions has std ≈ 0.7, so 2.0 keeps
     * l0(L) ≈ 40 (tuned by simulation; trained SAEs of this width report l0 ≈ 30–60).
     */
    public static final float THRESHOLD_LARGE = 2.0f;
    /** Encoder threshold (−b_enc) of S: lower, since merged latents read two features; l0(S) ≈ 40 too. */
    public static final float THRESHOLD_SMALL = 1.7f;

    public SyntheticPair {
        Objects.requireNonNull(small, "small");
        Objects.requireNonNull(large, "large");
        Objects.requireNonNull(x, "x");
    }

    /**
     * A pair with {@code smallLatents ≤ largeLatents} latents of width {@code dIn} and {@code tokens}
     * activations with about {@code activeFeatures} ground-truth features each, from {@code seed}.
     */
    public static SyntheticPair generate(
            int dIn, int smallLatents, int largeLatents, int tokens, double activeFeatures, long seed) {
        if (dIn < 2 || smallLatents < 1 || largeLatents < smallLatents || tokens < 1 || activeFeatures <= 0) {
            throw new IllegalArgumentException("need dIn >= 2, 1 <= smallLatents <= largeLatents, tokens >= 1 and "
                    + "activeFeatures > 0; got " + dIn + ", " + smallLatents + ", " + largeLatents + ", " + tokens
                    + ", "
                    + activeFeatures);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int d = dIn;
        int fl = largeLatents;
        float[] g = new float[fl * d]; // [F_L, dIn] ground-truth directions
        int pairs = fl / 6; // features 2p, 2p + 1 for p < pairs are siblings (a third of the features)
        for (int j = 0; j < fl; j++) {
            unitRandom(rnd, g, j * d, d);
            if (j < 2 * pairs && j % 2 == 1) {
                for (int c = 0; c < d; c++) { // cos(g_j, g_{j−1}) ≈ 0.5
                    g[j * d + c] = 0.5f * g[(j - 1) * d + c] + 0.866f * g[j * d + c];
                }
                normalize(g, j * d, d);
            }
        }
        float[] mu = new float[d];
        for (int c = 0; c < d; c++) {
            mu[c] = (float) (0.5 * gaussian(rnd));
        }
        mu[0] += 20f;

        // L: one latent per feature.
        float[] decL = g.clone();
        for (int j = 0; j < fl; j++) {
            for (int c = 0; c < d; c++) {
                decL[j * d + c] += (float) (0.1 / Math.sqrt(d) * gaussian(rnd));
            }
        }
        float[] bDecL = new float[d];
        float[] bDecS = new float[d];
        for (int c = 0; c < d; c++) {
            bDecL[c] = mu[c] + (float) (0.02 * gaussian(rnd));
            bDecS[c] = mu[c] + (float) (0.02 * gaussian(rnd));
        }
        Sae large = relu(encoderOf(g, fl, d), decL, fl, bDecL, THRESHOLD_LARGE);

        // S: 40% single features, 40% merged sibling pairs, 20% directions of its own.
        int fs = smallLatents;
        float[] dirS = new float[fs * d];
        int merged = Math.min((int) (0.4 * fs), pairs);
        int singles = Math.min((int) (0.4 * fs), fl - 2 * pairs);
        int[] order = permutation(rnd, fl - 2 * pairs); // single features are drawn from the unpaired ones
        int i = 0;
        for (int p = 0; p < merged; p++, i++) {
            for (int c = 0; c < d; c++) {
                dirS[i * d + c] = g[2 * p * d + c] + g[(2 * p + 1) * d + c];
            }
            normalize(dirS, i * d, d);
        }
        for (int q = 0; q < singles; q++, i++) {
            int j = 2 * pairs + order[q];
            for (int c = 0; c < d; c++) {
                dirS[i * d + c] = g[j * d + c] + (float) (0.3 / Math.sqrt(d) * gaussian(rnd));
            }
            normalize(dirS, i * d, d);
        }
        for (; i < fs; i++) {
            unitRandom(rnd, dirS, i * d, d);
        }
        Sae small = relu(encoderOf(dirS, fs, d), dirS.clone(), fs, bDecS, THRESHOLD_SMALL);

        // Tokens.
        float[] x = new float[Math.multiplyExact(tokens, d)];
        double p = activeFeatures / fl;
        for (int t = 0; t < tokens; t++) {
            int o = t * d;
            for (int c = 0; c < d; c++) {
                x[o + c] = mu[c] + (float) (0.05 * gaussian(rnd));
            }
            // Geometric skips over features: each is active with probability p, in O(active) draws.
            for (int j = skip(rnd, p); j < fl; j += 1 + skip(rnd, p)) {
                float a = (float) (1 - Math.log(1 - rnd.nextDouble()));
                Vec.axpy(a, g, j * d, x, o, d);
            }
        }
        return new SyntheticPair(small, large, FloatMatrix.wrap(x, tokens, d));
    }

    /** [dIn, F] the encoder whose column i is direction i. */
    private static FloatMatrix encoderOf(float[] dirs, int f, int d) {
        return FloatMatrix.wrap(dirs, f, d).transpose();
    }

    private static Sae relu(FloatMatrix wEnc, float[] dec, int f, float[] bDec, float threshold) {
        float[] bEnc = new float[f];
        java.util.Arrays.fill(bEnc, -threshold);
        return new Sae(new Activation.Relu(), true, wEnc, bEnc, FloatMatrix.wrap(dec, f, bDec.length), bDec, null);
    }

    /** Number of inactive features before the next active one, for activity probability p. */
    private static int skip(SplittableRandom rnd, double p) {
        double s = Math.floor(Math.log(1 - rnd.nextDouble()) / Math.log1p(-p));
        return s > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE / 2 : (int) s;
    }

    private static int[] permutation(SplittableRandom rnd, int n) {
        int[] a = new int[n];
        for (int k = 0; k < n; k++) {
            a[k] = k;
        }
        for (int k = n - 1; k > 0; k--) {
            int r = rnd.nextInt(k + 1);
            int t = a[k];
            a[k] = a[r];
            a[r] = t;
        }
        return a;
    }

    private static void unitRandom(SplittableRandom rnd, float[] v, int o, int d) {
        for (int c = 0; c < d; c++) {
            v[o + c] = (float) gaussian(rnd);
        }
        normalize(v, o, d);
    }

    private static void normalize(float[] v, int o, int d) {
        double n = 0;
        for (int c = 0; c < d; c++) {
            n += (double) v[o + c] * v[o + c];
        }
        float s = (float) (1 / Math.sqrt(n));
        for (int c = 0; c < d; c++) {
            v[o + c] *= s;
        }
    }

    /**
     * {@link SplittableRandom}'s own (ziggurat) Gaussians, not {@code tensor.SplitMix64}'s Box–Muller: the
     * pair's data are part of the benchmark's and the tests' fixtures, and this keeps them as they were.
     */
    private static double gaussian(SplittableRandom rnd) {
        return rnd.nextGaussian();
    }
}
