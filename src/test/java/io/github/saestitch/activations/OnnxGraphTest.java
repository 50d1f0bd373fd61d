package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OnnxGraphTest {
    private static byte[] model;
    private static OnnxGraph graph;

    @BeforeAll
    static void load() {
        model = TransformerModel.MINILM_L6.readOnnx();
        graph = OnnxGraph.parse(model);
    }

    @Test
    void readsTheShippedGraph() {
        assertThat(graph.inputs()).containsExactly("input_ids", "attention_mask", "token_type_ids");
        assertThat(graph.outputs()).containsExactly("last_hidden_state");
        assertThat(graph.node("/encoder/layer.3/output/LayerNorm/Add_1").outputs())
                .containsExactly("/encoder/layer.3/output/LayerNorm/Add_1_output_0");
        assertThat(graph.node("/encoder/layer.5/output/LayerNorm/Add_1").outputs())
                .containsExactly("last_hidden_state");
        assertThat(graph.node("/embeddings/LayerNorm/Add_1")).isNotNull();
        assertThat(graph.node("/encoder/layer.0/attention/output/LayerNorm/Add_1"))
                .isNotNull();
    }

    @Test
    void appendsOutputsAndKeepsEverythingElse() {
        String mid = "/encoder/layer.2/attention/output/LayerNorm/Add_1_output_0";
        byte[] edited = OnnxGraph.withOutputs(model, List.of("last_hidden_state", mid), false);
        OnnxGraph g = OnnxGraph.parse(edited);
        assertThat(g.outputs()).containsExactly("last_hidden_state", mid);
        assertThat(g.nodes()).isEqualTo(graph.nodes());
        assertThat(g.inputs()).isEqualTo(graph.inputs());
        // Only the new ValueInfoProto and the graph's length prefix were added.
        assertThat(edited.length - model.length).isBetween(mid.length() + 4, mid.length() + 10);
    }

    @Test
    void prunesNodesTheOutputsDoNotNeed() {
        String l1 = "/encoder/layer.1/output/LayerNorm/Add_1_output_0";
        OnnxGraph g = OnnxGraph.parse(OnnxGraph.withOutputs(model, List.of(l1), true));
        assertThat(g.outputs()).containsExactly(l1);
        assertThat(g.nodes().size()).isLessThan(graph.nodes().size() / 2);
        assertThat(g.nodes()).noneMatch(n -> n.name().startsWith("/encoder/layer.2/"));
        assertThat(g.inputs()).isEqualTo(graph.inputs());
        // The last layer needs every node.
        OnnxGraph all = OnnxGraph.parse(OnnxGraph.withOutputs(model, List.of("last_hidden_state"), true));
        assertThat(all.nodes()).hasSameSizeAs(graph.nodes());
    }

    @ParameterizedTest
    @EnumSource(TransformerModel.class)
    void everyHookOfEveryModelResolvesToATensor(TransformerModel m) {
        OnnxGraph g = m == TransformerModel.MINILM_L6 ? graph : OnnxGraph.parse(m.readOnnx());
        for (int layer = 0; layer < m.numLayers(); layer++) {
            for (HookPoint.Site site : HookPoint.Site.values()) {
                String t = OnnxTransformer.tensorName(m, g, new HookPoint(layer, site));
                assertThat(g.producesTensor(t)).as("%s %s", m, t).isTrue();
            }
        }
        assertThat(OnnxTransformer.tensorName(m, g, HookPoint.residPost(m.numLayers() - 1)))
                .isEqualTo("last_hidden_state");
        assertThat(OnnxTransformer.tensorName(m, g, new HookPoint(1, HookPoint.Site.RESID_PRE)))
                .isEqualTo("/encoder/layer.0/output/LayerNorm/Add_1_output_0");
    }

    @Test
    void refusesTensorsNoNodeProduces() {
        assertThatThrownBy(() -> OnnxGraph.withOutputs(model, List.of("/encoder/layer.9/output"), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/encoder/layer.9/output");
        assertThatThrownBy(() -> OnnxGraph.parse(new byte[] {8, 1, 0x12, 5, 'a'}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
