package io.github.saestitch.train;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.Quickselect;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.Vec;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The loss of one batch and its gradient with respect to every parameter, for each
 * {@link Architecture}. All quantities are in the trainer's normalised units.
 *
 * <h2>Forward (every architecture)</h2>
 * <pre>
 *   xc  = x − b_dec                                  [B, d]
 *   pre = relu(xc · W_encᵀ + b_enc)                  [B, F]   (one sgemm, transB; W_enc stored as rows)
 *   f   = select(pre)                                 sparse [B, F]
 *   x̂   = f · W_dec + b_dec                          [B, d]   (sparse: Σ over the active latents only)
 * </pre>
 * where {@code select} is the identity (relu), the per-token top-k (topk, expander), or the k·B largest
 * entries of the whole batch (batchtopk, matryoshka; Bussmann et al. 2024).
 *
 * <h2>Losses</h2>
 * With {@code e_t = x̂_t − x_t} and B tokens:
 * <ul>
 *   <li>reconstruction {@code R = (1/B) Σ_t ‖e_t‖²} (MISSION.md's mse: summed over dims, mean over tokens);</li>
 *   <li>relu: {@code + λ (1/B) Σ_t Σ_i f_ti ‖W_dec,i‖} (seed 003 with Anthropic's decoder-norm weighting);</li>
 *   <li>matryoshka: R is replaced by the mean over prefixes {@code m_1 < … < m_P = F} of the prefix
 *       reconstruction losses, {@code (1/P) Σ_j (1/B) Σ_t ‖x̂_t^{(m_j)} − x_t‖²} with
 *       {@code x̂^{(m)} = b_dec + Σ_{i < m} f_i W_dec,i} (Bussmann et al. 2025; seed 004 samples the m_j);</li>
 *   <li>top-k architectures: {@code + α·s_aux·(1/B) Σ_t ‖ê_t − r_t‖²} (AuxK, Gao et al. 2024), where
 *       {@code r_t = x_t − x̂_t} is held constant, {@code ê_t = Σ_i a_ti W_dec,i} uses the k_aux largest
 *       {@code pre} among dead latents, and {@code s_aux = min(#dead / k_aux, 1)} as in SAELens.</li>
 * </ul>
 *
 * <h2>Backward</h2>
 * With {@code G_t = ∂L/∂x̂_t} (for matryoshka a latent in prefix group g sees
 * {@code G_{g,t} = (2/(B·P)) Σ_{j ≥ g} e_t^{(m_j)}}):
 * <pre>
 *   dpre_ti = G_t · W_dec,i  (+ λ‖W_dec,i‖/B for relu)     only where f_ti is active
 *   dW_dec,i = Σ_t f_ti G_t  (+ (λ/B) Σ_t f_ti · W_dec,i/‖W_dec,i‖ for relu)
 *   dW_enc,i = Σ_t dpre_ti xc_t,   db_enc,i = Σ_t dpre_ti
 *   db_dec   = Σ_t G_t − Σ_i db_enc,i W_enc,i                (b_dec enters the output and, subtracted, the input)
 * </pre>
 * The gradient through the selection is that of the selected entries (the selection is piecewise
 * constant). Sparse codes make everything after the encoder GEMM cost O(nnz·d): dW_dec and dW_enc are
 * accumulated only for active rows (entries sorted latent-major, so each row is written by one
 * thread). relu starts dense (half the latents fire at initialisation); while more than
 * {@link #DENSE_RELU_DENSITY} of its entries are active it runs the decoder and both weight gradients
 * as GEMMs instead.
 *
 * <p>Not thread-safe: owns scratch buffers sized for one batch size.
 */
final class SaeObjective {
    /**
     * Above this fraction of active entries relu's decoder and backward run as dense GEMMs: a GEMM at
     * ~300 GFLOP/s beats the sparse row loops (~5–10 GFLOP/s on 2 cores) when more than ~1/20 of the
     * entries are active.
     */
    static final double DENSE_RELU_DENSITY = 0.05;

    /** The statistics of one batch (normalised units). */
    record Stats(double loss, double reconLoss, double mse, double sparsityLoss, double auxLoss, double l0,
            float minKept, boolean denseRelu) {
    }

    private final Architecture arch;
    private final Kernels kernels;
    private final int d;
    private final int numLatents;
    private final int batch;
    private final int k;
    private final int auxKConfig;
    private final double auxCoefficient;
    private final double denseReluDensity; // relu runs the dense GEMM path above this fraction of active entries

    private final float[] xc; // [B, d] x − b_dec
    private final float[] pre; // [B, F] relu(pre-activations); dense codes for relu
    private float[] gh; // [(B·P + B), d] per-token gradient vectors: G rows (t·P + g), then AuxK rows (B·P + t)
    private float[] dense; // [B, F] dpre of the dense relu path, allocated on first use
    private final double[] tokenLoss; // [B] Σ_j ‖e_t^{(j)}‖² per token
    private final double[] tokenFull; // [B] ‖e_t‖² at full width
    private final double[] tokenAux; // [B] AuxK loss per token

    SaeObjective(Architecture arch, Kernels kernels, int dIn, int numLatents, int batch, int k, int auxK,
            double auxCoefficient) {
        this(arch, kernels, dIn, numLatents, batch, k, auxK, auxCoefficient, DENSE_RELU_DENSITY);
    }

    /** As above with relu's dense/sparse switch point given (tests force either path with 0 or 1). */
    SaeObjective(Architecture arch, Kernels kernels, int dIn, int numLatents, int batch, int k, int auxK,
            double auxCoefficient, double denseReluDensity) {
        this.denseReluDensity = denseReluDensity;
        this.arch = arch;
        this.kernels = kernels;
        this.d = dIn;
        this.numLatents = numLatents;
        this.batch = batch;
        this.k = k;
        this.auxKConfig = auxK > 0 ? auxK : Math.max(1, dIn / 2);
        this.auxCoefficient = auxCoefficient;
        this.xc = new float[Math.multiplyExact(batch, dIn)];
        this.pre = new float[Math.multiplyExact(batch, numLatents)];
        this.tokenLoss = new double[batch];
        this.tokenFull = new double[batch];
        this.tokenAux = new double[batch];
    }

    int batchSize() {
        return batch;
    }

    /**
     * Loss and gradients of one batch. Overwrites every array of {@code g}; marks in {@code fired} the
     * latents active in the codes (never clears).
     *
     * @param p           the parameters (read)
     * @param x           [B, d] the batch in normalised units (read)
     * @param l1          relu's λ for this step (after warm-up)
     * @param deadIdx     ascending indices of dead latents, for AuxK (may be empty)
     * @param prefixEnds  matryoshka prefix lengths, increasing, last = F; {@code {F}} otherwise
     * @param hint        a positive guess of BatchTopK's threshold (to prune the selection) or 0
     * @param g           gradients (written)
     * @param fired       [F] set to true for every latent active in this batch (written)
     */
    Stats compute(SaeParams p, float[] x, float l1, int[] deadIdx, int[] prefixEnds, float hint, SaeParams g,
            boolean[] fired) {
        final int B = batch;
        final int F = numLatents;
        // xc = x − b_dec
        Parallel.forRange(B, d, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int o = t * d;
                for (int j = 0; j < d; j++) {
                    xc[o + j] = x[o + j] - p.bDec[j];
                }
            }
        });
        FloatMatrix xcM = FloatMatrix.wrap(xc, B, d);
        FloatMatrix preM = FloatMatrix.wrap(pre, B, F);
        kernels.sgemm(false, true, 1f, xcM, FloatMatrix.wrap(p.wEnc, F, d), 0f, preM);
        kernels.addBiasActivate(preM, p.bEnc, null);

        float[] norms = null;
        if (arch == Architecture.RELU) {
            norms = new float[F];
            for (int i = 0; i < F; i++) {
                norms[i] = (float) Math.sqrt(Vec.sumSquaresFloat(p.wDec, i * p.decCols, p.decCols));
            }
            long nnz = countPositive(pre);
            if (nnz > denseReluDensity * B * (double) F) {
                return denseRelu(p, x, l1, norms, g, fired, nnz);
            }
        }

        // Codes.
        float minKept = 0f;
        SparseRows codes;
        switch (arch) {
            case RELU -> codes = SparseRows.fromDense(pre, B, F); // post-ReLU: non-zero = positive
            case TOPK, EXPANDER -> codes = kernels.topK(preM, k);
            case BATCHTOPK, MATRYOSHKA -> {
                float[] kept = new float[1];
                codes = batchTopK(pre, B, F, (long) k * B, hint, kept);
                minKept = kept[0];
            }
            default -> throw new IllegalStateException("unreachable: " + arch);
        }
        SparseRows aux = null;
        double auxScale = 0;
        if (arch.usesTopK() && auxCoefficient > 0 && deadIdx.length > 0) {
            aux = auxTopK(pre, B, F, deadIdx, Math.min(auxKConfig, deadIdx.length));
            auxScale = auxCoefficient * Math.min(1.0, (double) deadIdx.length / auxKConfig);
        }
        for (int q = 0, n = codes.nnz(); q < n; q++) {
            fired[codes.colIdx()[q]] = true;
        }

        final int P = prefixEnds.length;
        int[] groupOf = null;
        if (P > 1) {
            groupOf = new int[F];
            for (int i = 0, j = 0; i < F; i++) {
                while (i >= prefixEnds[j]) {
                    j++;
                }
                groupOf[i] = j;
            }
        }
        int ghRows = B * P + (aux != null ? B : 0);
        if (gh == null || gh.length < ghRows * d) {
            gh = new float[ghRows * d];
        }

        // Residuals per prefix, losses, AuxK residual, then G as scaled suffix sums.
        final SparseRows fc = codes;
        final SparseRows fa = aux;
        final float cG = 2f / (B * P);
        final float cAux = (float) (2 * auxScale / B);
        Parallel.forRange(B, (long) d * (P + 4), (t0, t1) -> {
            float[] r = new float[d];
            float[] eh = new float[d];
            for (int t = t0; t < t1; t++) {
                int o = t * d;
                for (int j = 0; j < d; j++) {
                    r[j] = p.bDec[j] - x[o + j];
                }
                int grp = 0;
                double lossSum = 0;
                for (int q = fc.rowPtr()[t]; q < fc.rowPtr()[t + 1]; q++) {
                    int c = fc.colIdx()[q];
                    while (c >= prefixEnds[grp]) {
                        System.arraycopy(r, 0, gh, (t * P + grp) * d, d);
                        lossSum += Vec.sumSquaresFloat(r, 0, d);
                        grp++;
                    }
                    addDecoderRow(p, c, fc.values()[q], r);
                }
                while (grp < P) {
                    System.arraycopy(r, 0, gh, (t * P + grp) * d, d);
                    lossSum += Vec.sumSquaresFloat(r, 0, d);
                    grp++;
                }
                tokenLoss[t] = lossSum;
                tokenFull[t] = Vec.sumSquaresFloat(r, 0, d); // r is now the full-width residual x̂ − x
                if (fa != null) {
                    // ê − (x − x̂) = ê + e
                    System.arraycopy(r, 0, eh, 0, d);
                    for (int q = fa.rowPtr()[t]; q < fa.rowPtr()[t + 1]; q++) {
                        addDecoderRow(p, fa.colIdx()[q], fa.values()[q], eh);
                    }
                    tokenAux[t] = Vec.sumSquaresFloat(eh, 0, d);
                    int ho = (B * P + t) * d;
                    for (int j = 0; j < d; j++) {
                        gh[ho + j] = cAux * eh[j];
                    }
                }
                // suffix sums: G_{P-1} = cG·e_{P-1}; G_j = cG·e_j + G_{j+1}
                int last = (t * P + P - 1) * d;
                for (int j = 0; j < d; j++) {
                    gh[last + j] *= cG;
                }
                for (int gi = P - 2; gi >= 0; gi--) {
                    int cur = (t * P + gi) * d;
                    int nxt = cur + d;
                    for (int j = 0; j < d; j++) {
                        gh[cur + j] = cG * gh[cur + j] + gh[nxt + j];
                    }
                }
            }
        });
        double reconSum = 0;
        double fullSum = 0;
        double auxSum = 0;
        for (int t = 0; t < B; t++) {
            reconSum += tokenLoss[t];
            fullSum += tokenFull[t];
            if (fa != null) {
                auxSum += tokenAux[t];
            }
        }
        double recon = reconSum / ((double) B * P);
        double mse = fullSum / B;
        double auxLoss = fa == null ? 0 : auxScale * auxSum / B;

        // dpre per entry (token-major).
        final int[] grpOf = groupOf;
        final float[] nrm = norms;
        final float l1PerToken = l1 / B;
        int mainNnz = codes.nnz();
        int auxNnz = aux == null ? 0 : aux.nnz();
        float[] dMain = new float[mainNnz];
        float[] dAux = new float[auxNnz];
        Parallel.forWeightedRange(B, codes.rowPtr(), (long) d * 2, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int q = fc.rowPtr()[t]; q < fc.rowPtr()[t + 1]; q++) {
                    int c = fc.colIdx()[q];
                    int row = t * P + (grpOf == null ? 0 : grpOf[c]);
                    float df = decoderDot(p, c, gh, row * d);
                    if (nrm != null) {
                        df += l1PerToken * nrm[c];
                    }
                    dMain[q] = df;
                }
                if (fa != null) {
                    for (int q = fa.rowPtr()[t]; q < fa.rowPtr()[t + 1]; q++) {
                        dAux[q] = decoderDot(p, fa.colIdx()[q], gh, (B * P + t) * d);
                    }
                }
            }
        });

        // Latent-major entry lists: counting sort by latent (main entries first, then AuxK ones).
        int total = mainNnz + auxNnz;
        int[] start = new int[F + 1];
        for (int q = 0; q < mainNnz; q++) {
            start[codes.colIdx()[q] + 1]++;
        }
        for (int q = 0; q < auxNnz; q++) {
            start[aux.colIdx()[q] + 1]++;
        }
        for (int i = 0; i < F; i++) {
            start[i + 1] += start[i];
        }
        int[] fill = Arrays.copyOf(start, F);
        int[] eTok = new int[total];
        int[] eRow = new int[total];
        float[] eAct = new float[total];
        float[] eD = new float[total];
        int[] mainCount = new int[F];
        for (int t = 0; t < B; t++) {
            for (int q = codes.rowPtr()[t]; q < codes.rowPtr()[t + 1]; q++) {
                int c = codes.colIdx()[q];
                int at = fill[c]++;
                eTok[at] = t;
                eRow[at] = t * P + (groupOf == null ? 0 : groupOf[c]);
                eAct[at] = codes.values()[q];
                eD[at] = dMain[q];
                mainCount[c]++;
            }
        }
        if (aux != null) {
            for (int t = 0; t < B; t++) {
                for (int q = aux.rowPtr()[t]; q < aux.rowPtr()[t + 1]; q++) {
                    int c = aux.colIdx()[q];
                    int at = fill[c]++;
                    eTok[at] = t;
                    eRow[at] = B * P + t;
                    eAct[at] = aux.values()[q];
                    eD[at] = dAux[q];
                }
            }
        }

        // Weight gradients, one latent per thread at a time.
        double[] sparsityPart = new double[F];
        Parallel.forWeightedRange(F, start, (long) d * 3, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int eo = i * d;
                int dco = i * p.decCols;
                Arrays.fill(g.wEnc, eo, eo + d, 0f);
                Arrays.fill(g.wDec, dco, dco + p.decCols, 0f);
                float db = 0f;
                float sumF = 0f;
                int mainEnd = start[i] + mainCount[i];
                for (int e = start[i]; e < start[i + 1]; e++) {
                    float dp = eD[e];
                    Vec.axpyUnfusedTail(dp, xc, eTok[e] * d, g.wEnc, eo, d);
                    db += dp;
                    addDecoderGrad(p, i, eAct[e], gh, eRow[e] * d, g.wDec);
                    if (e < mainEnd) {
                        sumF += eAct[e];
                    }
                }
                g.bEnc[i] = db;
                if (nrm != null && nrm[i] > 0f && sumF != 0f) {
                    Vec.axpyUnfusedTail(l1PerToken * sumF / nrm[i], p.wDec, dco, g.wDec, dco, p.decCols);
                    sparsityPart[i] = (double) l1PerToken * sumF * nrm[i];
                }
            }
        });
        double sparsity = 0;
        if (nrm != null) {
            for (int i = 0; i < F; i++) {
                sparsity += sparsityPart[i];
            }
        }
        biasDecoderGradient(p, g, P, B);
        return new Stats(recon + sparsity + auxLoss, recon, mse, sparsity, auxLoss, (double) mainNnz / B, minKept, false);
    }

    /** relu with many active entries: decoder and gradients as GEMMs (see the class comment). */
    private Stats denseRelu(SaeParams p, float[] x, float l1, float[] norms, SaeParams g, boolean[] fired, long nnz) {
        final int B = batch;
        final int F = numLatents;
        if (gh == null || gh.length < B * d) {
            gh = new float[B * d];
        }
        if (dense == null) {
            dense = new float[pre.length];
        }
        FloatMatrix fM = FloatMatrix.wrap(pre, B, F);
        FloatMatrix gM = FloatMatrix.of(MemorySegment.ofArray(gh), B, d);
        FloatMatrix wDecM = FloatMatrix.wrap(p.wDec, F, d);
        FloatMatrix dM = FloatMatrix.wrap(dense, B, F);
        // x̂ − b_dec into gh, then e = x̂ − x, G = (2/B) e
        kernels.sgemm(false, false, 1f, fM, wDecM, 0f, gM);
        float c = 2f / B;
        for (int t = 0; t < B; t++) {
            int o = t * d;
            double s = 0;
            for (int j = 0; j < d; j++) {
                float e = gh[o + j] + p.bDec[j] - x[o + j];
                s += (double) e * e;
                gh[o + j] = c * e;
            }
            tokenFull[t] = s;
        }
        double sse = 0;
        for (int t = 0; t < B; t++) {
            sse += tokenFull[t];
        }
        kernels.sgemm(false, true, 1f, gM, wDecM, 0f, dM);
        float l1PerToken = l1 / B;
        double[] sumF = new double[F];
        float[] db = new float[F];
        for (int t = 0; t < B; t++) {
            int o = t * F;
            for (int i = 0; i < F; i++) {
                float f = pre[o + i];
                if (f > 0f) {
                    float dp = dense[o + i] + l1PerToken * norms[i];
                    dense[o + i] = dp;
                    db[i] += dp;
                    sumF[i] += f;
                    fired[i] = true;
                } else {
                    dense[o + i] = 0f;
                }
            }
        }
        kernels.sgemm(true, false, 1f, fM, gM, 0f, FloatMatrix.wrap(g.wDec, F, d));
        kernels.sgemm(true, false, 1f, dM, FloatMatrix.wrap(xc, B, d), 0f, FloatMatrix.wrap(g.wEnc, F, d));
        double sparsity = 0;
        for (int i = 0; i < F; i++) {
            g.bEnc[i] = db[i];
            if (norms[i] > 0f && sumF[i] != 0) {
                Vec.axpyUnfusedTail((float) (l1PerToken * sumF[i] / norms[i]), p.wDec, i * d, g.wDec, i * d, d);
            }
            sparsity += l1PerToken * sumF[i] * norms[i];
        }
        biasDecoderGradient(p, g, 1, B);
        double mse = sse / B;
        return new Stats(mse + sparsity, mse, mse, sparsity, 0, (double) nnz / B, 0f, true);
    }

    /**
     * {@code relu((x − b_dec)·W_encᵀ + b_enc)} of one batch into the scratch buffer, which is returned
     * ({@code [B, F]}, valid until the next call). Reads {@code x} ([B, d], normalised units).
     */
    float[] preActivations(SaeParams p, float[] x) {
        for (int t = 0; t < batch; t++) {
            int o = t * d;
            for (int j = 0; j < d; j++) {
                xc[o + j] = x[o + j] - p.bDec[j];
            }
        }
        FloatMatrix preM = FloatMatrix.wrap(pre, batch, numLatents);
        kernels.sgemm(false, true, 1f, FloatMatrix.wrap(xc, batch, d), FloatMatrix.wrap(p.wEnc, numLatents, d), 0f, preM);
        kernels.addBiasActivate(preM, p.bEnc, null);
        return pre;
    }

    /**
     * The {@code K} largest positive values of {@code a[0, n)} (all positive ones when fewer), in no
     * particular order; {@code smallest[0]} receives the smallest of them (0 when there are none).
     */
    static float[] largest(float[] a, int n, long K, float[] smallest) {
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] > 0f) {
                pos++;
            }
        }
        float[] vals = new float[pos];
        int at = 0;
        float min = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (a[i] > 0f) {
                vals[at++] = a[i];
                min = Math.min(min, a[i]);
            }
        }
        if (pos <= K) {
            smallest[0] = pos == 0 ? 0f : min;
            return vals;
        }
        float t = Quickselect.kthSmallest(Arrays.copyOf(vals, pos), pos, (int) (pos - K));
        float[] out = new float[(int) K];
        int greater = 0;
        for (float v : vals) {
            if (v > t) {
                out[greater++] = v;
            }
        }
        for (int i = greater; i < K; i++) {
            out[i] = t;
        }
        smallest[0] = t;
        return out;
    }

    /** {@code db_dec = Σ_t G_{0,t} − Σ_i db_enc,i · W_enc,i} (output path and input path). */
    private void biasDecoderGradient(SaeParams p, SaeParams g, int P, int B) {
        Arrays.fill(g.bDec, 0f);
        double[] acc = new double[d];
        for (int t = 0; t < B; t++) {
            int o = t * P * d;
            for (int j = 0; j < d; j++) {
                acc[j] += gh[o + j];
            }
        }
        for (int i = 0; i < numLatents; i++) {
            float db = g.bEnc[i];
            if (db != 0f) {
                int o = i * d;
                for (int j = 0; j < d; j++) {
                    acc[j] -= (double) db * p.wEnc[o + j];
                }
            }
        }
        for (int j = 0; j < d; j++) {
            g.bDec[j] = (float) acc[j];
        }
    }

    /** {@code r += a · W_dec,c} (dense row or the expander's masked values). */
    private static void addDecoderRow(SaeParams p, int c, float a, float[] r) {
        if (p.mask == null) {
            Vec.axpyUnfusedTail(a, p.wDec, c * p.decCols, r, 0, p.decCols);
        } else {
            int[] idx = p.mask.indexArray();
            int o = c * p.decCols;
            for (int j = 0; j < p.decCols; j++) {
                r[idx[o + j]] += a * p.wDec[o + j];
            }
        }
    }

    /** {@code W_dec,c · v[vo .. vo+d)}. */
    private static float decoderDot(SaeParams p, int c, float[] v, int vo) {
        if (p.mask == null) {
            return Vec.dotFloat(p.wDec, c * p.decCols, v, vo, p.decCols);
        }
        int[] idx = p.mask.indexArray();
        int o = c * p.decCols;
        float s = 0f;
        for (int j = 0; j < p.decCols; j++) {
            s += p.wDec[o + j] * v[vo + idx[o + j]];
        }
        return s;
    }

    /** {@code gDec_i += a · v[vo .. vo+d)} restricted to the stored values of row i. */
    private static void addDecoderGrad(SaeParams p, int i, float a, float[] v, int vo, float[] gDec) {
        if (p.mask == null) {
            Vec.axpyUnfusedTail(a, v, vo, gDec, i * p.decCols, p.decCols);
        } else {
            int[] idx = p.mask.indexArray();
            int o = i * p.decCols;
            for (int j = 0; j < p.decCols; j++) {
                gDec[o + j] += a * v[vo + idx[o + j]];
            }
        }
    }

    private static long countPositive(float[] a) {
        long n = 0;
        for (float v : a) {
            if (v > 0f) {
                n++;
            }
        }
        return n;
    }

    /**
     * BatchTopK's training selection: the {@code K} largest positive entries of the whole
     * {@code [rows, cols]} block (all positive ones when there are fewer), ties at the threshold
     * resolved in row-major order. {@code hint > 0} (the previous threshold) prunes the candidates
     * to values above {@code hint/2} when at least K of them are there, else all positives are
     * searched. Writes the smallest kept value into {@code minKept[0]} (0 when nothing is kept).
     */
    static SparseRows batchTopK(float[] a, int rows, int cols, long K, float hint, float[] minKept) {
        int size = rows * cols;
        float floor = hint > 0f ? hint * 0.5f : 0f;
        long count = countAbove(a, size, floor);
        if (floor > 0f && count < K) {
            floor = 0f;
            count = countAbove(a, size, 0f);
        }
        float t;
        long ties;
        boolean keepAll = count <= K;
        if (keepAll) {
            t = floor;
            ties = 0; // keep every value > floor
        } else {
            float[] cand = new float[(int) count];
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (a[i] > floor) {
                    cand[n++] = a[i];
                }
            }
            t = Quickselect.kthSmallest(cand, n, (int) (count - K)); // the K-th largest
            long greater = 0;
            for (int i = 0; i < n; i++) {
                if (cand[i] > t) {
                    greater++;
                }
            }
            ties = K - greater;
        }
        int[] ptr = new int[rows + 1];
        int[] idx = new int[(int) Math.min(count, K)];
        float[] val = new float[idx.length];
        int at = 0;
        float smallest = Float.POSITIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = a[o + c];
                if (keepAll ? v > t : (v > t || (v == t && ties-- > 0))) {
                    idx[at] = c;
                    val[at++] = v;
                    smallest = Math.min(smallest, v);
                }
            }
            ptr[r + 1] = at;
        }
        minKept[0] = at == 0 ? 0f : smallest;
        return new SparseRows(rows, cols, ptr, at == idx.length ? idx : Arrays.copyOf(idx, at),
                at == val.length ? val : Arrays.copyOf(val, at));
    }

    private static long countAbove(float[] a, int size, float floor) {
        long n = 0;
        for (int i = 0; i < size; i++) {
            if (a[i] > floor) {
                n++;
            }
        }
        return n;
    }

    /**
     * AuxK codes: for each row, the {@code kAux} largest positive entries among the dead latents
     * (ties towards the lower index), as CSR with increasing columns.
     */
    static SparseRows auxTopK(float[] a, int rows, int cols, int[] deadIdx, int kAux) {
        int nd = deadIdx.length;
        int[] ptr = new int[rows + 1];
        int[] idx = new int[Math.multiplyExact(rows, Math.min(kAux, nd))];
        float[] val = new float[idx.length];
        float[] tmp = new float[nd];
        int at = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            int pos = 0;
            for (int q = 0; q < nd; q++) {
                float v = a[o + deadIdx[q]];
                if (v > 0f) {
                    tmp[pos++] = v;
                }
            }
            float t = 0f;
            int ties = 0;
            boolean all = pos <= kAux;
            if (!all) {
                float[] copy = Arrays.copyOf(tmp, pos);
                t = Quickselect.kthSmallest(copy, pos, pos - kAux);
                int greater = 0;
                for (int q = 0; q < pos; q++) {
                    if (tmp[q] > t) {
                        greater++;
                    }
                }
                ties = kAux - greater;
            }
            for (int q = 0; q < nd; q++) {
                float v = a[o + deadIdx[q]];
                if (v > 0f && (all || v > t || (v == t && ties-- > 0))) {
                    idx[at] = deadIdx[q];
                    val[at++] = v;
                }
            }
            ptr[r + 1] = at;
        }
        return new SparseRows(rows, cols, ptr, Arrays.copyOf(idx, at), Arrays.copyOf(val, at));
    }
}
