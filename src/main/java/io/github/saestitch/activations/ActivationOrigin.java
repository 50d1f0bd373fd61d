package io.github.saestitch.activations;

import java.util.List;

/**
 * Where a set's activations were read, as far as the set records it: what an SAE trained on them needs to
 * be attached to the model again (model, hook) and how the model was fed (window length, corpus, special
 * tokens). An activation store knows it from its manifest ({@link #of(StoreManifest)}); a {@code .npy} file
 * or an in-memory matrix knows nothing, and its {@link ActivationSet#origin()} is null.
 *
 * @param modelName        the transformer's original name, e.g. {@code sentence-transformers/all-MiniLM-L6-v2}
 *                         (null: unknown)
 * @param hookName         the SAELens-style hook, e.g. {@code blocks.3.hook_resid_post} (null: unknown)
 * @param contextLength    tokens per model input window, {@code [CLS]} and {@code [SEP]} included (0: unknown)
 * @param corpus           the text the windows were cut from, as the store names it: a file, a directory, or
 *                         {@code package@version} for the bundled Brown corpus (null: unknown)
 * @param windowsStartWithCls whether every model input window began with the tokenizer's {@code [CLS]}
 *                         (null: unknown)
 * @param excludedTokenIds the token ids whose rows the set leaves out: the {@code [CLS]} and {@code [SEP]} ids
 *                         of a store that did not keep them, empty for one that did (null: unknown)
 */
public record ActivationOrigin(
        String modelName,
        String hookName,
        int contextLength,
        String corpus,
        Boolean windowsStartWithCls,
        List<Integer> excludedTokenIds) {

    /** The {@code corpus.kind} of an imported store, whose {@code corpus.source} is the imported file. */
    static final String IMPORTED_CORPUS_KIND = "npy";

    /** The hook name an import without {@code --hook} records. */
    static final String UNKNOWN_HOOK = "unknown";

    public ActivationOrigin {
        excludedTokenIds = excludedTokenIds == null ? null : List.copyOf(excludedTokenIds);
    }

    /**
     * What {@code m} records: everything for a store extracted from a model, the model (when named) and the
     * hook (when given) for an import; null when the manifest names neither a model, a hook nor a corpus.
     */
    public static ActivationOrigin of(StoreManifest m) {
        String model = null;
        if (m.model() != null) {
            String hf = m.model().hfName();
            model = hf != null && !hf.isBlank() ? hf : m.model().id();
        }
        String hook = m.hookName();
        if (hook == null || hook.isBlank() || hook.equals(UNKNOWN_HOOK)) {
            hook = null;
        }
        String corpus =
                m.corpus() == null || IMPORTED_CORPUS_KIND.equals(m.corpus().kind())
                        ? null
                        : m.corpus().source();
        // Extracted by this project: the windows are [CLS] tokens [SEP] (see WindowBatcher). Imports record
        // no window length and may hold anything.
        boolean extracted = m.model() != null && m.tokenizer() != null && m.contextLength() > 0;
        if (model == null && hook == null && corpus == null) {
            return null;
        }
        return new ActivationOrigin(
                model,
                hook,
                extracted ? m.contextLength() : 0,
                corpus,
                extracted ? Boolean.TRUE : null,
                extracted
                        ? (m.specialTokens()
                                ? List.of()
                                : List.of(m.tokenizer().clsId(), m.tokenizer().sepId()))
                        : null);
    }
}
