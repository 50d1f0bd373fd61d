package io.github.saestitch.frankenstein;

import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small families for tests: S and L of a {@link SyntheticPair} (relu, trained-like decoder-cosine
 * structure) plus a middle SAE made of a random subset of L's latents with perturbed weights, on the
 * pair's tokens.
 */
final class Families {
    private Families() {}

    /** A family and tokens. @param x [tokens, d] */
    record Case(Family family, FloatMatrix x) {}

    /** Three relu SAEs of widths fS, (fS + fL)/2 and fL over d dims, and {@code tokens} tokens. */
    static Case relu(int d, int fS, int fL, int tokens, long seed) {
        SyntheticPair p = SyntheticPair.generate(d, fS, fL, tokens, 6, seed);
        Sae mid = subset(p.large(), (fS + fL) / 2, seed + 1);
        List<Family.Member> m = new ArrayList<>();
        m.add(new Family.Member(p.large(), "L"));
        m.add(new Family.Member(p.small(), "S"));
        m.add(new Family.Member(mid, "M"));
        return new Case(new Family(m), p.x());
    }

    /** {@code f} random latents of {@code l} (columns, rows), weights perturbed by 5%, relu, b_dec applied. */
    static Sae subset(Sae l, int f, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int d = l.dIn();
        int[] pick = r.ints(0, l.numLatents()).distinct().limit(f).toArray();
        FloatMatrix we = FloatMatrix.zeros(d, f);
        FloatMatrix wd = FloatMatrix.zeros(f, d);
        float[] be = new float[f];
        for (int h = 0; h < f; h++) {
            for (int c = 0; c < d; c++) {
                we.set(c, h, l.wEnc().get(c, pick[h]) * (float) (1 + 0.05 * r.nextGaussian()));
                wd.set(h, c, l.wDec().get(pick[h], c) * (float) (1 + 0.05 * r.nextGaussian()));
            }
            be[h] = l.bEnc()[pick[h]];
        }
        return new Sae(new Activation.Relu(), true, we, be, wd, l.bDec().clone(), null);
    }

    /** The same SAE with another activation (θ random in [0, 0.3) for jumprelu, 0.2 for batchtopk) and b_dec mode. */
    static Sae variant(Sae s, String arch, boolean applyBDec, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] bEnc = s.bEnc().clone();
        if (!applyBDec && s.applyBDecToInput()) {
            // (x − b)·w + c = x·w + (c − b·w): the same SAE without b_dec applied to the input.
            for (int j = 0; j < s.numLatents(); j++) {
                double fold = bEnc[j];
                for (int c = 0; c < s.dIn(); c++) {
                    fold -= (double) s.wEnc().get(c, j) * s.bDec()[c];
                }
                bEnc[j] = (float) fold;
            }
        }
        Activation a = switch (arch) {
            case "relu" -> new Activation.Relu();
            case "jumprelu" -> {
                float[] th = new float[s.numLatents()];
                for (int j = 0; j < th.length; j++) {
                    th[j] = (float) (0.3 * r.nextDouble());
                }
                yield new Activation.JumpRelu(th);
            }
            case "batchtopk" -> new Activation.BatchTopK(4, 0.2f);
            case "topk" -> new Activation.TopK(5);
            default -> throw new IllegalArgumentException(arch);
        };
        return new Sae(a, applyBDec, s.wEnc(), bEnc, s.wDec(), s.bDec().clone(), null);
    }
}
