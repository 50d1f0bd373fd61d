package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SaeFormatsTest {
    /** Metrics from identical float32 weights, both computed in float64: only summation order differs. */
    private static final double SAME_WEIGHTS_REL_TOL = 1e-10;
    /**
     * The rescale fixture's weights are folded in float32 by the loader while numpy rescales in float64,
     * so metrics agree to float32 rounding of the weights.
     */
    private static final double FOLDED_WEIGHTS_REL_TOL = 1e-5;

    private static final JsonNode INDEX = Fixtures.json("sae/index.json");
    private static final JsonNode BAD = Fixtures.json("sae/bad/expected_errors.json");

    @TempDir
    Path tmp;

    static Stream<String> fixtures() {
        return StreamSupport.stream(INDEX.spliterator(), false)
                .map(n -> n.get("name").textValue());
    }

    private static JsonNode expected(String name) {
        return Fixtures.json("sae/" + name + ".expected.json");
    }

    private static Path dir(JsonNode exp) {
        return Fixtures.path("sae/" + exp.get("directory").textValue());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void detectsTheFormatAndLoadsWhatTheFilesSay(String name) throws IOException {
        JsonNode exp = expected(name);
        Path dir = dir(exp);
        assertThat(SaeFormats.detect(dir).id()).isEqualTo(exp.get("format").textValue());
        LoadedSae loaded = SaeFormats.load(dir);
        assertThat(loaded.format().id()).isEqualTo(exp.get("format").textValue());
        Sae sae = loaded.sae();
        assertThat(sae.dIn()).isEqualTo(exp.get("d_in").intValue());
        assertThat(sae.numLatents()).isEqualTo(exp.get("num_latents").intValue());
        assertThat(sae.applyBDecToInput())
                .isEqualTo(exp.get("apply_b_dec_to_input").booleanValue());
        assertThat(sae.metadata().hookName()).isEqualTo(exp.get("hook_name").textValue());
        assertThat(sae.metadata().modelName()).isEqualTo(exp.get("model_name").textValue());
        checkActivation(sae, exp.get("activation"));

        JsonNode sha = exp.get("weights_sha256");
        assertThat(Fixtures.sha256(sae.wEnc().toArray()))
                .as("W_enc")
                .isEqualTo(sha.get("W_enc").textValue());
        assertThat(Fixtures.sha256(sae.bEnc()))
                .as("b_enc")
                .isEqualTo(sha.get("b_enc").textValue());
        assertThat(Fixtures.sha256(sae.wDec().toArray()))
                .as("W_dec")
                .isEqualTo(sha.get("W_dec").textValue());
        assertThat(Fixtures.sha256(sae.bDec()))
                .as("b_dec")
                .isEqualTo(sha.get("b_dec").textValue());
        if (sha.has("threshold")) {
            assertThat(Fixtures.sha256(thresholdVector(sae)))
                    .as("threshold")
                    .isEqualTo(sha.get("threshold").textValue());
        }
        JsonNode s = exp.get("samples");
        int d = sae.dIn();
        int f = sae.numLatents();
        assertThat(bits(sae.wEnc().get(0, 0))).isEqualTo(s.get("W_enc[0][0]").longValue());
        assertThat(bits(sae.wEnc().get(1, 2))).isEqualTo(s.get("W_enc[1][2]").longValue());
        assertThat(bits(sae.wEnc().get(d - 1, f - 1)))
                .isEqualTo(s.get("W_enc[last][last]").longValue());
        assertThat(bits(sae.wDec().get(2, 1))).isEqualTo(s.get("W_dec[2][1]").longValue());
        assertThat(bits(sae.wDec().get(f - 1, 0)))
                .isEqualTo(s.get("W_dec[last][0]").longValue());
        assertThat(bits(sae.bEnc()[3])).isEqualTo(s.get("b_enc[3]").longValue());
        assertThat(bits(sae.bDec()[1])).isEqualTo(s.get("b_dec[1]").longValue());
    }

    private static long bits(float v) {
        return Integer.toUnsignedLong(Float.floatToRawIntBits(v));
    }

    private static void checkActivation(Sae sae, JsonNode act) {
        String kind = act.get("name").textValue();
        assertThat(sae.activation().name()).isEqualTo(kind);
        switch (sae.activation()) {
            case Activation.TopK t -> assertThat(t.k()).isEqualTo(act.get("k").intValue());
            case Activation.BatchTopK b -> {
                assertThat(b.k()).isEqualTo(act.get("k").intValue());
                assertThat(bits(b.threshold()))
                        .isEqualTo(act.get("threshold_bits").longValue());
            }
            default -> {}
        }
    }

    private static float[] thresholdVector(Sae sae) {
        return switch (sae.activation()) {
            case Activation.JumpRelu j -> j.threshold();
            case Activation.BatchTopK b -> {
                float[] t = new float[sae.numLatents()];
                Arrays.fill(t, b.threshold());
                yield t;
            }
            default -> throw new AssertionError("no threshold for " + sae.activation());
        };
    }

    /**
     * End to end: the loaded SAE, run through a plain float64 forward pass (docs/definitions.md#sae), gives
     * the metrics numpy computed with the original library's forward pass.
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void loadedSaeReproducesTheLibrarysMetrics(String name) throws IOException {
        JsonNode exp = expected(name);
        Sae sae = SaeFormats.load(dir(exp)).sae();
        FloatMatrix x;
        try (NpyArray a =
                Npy.open(Fixtures.path("sae/" + exp.get("activations_file").textValue()))) {
            x = a.matrix().copy();
        }
        double[] m = ReferenceForward.metrics(sae, x);
        JsonNode want = exp.get("metrics");
        double tol = name.contains("rescale") ? FOLDED_WEIGHTS_REL_TOL : SAME_WEIGHTS_REL_TOL;
        assertThat(m[0])
                .as("mse")
                .isCloseTo(
                        want.get("mse").doubleValue(),
                        within(tol * want.get("mse").doubleValue()));
        assertThat(m[1])
                .as("fvu")
                .isCloseTo(
                        want.get("fvu").doubleValue(),
                        within(tol * want.get("fvu").doubleValue()));
        assertThat(m[2]).as("l0").isEqualTo(want.get("l0").doubleValue());
        assertThat(m[3]).as("dead").isEqualTo(want.get("dead").doubleValue());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void saelensSaveLoadRoundTripIsBitExact(String name) throws IOException {
        LoadedSae first = SaeFormats.load(dir(expected(name)));
        Path out = tmp.resolve("saved");
        SaeFormats.save(first.sae(), out);
        LoadedSae second = SaeFormats.load(out);
        assertThat(second.format()).isEqualTo(SaeFormat.SAELENS);
        assertSameWeights(second.sae(), first.sae());
        assertThat(second.sae().metadata().hookName())
                .isEqualTo(first.sae().metadata().hookName());
        assertThat(second.sae().metadata().modelName())
                .isEqualTo(first.sae().metadata().modelName());
        if (first.format() == SaeFormat.SAELENS && !name.contains("checkpoint")) {
            // A v6 inference file holds everything our model does: metadata survives unchanged.
            assertThat(second.sae().metadata()).isEqualTo(first.sae().metadata());
        }
        // Saving what we wrote is a fixed point, metadata included.
        Path again = tmp.resolve("again");
        SaeFormats.save(second.sae(), again);
        LoadedSae third = SaeFormats.load(again);
        assertSameWeights(third.sae(), second.sae());
        assertThat(third.sae().metadata()).isEqualTo(second.sae().metadata());
        assertThat(Files.readAllBytes(again.resolve("cfg.json")))
                .isEqualTo(Files.readAllBytes(out.resolve("cfg.json")));
        assertThat(Files.readAllBytes(again.resolve("sae_weights.safetensors")))
                .isEqualTo(Files.readAllBytes(out.resolve("sae_weights.safetensors")));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void sparsifySaveLoadRoundTripIsBitExactForTopKSaes(String name) throws IOException {
        Sae sae = SaeFormats.load(dir(expected(name))).sae();
        Path out = tmp.resolve("layers.0");
        if (!(sae.activation() instanceof Activation.TopK) || !sae.applyBDecToInput()) {
            assertThatThrownBy(() -> SaeFormats.save(sae, out, SaeFormat.SPARSIFY, false))
                    .isInstanceOf(SaeFormatException.class)
                    .hasMessageContaining("save it as saelens");
            assertThat(Files.exists(out)).isFalse();
            return;
        }
        SaeFormats.save(sae, out, SaeFormat.SPARSIFY, false);
        LoadedSae back = SaeFormats.load(out);
        assertThat(back.format()).isEqualTo(SaeFormat.SPARSIFY);
        assertSameWeights(back.sae(), sae);
        assertThat(back.sae().metadata().hookName()).isEqualTo(sae.metadata().hookName());
        assertThat(back.sae().metadata().modelName()).isEqualTo(sae.metadata().modelName());
        if (name.equals("sparsify")) {
            assertThat(back.sae().metadata()).isEqualTo(sae.metadata());
        }
    }

    static void assertSameWeights(Sae actual, Sae expected) {
        assertThat(actual.activation()).isEqualTo(expected.activation());
        assertThat(actual.applyBDecToInput()).isEqualTo(expected.applyBDecToInput());
        assertThat(actual.inputNorm()).isEqualTo(expected.inputNorm());
        assertThat(Fixtures.bits(actual.wEnc().toArray()))
                .isEqualTo(Fixtures.bits(expected.wEnc().toArray()));
        assertThat(Fixtures.bits(actual.bEnc())).isEqualTo(Fixtures.bits(expected.bEnc()));
        assertThat(Fixtures.bits(actual.wDec().toArray()))
                .isEqualTo(Fixtures.bits(expected.wDec().toArray()));
        assertThat(Fixtures.bits(actual.bDec())).isEqualTo(Fixtures.bits(expected.bDec()));
    }

    static Stream<Arguments> badDirectories() {
        return Fixtures.entries(BAD).stream()
                .map(e -> Arguments.of(
                        e.getKey(),
                        e.getValue().get("message").textValue(),
                        e.getValue().get("file").textValue()));
    }

    @ParameterizedTest
    @MethodSource("badDirectories")
    void everyBrokenDirectoryGetsItsPreciseError(String name, String message, String file) {
        Path dir = Fixtures.path("sae/bad/" + name);
        Path at = file.equals(".") ? dir : dir.resolve(file);
        assertThatThrownBy(() -> SaeFormats.load(dir))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining(message)
                .hasMessageStartingWith(at + ": ")
                .satisfies(e -> assertThat(((SaeFormatException) e).file()).isEqualTo(at));
    }

    @Test
    void float32WeightsInSaeLensOrientationAreMappedNotCopied() throws IOException {
        Sae sae = SaeFormats.load(Fixtures.path("sae/saelens_v6_relu")).sae();
        assertThat(sae.wEnc().segment().isMapped()).isTrue();
        assertThat(sae.wDec().segment().isMapped()).isTrue();
        assertThatThrownBy(() -> sae.wEnc().set(0, 0, 1f)).hasMessageContaining("read-only");
        Sae sparsify =
                SaeFormats.load(Fixtures.path("sae/sparsify_run/layers.3")).sae();
        assertThat(sparsify.wEnc().heapArrayOrNull()).isNotNull(); // transposed from encoder.weight
    }

    @Test
    void aWeightsFileOrCfgJsonSelectsItsDirectory() throws IOException {
        Path dir = Fixtures.path("sae/saelens_v6_topk");
        assertThat(SaeFormats.load(dir.resolve("cfg.json")).directory()).isEqualTo(dir);
        assertThat(SaeFormats.load(dir.resolve("sae_weights.safetensors")).format())
                .isEqualTo(SaeFormat.SAELENS);
        assertThat(SaeFormats.load(Fixtures.path("sae/dictionary_learning/ae.safetensors"))
                        .format())
                .isEqualTo(SaeFormat.DICTIONARY_LEARNING);
        assertThatThrownBy(() -> SaeFormats.load(Fixtures.path("sae/index.json")))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("expected an SAE directory");
        assertThatThrownBy(() -> SaeFormats.load(tmp.resolve("missing")))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("no such file or directory");
    }

    @Test
    void forcedFormatSkipsDetection() throws IOException {
        Path dir = Fixtures.path("sae/saelens_legacy_relu");
        assertThat(SaeFormats.load(dir, SaeFormat.SAELENS).format()).isEqualTo(SaeFormat.SAELENS_LEGACY);
        assertThatThrownBy(() -> SaeFormats.load(dir, SaeFormat.SPARSIFY))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("missing required key \"k\"");
    }

    @Test
    void legacyConfigsAreUpgradedToTheV6Shape() throws IOException {
        LoadedSae l = SaeFormats.load(Fixtures.path("sae/saelens_legacy_relu"));
        Map<String, Object> extra = l.sae().metadata().extraConfig();
        assertThat(extra)
                .containsEntry("hook_point_layer", 2)
                .containsEntry("l1_coefficient", 8e-05)
                .containsEntry("device", "cuda")
                .doesNotContainKeys("hook_point", "activation_fn_str", "dtype", "d_in");
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) extra.get("metadata");
        assertThat(meta)
                .containsEntry("context_size", 128)
                .containsEntry("converted_from_sae_lens_version", "3.5.0")
                .containsEntry("dataset_path", "Skylion007/openwebtext");
        assertThat(l.notes()).anyMatch(n -> n.contains("upgraded a pre-6.0 SAELens cfg.json"));
    }

    @Test
    void conversionsAreReportedInNotes() throws IOException {
        assertThat(SaeFormats.load(Fixtures.path("sae/saelens_v6_topk_rescale")).notes())
                .anyMatch(n -> n.contains("folded rescale_acts_by_decoder_norm"));
        assertThat(SaeFormats.load(Fixtures.path("sae/saelens_v6_relu_bf16")).notes())
                .anyMatch(n -> n.contains("BF16 were converted to float32 (exactly)"));
        assertThat(SaeFormats.load(Fixtures.path("sae/saelens_v6_batchtopk_as_jumprelu"))
                        .notes())
                .anyMatch(n -> n.contains("recognised a BatchTopK SAE saved as JumpReLU"));
        assertThat(SaeFormats.load(Fixtures.path("sae/saelens_v6_relu")).notes())
                .isEmpty();
    }

    @Test
    void batchTopKIsWrittenTheWaySaeLensExportsIt() throws IOException {
        Sae sae = SaeFormats.load(Fixtures.path("sae/saelens_batchtopk_checkpoint"))
                .sae();
        Path out = tmp.resolve("btk");
        SaeFormats.save(sae, out);
        JsonNode cfg = new com.fasterxml.jackson.databind.json.JsonMapper()
                .readTree(out.resolve("cfg.json").toFile());
        assertThat(cfg.get("architecture").textValue()).isEqualTo("jumprelu");
        assertThat(cfg.get("metadata").get("training_architecture").textValue()).isEqualTo("batchtopk");
        assertThat(cfg.get("metadata")
                        .get("training_architecture_details")
                        .get("k")
                        .intValue())
                .isEqualTo(4);
        assertThat(cfg.get("metadata").get("sae_lens_version").textValue()).isEqualTo("6.0.0");
        try (SafeTensors st = SafeTensors.open(out.resolve("sae_weights.safetensors"))) {
            assertThat(st.names()).containsExactly("W_dec", "W_enc", "b_dec", "b_enc", "threshold");
            assertThat(st.metadata()).containsEntry("saestitch_format_version", "1");
        }
    }

    /**
     * The SAELens metadata a run trained on an activation store carries (hook head index null, a list of
     * excluded token ids, ...) is written in the SAE's order after the layout version and the two names,
     * comes back on load, and a second save writes the same bytes.
     */
    @Test
    void storeMetadataSurvivesSaveLoadSave() throws IOException {
        Map<String, Object> meta = new java.util.LinkedHashMap<>();
        meta.put("hook_head_index", null);
        meta.put("prepend_bos", true);
        meta.put("exclude_special_tokens", List.of(101, 102));
        meta.put("context_size", 32);
        meta.put("dataset_path", "/data/corpus.txt");
        meta.put("saestitch_training", Map.of("format_version", 1));
        Sae sae = SaeFormats.load(Fixtures.path("sae/saelens_v6_relu"))
                .sae()
                .withMetadata(new Sae.SaeMetadata(
                        "blocks.3.hook_resid_post",
                        "sentence-transformers/all-MiniLM-L6-v2",
                        Map.of("metadata", meta)));
        Path out = tmp.resolve("first");
        SaeFormats.save(sae, out);
        JsonNode written = new com.fasterxml.jackson.databind.json.JsonMapper()
                .readTree(out.resolve("cfg.json").toFile())
                .get("metadata");
        List<String> keys = new ArrayList<>();
        written.fieldNames().forEachRemaining(keys::add);
        assertThat(keys)
                .containsExactly(
                        "sae_lens_version",
                        "model_name",
                        "hook_name",
                        "hook_head_index",
                        "prepend_bos",
                        "exclude_special_tokens",
                        "context_size",
                        "dataset_path",
                        "saestitch_training");
        assertThat(written.get("hook_head_index").isNull()).isTrue();
        assertThat(written.get("exclude_special_tokens").toString()).isEqualTo("[101,102]");

        Sae back = SaeFormats.load(out).sae();
        assertThat(back.metadata()).isEqualTo(sae.metadata());
        Path again = tmp.resolve("again");
        SaeFormats.save(back, again);
        assertThat(Files.readAllBytes(again.resolve("cfg.json")))
                .isEqualTo(Files.readAllBytes(out.resolve("cfg.json")));
    }

    @Test
    void savingRefusesToReplaceADirectoryUnlessAsked() throws IOException {
        Sae sae = SaeFormats.load(Fixtures.path("sae/saelens_v6_relu")).sae();
        Path out = Files.createDirectory(tmp.resolve("exists"));
        Files.writeString(out.resolve("keep.txt"), "keep");
        assertThatThrownBy(() -> SaeFormats.save(sae, out)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(out.resolve("keep.txt")).exists();
        SaeFormats.save(sae, out, SaeFormat.SAELENS, true);
        assertThat(out.resolve("keep.txt")).doesNotExist();
        assertThat(SaeFormats.load(out).sae().numLatents()).isEqualTo(48);
        assertThatThrownBy(() -> SaeFormats.save(sae, tmp.resolve("dl"), SaeFormat.DICTIONARY_LEARNING, false))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("cannot write the dictionary-learning format");
    }

    @Test
    void overwritingTheDirectoryTheWeightsAreMappedFromIsSafe() throws IOException {
        Path work = tmp.resolve("work");
        SaeFormats.save(
                SaeFormats.load(Fixtures.path("sae/saelens_v6_jumprelu")).sae(), work);
        Sae mapped = SaeFormats.load(work).sae();
        float[] before = mapped.wEnc().toArray();
        SaeFormats.save(mapped, work, SaeFormat.SAELENS, true);
        assertThat(Fixtures.bits(SaeFormats.load(work).sae().wEnc().toArray())).isEqualTo(Fixtures.bits(before));
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("work");
        }
    }

    @Test
    void formatIdsParse() {
        assertThat(SaeFormat.byId("SAELens")).isEqualTo(SaeFormat.SAELENS);
        assertThat(SaeFormat.byId("dictionary_learning")).isEqualTo(SaeFormat.DICTIONARY_LEARNING);
        assertThatThrownBy(() -> SaeFormat.byId("pt")).hasMessageContaining("known: saelens, saelens-legacy");
    }

    /** A plain float64 forward pass over docs/definitions.md#sae, independent of the project's kernels. */
    static final class ReferenceForward {
        private ReferenceForward() {}

        /** {mse, fvu, l0, dead} over the rows of {@code x}. */
        static double[] metrics(Sae sae, FloatMatrix x) {
            int n = x.rows();
            int d = sae.dIn();
            int f = sae.numLatents();
            double[] mean = new double[d];
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < d; j++) {
                    mean[j] += x.get(t, j) / (double) n;
                }
            }
            double sse = 0;
            double var = 0;
            long active = 0;
            boolean[] ever = new boolean[f];
            boolean ln = sae.inputNorm() == io.github.saestitch.sae.InputNorm.LAYER_NORM;
            for (int t = 0; t < n; t++) {
                // layer_norm (docs/definitions.md#input-normalisation): μ, unbiased σ; in: /(σ + ε), out: ·σ + μ
                double mu = 0;
                double ss = 0;
                for (int j = 0; ln && j < d; j++) {
                    mu += x.get(t, j) / (double) d;
                }
                for (int j = 0; ln && j < d; j++) {
                    ss += (x.get(t, j) - mu) * (x.get(t, j) - mu);
                }
                double sigma = ln ? Math.sqrt(ss / (d - 1)) : 1;
                double div = ln ? sigma + io.github.saestitch.sae.InputNorm.EPS : 1;
                double[] pre = new double[f];
                for (int i = 0; i < f; i++) {
                    double s = sae.bEnc()[i];
                    for (int j = 0; j < d; j++) {
                        double in = (x.get(t, j) - mu) / div - (sae.applyBDecToInput() ? sae.bDec()[j] : 0.0);
                        s += in * sae.wEnc().get(j, i);
                    }
                    pre[i] = s;
                }
                double[] act = activate(sae.activation(), pre);
                for (int j = 0; j < d; j++) {
                    double xh = sae.bDec()[j];
                    for (int i = 0; i < f; i++) {
                        if (act[i] != 0) {
                            xh += act[i] * sae.wDec().get(i, j);
                        }
                    }
                    double e = x.get(t, j) - (xh * sigma + mu);
                    sse += e * e;
                    double c = x.get(t, j) - mean[j];
                    var += c * c;
                }
                for (int i = 0; i < f; i++) {
                    if (act[i] != 0) {
                        active++;
                        ever[i] = true;
                    }
                }
            }
            int dead = 0;
            for (boolean e : ever) {
                dead += e ? 0 : 1;
            }
            return new double[] {sse / n, sse / var, active / (double) n, dead};
        }

        private static double[] activate(Activation a, double[] pre) {
            double[] out = new double[pre.length];
            switch (a) {
                case Activation.Relu r -> {
                    for (int i = 0; i < pre.length; i++) {
                        out[i] = Math.max(pre[i], 0);
                    }
                }
                case Activation.JumpRelu j -> {
                    for (int i = 0; i < pre.length; i++) {
                        out[i] = pre[i] > j.threshold()[i] ? pre[i] : 0;
                    }
                }
                case Activation.BatchTopK b -> {
                    for (int i = 0; i < pre.length; i++) {
                        out[i] = pre[i] > b.threshold() ? pre[i] : 0;
                    }
                }
                case Activation.TopK t -> {
                    List<Integer> idx = new ArrayList<>();
                    for (int i = 0; i < pre.length; i++) {
                        idx.add(i);
                    }
                    idx.sort(Comparator.comparingDouble((Integer i) -> -pre[i]));
                    for (int r = 0; r < t.k(); r++) {
                        out[idx.get(r)] = Math.max(pre[idx.get(r)], 0);
                    }
                }
            }
            return out;
        }
    }
}
