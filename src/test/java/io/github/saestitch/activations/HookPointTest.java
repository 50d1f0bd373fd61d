package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HookPointTest {

    @Test
    void parsesLayerNumbersHookNamesAndEmbeddings() {
        assertThat(HookPoint.parse("3")).isEqualTo(HookPoint.residPost(3));
        assertThat(HookPoint.parse("blocks.2.hook_resid_mid")).isEqualTo(new HookPoint(2, HookPoint.Site.RESID_MID));
        assertThat(HookPoint.parse("embeddings")).isEqualTo(new HookPoint(0, HookPoint.Site.RESID_PRE));
        assertThat(HookPoint.residPost(4).hookName()).isEqualTo("blocks.4.hook_resid_post");
        assertThatThrownBy(() -> HookPoint.parse("layer three"))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("blocks.L.hook_resid_pre|resid_mid|resid_post");
    }

    @Test
    void unknownLayerListsTheValidOnes() {
        assertThatThrownBy(() -> HookPoint.residPost(6).validateFor(TransformerModel.MINILM_L6))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("layer 6 does not exist in minilm-l6")
                .hasMessageContaining("valid layers are 0..5");
        assertThat(HookPoint.residPost(11)
                        .validateFor(TransformerModel.BGE_SMALL)
                        .layer())
                .isEqualTo(11);
    }

    @Test
    void unknownModelListsTheValidOnes() {
        assertThatThrownBy(() -> TransformerModel.byName("gpt2"))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("unknown model 'gpt2'")
                .hasMessageContaining("minilm-l6 (6 layers, d=384)")
                .hasMessageContaining("bge-small (12 layers")
                .hasMessageContaining("e5-small (12 layers");
        assertThat(TransformerModel.byName("all-MiniLM-L6-v2")).isEqualTo(TransformerModel.MINILM_L6);
        assertThat(TransformerModel.byName("BAAI/bge-small-en-v1.5")).isEqualTo(TransformerModel.BGE_SMALL);
    }

    @Test
    void residPreOfALaterBlockIsThePreviousBlocksOutput() {
        assertThat(new HookPoint(3, HookPoint.Site.RESID_PRE).onnxNodeName())
                .isEqualTo(HookPoint.residPost(2).onnxNodeName());
        assertThat(HookPoint.embeddings().onnxNodeName()).isEqualTo("/embeddings/LayerNorm/Add_1");
    }
}
