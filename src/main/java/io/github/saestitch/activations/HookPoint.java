package io.github.saestitch.activations;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where in the transformer activations are read: a block (layer, 0-based) and a site within it. Names
 * follow the TransformerLens / SAELens hook convention ({@code blocks.3.hook_resid_post}) so a store's
 * {@code hook_name} means the same as an SAELens {@code cfg.json}'s.
 *
 * <p>The models are post-LayerNorm BERT encoders, so every residual-stream site is the output of a
 * LayerNorm: {@link Site#RESID_POST} of block L is the block's output (the input of block L+1; for the last
 * block it is the model's own {@code last_hidden_state}); {@link Site#RESID_MID} is the stream between the
 * attention and MLP sub-layers (after the attention output's LayerNorm); {@link Site#RESID_PRE} of block 0
 * is the embedding output, and of block L &gt; 0 the same tensor as {@code RESID_POST} of block L-1.
 *
 * @param layer 0-based block index
 * @param site  the site within the block
 */
public record HookPoint(int layer, Site site) {
    private static final Pattern HOOK = Pattern.compile("blocks\\.(\\d+)\\.hook_(resid_pre|resid_mid|resid_post)");

    /** A site within a transformer block. */
    public enum Site {
        /** The block's input (for block 0: the embedding output). */
        RESID_PRE("resid_pre"),
        /** After the attention sub-layer's residual add and LayerNorm, before the MLP. */
        RESID_MID("resid_mid"),
        /** The block's output (after the MLP sub-layer's residual add and LayerNorm). */
        RESID_POST("resid_post");

        private final String id;

        Site(String id) {
            this.id = id;
        }

        /** The name used in hook names and manifests, e.g. {@code resid_post}. */
        public String id() {
            return id;
        }

        /** The site named {@code name} ({@code resid_pre}, {@code resid_mid}, {@code resid_post}; case-insensitive). */
        public static Site byName(String name) {
            String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            for (Site s : values()) {
                if (s.id.equals(n)) {
                    return s;
                }
            }
            throw new ActivationsException("unknown site '" + name + "'; valid sites: resid_pre (block input; "
                    + "block 0: the embedding output), resid_mid (after attention), resid_post (block output)");
        }
    }

    public HookPoint {
        if (site == null) {
            throw new NullPointerException("site");
        }
    }

    /** The output of block {@code layer}: the residual stream after it. */
    public static HookPoint residPost(int layer) {
        return new HookPoint(layer, Site.RESID_POST);
    }

    /** The embedding output (the residual stream before block 0). */
    public static HookPoint embeddings() {
        return new HookPoint(0, Site.RESID_PRE);
    }

    /**
     * Parses a hook: an SAELens-style name ({@code blocks.3.hook_resid_mid}), a bare layer number
     * ({@code 3}, meaning {@code resid_post}), or {@code embeddings}.
     */
    public static HookPoint parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("embeddings") || t.equals("embed") || t.equals("hook_embed")) {
            return embeddings();
        }
        Matcher m = HOOK.matcher(t);
        if (m.matches()) {
            return new HookPoint(Integer.parseInt(m.group(1)), Site.byName(m.group(2)));
        }
        if (t.matches("\\d+")) {
            return residPost(Integer.parseInt(t));
        }
        throw new ActivationsException("cannot read hook '" + text + "'; write a layer number (block output), "
                + "'embeddings', or blocks.L.hook_resid_pre|resid_mid|resid_post");
    }

    /** The SAELens-style hook name, e.g. {@code blocks.3.hook_resid_post}. */
    public String hookName() {
        return "blocks." + layer + ".hook_" + site.id;
    }

    /**
     * Checks that this hook exists in {@code model}.
     *
     * @throws ActivationsException naming the valid layers if it does not
     */
    public HookPoint validateFor(TransformerModel model) {
        if (layer < 0 || layer >= model.numLayers()) {
            throw new ActivationsException("layer " + layer + " does not exist in " + model.id() + ", which has "
                    + model.numLayers() + " layers: valid layers are 0.." + (model.numLayers() - 1)
                    + " (0-based; the embedding output is layer 0 with site resid_pre)");
        }
        return this;
    }

    /**
     * The node (in the HF-to-ONNX export naming these models share) whose output is this hook's tensor.
     * {@code RESID_PRE} of block L &gt; 0 resolves to block L-1's output.
     */
    String onnxNodeName() {
        return switch (site) {
            case RESID_PRE ->
                layer == 0
                        ? "/embeddings/LayerNorm/Add_1"
                        : "/encoder/layer." + (layer - 1) + "/output/LayerNorm/Add_1";
            case RESID_MID -> "/encoder/layer." + layer + "/attention/output/LayerNorm/Add_1";
            case RESID_POST -> "/encoder/layer." + layer + "/output/LayerNorm/Add_1";
        };
    }

    @Override
    public String toString() {
        return hookName();
    }
}
