package io.github.saestitch.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The SAE directory layouts saestitch reads and writes; {@link SaeFormats} detects which one a directory is. */
public enum SaeFormat {
    /** SAELens 6.x: {@code cfg.json} with a nested {@code metadata} object, {@code sae_weights.safetensors}. */
    SAELENS("saelens", "SAELens v6 (cfg.json + sae_weights.safetensors)", true),
    /**
     * SAELens before 6.0: flat {@code cfg.json} ({@code hook_point}/{@code hook_name}, {@code activation_fn_str}...).
     */
    SAELENS_LEGACY("saelens-legacy", "SAELens before 6.0 (flat cfg.json + sae_weights.safetensors)", false),
    /** EleutherAI sparsify: {@code cfg.json} + {@code sae.safetensors} with {@code encoder.weight} [F, d]. */
    SPARSIFY("sparsify", "EleutherAI sparsify (cfg.json + sae.safetensors)", true),
    /** saprmarks/dictionary_learning AutoEncoder, AutoEncoderTopK, BatchTopKSAE or JumpReluAutoEncoder. */
    DICTIONARY_LEARNING(
            "dictionary-learning",
            "dictionary_learning trainer directory (ae.pt or ae.safetensors + config.json)",
            false),
    /** openai/sparse_autoencoder {@code Autoencoder} state_dict saved with {@code torch.save} (a .pt file). */
    OPENAI("openai", "OpenAI sparse_autoencoder state_dict (.pt)", false);

    private final String id;
    private final String description;
    private final boolean writable;

    SaeFormat(String id, String description, boolean writable) {
        this.id = id;
        this.description = description;
        this.writable = writable;
    }

    /** Short name for command lines and reports, e.g. {@code saelens}. */
    public String id() {
        return id;
    }

    /** One line saying what the layout is. */
    public String description() {
        return description;
    }

    /** Whether saestitch can save in this format (SAELens v6 and sparsify). */
    public boolean writable() {
        return writable;
    }

    /**
     * The format with this {@link #id()} (case-insensitive; {@code _} and {@code -} interchangeable).
     *
     * @throws IllegalArgumentException listing the known ids
     */
    public static SaeFormat byId(String id) {
        String norm = id.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        for (SaeFormat f : values()) {
            if (f.id.equals(norm)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown SAE format \"" + id + "\" (known: "
                + Arrays.stream(values()).map(SaeFormat::id).collect(Collectors.joining(", ")) + ")");
    }
}
