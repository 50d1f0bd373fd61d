package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Batch encode / decode / forward of one {@link Sae} with a chosen {@link Kernels} backend, exactly as
 * docs/definitions.md#sae defines it:
 *
 * <pre>
 *   pre = (x − b_dec)·W_enc + b_enc        (the subtraction only when applyBDecToInput)
 *   f   = activation(pre)
 *   x̂   = f·W_dec + b_dec
 * </pre>
 *
 * with the activation per architecture:
 * <ul>
 *   <li>{@code relu}: {@code f = pre} where {@code pre > 0}, else 0;</li>
 *   <li>{@code jumprelu}: {@code f = relu(pre)·[pre > θ_i]} as SAELens computes it (the JumpReLU paper
 *       writes {@code pre·[pre > θ_i]}; the two differ only when some {@code θ_i < 0}, and we follow the
 *       files' source);</li>
 *   <li>{@code topk}: the k largest strictly positive values of {@code relu(pre)} per token, ties broken
 *       towards the lower latent index ({@link Kernels#topK});</li>
 *   <li>{@code batchtopk} at inference: a JumpReLU with the one global threshold θ ≥ 0, i.e. relu then
 *       {@code > θ}.</li>
 * </ul>
 *
 * <p><b>Blocking.</b> Tokens are encoded {@link #blockTokens()} at a time: one GEMM into a
 * {@code [blockTokens, F]} pre-activation buffer, then the activation and compression to CSR in one
 * pass ({@link Kernels#activateSparse}; top-k: the activation in place, then {@link Kernels#topK}).
 * The buffer is allocated on first use and reused for every later block and call, so memory is bounded
 * by the block whatever the number of tokens. Results do not depend on the block size as far as the
 * backend's GEMM rows are independent of the number of rows (true of {@code ScalarKernels}; a blocked
 * native GEMM may round differently for different row counts).
 *
 * <p><b>Why b_dec is subtracted, not folded.</b> {@code (x − b_dec)·W_enc + b_enc} equals
 * {@code x·W_enc + (b_enc − b_dec·W_enc)} in exact arithmetic, and the folded form would save one pass
 * over the input. But that pass costs {@code d} flops per token against {@code 2·d·F} for the GEMM
 * (under 0.1% for F ≥ 1000), while the folded form changes the rounding: when {@code |x·W_enc|} and
 * {@code |b_dec·W_enc|} are both large and nearly cancel (b_dec is close to the mean activation, so
 * this is the typical case), the float error of each term is that of the large magnitude rather than
 * of the small centered product, and codes near a JumpReLU/BatchTopK threshold or a top-k boundary can
 * flip. Subtracting first computes {@code x − b_dec} in float32 and then the GEMM, the same order of
 * operations as SAELens, so our codes match the Python peer's wherever float32 GEMMs agree.
 *
 * <p><b>Input checks.</b> Every input value must be finite: a NaN pre-activation would compare false
 * with every threshold and silently become an inactive latent, so a non-finite input is an
 * {@link IllegalArgumentException} naming its row and dimension. The check costs one read per input
 * value, against {@code 2·F} flops per value for the GEMM.
 *
 * <p><b>Input normalisation.</b> For an SAE with {@link InputNorm#LAYER_NORM} the encoder reads each
 * token normalised ({@code (x − μ)/(σ + ε)}, in the scratch buffer, before {@code b_dec} is subtracted),
 * and the runner keeps each token's μ and σ from the most recent {@link #encode} / {@link #encodeDense}
 * call; {@link #decode} / {@link #decodeDense} un-normalise {@code x̂ = x̂_n·σ + μ} with them, so they
 * take the codes of that call (same number of rows; otherwise an {@link IllegalStateException}).
 * {@link #forward} and {@link Autoencoder#forward(FloatMatrix, FloatMatrix)} always pair them.
 *
 * <p>Not thread-safe (it owns scratch buffers): use one runner per thread. Cheap to create.
 */
public final class SaeRunner implements Autoencoder {
    /** Largest number of tokens per block: 4096 rows keep a GEMM at its peak rate on this machine kind. */
    public static final int MAX_BLOCK_TOKENS = 4096;
    /**
     * Cap on the pre-activation buffer, in floats (64 MiB): with F = 98,304 latents a 4096-token block
     * would need 1.5 GiB, so wide SAEs get proportionally fewer tokens per block.
     */
    public static final long MAX_PRE_FLOATS = 16L << 20;

    private final Sae sae;
    private final Kernels kernels;
    private final int blockTokens;
    private final float[] globalThreshold; // [F] θ repeated, for batchtopk; null otherwise
    private float[] preBuf; // [blockTokens, F] pre-activations, allocated on first encode
    private float[]
            centeredBuf; // [blockTokens, dIn] x − b_dec (normalised first for layer_norm), allocated on first use
    private float[] normMu; // [tokens of the last encode] per-token mean, layer_norm only
    private float[] normSigma; // [tokens of the last encode] per-token std (unbiased, without ε), layer_norm only
    private int normRows = -1; // rows of the last encode whose statistics normMu/normSigma hold; -1: none

    /** A runner with the block size {@link #autoBlockTokens(int)} for this SAE's width. */
    public SaeRunner(Sae sae, Kernels kernels) {
        this(sae, kernels, autoBlockTokens(Objects.requireNonNull(sae, "sae").numLatents()));
    }

    /**
     * A runner encoding {@code blockTokens} tokens per GEMM.
     *
     * @param blockTokens ≥ 1; the pre-activation buffer holds {@code blockTokens × F} floats
     */
    public SaeRunner(Sae sae, Kernels kernels, int blockTokens) {
        this.sae = Objects.requireNonNull(sae, "sae");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        if (blockTokens < 1) {
            throw new IllegalArgumentException("blockTokens must be >= 1, got " + blockTokens);
        }
        if ((long) blockTokens * Math.max(sae.numLatents(), sae.dIn()) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a block of " + blockTokens + " tokens × " + sae.numLatents()
                    + " latents does not fit one array; use a smaller block");
        }
        this.blockTokens = blockTokens;
        if (sae.activation() instanceof Activation.BatchTopK b) {
            globalThreshold = new float[sae.numLatents()];
            Arrays.fill(globalThreshold, b.threshold());
        } else {
            globalThreshold = null;
        }
    }

    /**
     * The default block size for an SAE with {@code numLatents} latents:
     * {@code clamp(MAX_PRE_FLOATS / numLatents, 1, MAX_BLOCK_TOKENS)}.
     */
    public static int autoBlockTokens(int numLatents) {
        return (int) Math.max(1, Math.min(MAX_BLOCK_TOKENS, MAX_PRE_FLOATS / Math.max(1, numLatents)));
    }

    public Sae sae() {
        return sae;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** Tokens per encoder GEMM. */
    public int blockTokens() {
        return blockTokens;
    }

    @Override
    public int dIn() {
        return sae.dIn();
    }

    @Override
    public int numLatents() {
        return sae.numLatents();
    }

    /**
     * Sparse codes {@code f = activation((x − b_dec)·W_enc + b_enc)} as CSR {@code [tokens, F]}, block by
     * block. Reads {@code x} (heap, native or mapped).
     *
     * @param x [tokens, dIn]
     */
    @Override
    public SparseRows encode(FloatMatrix x) {
        checkInput(x);
        int n = x.rows();
        startStats(n);
        if (n <= blockTokens) {
            return encodeBlock(x, 0);
        }
        List<SparseRows> parts = new ArrayList<>((n + blockTokens - 1) / blockTokens);
        for (int r0 = 0; r0 < n; r0 += blockTokens) {
            parts.add(encodeBlock(x.rowSlice(r0, Math.min(n, r0 + blockTokens)), r0));
        }
        return concatRows(parts, sae.numLatents());
    }

    /**
     * Dense codes {@code [tokens, F]} (zeros included), for small inputs and tests: the same values as
     * {@link #encode}. Allocates the {@code tokens × F} result; no scratch buffer is used.
     *
     * @param x [tokens, dIn]
     */
    public FloatMatrix encodeDense(FloatMatrix x) {
        checkInput(x);
        int n = x.rows();
        startStats(n);
        FloatMatrix out = FloatMatrix.zeros(n, sae.numLatents());
        for (int r0 = 0; r0 < n; r0 += blockTokens) {
            int r1 = Math.min(n, r0 + blockTokens);
            FloatMatrix pre = out.rowSlice(r0, r1);
            kernels.mult(encoderInput(x.rowSlice(r0, r1), r0), sae.wEnc(), pre);
            if (sae.activation() instanceof Activation.TopK t) {
                kernels.addBiasActivate(pre, sae.bEnc(), null);
                SparseRows kept = kernels.topK(pre, t.k());
                pre.fill(0f);
                for (int r = 0; r < kept.rows(); r++) {
                    for (int p = kept.rowPtr()[r]; p < kept.rowPtr()[r + 1]; p++) {
                        pre.set(r, kept.colIdx()[p], kept.values()[p]);
                    }
                }
            } else {
                kernels.addBiasActivate(pre, sae.bEnc(), elementwiseThreshold());
            }
        }
        return out;
    }

    /**
     * {@code out = codes · W_dec + b_dec}: each row of {@code out} is set to {@code b_dec}, then the
     * sparse product is accumulated onto it ({@link Kernels#sparseMult} with accumulate), so the bias
     * costs no extra pass. Writes {@code out}.
     *
     * @param codes [tokens, F]
     * @param out   [tokens, dIn]
     */
    @Override
    public void decode(SparseRows codes, FloatMatrix out) {
        Objects.requireNonNull(codes, "codes");
        checkOutput(codes.rows(), codes.cols(), out);
        fillRowsWithBDec(out);
        kernels.sparseMult(codes, sae.wDec(), out, true);
        unnormalise(out);
    }

    /**
     * {@code out = acts · W_dec + b_dec} from dense codes (one GEMM with {@code beta = 1} onto rows
     * pre-filled with {@code b_dec}). Writes {@code out}.
     *
     * @param acts [tokens, F]
     * @param out  [tokens, dIn]
     */
    public void decodeDense(FloatMatrix acts, FloatMatrix out) {
        Objects.requireNonNull(acts, "acts");
        checkOutput(acts.rows(), acts.cols(), out);
        fillRowsWithBDec(out);
        kernels.sgemm(false, false, 1f, acts, sae.wDec(), 1f, out);
        unnormalise(out);
    }

    /**
     * Encode and decode: the codes of {@code x} and its reconstruction {@code x̂} in a new
     * {@code [tokens, dIn]} matrix.
     *
     * @param x [tokens, dIn]
     */
    public Forward forward(FloatMatrix x) {
        SparseRows codes = encode(x);
        FloatMatrix xHat = FloatMatrix.zeros(x.rows(), sae.dIn());
        decode(codes, xHat);
        return new Forward(codes, xHat);
    }

    /**
     * Dense-codes forward for small inputs: {@link #encodeDense} then {@link #decodeDense}.
     *
     * @param x [tokens, dIn]
     */
    public DenseForward forwardDense(FloatMatrix x) {
        FloatMatrix acts = encodeDense(x);
        FloatMatrix xHat = FloatMatrix.zeros(x.rows(), sae.dIn());
        decodeDense(acts, xHat);
        return new DenseForward(acts, xHat);
    }

    /**
     * The result of {@link #forward(FloatMatrix)}.
     *
     * @param codes          [tokens, F] sparse latent activations
     * @param reconstruction [tokens, dIn] x̂
     */
    public record Forward(SparseRows codes, FloatMatrix reconstruction) {}

    /**
     * The result of {@link #forwardDense(FloatMatrix)}.
     *
     * @param acts           [tokens, F] latent activations, zeros included
     * @param reconstruction [tokens, dIn] x̂
     */
    public record DenseForward(FloatMatrix acts, FloatMatrix reconstruction) {}

    /** One block of at most {@link #blockTokens} rows: GEMM into the reused buffer, activate, compress. */
    private SparseRows encodeBlock(FloatMatrix x, int firstRow) {
        int n = x.rows();
        int f = sae.numLatents();
        if (preBuf == null) {
            preBuf = new float[blockTokens * f];
        }
        FloatMatrix pre = FloatMatrix.of(MemorySegment.ofArray(preBuf), n, f);
        kernels.mult(encoderInput(x, firstRow), sae.wEnc(), pre);
        if (sae.activation() instanceof Activation.TopK t) {
            kernels.addBiasActivate(pre, sae.bEnc(), null);
            return kernels.topK(pre, t.k());
        }
        return kernels.activateSparse(pre, sae.bEnc(), elementwiseThreshold());
    }

    /**
     * The threshold for {@link Kernels#addBiasActivate}: null (0, ReLU) for relu, θ_i for jumprelu, the
     * global θ repeated for batchtopk. Not used for topk.
     */
    private float[] elementwiseThreshold() {
        return switch (sae.activation()) {
            case Activation.Relu r -> null;
            case Activation.JumpRelu j -> j.threshold();
            case Activation.BatchTopK b -> globalThreshold;
            case Activation.TopK t -> null;
        };
    }

    /**
     * The GEMM's left operand for at most {@link #blockTokens} rows: {@code x} itself, or
     * {@code x − b_dec} in the reused scratch buffer when applyBDecToInput. Checks that every value of
     * {@code x} is finite (in the same pass as the subtraction); {@code firstRow} is the row of the
     * caller's input where this block starts, for the message.
     */
    private FloatMatrix encoderInput(FloatMatrix x, int firstRow) {
        int n = x.rows();
        int d = sae.dIn();
        boolean ln = sae.inputNorm() == InputNorm.LAYER_NORM;
        if (!sae.applyBDecToInput() && !ln) {
            MemorySegment seg = x.segment();
            for (long i = 0, size = x.size(); i < size; i++) {
                float v = seg.getAtIndex(FloatMatrix.FLOAT, i);
                if (!Float.isFinite(v)) {
                    throw nonFinite(v, firstRow + (int) (i / d), (int) (i % d));
                }
            }
            return x;
        }
        if (centeredBuf == null) {
            centeredBuf = new float[blockTokens * d];
        }
        float[] c = centeredBuf;
        MemorySegment.copy(x.segment(), FloatMatrix.FLOAT, 0, c, 0, n * d);
        float[] bDec = sae.bDec();
        for (int r = 0, i = 0; r < n; r++) {
            for (int j = 0; j < d; j++, i++) {
                float v = c[i];
                if (!Float.isFinite(v)) {
                    throw nonFinite(v, firstRow + r, j);
                }
                if (!ln) {
                    c[i] = v - bDec[j];
                }
            }
        }
        if (ln) {
            InputNorm.layerNormRows(c, 0, n, d, normMu, normSigma, firstRow);
            if (sae.applyBDecToInput()) {
                for (int i = 0; i < n * d; i++) {
                    c[i] -= bDec[i % d];
                }
            }
        }
        return FloatMatrix.of(MemorySegment.ofArray(c), n, d);
    }

    /** Sizes the per-token statistics for an encode of {@code n} rows (layer_norm only). */
    private void startStats(int n) {
        if (sae.inputNorm() == InputNorm.NONE) {
            return;
        }
        if (normMu == null || normMu.length < n) {
            normMu = new float[n];
            normSigma = new float[n];
        }
        normRows = n;
    }

    /** {@code out = out·σ + μ} per row with the last encode's statistics (layer_norm only). */
    private void unnormalise(FloatMatrix out) {
        if (sae.inputNorm() == InputNorm.NONE) {
            return;
        }
        if (normRows != out.rows()) {
            throw new IllegalStateException("decoding " + out.rows() + " tokens of a layer_norm SAE needs the per-token"
                    + " statistics of the encode that produced the codes (the last encode had "
                    + Math.max(0, normRows) + " tokens)");
        }
        int d = sae.dIn();
        for (int r = 0; r < out.rows(); r++) {
            float[] row = out.row(r);
            float m = normMu[r];
            float sd = normSigma[r];
            for (int j = 0; j < d; j++) {
                row[j] = row[j] * sd + m;
            }
            out.setRow(r, row);
        }
    }

    private static IllegalArgumentException nonFinite(float v, int row, int dim) {
        return new IllegalArgumentException("input has a non-finite value (" + v + ") at row " + row + ", dim " + dim);
    }

    private void checkInput(FloatMatrix x) {
        Objects.requireNonNull(x, "x");
        if (x.cols() != sae.dIn()) {
            throw new IllegalArgumentException(
                    "input " + x + " has " + x.cols() + " columns but the SAE reads activations of width " + sae.dIn());
        }
    }

    private void checkOutput(int rows, int cols, FloatMatrix out) {
        Objects.requireNonNull(out, "out");
        if (cols != sae.numLatents()) {
            throw new IllegalArgumentException("codes have " + cols + " latents but the SAE has " + sae.numLatents());
        }
        if (out.rows() != rows || out.cols() != sae.dIn()) {
            throw new IllegalArgumentException("output " + out + " must be [" + rows + ", " + sae.dIn() + "]");
        }
    }

    private void fillRowsWithBDec(FloatMatrix out) {
        float[] bDec = sae.bDec();
        for (int r = 0; r < out.rows(); r++) {
            out.setRow(r, bDec);
        }
    }

    /** Stacks CSR blocks with equal column counts into one, rows in order. */
    public static SparseRows concatRows(List<SparseRows> parts, int cols) {
        int rows = 0;
        int nnz = 0;
        for (SparseRows p : parts) {
            rows += p.rows();
            nnz = Math.addExact(nnz, p.nnz());
        }
        int[] ptr = new int[rows + 1];
        int[] idx = new int[nnz];
        float[] val = new float[nnz];
        int r = 0;
        int k = 0;
        for (SparseRows p : parts) {
            System.arraycopy(p.colIdx(), 0, idx, k, p.nnz());
            System.arraycopy(p.values(), 0, val, k, p.nnz());
            for (int i = 1; i <= p.rows(); i++) {
                ptr[r + i] = k + p.rowPtr()[i];
            }
            r += p.rows();
            k += p.nnz();
        }
        return new SparseRows(rows, cols, ptr, idx, val);
    }
}
