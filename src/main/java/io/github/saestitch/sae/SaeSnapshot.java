package io.github.saestitch.sae;

import io.github.saestitch.tensor.FloatMatrix;
import java.io.Serializable;

/**
 * An {@link Sae}'s weights as plain arrays, for Java serialization (a Spark broadcast to the executors):
 * {@link #sae} rebuilds it bit for bit. The metadata is not carried (no computation reads it).
 *
 * @param activation  relu, jumprelu, topk or batchtopk
 * @param k           topk/batchtopk k, else 0
 * @param threshold   batchtopk's inference threshold, else 0
 * @param thresholds  [F] jumprelu's thresholds, else null
 * @param applyBDec   whether b_dec is subtracted from the input
 * @param dIn         input width
 * @param numLatents  F
 * @param wEnc        [dIn, F] row-major
 * @param bEnc        [F]
 * @param wDec        [F, dIn] row-major
 * @param bDec        [dIn]
 * @param inputNorm   the per-token input normalisation (docs/definitions.md#input-normalisation)
 */
public record SaeSnapshot(
        String activation,
        int k,
        float threshold,
        float[] thresholds,
        boolean applyBDec,
        int dIn,
        int numLatents,
        float[] wEnc,
        float[] bEnc,
        float[] wDec,
        float[] bDec,
        InputNorm inputNorm)
        implements Serializable {
    @java.io.Serial
    private static final long serialVersionUID = 2L; // 2: inputNorm

    /** The snapshot of {@code sae}. */
    public static SaeSnapshot of(Sae sae) {
        Activation a = sae.activation();
        return new SaeSnapshot(
                switch (a) {
                    case Activation.Relu r -> "relu";
                    case Activation.JumpRelu j -> "jumprelu";
                    case Activation.TopK t -> "topk";
                    case Activation.BatchTopK b -> "batchtopk";
                },
                a instanceof Activation.TopK t ? t.k() : a instanceof Activation.BatchTopK b ? b.k() : 0,
                a instanceof Activation.BatchTopK b ? b.threshold() : 0f,
                a instanceof Activation.JumpRelu j ? j.threshold().clone() : null,
                sae.applyBDecToInput(),
                sae.dIn(),
                sae.numLatents(),
                sae.wEnc().toArray(),
                sae.bEnc().clone(),
                sae.wDec().toArray(),
                sae.bDec().clone(),
                sae.inputNorm());
    }

    /** The SAE again (no metadata). */
    public Sae sae() {
        Activation a = switch (activation) {
            case "relu" -> new Activation.Relu();
            case "jumprelu" -> new Activation.JumpRelu(thresholds);
            case "topk" -> new Activation.TopK(k);
            case "batchtopk" -> new Activation.BatchTopK(k, threshold);
            default -> throw new IllegalStateException("unknown activation " + activation);
        };
        return new Sae(
                        a,
                        applyBDec,
                        FloatMatrix.wrap(wEnc, dIn, numLatents),
                        bEnc,
                        FloatMatrix.wrap(wDec, numLatents, dIn),
                        bDec,
                        null)
                .withInputNorm(inputNorm);
    }
}
