package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a store manifest tells a trained SAE about its model, hook and inputs. */
class ActivationOriginTest {
    private static final StoreManifest.ModelInfo MINILM = new StoreManifest.ModelInfo(
            "minilm-l6", "sentence-transformers/all-MiniLM-L6-v2", "artifact", "sha", 6, 384);
    private static final StoreManifest.TokenizerInfo TOKENIZER =
            new StoreManifest.TokenizerInfo("tokenizer.json", "sha", 101, 102, 0);

    private static StoreManifest manifest(
            StoreManifest.ModelInfo model,
            String hook,
            StoreManifest.TokenizerInfo tok,
            StoreManifest.CorpusInfo corpus,
            int contextLength,
            boolean specialTokens) {
        return new StoreManifest(
                StoreManifest.FORMAT_VERSION,
                StoreManifest.KIND,
                model,
                3,
                "resid_post",
                hook,
                null,
                "float32",
                384,
                0,
                -1,
                false,
                tok,
                corpus,
                contextLength,
                specialTokens,
                0,
                true,
                8,
                65536,
                tok != null,
                List.of(),
                new StoreManifest.Resume(0, 0, 0),
                "t",
                "t");
    }

    @Test
    void anExtractedStoreKnowsEverything() {
        StoreManifest m = manifest(
                MINILM,
                "blocks.3.hook_resid_post",
                TOKENIZER,
                new StoreManifest.CorpusInfo("brown", "nltk-brown@1", "fp", 500),
                128,
                false);
        assertThat(ActivationOrigin.of(m))
                .isEqualTo(new ActivationOrigin(
                        "sentence-transformers/all-MiniLM-L6-v2",
                        "blocks.3.hook_resid_post",
                        128,
                        "nltk-brown@1",
                        true,
                        List.of(101, 102)));
        // Kept [CLS]/[SEP] rows: nothing left out.
        assertThat(ActivationOrigin.of(manifest(
                                MINILM,
                                "blocks.3.hook_resid_post",
                                TOKENIZER,
                                new StoreManifest.CorpusInfo("text", "/data/t.txt", "fp", 1),
                                32,
                                true))
                        .excludedTokenIds())
                .isEmpty();
    }

    @Test
    void anImportKnowsOnlyWhatItWasTold() {
        StoreManifest.CorpusInfo npy = new StoreManifest.CorpusInfo("npy", "/data/acts.npy", "fp", 0);
        // Neither --model nor --hook: nothing known.
        assertThat(ActivationOrigin.of(manifest(null, "unknown", null, npy, 0, false)))
                .isNull();
        // --hook only: the hook; the imported file is not a text corpus, the windows are unknown.
        assertThat(ActivationOrigin.of(manifest(null, "blocks.5.hook_resid_pre", null, npy, 0, false)))
                .isEqualTo(new ActivationOrigin(null, "blocks.5.hook_resid_pre", 0, null, null, null));
        // --model with --token-ids: the model, still no window facts.
        assertThat(ActivationOrigin.of(manifest(MINILM, "unknown", TOKENIZER, npy, 0, false)))
                .isEqualTo(new ActivationOrigin("sentence-transformers/all-MiniLM-L6-v2", null, 0, null, null, null));
    }

    @Test
    void aModelWithoutAnOriginalNameIsNamedByItsId() {
        StoreManifest.ModelInfo noHf = new StoreManifest.ModelInfo("minilm-l6", null, "artifact", "sha", 6, 384);
        assertThat(ActivationOrigin.of(manifest(noHf, "unknown", null, null, 0, false))
                        .modelName())
                .isEqualTo("minilm-l6");
    }
}
