package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.InputNorm;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SAEs written by dictionary_learning's trainSAE and by openai/sparse_autoencoder (scripts/make_torch_fixtures.py)
 * load with the right format and reproduce the library's own forward pass.
 */
class TorchFixturesTest {
    /**
     * The library's metrics are float64 sums of its float32 outputs; ours come from the same float32
     * weights through a float64 forward pass, so they differ by float32 rounding of the forward pass
     * (measured: under 2e-7 relative on these fixtures). bf16 files are evaluated in float32 on both sides.
     */
    static final double REL_TOL = 1e-5;

    @TempDir
    Path tmp;

    static Stream<String> fixtures() {
        return Stream.of(
                "dl_relu",
                "dl_topk",
                "dl_batchtopk",
                "dl_jumprelu",
                "dl_relu_st",
                "dl_topk_st",
                "dl_batchtopk_st",
                "dl_jumprelu_st",
                "dl_topk_bf16",
                "openai_relu",
                "openai_topk",
                "openai_topk_bf16");
    }

    private static Path target(JsonNode exp) {
        return Fixtures.path("torch/" + exp.get("path").textValue()
                + (exp.get("path").textValue().startsWith("openai") ? ".pt" : ""));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void reproducesTheLibrarysForwardPass(String name) throws IOException {
        JsonNode exp = Fixtures.json("torch/" + name + ".expected.json");
        LoadedSae loaded = SaeFormats.load(target(exp));
        assertThat(loaded.format().id()).isEqualTo(exp.get("detected").textValue());
        FloatMatrix x;
        try (NpyArray a =
                Npy.open(Fixtures.path("torch/" + exp.get("activations_file").textValue()))) {
            x = a.matrix().copy();
        }
        double[] m = SaeFormatsTest.ReferenceForward.metrics(loaded.sae(), x);
        double mse = exp.get("mse").doubleValue();
        double fvu = exp.get("fvu").doubleValue();
        assertThat(m[0]).as("mse").isCloseTo(mse, within(REL_TOL * mse));
        assertThat(m[1]).as("fvu").isCloseTo(fvu, within(REL_TOL * fvu));
        assertThat(m[2]).as("l0").isEqualTo(exp.get("l0").doubleValue());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void convertToSaeLensIsBitExact(String name) throws IOException {
        JsonNode exp = Fixtures.json("torch/" + name + ".expected.json");
        Sae sae = SaeFormats.load(target(exp)).sae();
        Path out = tmp.resolve("saelens");
        SaeFormats.save(sae, out);
        SaeFormatsTest.assertSameWeights(SaeFormats.load(out).sae(), sae);
    }

    @Test
    void eachClassIsDetected() throws IOException {
        assertThat(SaeFormats.load(Fixtures.path("torch/dl_relu")).sae().activation())
                .isInstanceOf(Activation.Relu.class);
        assertThat(SaeFormats.load(Fixtures.path("torch/dl_topk")).sae().activation())
                .isEqualTo(new Activation.TopK(6));
        assertThat(SaeFormats.load(Fixtures.path("torch/dl_batchtopk")).sae().activation())
                .isInstanceOf(Activation.BatchTopK.class);
        Sae j = SaeFormats.load(Fixtures.path("torch/dl_jumprelu/ae.pt")).sae();
        assertThat(j.activation()).isInstanceOf(Activation.JumpRelu.class);
        assertThat(j.applyBDecToInput()).isFalse();
        assertThat(SaeFormats.load(Fixtures.path("torch/dl_relu"))
                        .sae()
                        .metadata()
                        .modelName())
                .isEqualTo("EleutherAI/pythia-70m-deduped");
    }

    @Test
    void openAiTopKLoadsWithLayerNorm() throws IOException {
        Sae sae = SaeFormats.load(Fixtures.path("torch/openai_topk.pt")).sae();
        assertThat(sae.activation()).isEqualTo(new Activation.TopK(5));
        assertThat(sae.inputNorm()).isEqualTo(InputNorm.LAYER_NORM);
        assertThat(SaeFormats.load(Fixtures.path("torch/openai_relu.pt")).sae().inputNorm())
                .isEqualTo(InputNorm.NONE);
    }

    /** The production path (SaeRunner's blocked encode/decode) reproduces OpenAI's forward pass too. */
    @ParameterizedTest
    @ValueSource(strings = {"openai_topk", "openai_topk_bf16"})
    void runnerReproducesOpenAisLayerNormForwardPass(String name) throws IOException {
        JsonNode exp = Fixtures.json("torch/" + name + ".expected.json");
        Sae sae = SaeFormats.load(target(exp)).sae();
        FloatMatrix x;
        try (NpyArray a =
                Npy.open(Fixtures.path("torch/" + exp.get("activations_file").textValue()))) {
            x = a.matrix().copy();
        }
        for (int block : new int[] {1, 7, 4096}) {
            SaeRunner.Forward fw = new SaeRunner(sae, new ScalarKernels(), block).forward(x);
            double sse = 0;
            for (int t = 0; t < x.rows(); t++) {
                for (int j = 0; j < x.cols(); j++) {
                    double e = x.get(t, j) - fw.reconstruction().get(t, j);
                    sse += e * e;
                }
            }
            double mse = exp.get("mse").doubleValue();
            assertThat(sse / x.rows()).as("mse, block %d", block).isCloseTo(mse, within(REL_TOL * mse));
            assertThat(fw.codes().nnz() / (double) x.rows())
                    .isEqualTo(exp.get("l0").doubleValue());
        }
        // eval's path: the streamed Evaluator over an activation set.
        io.github.saestitch.eval.EvalResult r = new io.github.saestitch.eval.Evaluator(new ScalarKernels())
                .evaluate(sae, new io.github.saestitch.activations.MatrixActivationSet(x, name));
        double mse = exp.get("mse").doubleValue();
        double fvu = exp.get("fvu").doubleValue();
        assertThat(r.mse()).as("eval mse").isCloseTo(mse, within(REL_TOL * mse));
        assertThat(r.fvu()).as("eval fvu").isCloseTo(fvu, within(REL_TOL * fvu));
        assertThat(r.l0()).as("eval l0").isEqualTo(exp.get("l0").doubleValue());
    }

    @Test
    void sparsifyRefusesALayerNormSae(@TempDir Path dir) throws IOException {
        Sae sae = SaeFormats.load(Fixtures.path("torch/openai_topk.pt")).sae();
        Path out = dir.resolve("sp");
        assertThatThrownBy(() -> SaeFormats.save(sae, out, SaeFormat.SPARSIFY, false))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("layer_norm");
        assertThat(out).doesNotExist();
    }
}
