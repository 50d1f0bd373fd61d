package io.github.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A saprmarks/dictionary_learning trainer directory: {@code trainer_N/ae.pt} (a PyTorch zip of the
 * state_dict, read by {@link TorchZip}) or its safetensors re-save {@code ae.safetensors}, plus the
 * trainer's {@code config.json}. Four dictionary classes, as dictionary/trainers code defines them
 * (dictionary.py, trainers/top_k.py, trainers/batch_top_k.py):
 *
 * <ul>
 *   <li>{@code AutoEncoder}: {@code encoder.weight} [F, d], {@code encoder.bias} [F],
 *       {@code decoder.weight} [d, F], {@code bias} [d]; {@code f = relu(encoder(x − bias))},
 *       {@code x̂ = decoder(f) + bias}.</li>
 *   <li>{@code AutoEncoderTopK}: {@code encoder.*}, {@code decoder.weight}, {@code b_dec}, buffers
 *       {@code k} (int) and {@code threshold}; {@code f = topk_k(relu(encoder(x − b_dec)))} (the
 *       threshold is only used on request, so it is ignored).</li>
 *   <li>{@code BatchTopKSAE}: the same tensors; inference {@code f = relu(pre)·[relu(pre) > threshold]}
 *       with the scalar threshold (a negative one, never calibrated, acts as 0).</li>
 *   <li>{@code JumpReluAutoEncoder}: {@code W_enc} [d, F], {@code b_enc}, {@code W_dec} [F, d],
 *       {@code b_dec}, {@code threshold} [F]; {@code f = relu(pre·[pre > θ])} with
 *       {@code pre = x·W_enc + b_enc} (b_dec is not subtracted from the input, and that is not saved:
 *       the class's {@code apply_b_dec_to_input} is False).</li>
 * </ul>
 *
 * <p>{@code AutoEncoderTopK} and {@code BatchTopKSAE} save the same tensors, so {@code config.json}'s
 * {@code trainer.dict_class} decides between them (and is required for them). When present,
 * {@code trainer.activation_dim}, {@code dict_size} and {@code k} must match the weights;
 * {@code trainer.lm_name} becomes the model name and {@code trainer.submodule_name} the hook name, and
 * the whole config is kept in {@code extraConfig}.
 */
final class DictionaryLearningFormat implements SaeDirectoryFormat {
    static final String WEIGHTS_FILE = "ae.safetensors";
    static final String TORCH_FILE = "ae.pt";
    static final String CONFIG_FILE = "config.json";

    // config.json keys
    static final String K_TRAINER = "trainer";
    static final String K_DICT_CLASS = "dict_class";
    static final String K_ACTIVATION_DIM = "activation_dim";
    static final String K_DICT_SIZE = "dict_size";
    static final String K_K = "k";
    static final String K_LM_NAME = "lm_name";
    static final String K_SUBMODULE_NAME = "submodule_name";
    static final String DICT_CLASS_AUTOENCODER = "AutoEncoder";
    static final String DICT_CLASS_TOPK = "AutoEncoderTopK";
    static final String DICT_CLASS_BATCHTOPK = "BatchTopKSAE";
    static final String DICT_CLASS_JUMPRELU = "JumpReluAutoEncoder";

    // tensors
    static final String T_ENCODER_WEIGHT = "encoder.weight";
    static final String T_ENCODER_BIAS = "encoder.bias";
    static final String T_DECODER_WEIGHT = "decoder.weight";
    static final String T_BIAS = "bias";
    static final String T_B_DEC = "b_dec";
    static final String T_K = "k";
    static final String T_THRESHOLD = "threshold";
    static final String T_W_ENC = "W_enc";
    static final String T_B_ENC = "b_enc";
    static final String T_W_DEC = "W_dec";

    @Override
    public SaeFormat detect(Probe probe) throws IOException {
        if (probe.cfg() != null) {
            return null; // cfg.json belongs to SAELens or sparsify
        }
        Path weights = weightsFile(probe);
        if (weights == null) {
            return null;
        }
        WeightsFile w;
        try {
            w = SaeWeights.open(weights).tensors();
        } catch (FileFormatException notOurs) {
            if (weights.getFileName().toString().endsWith(".pt")) {
                throw notOurs; // a broken or refused PyTorch file: say why rather than "not recognised"
            }
            return null;
        }
        return tensorClass(w.names()) != null ? SaeFormat.DICTIONARY_LEARNING : null;
    }

    /**
     * Which class the tensor names belong to: one of the DICT_CLASS constants ({@code AutoEncoderTopK}
     * standing for both top-k classes), or null.
     */
    static String tensorClass(Set<String> names) {
        if (names.contains(T_ENCODER_WEIGHT) && names.contains(T_DECODER_WEIGHT)) {
            if (names.contains(T_BIAS)) {
                return DICT_CLASS_AUTOENCODER;
            }
            if (names.contains(T_B_DEC) && names.contains(T_K) && names.contains(T_THRESHOLD)) {
                return DICT_CLASS_TOPK;
            }
            return null;
        }
        if (names.containsAll(List.of(T_W_ENC, T_B_ENC, T_W_DEC, T_B_DEC, T_THRESHOLD))) {
            return DICT_CLASS_JUMPRELU;
        }
        return null;
    }

    /** The caller's file, {@code ae.safetensors}, {@code ae.pt}, or the only {@code *.safetensors}; null if none. */
    static Path weightsFile(Probe probe) throws IOException {
        if (probe.explicitWeights() != null) {
            return probe.explicitWeights();
        }
        for (String name : List.of(WEIGHTS_FILE, TORCH_FILE)) {
            Path p = probe.dir().resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(probe.dir(), "*.safetensors")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    found.add(p);
                }
            }
        }
        return found.size() == 1 ? found.get(0) : null;
    }

    @Override
    public LoadedSae load(Probe probe, SaeFormat format) throws IOException {
        Path weights = weightsFile(probe);
        if (weights == null) {
            throw new SaeFormatException(
                    probe.dir(), "no " + TORCH_FILE + " or " + WEIGHTS_FILE + " (or single *.safetensors file) here");
        }
        SaeWeights w = SaeWeights.open(weights);
        String tensorClass = tensorClass(w.tensors().names());
        if (tensorClass == null) {
            throw new SaeFormatException(
                    weights,
                    "holds tensors " + w.tensors().names() + ", which match none of the dictionary_learning classes "
                            + DICT_CLASS_AUTOENCODER + ", " + DICT_CLASS_TOPK + ", " + DICT_CLASS_BATCHTOPK + ", "
                            + DICT_CLASS_JUMPRELU);
        }

        String hookName = "";
        String modelName = "";
        String dictClass = null;
        CfgJson config = null;
        ObjectNode trainer = null;
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        Path configPath = probe.dir().resolve(CONFIG_FILE);
        if (Files.isRegularFile(configPath)) {
            config = CfgJson.read(configPath);
            trainer = config.optObject(K_TRAINER);
            if (trainer != null) {
                dictClass = config.optString(trainer, K_DICT_CLASS, null, K_TRAINER + ".");
                modelName = config.optString(trainer, K_LM_NAME, "", K_TRAINER + ".");
                hookName = config.optString(trainer, K_SUBMODULE_NAME, "", K_TRAINER + ".");
            }
            extra.putAll(CfgJson.toJavaMap(config.root, Set.of()));
        }
        if (dictClass == null) {
            if (tensorClass.equals(DICT_CLASS_TOPK)) {
                throw new SaeFormatException(
                        weights,
                        DICT_CLASS_TOPK + " and " + DICT_CLASS_BATCHTOPK + " save the same tensors; the trainer's "
                                + CONFIG_FILE + " (trainer.dict_class) must be beside the weights to say which");
            }
            dictClass = tensorClass;
        }
        boolean topkFamily = dictClass.equals(DICT_CLASS_TOPK) || dictClass.equals(DICT_CLASS_BATCHTOPK);
        if (!(dictClass.equals(tensorClass) || (topkFamily && tensorClass.equals(DICT_CLASS_TOPK)))) {
            throw new SaeFormatException(
                    configPath,
                    "trainer.dict_class = \"" + dictClass + "\" but the weights hold the tensors of a " + tensorClass
                            + (List.of(
                                                    DICT_CLASS_AUTOENCODER,
                                                    DICT_CLASS_TOPK,
                                                    DICT_CLASS_BATCHTOPK,
                                                    DICT_CLASS_JUMPRELU)
                                            .contains(dictClass)
                                    ? ""
                                    : " (saestitch reads " + DICT_CLASS_AUTOENCODER + ", " + DICT_CLASS_TOPK + ", "
                                            + DICT_CLASS_BATCHTOPK + " and " + DICT_CLASS_JUMPRELU + ")"));
        }

        List<String> notes = new ArrayList<>();
        Sae.SaeMetadata meta = new Sae.SaeMetadata(hookName, modelName, extra);
        Sae sae;
        if (dictClass.equals(DICT_CLASS_JUMPRELU)) {
            SaeWeights.Dims s = w.dims(T_W_ENC, "[activation_dim, dict_size]");
            int dIn = s.rows();
            int dSae = s.cols();
            String why = s.why();
            FloatMatrix wEnc = w.matrix(T_W_ENC, dIn, dSae, why);
            float[] bEnc = w.vector(T_B_ENC, dSae, why);
            FloatMatrix wDec = w.matrix(T_W_DEC, dSae, dIn, why);
            float[] bDec = w.vector(T_B_DEC, dIn, why);
            float[] threshold = w.vector(T_THRESHOLD, dSae, why);
            // relu(pre·[pre > θ]) = relu(pre) when θ < 0, which is also what θ = 0 gives: clamping is exact
            // and keeps the SAE writable as SAELens (which gates on threshold.relu()).
            int clamped = SaeWeights.clampNegative(threshold);
            if (clamped > 0) {
                notes.add(
                        clamped
                                + " negative thresholds set to 0 (the same function: relu(pre·[pre > θ]) = relu(pre) for θ < 0)");
            }
            checkDims(config, trainer, dIn, dSae);
            w.rejectUnexpected("dictionary_learning " + dictClass);
            sae = w.build(new Activation.JumpRelu(threshold), false, wEnc, bEnc, wDec, bDec, meta);
            notes.add("JumpReluAutoEncoder does not subtract b_dec from the input (apply_b_dec_to_input = false)");
        } else {
            String biasName = dictClass.equals(DICT_CLASS_AUTOENCODER) ? T_BIAS : T_B_DEC;
            SaeWeights.Linear lin = w.torchLinear(T_ENCODER_WEIGHT, T_ENCODER_BIAS, T_DECODER_WEIGHT, biasName);
            int dIn = lin.wEnc().rows();
            int dSae = lin.wEnc().cols();
            checkDims(config, trainer, dIn, dSae);
            Activation activation = new Activation.Relu();
            if (topkFamily) {
                long k = w.integer(T_K);
                if (k < 1 || k > dSae) {
                    throw new SaeFormatException(weights, "buffer k = " + k + " is not in [1, " + dSae + "]");
                }
                if (trainer != null
                        && trainer.get(K_K) != null
                        && !trainer.get(K_K).isNull()) {
                    long ck = config.integer(trainer, K_K, K_TRAINER + ".");
                    if (ck != k) {
                        throw config.error("trainer.k = " + ck + " but the weights' k buffer is " + k);
                    }
                }
                float threshold = w.scalar(T_THRESHOLD);
                if (dictClass.equals(DICT_CLASS_TOPK)) {
                    activation = new Activation.TopK((int) k);
                    notes.add("the threshold buffer (" + threshold
                            + ") is ignored: AutoEncoderTopK's forward pass is a per-token top-k");
                } else {
                    if (threshold < 0f) {
                        notes.add("threshold " + threshold + " was never calibrated; relu(pre) > " + threshold
                                + " keeps every positive value, which is threshold 0");
                        threshold = 0f;
                    }
                    activation = new Activation.BatchTopK((int) k, threshold);
                }
            }
            w.rejectUnexpected("dictionary_learning " + dictClass);
            sae = w.build(activation, true, lin.wEnc(), lin.bEnc(), lin.wDec(), lin.bDec(), meta);
            notes.add("W_enc is encoder.weight transposed, W_dec is decoder.weight transposed, b_dec is " + biasName);
        }
        notes.addAll(0, w.notes);
        notes.add(0, "dictionary_learning " + dictClass + " read from " + weights.getFileName());
        return new LoadedSae(sae, SaeFormat.DICTIONARY_LEARNING, probe.dir(), w.file(), notes);
    }

    private static void checkDims(CfgJson config, ObjectNode trainer, int dIn, int dSae) throws SaeFormatException {
        if (trainer != null) {
            checkDim(config, trainer, K_ACTIVATION_DIM, dIn);
            checkDim(config, trainer, K_DICT_SIZE, dSae);
        }
    }

    private static void checkDim(CfgJson config, ObjectNode trainer, String key, int actual) throws SaeFormatException {
        JsonNode n = trainer.get(key);
        if (n == null || n.isNull()) {
            return;
        }
        long v = config.integer(trainer, key, K_TRAINER + ".");
        if (v != actual) {
            throw config.error("trainer." + key + " = " + v + " but the weights have " + actual);
        }
    }
}
