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
 * saprmarks/dictionary_learning {@code AutoEncoder} weights exported from {@code ae.pt} to safetensors
 * (the library itself saves torch pickles, which saestitch does not read): {@code encoder.weight} [F, d]
 * and {@code encoder.bias} [F] (an {@code nn.Linear(d, F)}), {@code decoder.weight} [d, F] (an
 * {@code nn.Linear(F, d, bias=False)}) and {@code bias} [d].
 *
 * <p>Forward pass ({@code AutoEncoder.encode}/{@code decode}): {@code f = relu(encoder(x − bias))},
 * {@code x̂ = decoder(f) + bias}. So it loads as a ReLU SAE with {@code apply_b_dec_to_input = true},
 * {@code W_enc = encoder.weightᵀ}, {@code W_dec = decoder.weightᵀ}, {@code b_dec = bias}.
 *
 * <p>The weights file is the one named by the caller, else {@code ae.safetensors}, else the only
 * {@code *.safetensors} in the directory. The training {@code config.json} beside it is optional; when
 * present its {@code trainer.dict_class} must be {@code AutoEncoder}, {@code trainer.activation_dim} and
 * {@code trainer.dict_size} must match the tensors, {@code trainer.lm_name} becomes the model name and
 * {@code trainer.submodule_name} the hook name, and its keys are kept in {@code extraConfig}.
 * Other dictionary classes (TopK, BatchTopK, JumpReLU, gated) are refused.
 */
final class DictionaryLearningFormat implements SaeDirectoryFormat {
    static final String WEIGHTS_FILE = "ae.safetensors";
    static final String CONFIG_FILE = "config.json";

    // config.json keys
    static final String K_TRAINER = "trainer";
    static final String K_DICT_CLASS = "dict_class";
    static final String K_ACTIVATION_DIM = "activation_dim";
    static final String K_DICT_SIZE = "dict_size";
    static final String K_LM_NAME = "lm_name";
    static final String K_SUBMODULE_NAME = "submodule_name";
    static final String DICT_CLASS_AUTOENCODER = "AutoEncoder";

    // tensors
    static final String T_ENCODER_WEIGHT = "encoder.weight";
    static final String T_ENCODER_BIAS = "encoder.bias";
    static final String T_DECODER_WEIGHT = "decoder.weight";
    static final String T_BIAS = "bias";

    @Override
    public SaeFormat detect(Probe probe) throws IOException {
        if (probe.cfg() != null) {
            return null; // cfg.json belongs to SAELens or sparsify
        }
        Path weights = weightsFile(probe);
        if (weights == null) {
            return null;
        }
        try (SafeTensors st = SafeTensors.open(weights)) {
            Set<String> names = st.names();
            return names.contains(T_ENCODER_WEIGHT) && names.contains(T_DECODER_WEIGHT) && names.contains(T_BIAS)
                    ? SaeFormat.DICTIONARY_LEARNING
                    : null;
        } catch (FileFormatException notSafetensors) {
            return null;
        }
    }

    /** The caller's file, {@code ae.safetensors}, or the only {@code *.safetensors}; null if none or several. */
    static Path weightsFile(Probe probe) throws IOException {
        if (probe.explicitWeights() != null) {
            return probe.explicitWeights();
        }
        Path ae = probe.dir().resolve(WEIGHTS_FILE);
        if (Files.isRegularFile(ae)) {
            return ae;
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
            throw new SaeFormatException(probe.dir(), "no " + WEIGHTS_FILE + " (or single *.safetensors file) here");
        }
        SaeWeights w = SaeWeights.open(weights);
        SafeTensors.TensorInfo enc = encoderInfo(w);
        int dSae = (int) enc.shape()[0];
        int dIn = (int) enc.shape()[1];

        String hookName = "";
        String modelName = "";
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        Path configPath = probe.dir().resolve(CONFIG_FILE);
        if (Files.isRegularFile(configPath)) {
            CfgJson config = CfgJson.read(configPath);
            ObjectNode trainer = config.optObject(K_TRAINER);
            if (trainer != null) {
                String dictClass = config.optString(trainer, K_DICT_CLASS, DICT_CLASS_AUTOENCODER, K_TRAINER + ".");
                if (!dictClass.equals(DICT_CLASS_AUTOENCODER)) {
                    throw config.error("trainer.dict_class = \"" + dictClass + "\" is not supported (only "
                            + DICT_CLASS_AUTOENCODER + ", the ReLU autoencoder)");
                }
                checkDim(config, trainer, K_ACTIVATION_DIM, dIn);
                checkDim(config, trainer, K_DICT_SIZE, dSae);
                modelName = config.optString(trainer, K_LM_NAME, "", K_TRAINER + ".");
                hookName = config.optString(trainer, K_SUBMODULE_NAME, "", K_TRAINER + ".");
            }
            extra.putAll(CfgJson.toJavaMap(config.root, Set.of()));
        }

        String why = T_ENCODER_WEIGHT + " is [" + dSae + ", " + dIn + "]";
        FloatMatrix encoder = w.matrix(T_ENCODER_WEIGHT, dSae, dIn, why);
        float[] bEnc = w.vector(T_ENCODER_BIAS, dSae, why);
        FloatMatrix decoder = w.matrix(T_DECODER_WEIGHT, dIn, dSae, why); // nn.Linear(F, d): [d, F]
        float[] bias = w.vector(T_BIAS, dIn, why);
        w.rejectUnexpected("dictionary_learning AutoEncoder");
        Sae sae = w.build(
                new Activation.Relu(),
                true,
                encoder.transpose(),
                bEnc,
                decoder.transpose(),
                bias,
                new Sae.SaeMetadata(hookName, modelName, extra));
        List<String> notes = new ArrayList<>(w.notes);
        notes.add("W_enc is encoder.weight transposed, W_dec is decoder.weight transposed, b_dec is bias");
        return new LoadedSae(sae, SaeFormat.DICTIONARY_LEARNING, probe.dir(), w.file(), notes);
    }

    private static SafeTensors.TensorInfo encoderInfo(SaeWeights w) throws SaeFormatException {
        if (!w.has(T_ENCODER_WEIGHT)) {
            throw new SaeFormatException(
                    w.file(),
                    "missing tensor \"" + T_ENCODER_WEIGHT + "\" (the file has "
                            + w.tensors().names() + ")");
        }
        SafeTensors.TensorInfo t;
        try {
            t = w.tensors().info(T_ENCODER_WEIGHT);
        } catch (FileFormatException e) {
            throw new SaeFormatException(w.file(), e.problem(), e);
        }
        long[] s = t.shape();
        if (s.length != 2 || s[0] <= 0 || s[1] <= 0 || s[0] > Integer.MAX_VALUE || s[1] > Integer.MAX_VALUE) {
            throw new SaeFormatException(
                    w.file(),
                    "tensor \"" + T_ENCODER_WEIGHT + "\" has shape " + java.util.Arrays.toString(s)
                            + "; expected [dict_size, activation_dim]");
        }
        return t;
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

    @Override
    public boolean writes(SaeFormat format) {
        return false;
    }

    @Override
    public void write(Sae sae, Path dir) throws IOException {
        throw new SaeFormatException(dir, "saestitch does not write dictionary_learning files (save as saelens)");
    }
}
