package io.github.saestitch.io;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.InputNorm;
import io.github.saestitch.sae.Sae;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A state_dict of openai/sparse_autoencoder's {@code Autoencoder} saved with {@code torch.save} (the
 * published GPT-2 SAEs are such {@code .pt} files): {@code pre_bias} [d], {@code encoder.weight} [n, d]
 * (an {@code nn.Linear(d, n, bias=False)}), {@code latent_bias} [n], {@code decoder.weight} [d, n],
 * training statistics ({@code stats_last_nonzero}, {@code latents_activation_frequency},
 * {@code latents_mean_square}, ignored), and the strings {@code activation} ({@code "ReLU"} or
 * {@code "TopK"}) and {@code activation_state_dict} ({@code {k, postact_fn}} for TopK).
 *
 * <p>Forward pass (sparse_autoencoder/model.py): {@code latents = activation(encoder(x − pre_bias) +
 * latent_bias)}, {@code recons = decoder(latents) + pre_bias}; so a ReLU file loads as a SAELens-style
 * relu SAE with {@code W_enc = encoder.weightᵀ}, {@code W_dec = decoder.weightᵀ},
 * {@code b_dec = pre_bias}, {@code apply_b_dec_to_input = true}. TopK keeps the k largest
 * pre-activations and applies ReLU to them, which keeps the same latents as ReLU-then-top-k.
 *
 * <p>{@code Autoencoder.from_state_dict} turns on input normalisation exactly when the activation is
 * TopK (model.py's {@code LN}: each token centred and divided by its unbiased standard deviation + 1e-5,
 * the output scaled back by the standard deviation and shifted by the mean), so a TopK file loads as a
 * topk SAE with k from {@code activation_state_dict} and {@link InputNorm#LAYER_NORM}, which is the same
 * maths as SAELens's {@code normalize_activations: "layer_norm"}. Its {@code postact_fn} must be ReLU
 * (the published files' and the class's default).
 */
final class OpenAiFormat implements SaeDirectoryFormat {
    static final String T_PRE_BIAS = "pre_bias";
    static final String T_ENCODER_WEIGHT = "encoder.weight";
    static final String T_LATENT_BIAS = "latent_bias";
    static final String T_DECODER_WEIGHT = "decoder.weight";
    static final List<String> STATS =
            List.of("stats_last_nonzero", "latents_activation_frequency", "latents_mean_square");
    static final String K_ACTIVATION = "activation";
    static final String K_ACTIVATION_STATE = "activation_state_dict";

    @Override
    public SaeFormat detect(Probe probe) throws IOException {
        Path p = probe.explicitWeights();
        if (probe.cfg() != null || p == null || !TorchZip.looksLikeZip(p)) {
            return null;
        }
        Set<String> names = TorchZip.open(p).names();
        return names.containsAll(List.of(T_PRE_BIAS, T_ENCODER_WEIGHT, T_LATENT_BIAS, T_DECODER_WEIGHT))
                ? SaeFormat.OPENAI
                : null;
    }

    @Override
    public LoadedSae load(Probe probe, SaeFormat format) throws IOException {
        Path file = probe.explicitWeights();
        if (file == null) {
            throw new SaeFormatException(probe.dir(), "name the OpenAI sparse_autoencoder .pt file itself");
        }
        SaeWeights w = SaeWeights.open(file);
        if (!(w.tensors() instanceof TorchZip z)) {
            throw new SaeFormatException(file, "is not a PyTorch checkpoint");
        }
        Object act = z.value(K_ACTIVATION);
        String activationName = act == null ? "ReLU" : String.valueOf(act); // from_state_dict's default
        if (!activationName.equals("ReLU") && !activationName.equals("TopK")) {
            throw new SaeFormatException(
                    file, "activation = \"" + activationName + "\"; saestitch reads the ReLU and TopK autoencoders");
        }
        Activation activation = new Activation.Relu();
        InputNorm norm = InputNorm.NONE;
        if (activationName.equals("TopK")) {
            activation = new Activation.TopK(topK(file, z.value(K_ACTIVATION_STATE)));
            norm = InputNorm.LAYER_NORM;
        }
        SaeWeights.Linear lin = w.torchLinear(T_ENCODER_WEIGHT, T_LATENT_BIAS, T_DECODER_WEIGHT, T_PRE_BIAS);
        for (String stat : STATS) {
            if (w.has(stat)) {
                w.markUsed(stat);
            }
        }
        w.rejectUnexpected("OpenAI sparse_autoencoder");
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("openai_activation", activationName);
        if (norm != InputNorm.NONE && lin.bDec().length < 2) {
            throw new SaeFormatException(file, "layer_norm needs d >= 2, pre_bias has " + lin.bDec().length);
        }
        Sae sae = w.build(
                        activation,
                        true,
                        lin.wEnc(),
                        lin.bEnc(),
                        lin.wDec(),
                        lin.bDec(),
                        new Sae.SaeMetadata("", "", extra))
                .withInputNorm(norm);
        List<String> notes = new ArrayList<>(w.notes);
        notes.add(0, "OpenAI sparse_autoencoder Autoencoder (" + activationName + ") read from " + file.getFileName());
        notes.add(
                "W_enc is encoder.weight transposed, W_dec is decoder.weight transposed, b_enc is latent_bias, b_dec is"
                        + " pre_bias; the training statistics " + STATS + " are ignored");
        if (norm == InputNorm.LAYER_NORM) {
            notes.add("TopK with k = " + ((Activation.TopK) activation).k() + " from activation_state_dict; every"
                    + " input token is normalised as model.py's LN does (SAELens: normalize_activations = layer_norm)");
        }
        return new LoadedSae(sae, SaeFormat.OPENAI, probe.dir(), file, notes);
    }

    /** k of a TopK's {@code activation_state_dict} ({@code {k, postact_fn}}); postact_fn must be ReLU. */
    private static int topK(Path file, Object state) throws SaeFormatException {
        if (!(state instanceof Map<?, ?> m) || !(m.get("k") instanceof Long k) || k < 1 || k > Integer.MAX_VALUE) {
            throw new SaeFormatException(
                    file,
                    "activation = \"TopK\" needs activation_state_dict with a positive integer k, found " + state);
        }
        Object post = m.get("postact_fn");
        if (post != null && !"ReLU".equals(post)) {
            throw new SaeFormatException(
                    file, "TopK with postact_fn = \"" + post + "\"; saestitch reads TopK with ReLU only");
        }
        return k.intValue();
    }
}
