package io.github.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * EleutherAI sparsify directories ({@code SparseCoder.save_to_disk}): {@code cfg.json} holding the
 * {@code SparseCoderConfig} fields plus {@code d_in}, and {@code sae.safetensors} with
 * {@code encoder.weight} [F, d] and {@code encoder.bias} [F] (an {@code nn.Linear(d, F)}), {@code W_dec}
 * [F, d] and {@code b_dec} [d].
 *
 * <p>Forward pass (sparsify {@code SparseCoder.encode}/{@code decode}, {@code fused_encoder}): unless the
 * coder is a transcoder, {@code x − b_dec} is encoded; pre-activations are {@code relu(x·encoder.weightᵀ +
 * encoder.bias)}, the top {@code k} are kept per token, and the output is {@code acts·W_dec + b_dec}. So
 * it loads as a TopK SAE with {@code apply_b_dec_to_input = true} and {@code W_enc = encoder.weightᵀ}.
 * The number of latents is {@code num_latents}, or {@code d_in · expansion_factor} when that is 0; the
 * writer sets {@code num_latents} and, when it divides evenly, {@code expansion_factor}.
 *
 * <p>Refused: transcoders ({@code transcode: true}), skip connections ({@code skip_connection},
 * {@code W_skip}), {@code groupmax} activation and the old {@code signed} option; saving an SAE that is not
 * TopK or does not subtract b_dec (sparsify has no way to say so).
 *
 * <p>sparsify keeps no hook or model name in {@code cfg.json} (the hookpoint is the directory name, the
 * model is in the training run's {@code config.json} one level up). This class reads them from there
 * and writes them as extra {@code hook_name}/{@code model_name} keys, which sparsify's
 * {@code from_dict(..., drop_extra_fields=True)} ignores.
 */
final class SparsifyFormat implements SaeDirectoryFormat {
    static final String CFG_FILE = "cfg.json";
    static final String WEIGHTS_FILE = "sae.safetensors";
    static final String RUN_CONFIG_FILE = "config.json";

    // cfg.json keys
    static final String K_D_IN = "d_in";
    static final String K_K = "k";
    static final String K_NUM_LATENTS = "num_latents";
    static final String K_EXPANSION_FACTOR = "expansion_factor";
    static final String K_ACTIVATION = "activation";
    static final String K_TRANSCODE = "transcode";
    static final String K_SKIP_CONNECTION = "skip_connection";
    static final String K_SIGNED = "signed";
    static final String K_HOOK_NAME = "hook_name";
    static final String K_MODEL_NAME = "model_name";
    static final String K_FORMAT_VERSION = "saestitch_format_version";
    /** The training run's {@code config.json} key naming the model. */
    static final String RUN_K_MODEL = "model";
    /** The training run's {@code config.json} key listing the hookpoint folders. */
    static final String RUN_K_HOOKPOINTS = "hookpoints";

    // tensors
    static final String T_ENCODER_WEIGHT = "encoder.weight";
    static final String T_ENCODER_BIAS = "encoder.bias";
    static final String T_W_DEC = "W_dec";
    static final String T_B_DEC = "b_dec";

    static final String ACTIVATION_TOPK = "topk";

    @Override
    public SaeFormat detect(Probe probe) {
        return probe.cfg() != null && Files.isRegularFile(probe.weights(WEIGHTS_FILE)) ? SaeFormat.SPARSIFY : null;
    }

    @Override
    public LoadedSae load(Probe probe, SaeFormat format) throws IOException {
        CfgJson c = probe.cfg();
        if (c == null) {
            throw new SaeFormatException(probe.dir().resolve(CFG_FILE), "file not found");
        }
        int dIn = c.requirePositiveInt(K_D_IN);
        int k = c.requirePositiveInt(K_K);
        String activationName = c.optString(K_ACTIVATION, ACTIVATION_TOPK);
        if (!activationName.equals(ACTIVATION_TOPK)) {
            throw c.error("activation \"" + activationName + "\" is not supported (only topk)");
        }
        if (c.optBoolean(K_TRANSCODE, false)) {
            throw c.error("transcode = true: this is a transcoder, not an SAE");
        }
        if (c.optBoolean(K_SKIP_CONNECTION, false)) {
            throw c.error("skip_connection = true: saestitch SAEs have no linear skip connection");
        }
        if (c.optBoolean(K_SIGNED, false)) {
            throw c.error("signed = true: saestitch SAEs have non-negative activations");
        }
        long numLatents = c.optLong(K_NUM_LATENTS, 0);
        int dSae;
        if (numLatents > 0) {
            if (numLatents > Integer.MAX_VALUE) {
                throw c.error("num_latents = " + numLatents + " is too large");
            }
            dSae = (int) numLatents;
        } else if (numLatents == 0 && c.has(K_EXPANSION_FACTOR)) {
            int factor = c.requirePositiveInt(K_EXPANSION_FACTOR);
            dSae = Math.multiplyExact(dIn, factor);
        } else {
            throw c.error(
                    numLatents < 0
                            ? "num_latents = " + numLatents + " is negative"
                            : "missing required key \"num_latents\" (or \"expansion_factor\")");
        }
        if (k > dSae) {
            throw c.error("k = " + k + " exceeds the number of latents " + dSae);
        }

        SaeWeights w = SaeWeights.open(probe.weights(WEIGHTS_FILE));
        String why = "cfg.json has d_in = " + dIn + " and " + dSae + " latents";
        FloatMatrix encoder = w.matrix(T_ENCODER_WEIGHT, dSae, dIn, why); // nn.Linear weight: [out, in]
        float[] bEnc = w.vector(T_ENCODER_BIAS, dSae, why);
        FloatMatrix wDec = w.matrix(T_W_DEC, dSae, dIn, why);
        float[] bDec = w.vector(T_B_DEC, dIn, why);
        w.rejectUnexpected("sparsify");

        String hookName = c.optString(
                K_HOOK_NAME,
                probe.dir().getFileName() == null
                        ? ""
                        : probe.dir().getFileName().toString());
        String modelName = c.optString(K_MODEL_NAME, runModelName(probe.dir()));
        Set<String> consumed = new HashSet<>(List.of(
                K_D_IN,
                K_K,
                K_NUM_LATENTS,
                K_EXPANSION_FACTOR,
                K_ACTIVATION,
                K_TRANSCODE,
                K_SKIP_CONNECTION,
                K_SIGNED,
                K_HOOK_NAME,
                K_MODEL_NAME,
                K_FORMAT_VERSION));
        Map<String, Object> extra = CfgJson.toJavaMap(c.root, consumed);
        Sae sae = w.build(
                new Activation.TopK(k),
                true,
                encoder.transpose(),
                bEnc,
                wDec,
                bDec,
                new Sae.SaeMetadata(hookName, modelName, extra));
        List<String> notes = new java.util.ArrayList<>(w.notes);
        notes.add("W_enc is encoder.weight transposed");
        return new LoadedSae(sae, SaeFormat.SPARSIFY, probe.dir(), w.file(), notes);
    }

    /** The {@code model} of the training run's {@code config.json} one level up, or "". */
    private static String runModelName(Path dir) {
        Path parent = dir.getParent();
        Path run = parent == null ? null : parent.resolve(RUN_CONFIG_FILE);
        if (run == null || !Files.isRegularFile(run)) {
            return "";
        }
        try {
            JsonNode model = CfgJson.read(run).root.get(RUN_K_MODEL);
            return model != null && model.isTextual() ? model.textValue() : "";
        } catch (IOException unreadable) {
            // Only a convenience for the model name; the SAE itself does not depend on it.
            return "";
        }
    }

    @Override
    public boolean writes(SaeFormat format) {
        return format == SaeFormat.SPARSIFY;
    }

    /**
     * Writes the layout sparsify's trainer saves and its {@code SparseCoder.load_from_disk} and SAELens's
     * sparsify loader read: a run folder {@code dir} with {@code config.json} ({@code model},
     * {@code hookpoints}) and one hookpoint folder {@code dir/<hookpoint>/} holding {@code cfg.json} and
     * {@code sae.safetensors}. The hookpoint is {@link #hookpoint}.
     */
    @Override
    public void write(Sae sae, Path dir) throws IOException {
        requireWritable(sae, dir);
        String hp = hookpoint(sae.metadata().hookName());
        Path layer = Files.createDirectories(dir.resolve(hp));
        writeHookpoint(sae, layer);
        ObjectNode run = JsonNodeFactory.instance.objectNode();
        run.put(RUN_K_MODEL, sae.metadata().modelName());
        run.putArray(RUN_K_HOOKPOINTS).add(hp);
        run.put(K_FORMAT_VERSION, SaeLensFormat.SAESTITCH_FORMAT_VERSION);
        CfgJson.write(dir.resolve(RUN_CONFIG_FILE), run);
    }

    /**
     * The hookpoint folder name for a hook: a sparsify hookpoint ({@code layers.N...}) as is; TransformerLens's
     * {@code blocks.N.hook_resid_post} as {@code layers.N} (the residual stream after block N, the output of
     * the HF module sparsify hooks; SAELens's sparsify loader maps {@code layers.N} back to exactly that hook);
     * any other hook made of safe file-name characters as is; no hook: {@code sae}.
     */
    static String hookpoint(String hookName) {
        java.util.regex.Matcher m = RESID_POST.matcher(hookName);
        if (m.matches()) {
            return "layers." + m.group(1);
        }
        return hookName.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}") ? hookName : "sae";
    }

    private static final java.util.regex.Pattern RESID_POST =
            java.util.regex.Pattern.compile("blocks\\.(\\d+)\\.hook_resid_post");

    /** Refuses what sparsify cannot hold, naming the folder the user asked for. */
    private static void requireWritable(Sae sae, Path dir) throws SaeFormatException {
        if (!(sae.activation() instanceof Activation.TopK)) {
            throw new SaeFormatException(
                    dir,
                    "sparsify stores only TopK SAEs; this one is "
                            + sae.activation().name() + " (save it as saelens)");
        }
        if (!sae.applyBDecToInput()) {
            throw new SaeFormatException(
                    dir,
                    "sparsify always subtracts b_dec from the input; this SAE has "
                            + "apply_b_dec_to_input = false (save it as saelens)");
        }
        if (sae.inputNorm() != io.github.saestitch.sae.InputNorm.NONE) {
            throw new SaeFormatException(
                    dir,
                    "sparsify has no input normalisation; this SAE normalises its input with "
                            + sae.inputNorm().id() + " (save it as saelens)");
        }
    }

    /** {@code cfg.json} + {@code sae.safetensors} of one hookpoint, straight into {@code dir}. */
    private static void writeHookpoint(Sae sae, Path dir) throws IOException {
        Activation.TopK topk = (Activation.TopK) sae.activation(); // checked by requireWritable
        Map<String, Object> extra = new LinkedHashMap<>(sae.metadata().extraConfig());
        ObjectNode cfg = JsonNodeFactory.instance.objectNode();
        cfg.put(K_ACTIVATION, ACTIVATION_TOPK);
        if (sae.numLatents() % sae.dIn() == 0) {
            cfg.put(K_EXPANSION_FACTOR, sae.numLatents() / sae.dIn());
        }
        cfg.put(K_NUM_LATENTS, sae.numLatents());
        cfg.put(K_K, topk.k());
        Set<String> written = Set.of(
                K_ACTIVATION,
                K_EXPANSION_FACTOR,
                K_NUM_LATENTS,
                K_K,
                K_TRANSCODE,
                K_SKIP_CONNECTION,
                K_SIGNED,
                K_D_IN,
                K_HOOK_NAME,
                K_MODEL_NAME,
                K_FORMAT_VERSION);
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            if (!written.contains(e.getKey()) && !cfg.has(e.getKey())) {
                cfg.set(e.getKey(), CfgJson.fromJava(e.getValue()));
            }
        }
        cfg.put(K_SKIP_CONNECTION, false);
        cfg.put(K_TRANSCODE, false);
        cfg.put(K_D_IN, sae.dIn());
        cfg.put(K_HOOK_NAME, sae.metadata().hookName()); // even empty: the folder name is not the hook then
        if (!sae.metadata().modelName().isEmpty()) {
            cfg.put(K_MODEL_NAME, sae.metadata().modelName());
        }
        cfg.put(K_FORMAT_VERSION, SaeLensFormat.SAESTITCH_FORMAT_VERSION);

        List<SafeTensors.Tensor> tensors = List.of(
                SafeTensors.Tensor.f32(T_ENCODER_WEIGHT, sae.wEnc().transpose()),
                SafeTensors.Tensor.f32(T_ENCODER_BIAS, sae.bEnc()),
                SafeTensors.Tensor.f32(T_W_DEC, sae.wDec()),
                SafeTensors.Tensor.f32(T_B_DEC, sae.bDec()));
        SafeTensors.writeDirect(dir.resolve(WEIGHTS_FILE), SaeFormats.weightsMetadata(), tensors);
        CfgJson.write(dir.resolve(CFG_FILE), cfg);
    }
}
