package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationOrigin;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trained parameters as the SAE users load: raw units ({@code W_enc = rowsᵀ}, {@code b_enc/s},
 * dense {@code W_dec}, {@code b_dec/s}, {@code θ/s}; see the package doc), the architecture's
 * activation, the run's facts under {@code metadata.saestitch_training} of {@code cfg.json}, and, when the
 * tokens came from an activation store ({@link ActivationOrigin}), the SAELens metadata that attaches the
 * SAE to its model: {@code model_name}, {@code hook_name}, {@code hook_head_index} (null: a whole-stream hook),
 * {@code prepend_bos}, {@code exclude_special_tokens}, {@code context_size}, {@code dataset_path}, each
 * written only when the store records it.
 */
final class SaeExport {
    private SaeExport() {}

    /**
     * The SAE of {@code state}'s parameters; {@code thetaNormalised} is BatchTopK's threshold in normalised
     * units; {@code origin} (may be null) fills the SAELens metadata.
     */
    static Sae toSae(TrainOptions options, TrainingState state, float thetaNormalised, ActivationOrigin origin) {
        SaeParams p = state.params;
        int d = p.dIn;
        int F = p.numLatents;
        float s = state.inputScale;
        float[] wEnc = new float[d * F];
        for (int i = 0; i < F; i++) {
            for (int j = 0; j < d; j++) {
                wEnc[j * F + i] = p.wEnc[i * d + j];
            }
        }
        float[] wDec = new float[F * d];
        for (int i = 0; i < F; i++) {
            System.arraycopy(p.denseDecoderRow(i), 0, wDec, i * d, d);
        }
        float[] bEnc = new float[F];
        for (int i = 0; i < F; i++) {
            bEnc[i] = p.bEnc[i] / s;
        }
        float[] bDec = new float[d];
        for (int j = 0; j < d; j++) {
            bDec[j] = p.bDec[j] / s;
        }
        Activation act = switch (options.architecture()) {
            case RELU -> new Activation.Relu();
            case TOPK, EXPANDER -> new Activation.TopK(options.k());
            case BATCHTOPK, MATRYOSHKA -> new Activation.BatchTopK(options.k(), Math.max(0f, thetaNormalised / s));
        };
        Map<String, Object> meta = new LinkedHashMap<>();
        if (origin != null) {
            meta.putAll(saeLensMetadata(origin));
        }
        meta.put("saestitch_training", trainingMetadata(options, state));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("metadata", meta);
        return new Sae(
                act,
                true,
                FloatMatrix.wrap(wEnc, d, F),
                bEnc,
                FloatMatrix.wrap(wDec, F, d),
                bDec,
                new Sae.SaeMetadata(
                        origin == null ? "" : origin.hookName(), origin == null ? "" : origin.modelName(), extra));
    }

    /**
     * The SAELens {@code metadata} keys (besides {@code model_name} and {@code hook_name}, which the SAE's
     * {@link Sae.SaeMetadata} carries) that {@code origin} knows, in the order of SAELens's
     * {@code SAEMetadata}. {@code prepend_bos}: whether the model's input began with its BOS token, here
     * {@code [CLS]}; {@code exclude_special_tokens}: the token ids whose activations were left out of
     * training ({@code false}: none); {@code context_size}: tokens per model input; {@code dataset_path}: the
     * text fed to the model.
     */
    private static Map<String, Object> saeLensMetadata(ActivationOrigin origin) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (origin.hookName() != null) {
            m.put("hook_head_index", null); // our hooks are whole residual-stream sites, never one head
        }
        if (origin.windowsStartWithCls() != null) {
            m.put("prepend_bos", origin.windowsStartWithCls());
        }
        if (origin.excludedTokenIds() != null) {
            m.put(
                    "exclude_special_tokens",
                    origin.excludedTokenIds().isEmpty() ? Boolean.FALSE : origin.excludedTokenIds());
        }
        if (origin.contextLength() > 0) {
            m.put("context_size", origin.contextLength());
        }
        if (origin.corpus() != null) {
            m.put("dataset_path", origin.corpus());
        }
        return m;
    }

    /** The run's facts saved with the SAE. */
    private static Map<String, Object> trainingMetadata(TrainOptions options, TrainingState state) {
        SaeParams p = state.params;
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("format_version", TrainOptions.FORMAT_VERSION);
        training.put("architecture", options.architecture().id());
        training.put("steps", state.step);
        training.put("tokens", state.tokens);
        training.put("seed", options.seed());
        training.put("input_scale", (double) state.inputScale);
        if (options.architecture() == Architecture.RELU) {
            training.put("l1_coefficient", options.l1Coefficient());
        } else {
            training.put("k", options.k());
        }
        if (p.mask != null) {
            training.put("expander_degree", p.mask.degree());
            training.put("expander_stored_decoder_values", p.mask.storedDecoderValues());
        }
        if (options.architecture() == Architecture.MATRYOSHKA) {
            training.put(
                    "matryoshka_prefixes",
                    options.matryoshkaRandomPrefixes()
                            ? "random"
                            : Arrays.toString(options.resolvedMatryoshkaPrefixes()));
        }
        return training;
    }

    /** Parameters stored while training over those of the dense SAE of the same shape, {@code 2·d·F + F + d}. */
    static double storedParameterRatio(TrainOptions options, SaeParams p) {
        int d = p.dIn;
        double dense = 2.0 * d * options.numLatents() + options.numLatents() + d;
        double stored = (double) d * options.numLatents()
                + options.numLatents()
                + d
                + (double) p.decCols * options.numLatents();
        return stored / dense;
    }
}
