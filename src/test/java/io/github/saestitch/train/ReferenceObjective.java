package io.github.saestitch.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A plain double-precision transcription of {@link SaeObjective}'s loss (no sparsity tricks, no
 * blocking), for finite-difference gradient checks. Parameters are given as double arrays in the
 * same layout as {@link SaeParams}; the decoder row of latent i is expanded through the mask.
 */
final class ReferenceObjective {
    final Architecture arch;
    final int d;
    final int numLatents;
    final int k;
    final int kAuxConfig;
    final double auxCoefficient;
    final int[] mask; // [F, decCols] or null
    final int decCols;

    ReferenceObjective(
            Architecture arch, int d, int numLatents, int k, int auxK, double auxCoefficient, ExpanderMask m) {
        this.arch = arch;
        this.d = d;
        this.numLatents = numLatents;
        this.k = k;
        this.kAuxConfig = auxK > 0 ? auxK : Math.max(1, d / 2);
        this.auxCoefficient = auxCoefficient;
        this.mask = m == null ? null : m.indexArray();
        this.decCols = m == null ? d : m.degree();
    }

    /** Parameter vector: wEnc | bEnc | wDec | bDec. */
    static double[] flatten(SaeParams p) {
        List<float[]> arrays = p.arrays();
        int n = 0;
        for (float[] a : arrays) {
            n += a.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (float[] a : arrays) {
            for (float v : a) {
                out[at++] = v;
            }
        }
        return out;
    }

    double[] decRow(double[] theta, int i) {
        int off = numLatents * d + numLatents + i * decCols;
        double[] row = new double[d];
        for (int j = 0; j < decCols; j++) {
            row[mask == null ? j : mask[i * decCols + j]] = theta[off + j];
        }
        return row;
    }

    /** relu(pre) [B][F]. */
    double[][] pre(double[] theta, double[][] x) {
        int B = x.length;
        int bDecOff = numLatents * d + numLatents + numLatents * decCols;
        double[][] pre = new double[B][numLatents];
        for (int t = 0; t < B; t++) {
            for (int i = 0; i < numLatents; i++) {
                double s = theta[numLatents * d + i];
                for (int j = 0; j < d; j++) {
                    s += (x[t][j] - theta[bDecOff + j]) * theta[i * d + j];
                }
                pre[t][i] = Math.max(0, s);
            }
        }
        return pre;
    }

    /** Active mask of the training selection. */
    boolean[][] select(double[][] pre) {
        int B = pre.length;
        boolean[][] on = new boolean[B][numLatents];
        switch (arch) {
            case RELU -> {
                for (int t = 0; t < B; t++) {
                    for (int i = 0; i < numLatents; i++) {
                        on[t][i] = pre[t][i] > 0;
                    }
                }
            }
            case TOPK, EXPANDER -> {
                for (int t = 0; t < B; t++) {
                    Integer[] order = new Integer[numLatents];
                    for (int i = 0; i < numLatents; i++) {
                        order[i] = i;
                    }
                    final int tt = t;
                    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -pre[tt][i]));
                    for (int r = 0; r < k; r++) {
                        if (pre[t][order[r]] > 0) {
                            on[t][order[r]] = true;
                        }
                    }
                }
            }
            case BATCHTOPK, MATRYOSHKA -> {
                List<int[]> all = new ArrayList<>();
                for (int t = 0; t < B; t++) {
                    for (int i = 0; i < numLatents; i++) {
                        if (pre[t][i] > 0) {
                            all.add(new int[] {t, i});
                        }
                    }
                }
                all.sort(Comparator.comparingDouble((int[] e) -> -pre[e[0]][e[1]]));
                for (int r = 0; r < Math.min(all.size(), k * B); r++) {
                    on[all.get(r)[0]][all.get(r)[1]] = true;
                }
            }
        }
        return on;
    }

    /** Full-width residual x − x̂ at theta (the AuxK target, held constant). */
    double[][] residual(double[] theta, double[][] x) {
        double[][] pre = pre(theta, x);
        boolean[][] on = select(pre);
        int bDecOff = numLatents * d + numLatents + numLatents * decCols;
        double[][] r = new double[x.length][d];
        for (int t = 0; t < x.length; t++) {
            double[] xh = new double[d];
            for (int j = 0; j < d; j++) {
                xh[j] = theta[bDecOff + j];
            }
            for (int i = 0; i < numLatents; i++) {
                if (on[t][i]) {
                    double[] row = decRow(theta, i);
                    for (int j = 0; j < d; j++) {
                        xh[j] += pre[t][i] * row[j];
                    }
                }
            }
            for (int j = 0; j < d; j++) {
                r[t][j] = x[t][j] - xh[j];
            }
        }
        return r;
    }

    double loss(double[] theta, double[][] x, double l1, int[] dead, int[] prefixes, double[][] auxTarget) {
        int B = x.length;
        int P = prefixes.length;
        double[][] pre = pre(theta, x);
        boolean[][] on = select(pre);
        int bDecOff = numLatents * d + numLatents + numLatents * decCols;
        double recon = 0;
        double sparsity = 0;
        for (int t = 0; t < B; t++) {
            for (int pIdx = 0; pIdx < P; pIdx++) {
                double[] xh = new double[d];
                for (int j = 0; j < d; j++) {
                    xh[j] = theta[bDecOff + j];
                }
                for (int i = 0; i < prefixes[pIdx]; i++) {
                    if (on[t][i]) {
                        double[] row = decRow(theta, i);
                        for (int j = 0; j < d; j++) {
                            xh[j] += pre[t][i] * row[j];
                        }
                    }
                }
                for (int j = 0; j < d; j++) {
                    recon += (xh[j] - x[t][j]) * (xh[j] - x[t][j]);
                }
            }
            if (arch == Architecture.RELU) {
                for (int i = 0; i < numLatents; i++) {
                    if (on[t][i]) {
                        double[] row = decRow(theta, i);
                        double n = 0;
                        for (double v : row) {
                            n += v * v;
                        }
                        sparsity += pre[t][i] * Math.sqrt(n);
                    }
                }
            }
        }
        double loss = recon / (B * P) + l1 * sparsity / B;
        if (auxTarget != null && dead.length > 0 && auxCoefficient > 0) {
            int kA = Math.min(kAuxConfig, dead.length);
            double scale = auxCoefficient * Math.min(1.0, (double) dead.length / kAuxConfig);
            double aux = 0;
            for (int t = 0; t < B; t++) {
                final int tt = t;
                Integer[] order = Arrays.stream(dead).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -pre[tt][i]));
                double[] eh = new double[d];
                for (int r = 0; r < kA; r++) {
                    int i = order[r];
                    if (pre[t][i] > 0) {
                        double[] row = decRow(theta, i);
                        for (int j = 0; j < d; j++) {
                            eh[j] += pre[t][i] * row[j];
                        }
                    }
                }
                for (int j = 0; j < d; j++) {
                    aux += (eh[j] - auxTarget[t][j]) * (eh[j] - auxTarget[t][j]);
                }
            }
            loss += scale * aux / B;
        }
        return loss;
    }
}
