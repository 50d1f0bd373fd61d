package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The literal reference: the SAE forward pass and metrics of docs/definitions.md as plain loops in double, one
 * token at a time, no blocking, no kernels. Tests compare {@link SaeRunner} and {@code eval.Evaluator} with it;
 * keep it obviously correct rather than fast.
 */
public final class ReferenceSae {
    private ReferenceSae() {}

    /** {@code pre = (x − b_dec)·W_enc + b_enc} (the subtraction only when applyBDecToInput). [tokens][F] */
    public static double[][] pre(Sae sae, FloatMatrix x) {
        int n = x.rows(), d = sae.dIn(), f = sae.numLatents();
        double[][] pre = new double[n][f];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < f; j++) {
                double s = sae.bEnc()[j];
                for (int i = 0; i < d; i++) {
                    double xi = x.get(t, i);
                    if (sae.applyBDecToInput()) {
                        xi -= sae.bDec()[i];
                    }
                    s += xi * sae.wEnc().get(i, j);
                }
                pre[t][j] = s;
            }
        }
        return pre;
    }

    /** The activation (docs/definitions.md#activations) applied to each token's pre-activations. [tokens][F] */
    public static double[][] activate(Sae sae, double[][] pre) {
        double[][] out = new double[pre.length][];
        for (int t = 0; t < pre.length; t++) {
            double[] p = pre[t];
            double[] f = new double[p.length];
            switch (sae.activation()) {
                case Activation.Relu r -> {
                    for (int j = 0; j < p.length; j++) {
                        f[j] = Math.max(p[j], 0);
                    }
                }
                case Activation.JumpRelu jr -> {
                    for (int j = 0; j < p.length; j++) {
                        f[j] = p[j] > jr.threshold()[j] ? Math.max(p[j], 0) : 0; // SAELens: mask · relu(pre)
                    }
                }
                case Activation.BatchTopK b -> {
                    // Inference: relu, then the one global threshold.
                    for (int j = 0; j < p.length; j++) {
                        double r = Math.max(p[j], 0);
                        f[j] = r > b.threshold() ? r : 0;
                    }
                }
                case Activation.TopK k -> {
                    // The k largest of relu(pre); zeros need not be kept. Ties: lower latent first.
                    List<Integer> order = new ArrayList<>();
                    for (int j = 0; j < p.length; j++) {
                        if (p[j] > 0) {
                            order.add(j);
                        }
                    }
                    order.sort(Comparator.<Integer>comparingDouble(j -> -p[j]).thenComparingInt(j -> j));
                    for (int q = 0; q < Math.min(k.k(), order.size()); q++) {
                        f[order.get(q)] = p[order.get(q)];
                    }
                }
            }
            out[t] = f;
        }
        return out;
    }

    /** {@code f = activation(pre(x))}. [tokens][F] */
    public static double[][] encode(Sae sae, FloatMatrix x) {
        return activate(sae, pre(sae, x));
    }

    /** {@code x̂ = f·W_dec + b_dec}. [tokens][dIn] */
    public static double[][] decode(Sae sae, double[][] codes) {
        int d = sae.dIn(), f = sae.numLatents();
        double[][] out = new double[codes.length][d];
        for (int t = 0; t < codes.length; t++) {
            for (int i = 0; i < d; i++) {
                double s = sae.bDec()[i];
                for (int j = 0; j < f; j++) {
                    s += codes[t][j] * sae.wDec().get(j, i);
                }
                out[t][i] = s;
            }
        }
        return out;
    }

    /**
     * The metrics (docs/definitions.md#metrics) for {@code sae} on the tokens of {@code x}, from the reference
     * encode and decode.
     */
    public static Metrics metrics(Sae sae, FloatMatrix x) {
        double[][] codes = encode(sae, x);
        return metrics(x, codes, decode(sae, codes));
    }

    /** The metrics (docs/definitions.md#metrics) from given codes and reconstructions, with a two-pass mean. */
    public static Metrics metrics(FloatMatrix x, double[][] codes, double[][] xHat) {
        int n = x.rows(), d = x.cols(), f = codes.length == 0 ? 0 : codes[0].length;
        double sse = 0;
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < d; i++) {
                double e = x.get(t, i) - xHat[t][i];
                sse += e * e;
            }
        }
        double[] mean = new double[d];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < d; i++) {
                mean[i] += x.get(t, i);
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] /= n;
        }
        double sst = 0;
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < d; i++) {
                double c = x.get(t, i) - mean[i];
                sst += c * c;
            }
        }
        long active = 0;
        double[] freq = new double[f];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < f; j++) {
                if (codes[t][j] != 0) {
                    active++;
                    freq[j]++;
                }
            }
        }
        int dead = 0;
        for (int j = 0; j < f; j++) {
            if (freq[j] == 0) {
                dead++;
            }
            freq[j] /= n;
        }
        return new Metrics(sse / n, sse / sst, (double) active / n, dead, freq, sse, sst);
    }

    /** Reference metrics; the same meanings as {@code eval.EvalResult}. */
    public record Metrics(
            double mse,
            double fvu,
            double l0,
            int dead,
            double[] freq,
            double sumSquaredError,
            double totalSumOfSquares) {}
}
