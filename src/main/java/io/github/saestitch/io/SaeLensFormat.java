package io.github.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.InputNorm;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SAELens directories: {@code cfg.json} + {@code sae_weights.safetensors} ({@code W_enc} [d_in, d_sae],
 * {@code b_enc} [d_sae], {@code W_dec} [d_sae, d_in], {@code b_dec} [d_in], plus {@code threshold} [d_sae]
 * for JumpReLU).
 *
 * <p><b>v6 config</b> ({@code SAEConfig.to_dict} in SAELens 6.x): top-level {@code d_in}, {@code d_sae},
 * {@code dtype}, {@code device}, {@code apply_b_dec_to_input}, {@code normalize_activations},
 * {@code reshape_activations}, {@code architecture} ({@code standard}, {@code jumprelu}, {@code topk},
 * plus {@code batchtopk} for training checkpoints), {@code k} and {@code rescale_acts_by_decoder_norm} for
 * TopK, and a nested {@code metadata} object ({@code sae_lens_version}, {@code model_name},
 * {@code hook_name}, {@code context_size}, ...). SAELens decides between its v6 and pre-6 parsers on
 * {@code metadata.sae_lens_version} ≥ 6, so that is what this class checks too.
 *
 * <p><b>Pre-6.0 configs</b> are flat ({@code hook_point} or {@code hook_name}, {@code model_name},
 * {@code activation_fn_str} with {@code activation_fn_kwargs.k} for TopK, ...). They are upgraded to the
 * v6 shape by one function, {@link #upgradeLegacy}, which mirrors SAELens's
 * {@code handle_pre_6_0_config}, and then parsed like v6.
 *
 * <p>Semantics carried over exactly:
 * <ul>
 *   <li>SAELens's JumpReLU gates on {@code pre > threshold.relu()} and outputs {@code relu(pre)}, so
 *       negative thresholds act as 0 and are clamped to 0 on load.</li>
 *   <li>SAELens 6.18 saves a trained BatchTopK SAE as a plain {@code jumprelu} with the global
 *       threshold repeated ({@code BatchTopKTrainingSAE.process_state_dict_for_saving_inference}) and no
 *       record that it was BatchTopK: such a file loads as the {@link Activation.JumpRelu} it is (the
 *       same function). Files that also carry {@code metadata.training_architecture = "batchtopk"} (what
 *       saestitch writes, to keep k) load as {@link Activation.BatchTopK} with k from
 *       {@code metadata.training_architecture_details.k}. Training checkpoints with {@code architecture:
 *       "batchtopk"} or {@code "matryoshka_batchtopk"} (its nested prefixes change only the training
 *       loss) and a scalar {@code topk_threshold} load too.</li>
 *   <li>{@code rescale_acts_by_decoder_norm} (TopK) multiplies pre-activations by ‖W_dec[i]‖ and divides
 *       them back before decoding; it is folded into the weights on load exactly as SAELens's
 *       {@code _fold_norm_topk} does (W_enc[:, i]·n_i, b_enc[i]·n_i, W_dec[i]/n_i).</li>
 *   <li>A pre-6.0 {@code scaling_factor} tensor (finetuning scaling, applied to activations before the
 *       decoder) is dropped when all ones, else folded into W_dec's rows.</li>
 * </ul>
 * {@code normalize_activations: "expected_average_only_in"} is folded at load from the training
 * checkpoint's {@code activation_scaler.json} as SAELens's {@code fold_activation_norm_scaling_factor}
 * does (W_enc·s, W_dec/s, b_dec/s); without that file SAELens's loader folds nothing and neither do we.
 * {@code layer_norm} loads as {@link InputNorm#LAYER_NORM} (SAELens's {@code run_time_activation_ln_in}
 * / {@code _out}: the SAE model here applies and undoes it per token) and is written back as
 * {@code normalize_activations: "layer_norm"}. {@code constant_norm_rescale} (per-token rescaling that
 * the SAE model here does not represent) and other architectures (gated, ...) are refused with a message.
 */
final class SaeLensFormat implements SaeDirectoryFormat {
    static final String CFG_FILE = "cfg.json";
    static final String WEIGHTS_FILE = "sae_weights.safetensors";

    /** SAELens reads a config with its v6 parser when {@code sae_lens_version} has this major or higher. */
    static final int FIRST_V6_MAJOR = 6;
    /**
     * Written as {@code metadata.sae_lens_version}: the first release of the v6 layout, so SAELens picks
     * its v6 parser. It names the file layout, not a SAELens install that wrote it.
     */
    static final String V6_LAYOUT_VERSION = "6.0.0";

    static final int SAESTITCH_FORMAT_VERSION = 1;

    // cfg.json keys (v6 names; the legacy ones are mapped in upgradeLegacy).
    static final String K_ARCHITECTURE = "architecture";
    static final String K_D_IN = "d_in";
    static final String K_D_SAE = "d_sae";
    static final String K_DTYPE = "dtype";
    static final String K_DEVICE = "device";
    static final String K_APPLY_B_DEC = "apply_b_dec_to_input";
    static final String K_NORMALIZE = "normalize_activations";
    static final String K_RESHAPE = "reshape_activations";
    static final String K_METADATA = "metadata";
    static final String K_K = "k";
    static final String K_RESCALE = "rescale_acts_by_decoder_norm";
    static final String K_FINETUNING_SCALING = "finetuning_scaling_factor";
    static final String K_FORMAT_VERSION = "saestitch_format_version";
    static final String K_SAE_LENS_VERSION = "sae_lens_version";

    // metadata keys
    static final String M_HOOK_NAME = "hook_name";
    static final String M_MODEL_NAME = "model_name";
    static final String M_TRAINING_ARCHITECTURE = "training_architecture";
    static final String M_TRAINING_DETAILS = "training_architecture_details";
    static final String M_CONVERTED_FROM = "converted_from_sae_lens_version";

    // pre-6.0 keys
    static final String L_HOOK_POINT = "hook_point";
    static final String L_HOOK_POINT_HEAD_INDEX = "hook_point_head_index";
    static final String L_HOOK_HEAD_INDEX = "hook_head_index";
    static final String L_ACTIVATION_FN_STR = "activation_fn_str";
    static final String L_ACTIVATION_FN = "activation_fn";
    static final String L_ACTIVATION_FN_KWARGS = "activation_fn_kwargs";

    /** SAELens's {@code LLM_METADATA_KEYS}: the flat keys its pre-6 upgrade moves into {@code metadata}. */
    static final Set<String> LLM_METADATA_KEYS = Set.of(
            "model_name",
            "hook_name",
            "model_class_name",
            "hook_head_index",
            "model_from_pretrained_kwargs",
            "prepend_bos",
            "exclude_special_tokens",
            "neuronpedia_id",
            "context_size",
            "seqpos_slice",
            "dataset_path",
            "sae_lens_version",
            "sae_lens_training_version");

    // tensor names
    static final String T_W_ENC = "W_enc";
    static final String T_B_ENC = "b_enc";
    static final String T_W_DEC = "W_dec";
    static final String T_B_DEC = "b_dec";
    static final String T_THRESHOLD = "threshold";
    static final String T_LOG_THRESHOLD = "log_threshold";
    static final String T_TOPK_THRESHOLD = "topk_threshold";
    static final List<String> T_SCALING = List.of("scaling_factor", "finetuning_scaling_factor");

    // architectures
    static final String A_STANDARD = "standard";
    static final String A_JUMPRELU = "jumprelu";
    static final String A_TOPK = "topk";
    static final String A_BATCHTOPK = "batchtopk";
    static final String A_MATRYOSHKA_BATCHTOPK = "matryoshka_batchtopk";
    static final String NORM_LAYER_NORM = "layer_norm";
    static final String NORM_EXPECTED_AVERAGE = "expected_average_only_in";
    /** SAELens's ActivationScaler file in training checkpoints (sae_lens/constants.py). */
    static final String ACTIVATION_SCALER_FILE = "activation_scaler.json";

    /** SAELens clamps decoder norms to this before dividing by them ({@code _fold_norm_topk}). */
    static final double MIN_DECODER_NORM = 1e-8;

    @Override
    public SaeFormat detect(Probe probe) {
        if (probe.cfg() == null || !Files.isRegularFile(probe.weights(WEIGHTS_FILE))) {
            return null;
        }
        return isV6(probe.cfg().root) ? SaeFormat.SAELENS : SaeFormat.SAELENS_LEGACY;
    }

    /** SAELens's rule: v6 when {@code sae_lens_version} (top level or in metadata) has major ≥ 6. */
    static boolean isV6(ObjectNode cfg) {
        JsonNode meta = cfg.get(K_METADATA);
        String version = null;
        if (cfg.get(K_SAE_LENS_VERSION) instanceof JsonNode v && v.isTextual()) {
            version = v.textValue();
        }
        if (version == null
                && meta != null
                && meta.isObject()
                && meta.get(K_SAE_LENS_VERSION) instanceof JsonNode v
                && v.isTextual()) {
            version = v.textValue();
        }
        if (version == null) {
            // No version at all: a nested metadata object only exists in the v6 layout.
            return meta != null && meta.isObject();
        }
        return majorVersion(version) >= FIRST_V6_MAJOR;
    }

    private static int majorVersion(String version) {
        int i = 0;
        while (i < version.length() && Character.isDigit(version.charAt(i))) {
            i++;
        }
        return i == 0 ? -1 : Integer.parseInt(version.substring(0, Math.min(i, 9)));
    }

    @Override
    public LoadedSae load(Probe probe, SaeFormat format) throws IOException {
        if (probe.cfg() == null) {
            throw new SaeFormatException(probe.dir().resolve(CFG_FILE), "file not found");
        }
        List<String> notes = new ArrayList<>();
        boolean v6 = isV6(probe.cfg().root);
        ObjectNode shaped = v6 ? probe.cfg().root.deepCopy() : upgradeLegacy(probe.cfg(), notes);
        CfgJson c = new CfgJson(probe.cfg().file, shaped);

        String arch = c.requireString(K_ARCHITECTURE);
        int dIn = c.requirePositiveInt(K_D_IN);
        int dSae = c.requirePositiveInt(K_D_SAE);
        boolean applyBDec = c.optBoolean(K_APPLY_B_DEC, true); // SAEConfig's default
        String norm = c.optString(K_NORMALIZE, "none");
        if (!norm.equals("none") && !norm.equals(NORM_EXPECTED_AVERAGE) && !norm.equals(NORM_LAYER_NORM)) {
            throw c.error("normalize_activations = \"" + norm + "\" is not supported (supported: none, "
                    + NORM_LAYER_NORM + ", " + NORM_EXPECTED_AVERAGE + ")");
        }
        if (norm.equals(NORM_LAYER_NORM) && dIn < 2) {
            throw c.error("normalize_activations = layer_norm needs d_in >= 2, got " + dIn);
        }
        ObjectNode meta = c.optObject(K_METADATA);
        if (meta == null) {
            meta = JsonNodeFactory.instance.objectNode();
        }
        String hookName = c.optString(meta, M_HOOK_NAME, "", K_METADATA + ".");
        String modelName = c.optString(meta, M_MODEL_NAME, "", K_METADATA + ".");
        Set<String> consumed = new HashSet<>(List.of(
                K_ARCHITECTURE,
                K_D_IN,
                K_D_SAE,
                K_APPLY_B_DEC,
                K_NORMALIZE,
                K_DTYPE,
                K_METADATA,
                K_FORMAT_VERSION,
                K_SAE_LENS_VERSION));

        SaeWeights w = SaeWeights.open(probe.weights(WEIGHTS_FILE));
        String why = "cfg.json has d_in = " + dIn + ", d_sae = " + dSae;
        FloatMatrix wEnc = w.matrix(T_W_ENC, dIn, dSae, why);
        float[] bEnc = w.vector(T_B_ENC, dSae, why);
        FloatMatrix wDec = w.matrix(T_W_DEC, dSae, dIn, why);
        float[] bDec = w.vector(T_B_DEC, dIn, why);
        wDec = applyScalingFactor(c, w, wDec, dSae, why, consumed);
        if (norm.equals(NORM_EXPECTED_AVERAGE)) {
            Float s = activationScaler(probe.dir());
            if (s == null) {
                w.notes.add("normalize_activations = expected_average_only_in without " + ACTIVATION_SCALER_FILE
                        + ": loaded unscaled, as SAELens's loader does when it knows no scaling factor");
            } else {
                // SAELens's fold_activation_norm_scaling_factor: W_enc *= s, W_dec /= s, b_dec /= s (float32).
                wEnc = scaled(wEnc, s, false);
                wDec = scaled(wDec, s, true);
                bDec = bDec.clone();
                for (int j = 0; j < bDec.length; j++) {
                    bDec[j] /= s;
                }
                w.notes.add(
                        "folded the expected_average_only_in scaling factor " + s + " from " + ACTIVATION_SCALER_FILE
                                + " into W_enc (×), W_dec and b_dec (÷), as SAELens's fold_activation_norm_scaling_factor does");
            }
        }

        Activation activation;
        switch (arch) {
            case A_STANDARD -> activation = new Activation.Relu();
            case A_JUMPRELU -> {
                float[] threshold = jumpReluThreshold(w, dSae, why);
                activation = batchTopKSavedAsJumpRelu(c, meta, threshold, w.notes);
                if (activation == null) {
                    activation = new Activation.JumpRelu(threshold);
                }
            }
            case A_TOPK, A_BATCHTOPK, A_MATRYOSHKA_BATCHTOPK -> {
                if (arch.equals(A_MATRYOSHKA_BATCHTOPK)) {
                    // MatryoshkaBatchTopKTrainingSAEConfig extends BatchTopKTrainingSAEConfig: the nested prefixes
                    // only change the training loss, inference is the batchtopk threshold.
                    arch = A_BATCHTOPK;
                    w.notes.add("matryoshka_batchtopk checkpoint: inference is that of batchtopk");
                }
                consumed.add(K_K);
                consumed.add(K_RESCALE);
                // TopKSAEConfig (inference) defaults the rescale flag to false; only the training config
                // exists for batchtopk, and it defaults to true.
                boolean rescale = c.optBoolean(K_RESCALE, arch.equals(A_BATCHTOPK));
                if (rescale) {
                    FloatMatrix[] folded = foldDecoderNorms(wEnc, bEnc, wDec);
                    wEnc = folded[0];
                    wDec = folded[1];
                    w.notes.add("folded rescale_acts_by_decoder_norm into the weights (W_enc[:, i]·‖W_dec[i]‖, "
                            + "b_enc[i]·‖W_dec[i]‖, W_dec[i]/‖W_dec[i]‖), as SAELens's _fold_norm_topk does");
                }
                if (arch.equals(A_TOPK)) {
                    int k = c.requirePositiveInt(K_K);
                    if (k > dSae) {
                        throw c.error("k = " + k + " exceeds d_sae = " + dSae);
                    }
                    activation = new Activation.TopK(k);
                } else {
                    activation = batchTopKCheckpoint(c, w, dSae);
                }
            }
            default ->
                throw c.error("architecture \"" + arch + "\" is not supported (supported: " + A_STANDARD + ", "
                        + A_JUMPRELU + ", " + A_TOPK + ", " + A_BATCHTOPK + ", " + A_MATRYOSHKA_BATCHTOPK + ")");
        }
        w.rejectUnexpected("SAELens " + arch);

        Map<String, Object> extra = CfgJson.toJavaMap(shaped, consumed);
        Map<String, Object> metaExtra = CfgJson.toJavaMap(meta, Set.of(M_HOOK_NAME, M_MODEL_NAME, K_SAE_LENS_VERSION));
        if (!metaExtra.isEmpty()) {
            extra.put(K_METADATA, java.util.Collections.unmodifiableMap(metaExtra));
        }
        Sae sae = w.build(
                        activation, applyBDec, wEnc, bEnc, wDec, bDec, new Sae.SaeMetadata(hookName, modelName, extra))
                .withInputNorm(norm.equals(NORM_LAYER_NORM) ? InputNorm.LAYER_NORM : InputNorm.NONE);
        notes.addAll(w.notes);
        return new LoadedSae(sae, v6 ? SaeFormat.SAELENS : SaeFormat.SAELENS_LEGACY, probe.dir(), w.file(), notes);
    }

    /** The {@code scaling_factor} of SAELens's {@code activation_scaler.json} beside the weights, or null. */
    private static Float activationScaler(Path dir) throws IOException {
        Path f = dir.resolve(ACTIVATION_SCALER_FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        CfgJson j = CfgJson.read(f);
        JsonNode v = j.root.get("scaling_factor");
        if (v == null || v.isNull()) {
            return null; // ActivationScaler saves None when it never estimated one
        }
        if (!v.isNumber() || !Float.isFinite((float) v.doubleValue()) || v.doubleValue() <= 0) {
            throw new SaeFormatException(f, "scaling_factor must be a finite number > 0, got " + v);
        }
        return (float) v.doubleValue();
    }

    /** {@code m × s} or {@code m ÷ s} elementwise in float32, as torch's in-place scalar ops compute. */
    private static FloatMatrix scaled(FloatMatrix m, float s, boolean divide) {
        FloatMatrix out = m.copy();
        for (int r = 0; r < out.rows(); r++) {
            float[] row = out.row(r);
            for (int c = 0; c < row.length; c++) {
                row[c] = divide ? row[c] / s : row[c] * s;
            }
            out.setRow(r, row);
        }
        return out;
    }

    /** {@code threshold}, or {@code exp(log_threshold)} from older JumpReLU checkpoints, clamped at 0. */
    private static float[] jumpReluThreshold(SaeWeights w, int dSae, String why) throws SaeFormatException {
        float[] t;
        if (!w.has(T_THRESHOLD) && w.has(T_LOG_THRESHOLD)) {
            t = w.vector(T_LOG_THRESHOLD, dSae, why);
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) Math.exp(t[i]);
            }
            w.notes.add("threshold computed as exp(log_threshold), as SAELens does for older JumpReLU checkpoints");
        } else {
            t = w.vector(T_THRESHOLD, dSae, why);
        }
        int clamped = SaeWeights.clampNegative(t);
        if (clamped > 0) {
            w.notes.add(clamped + " negative JumpReLU threshold(s) clamped to 0 (SAELens gates on threshold.relu())");
        }
        return t;
    }

    /**
     * A jumprelu file written from a BatchTopK training run: uniform threshold and
     * {@code metadata.training_architecture == "batchtopk"} with an integral {@code k}. Null otherwise.
     */
    private static Activation batchTopKSavedAsJumpRelu(
            CfgJson c, ObjectNode meta, float[] threshold, List<String> notes) throws SaeFormatException {
        String trained = c.optString(meta, M_TRAINING_ARCHITECTURE, "", K_METADATA + ".");
        if (!trained.equals(A_BATCHTOPK) || threshold.length == 0) {
            return null;
        }
        int bits = Float.floatToRawIntBits(threshold[0]);
        for (float t : threshold) {
            if (Float.floatToRawIntBits(t) != bits) {
                notes.add("trained as batchtopk but the thresholds differ per latent; loaded as a plain JumpReLU");
                return null;
            }
        }
        JsonNode details = meta.get(M_TRAINING_DETAILS);
        JsonNode k = details != null && details.isObject() ? details.get(K_K) : null;
        Integer kk = integralK(k);
        if (kk == null) {
            notes.add("trained as batchtopk but metadata.training_architecture_details.k is "
                    + (k == null ? "missing" : k.toString()) + "; loaded as a JumpReLU with the same global threshold");
            return null;
        }
        notes.add(
                "recognised a BatchTopK SAE saved as JumpReLU (global threshold " + threshold[0] + ", k = " + kk + ")");
        return new Activation.BatchTopK(kk, threshold[0]);
    }

    /** A SAELens BatchTopK training checkpoint: {@code k} in cfg.json, scalar {@code topk_threshold} tensor. */
    private static Activation batchTopKCheckpoint(CfgJson c, SaeWeights w, int dSae) throws SaeFormatException {
        JsonNode k = c.root.get(K_K);
        if (k == null) {
            throw c.error("missing required key \"k\"");
        }
        if (!k.isNumber()) {
            throw c.error("key \"k\" must be a number, got " + CfgJson.describe(k));
        }
        float theta = w.scalar(T_TOPK_THRESHOLD);
        if (!Float.isFinite(theta)) {
            throw new SaeFormatException(w.file(), "tensor \"topk_threshold\" is " + theta);
        }
        theta = Math.max(theta, 0f);
        Integer kk = integralK(k);
        if (kk == null) {
            w.notes.add(
                    "batchtopk k = " + k + " is not a whole number; loaded as a JumpReLU with the global threshold");
            float[] t = new float[dSae];
            java.util.Arrays.fill(t, theta);
            return new Activation.JumpRelu(t);
        }
        return new Activation.BatchTopK(kk, theta);
    }

    private static Integer integralK(JsonNode k) {
        if (k == null || !k.isNumber()) {
            return null;
        }
        double v = k.doubleValue();
        if (v < 1 || v > Integer.MAX_VALUE || v != Math.rint(v)) {
            return null;
        }
        return (int) v;
    }

    /**
     * Pre-6.0 finetuning scaling factor: {@code decode(f) = (f · s) W_dec + b_dec}. All ones: dropped.
     * Otherwise, with {@code finetuning_scaling_factor: true}, folded into W_dec's rows (SAELens raises
     * when the flag is false).
     */
    private static FloatMatrix applyScalingFactor(
            CfgJson c, SaeWeights w, FloatMatrix wDec, int dSae, String why, Set<String> consumed)
            throws SaeFormatException {
        boolean flag = c.optBoolean(K_FINETUNING_SCALING, false);
        consumed.add(K_FINETUNING_SCALING);
        String name = null;
        for (String n : T_SCALING) {
            if (w.has(n)) {
                name = n;
            }
        }
        if (name == null) {
            if (flag) {
                throw c.error("finetuning_scaling_factor is true but "
                        + w.file().getFileName() + " has no scaling_factor tensor");
            }
            return wDec;
        }
        float[] s = w.vector(name, dSae, why);
        boolean allOnes = true;
        for (float v : s) {
            allOnes &= v == 1f;
        }
        if (allOnes) {
            w.notes.add("dropped an all-ones " + name + " tensor");
            return wDec;
        }
        if (!flag) {
            throw new SaeFormatException(
                    w.file(),
                    "tensor \"" + name + "\" is not all ones but cfg.json has " + "finetuning_scaling_factor = false");
        }
        FloatMatrix out = wDec.copy();
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, out.get(i, j) * s[i]);
            }
        }
        w.notes.add("folded the finetuning " + name + " into W_dec's rows");
        return out;
    }

    /** SAELens {@code _fold_norm_topk}: returns {W_enc', W_dec'} and scales {@code bEnc} in place. */
    static FloatMatrix[] foldDecoderNorms(FloatMatrix wEnc, float[] bEnc, FloatMatrix wDec) {
        int f = wDec.rows();
        int d = wDec.cols();
        float[] norm = new float[f];
        FloatMatrix dec = wDec.copy();
        for (int i = 0; i < f; i++) {
            float[] row = dec.row(i);
            double ss = 0;
            for (float v : row) {
                ss += (double) v * v;
            }
            norm[i] = (float) Math.max(Math.sqrt(ss), MIN_DECODER_NORM);
            for (int j = 0; j < d; j++) {
                row[j] /= norm[i];
            }
            dec.setRow(i, row);
            bEnc[i] *= norm[i];
        }
        FloatMatrix enc = wEnc.copy();
        for (int r = 0; r < enc.rows(); r++) {
            float[] row = enc.row(r);
            for (int i = 0; i < f; i++) {
                row[i] *= norm[i];
            }
            enc.setRow(r, row);
        }
        return new FloatMatrix[] {enc, dec};
    }

    /**
     * SAELens {@code handle_pre_6_0_config}, as one function: renames {@code hook_point} →
     * {@code hook_name}, {@code hook_point_head_index} → {@code hook_head_index}, {@code activation_fn_str}
     * → {@code activation_fn}; turns {@code activation_fn: "topk"} + {@code activation_fn_kwargs.k} into
     * {@code architecture: "topk"}, {@code k}; maps boolean {@code normalize_activations}; moves
     * {@link #LLM_METADATA_KEYS} into a nested {@code metadata} object (the old {@code sae_lens_version}
     * becomes {@code metadata.converted_from_sae_lens_version}, so a re-save is read as v6).
     */
    static ObjectNode upgradeLegacy(CfgJson cfg, List<String> notes) throws SaeFormatException {
        Map<String, String> renames = Map.of(
                L_HOOK_POINT,
                M_HOOK_NAME,
                L_HOOK_POINT_HEAD_INDEX,
                L_HOOK_HEAD_INDEX,
                L_ACTIVATION_FN_STR,
                L_ACTIVATION_FN);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        JsonNode existingMeta = cfg.root.get(K_METADATA);
        if (existingMeta != null && existingMeta.isObject()) {
            meta.setAll((ObjectNode) existingMeta);
        }
        for (Map.Entry<String, JsonNode> e : cfg.root.properties()) {
            String key = renames.getOrDefault(e.getKey(), e.getKey());
            if (key.equals(K_METADATA)) {
                continue;
            }
            if (key.equals(K_SAE_LENS_VERSION)) {
                meta.set(M_CONVERTED_FROM, e.getValue());
            } else if (LLM_METADATA_KEYS.contains(key)) {
                meta.set(key, e.getValue());
            } else {
                out.set(key, e.getValue());
            }
        }
        JsonNode fnNode = out.remove(L_ACTIVATION_FN);
        JsonNode kwargsNode = out.remove(L_ACTIVATION_FN_KWARGS);
        String fn = "relu";
        if (fnNode != null && !fnNode.isNull()) {
            if (!fnNode.isTextual()) {
                throw cfg.error("key \"activation_fn_str\" must be a string, got " + CfgJson.describe(fnNode));
            }
            fn = fnNode.textValue();
        }
        if (kwargsNode != null && !kwargsNode.isNull() && !kwargsNode.isObject()) {
            throw cfg.error("key \"activation_fn_kwargs\" must be an object, got " + CfgJson.describe(kwargsNode));
        }
        ObjectNode kwargs = kwargsNode instanceof ObjectNode o ? o.deepCopy() : JsonNodeFactory.instance.objectNode();
        String arch = A_STANDARD;
        JsonNode archNode = out.get(K_ARCHITECTURE);
        if (archNode != null && !archNode.isNull()) {
            if (!archNode.isTextual()) {
                throw cfg.error("key \"architecture\" must be a string, got " + CfgJson.describe(archNode));
            }
            arch = archNode.textValue();
        }
        switch (fn) {
            case "relu" -> {}
            case "topk" -> {
                JsonNode k = kwargs.remove(K_K);
                if (k == null) {
                    throw cfg.error("activation_fn_str is \"topk\" but activation_fn_kwargs has no \"k\"");
                }
                if (!k.isIntegralNumber()) {
                    throw cfg.error("key \"activation_fn_kwargs.k\" must be an integer, got " + CfgJson.describe(k));
                }
                out.set(K_K, k);
                if (arch.equals(A_STANDARD)) {
                    arch = A_TOPK;
                }
            }
            default -> throw cfg.error("activation_fn_str = \"" + fn + "\" is not supported (supported: relu, topk)");
        }
        if (!kwargs.isEmpty()) {
            out.set(L_ACTIVATION_FN_KWARGS, kwargs);
        }
        JsonNode norm = out.get(K_NORMALIZE);
        if (norm == null || norm.isNull()) {
            out.put(K_NORMALIZE, "none");
        } else if (norm.isBoolean()) {
            out.put(K_NORMALIZE, norm.booleanValue() ? "expected_average_only_in" : "none");
        }
        out.put(K_ARCHITECTURE, arch);
        if (!meta.isEmpty()) {
            out.set(K_METADATA, meta);
        }
        notes.add("upgraded a pre-6.0 SAELens cfg.json (flat keys) to the v6 layout");
        return out;
    }

    // ------------------------------------------------------------------------------------------ writing

    @Override
    public boolean writes(SaeFormat format) {
        return format == SaeFormat.SAELENS;
    }

    /**
     * Writes the v6 layout SAELens 6.x loads with {@code SAE.load_from_disk}. Known keys come first in
     * SAELens's own order, then the SAE's other {@code extraConfig} keys in their order, then
     * {@code saestitch_format_version}.
     */
    @Override
    public void write(Sae sae, Path dir) throws IOException {
        Map<String, Object> extra = new LinkedHashMap<>(sae.metadata().extraConfig());
        Object metaExtra = extra.remove(K_METADATA);
        if (metaExtra != null && !(metaExtra instanceof Map)) {
            throw new SaeFormatException(
                    dir,
                    "extraConfig key \"metadata\" must be a map to be written as SAELens " + "metadata, found "
                            + metaExtra.getClass().getSimpleName());
        }
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        meta.put(K_SAE_LENS_VERSION, V6_LAYOUT_VERSION);
        meta.put(M_MODEL_NAME, sae.metadata().modelName());
        meta.put(M_HOOK_NAME, sae.metadata().hookName());
        if (metaExtra instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (!meta.has(key)) {
                    meta.set(key, CfgJson.fromJava(e.getValue()));
                }
            }
        }

        String architecture;
        float[] threshold = null;
        Integer k = null;
        switch (sae.activation()) {
            case Activation.Relu _ -> architecture = A_STANDARD;
            case Activation.JumpRelu j -> {
                architecture = A_JUMPRELU;
                threshold = j.threshold();
                for (int i = 0; i < threshold.length; i++) {
                    if (threshold[i] < 0f) {
                        throw new SaeFormatException(
                                dir,
                                "JumpReLU threshold[" + i + "] = " + threshold[i]
                                        + " is negative; SAELens gates on threshold.relu(), so it would compute a different SAE");
                    }
                }
            }
            case Activation.TopK t -> {
                architecture = A_TOPK;
                k = t.k();
            }
            case Activation.BatchTopK b -> {
                // SAELens's own BatchTopK export: a JumpReLU with the global threshold repeated.
                architecture = A_JUMPRELU;
                threshold = new float[sae.numLatents()];
                java.util.Arrays.fill(threshold, b.threshold());
                meta.put(M_TRAINING_ARCHITECTURE, A_BATCHTOPK);
                ObjectNode details = meta.get(M_TRAINING_DETAILS) instanceof ObjectNode o
                        ? o
                        : JsonNodeFactory.instance.objectNode();
                details.put(K_K, b.k());
                meta.set(M_TRAINING_DETAILS, details);
            }
        }

        Set<String> written = Set.of(
                K_D_IN,
                K_D_SAE,
                K_DTYPE,
                K_APPLY_B_DEC,
                K_NORMALIZE,
                K_ARCHITECTURE,
                K_K,
                K_RESCALE,
                K_FORMAT_VERSION,
                K_SAE_LENS_VERSION,
                K_FINETUNING_SCALING);
        ObjectNode cfg = JsonNodeFactory.instance.objectNode();
        cfg.put(K_D_IN, sae.dIn());
        cfg.put(K_D_SAE, sae.numLatents());
        cfg.put(K_DTYPE, "float32");
        copyIfPresent(extra, K_DEVICE, cfg);
        cfg.put(K_APPLY_B_DEC, sae.applyBDecToInput());
        cfg.put(K_NORMALIZE, sae.inputNorm().id());
        copyIfPresent(extra, K_RESHAPE, cfg);
        cfg.set(K_METADATA, meta);
        if (k != null) {
            cfg.put(K_K, k);
            cfg.put(K_RESCALE, false);
        }
        cfg.put(K_ARCHITECTURE, architecture);
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            if (!written.contains(e.getKey()) && !cfg.has(e.getKey())) {
                cfg.set(e.getKey(), CfgJson.fromJava(e.getValue()));
            }
        }
        cfg.put(K_FORMAT_VERSION, SAESTITCH_FORMAT_VERSION);

        List<SafeTensors.Tensor> tensors = new ArrayList<>(List.of(
                SafeTensors.Tensor.f32(T_W_ENC, sae.wEnc()),
                SafeTensors.Tensor.f32(T_B_ENC, sae.bEnc()),
                SafeTensors.Tensor.f32(T_W_DEC, sae.wDec()),
                SafeTensors.Tensor.f32(T_B_DEC, sae.bDec())));
        if (threshold != null) {
            tensors.add(SafeTensors.Tensor.f32(T_THRESHOLD, threshold));
        }
        SafeTensors.writeDirect(dir.resolve(WEIGHTS_FILE), SaeFormats.weightsMetadata(), tensors);
        CfgJson.write(dir.resolve(CFG_FILE), cfg);
    }

    private static void copyIfPresent(Map<String, Object> extra, String key, ObjectNode cfg) {
        if (extra.containsKey(key)) {
            cfg.set(key, CfgJson.fromJava(extra.get(key)));
        }
    }
}
