package io.github.saestitch.train;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import io.github.saestitch.tensor.Vec;

/**
 * What the training objective does differently per {@link Architecture}: one class each, registered in
 * {@link #of} (SAELens keeps one training class per architecture the same way). An architecture chooses
 * how the codes are selected from {@code relu(pre)}, whether AuxK applies, and whether relu's
 * decoder-norm penalty (with its dense GEMM path) applies. The steps every architecture shares
 * (encoder, residuals, backward) are in {@link SaeObjective}.
 */
abstract class ArchitectureObjective {
    /** Active latents per token (mean per token for the batch-level selections); unused by relu. */
    final int k;

    ArchitectureObjective(int k) {
        this.k = k;
    }

    /** The codes of one batch and the smallest value kept (BatchTopK's threshold estimate; 0 otherwise). */
    record Codes(SparseRows rows, float minKept) {}

    /** The registry: the objective part of each architecture. */
    static ArchitectureObjective of(Architecture architecture, int k) {
        return switch (architecture) {
            case RELU -> new Relu(k);
            case TOPK -> new TopK(k);
            case BATCHTOPK -> new BatchTopK(k);
            case MATRYOSHKA -> new Matryoshka(k);
            case EXPANDER -> new Expander(k);
        };
    }

    /** The sparse codes of {@code relu(pre)} ({@code [batch, numLatents]}, a heap block). */
    abstract Codes select(Kernels kernels, float[] pre, int batch, int numLatents, float hint);

    /**
     * {@code pre ← relu(pre + bias)} ({@code [batch, numLatents]}, the encoder GEMM's output) and its
     * codes: {@link Kernels#addBiasActivate}, then {@link #select}; the per-token top-k fuses both.
     */
    Codes activateSelect(Kernels kernels, float[] pre, int batch, int numLatents, float[] bias, float hint) {
        kernels.addBiasActivate(FloatMatrix.wrap(pre, batch, numLatents), bias, null);
        return select(kernels, pre, batch, numLatents, hint);
    }

    /** Whether AuxK (Gao et al.) reconstructs the residual from dead latents. */
    boolean usesAuxK() {
        return true;
    }

    /** The decoder row norms {@code ‖W_dec,i‖} ([F]) weighting relu's L1 penalty, or null without a penalty. */
    float[] penaltyNorms(SaeParams p) {
        return null;
    }

    /** {@code f = relu(pre)}, penalised by {@code λ Σ_i f_i ‖W_dec,i‖}; no AuxK. */
    static final class Relu extends ArchitectureObjective {
        Relu(int k) {
            super(k);
        }

        @Override
        Codes select(Kernels kernels, float[] pre, int batch, int numLatents, float hint) {
            // Kernels.compress: SparseRows.fromDense's entries, in lanes and in parallel (the scalar
            // two-pass scan over [B, F] was a large share of relu's sparse steps).
            return new Codes(kernels.compress(FloatMatrix.wrap(pre, batch, numLatents)), 0f);
        }

        @Override
        boolean usesAuxK() {
            return false;
        }

        @Override
        float[] penaltyNorms(SaeParams p) {
            float[] norms = new float[p.numLatents];
            for (int i = 0; i < p.numLatents; i++) {
                norms[i] = (float) Math.sqrt(Vec.sumSquaresFloat(p.wDec, i * p.decCols, p.decCols));
            }
            return norms;
        }
    }

    /** The k largest of {@code relu(pre)} per token (Gao et al. 2024). */
    static class TopK extends ArchitectureObjective {
        TopK(int k) {
            super(k);
        }

        @Override
        Codes select(Kernels kernels, float[] pre, int batch, int numLatents, float hint) {
            return new Codes(kernels.topK(FloatMatrix.wrap(pre, batch, numLatents), k), 0f);
        }

        @Override
        Codes activateSelect(Kernels kernels, float[] pre, int batch, int numLatents, float[] bias, float hint) {
            return new Codes(BiasTopK.activateTopK(pre, batch, numLatents, bias, k), 0f);
        }
    }

    /** TopK with the expander-masked decoder; the mask lives in {@link SaeParams}, applied by {@link DecoderRows}. */
    static final class Expander extends TopK {
        Expander(int k) {
            super(k);
        }
    }

    /** The k·B largest of {@code relu(pre)} over the batch (Bussmann et al. 2024), pruned by the running threshold. */
    static class BatchTopK extends ArchitectureObjective {
        BatchTopK(int k) {
            super(k);
        }

        @Override
        Codes select(Kernels kernels, float[] pre, int batch, int numLatents, float hint) {
            float[] kept = new float[1];
            SparseRows codes = LatentSelection.batchTopK(pre, batch, numLatents, (long) k * batch, hint, kept);
            return new Codes(codes, kept[0]);
        }
    }

    /**
     * BatchTopK whose reconstruction loss is averaged over nested prefixes (Bussmann et al. 2025): the
     * prefixes reach {@link SaeObjective#compute} per step ({@link MatryoshkaPrefixes}).
     */
    static final class Matryoshka extends BatchTopK {
        Matryoshka(int k) {
            super(k);
        }
    }
}
