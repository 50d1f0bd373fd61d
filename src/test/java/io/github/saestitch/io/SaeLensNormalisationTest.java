package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.sae.InputNorm;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SAELens normalize_activations = expected_average_only_in and matryoshka_batchtopk checkpoints. */
class SaeLensNormalisationTest {
    private static final JsonMapper JSON = new JsonMapper();

    @TempDir
    Path tmp;

    /** Saves {@code sae} as SAELens, checks the reload is bit-exact, returns the saved normalize_activations. */
    private String savedNormalisation(Sae sae) throws IOException {
        Path out = tmp.resolve("out");
        SaeFormats.save(sae, out);
        SaeFormatsTest.assertSameWeights(SaeFormats.load(out).sae(), sae);
        return JSON.readTree(Files.readString(out.resolve("cfg.json")))
                .get("normalize_activations")
                .asText();
    }

    private Path copyWithCfg(String fixture, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path src = Fixtures.path("sae/" + fixture);
        Path dst = tmp.resolve(fixture);
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path p : files.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        ObjectNode cfg = (ObjectNode) JSON.readTree(Files.readString(dst.resolve("cfg.json")));
        edit.accept(cfg);
        Files.writeString(dst.resolve("cfg.json"), JSON.writeValueAsString(cfg));
        return dst;
    }

    @Test
    void expectedAverageScalingFactorIsFoldedAsSaeLensDoes() throws IOException {
        Sae plain = SaeFormats.load(Fixtures.path("sae/saelens_v6_relu")).sae();
        Path dir = copyWithCfg("saelens_v6_relu", c -> c.put("normalize_activations", "expected_average_only_in"));
        // Without activation_scaler.json SAELens's loader folds nothing: the same weights.
        SaeFormatsTest.assertSameWeights(SaeFormats.load(dir).sae(), plain);
        float s = 2.75f;
        Files.writeString(dir.resolve("activation_scaler.json"), "{\"scaling_factor\": 2.75}");
        LoadedSae folded = SaeFormats.load(dir);
        assertThat(folded.notes()).anyMatch(n -> n.contains("scaling factor 2.75"));
        Sae f = folded.sae();
        for (int r = 0; r < plain.dIn(); r++) {
            for (int c = 0; c < plain.numLatents(); c++) {
                assertThat(f.wEnc().get(r, c)).isEqualTo(plain.wEnc().get(r, c) * s);
                assertThat(f.wDec().get(c, r)).isEqualTo(plain.wDec().get(c, r) / s);
            }
            assertThat(f.bDec()[r]).isEqualTo(plain.bDec()[r] / s);
        }
        assertThat(f.bEnc()).isEqualTo(plain.bEnc());
        // Saved as SAELens: the fold is done, so normalize_activations is none and a reload is bit-exact.
        assertThat(savedNormalisation(f)).isEqualTo("none");
    }

    @Test
    void layerNormLoadsRunsAndRoundTripsBitExact() throws IOException {
        Path dir = copyWithCfg("saelens_v6_relu", c -> c.put("normalize_activations", "layer_norm"));
        Sae sae = SaeFormats.load(dir).sae();
        assertThat(sae.inputNorm()).isEqualTo(InputNorm.LAYER_NORM);
        Sae plain = SaeFormats.load(Fixtures.path("sae/saelens_v6_relu")).sae();
        assertThat(plain.inputNorm()).isEqualTo(InputNorm.NONE);

        // The runner's forward pass (normalise, encode, decode, scale back) against the plain-loop reference.
        java.util.Random rnd = new java.util.Random(13);
        FloatMatrix x = FloatMatrix.zeros(29, sae.dIn());
        for (int t = 0; t < x.rows(); t++) {
            for (int j = 0; j < x.cols(); j++) {
                x.set(t, j, (float) (3 * rnd.nextGaussian() + j % 5));
            }
        }
        double[] ref = SaeFormatsTest.ReferenceForward.metrics(sae, x);
        SaeRunner.Forward fw = new SaeRunner(sae, new ScalarKernels(), 4).forward(x);
        double sse = 0;
        for (int t = 0; t < x.rows(); t++) {
            for (int j = 0; j < x.cols(); j++) {
                double e = x.get(t, j) - fw.reconstruction().get(t, j);
                sse += e * e;
            }
        }
        assertThat(sse / x.rows()).isCloseTo(ref[0], within(1e-5 * ref[0]));
        assertThat(fw.codes().nnz() / (double) x.rows()).isEqualTo(ref[2]);
        assertThat(ref[0])
                .as("the normalisation matters")
                .isNotCloseTo(SaeFormatsTest.ReferenceForward.metrics(plain, x)[0], within(1e-3 * ref[0]));

        assertThat(savedNormalisation(sae)).isEqualTo("layer_norm");
    }

    @Test
    void badScalingFactorIsRefused() throws IOException {
        Path dir = copyWithCfg("saelens_v6_relu", c -> c.put("normalize_activations", "expected_average_only_in"));
        Files.writeString(dir.resolve("activation_scaler.json"), "{\"scaling_factor\": -1}");
        assertThatThrownBy(() -> SaeFormats.load(dir))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("activation_scaler.json")
                .hasMessageContaining("> 0");
    }

    @Test
    void matryoshkaBatchTopKCheckpointLoadsLikeBatchTopK() throws IOException {
        Sae plain = SaeFormats.load(Fixtures.path("sae/saelens_batchtopk_checkpoint"))
                .sae();
        Path dir = copyWithCfg("saelens_batchtopk_checkpoint", c -> {
            c.put("architecture", "matryoshka_batchtopk");
            c.putArray("matryoshka_widths").add(8).add(plain.numLatents());
        });
        LoadedSae m = SaeFormats.load(dir);
        SaeFormatsTest.assertSameWeights(m.sae(), plain);
        assertThat(m.notes()).anyMatch(n -> n.contains("matryoshka_batchtopk"));
    }
}
