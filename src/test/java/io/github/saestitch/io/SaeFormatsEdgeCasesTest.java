package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layout variants the fixtures do not cover, built here with the Java writers. */
class SaeFormatsEdgeCasesTest {
    private static final int D = 4;
    private static final int F = 6;

    @TempDir
    Path tmp;

    private float[] wEnc; // [D, F]
    private float[] bEnc; // [F]
    private float[] wDec; // [F, D]
    private float[] bDec; // [D]

    @BeforeEach
    void weights() {
        SplittableRandom rnd = new SplittableRandom(42);
        wEnc = random(rnd, D * F);
        bEnc = random(rnd, F);
        wDec = random(rnd, F * D);
        bDec = random(rnd, D);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    private Path saeLensDir(String name, String cfg, SafeTensors.Tensor... extra) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("cfg.json"), cfg);
        List<SafeTensors.Tensor> t = new ArrayList<>(List.of(
                SafeTensors.Tensor.f32("W_enc", FloatMatrix.wrap(wEnc, D, F)),
                SafeTensors.Tensor.f32("b_enc", bEnc),
                SafeTensors.Tensor.f32("W_dec", FloatMatrix.wrap(wDec, F, D)),
                SafeTensors.Tensor.f32("b_dec", bDec)));
        t.addAll(List.of(extra));
        SafeTensors.write(dir.resolve("sae_weights.safetensors"), Map.of(), t);
        return dir;
    }

    private static String v6(String architecture, String more) {
        return "{\"d_in\": " + D + ", \"d_sae\": " + F + ", \"architecture\": \"" + architecture + "\", "
                + "\"metadata\": {\"sae_lens_version\": \"6.1.0\", \"hook_name\": \"h\"}" + more + "}";
    }

    @Test
    void negativeJumpReluThresholdsAreClampedLikeSaeLens() throws IOException {
        float[] th = {0.5f, -0.25f, 0f, -0f, 1f, -3f};
        LoadedSae l = SaeFormats.load(saeLensDir("neg", v6("jumprelu", ""), SafeTensors.Tensor.f32("threshold", th)));
        float[] got = ((Activation.JumpRelu) l.sae().activation()).threshold();
        assertThat(got).containsExactly(0.5f, 0f, 0f, -0f, 1f, 0f);
        assertThat(l.notes()).anyMatch(n -> n.contains("2 negative JumpReLU threshold(s) clamped to 0"));
    }

    @Test
    void olderCheckpointsStoreLogThreshold() throws IOException {
        float[] logTh = {-1f, 0f, 0.5f, -2f, 1f, -0.1f};
        LoadedSae l =
                SaeFormats.load(saeLensDir("log", v6("jumprelu", ""), SafeTensors.Tensor.f32("log_threshold", logTh)));
        float[] got = ((Activation.JumpRelu) l.sae().activation()).threshold();
        for (int i = 0; i < F; i++) {
            assertThat(got[i]).isEqualTo((float) Math.exp(logTh[i]));
        }
    }

    @Test
    void writingANegativeThresholdIsRefused() {
        float[] th = {0.5f, -0.25f, 0f, 0f, 1f, 0f};
        Sae sae = new Sae(
                new Activation.JumpRelu(th),
                true,
                FloatMatrix.wrap(wEnc, D, F),
                bEnc,
                FloatMatrix.wrap(wDec, F, D),
                bDec,
                null);
        assertThatThrownBy(() -> SaeFormats.save(sae, tmp.resolve("out")))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("threshold[1] = -0.25 is negative");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void legacyScalingFactorIsDroppedWhenAllOnesAndFoldedOtherwise() throws IOException {
        String legacy =
                "{\"d_in\": " + D + ", \"d_sae\": " + F + ", \"hook_point\": \"h\", \"sae_lens_version\": \"2.1.0\"%s}";
        float[] ones = {1, 1, 1, 1, 1, 1};
        LoadedSae dropped = SaeFormats.load(
                saeLensDir("ones", legacy.formatted(""), SafeTensors.Tensor.f32("scaling_factor", ones)));
        assertThat(dropped.format()).isEqualTo(SaeFormat.SAELENS_LEGACY);
        assertThat(Fixtures.bits(dropped.sae().wDec().toArray())).isEqualTo(Fixtures.bits(wDec));
        assertThat(dropped.notes()).anyMatch(n -> n.contains("dropped an all-ones scaling_factor"));

        float[] s = {1, 2, 0.5f, 1, 3, 1};
        LoadedSae folded = SaeFormats.load(saeLensDir(
                "fold",
                legacy.formatted(", \"finetuning_scaling_factor\": true"),
                SafeTensors.Tensor.f32("scaling_factor", s)));
        for (int i = 0; i < F; i++) {
            for (int j = 0; j < D; j++) {
                assertThat(folded.sae().wDec().get(i, j)).isEqualTo(wDec[i * D + j] * s[i]);
            }
        }
        Path refused = saeLensDir("refuse", legacy.formatted(""), SafeTensors.Tensor.f32("scaling_factor", s));
        assertThatThrownBy(() -> SaeFormats.load(refused))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("is not all ones but cfg.json has finetuning_scaling_factor = false");
    }

    @Test
    void v6WithoutVersionButWithMetadataIsV6AndOldVersionIsLegacy() throws IOException {
        String noVersion = "{\"d_in\": " + D + ", \"d_sae\": " + F + ", \"architecture\": \"standard\", "
                + "\"metadata\": {\"hook_name\": \"x\"}}";
        assertThat(SaeFormats.detect(saeLensDir("nov", noVersion))).isEqualTo(SaeFormat.SAELENS);
        String old =
                "{\"d_in\": " + D + ", \"d_sae\": " + F + ", \"hook_name\": \"x\", \"sae_lens_version\": \"5.9.1\"}";
        LoadedSae l = SaeFormats.load(saeLensDir("old", old));
        assertThat(l.format()).isEqualTo(SaeFormat.SAELENS_LEGACY);
        assertThat(l.sae().metadata().hookName()).isEqualTo("x");
        assertThat(l.sae().activation()).isEqualTo(new Activation.Relu());
    }

    @Test
    void sparsifyFallsBackToExpansionFactorWhenNumLatentsIsZero() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run/layers.7"));
        Files.writeString(
                dir.resolve("cfg.json"),
                "{\"activation\": \"topk\", \"expansion_factor\": " + (F / 2)
                        + ", \"num_latents\": 0, \"k\": 2, \"d_in\": 2}");
        SafeTensors.write(
                dir.resolve("sae.safetensors"),
                Map.of(),
                List.of(
                        SafeTensors.Tensor.f32(
                                "encoder.weight", FloatMatrix.wrap(java.util.Arrays.copyOf(wEnc, F * 2), F, 2)),
                        SafeTensors.Tensor.f32("encoder.bias", bEnc),
                        SafeTensors.Tensor.f32("W_dec", FloatMatrix.wrap(java.util.Arrays.copyOf(wDec, F * 2), F, 2)),
                        SafeTensors.Tensor.f32("b_dec", new float[] {0.1f, 0.2f})));
        LoadedSae l = SaeFormats.load(dir);
        assertThat(l.sae().numLatents()).isEqualTo(F);
        assertThat(l.sae().metadata().hookName()).isEqualTo("layers.7");
        assertThat(l.sae().metadata().modelName()).isEmpty();
        // encoder.weight [F, d] becomes W_enc [d, F].
        assertThat(l.sae().wEnc().get(1, 3)).isEqualTo(wEnc[3 * 2 + 1]);
    }

    @Test
    void sparsifyRefusesSkipConnections() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("skip"));
        Files.writeString(dir.resolve("cfg.json"), "{\"num_latents\": 6, \"k\": 2, \"d_in\": 4}");
        SafeTensors.write(
                dir.resolve("sae.safetensors"),
                Map.of(),
                List.of(
                        SafeTensors.Tensor.f32("encoder.weight", FloatMatrix.wrap(wEnc, F, D)),
                        SafeTensors.Tensor.f32("encoder.bias", bEnc),
                        SafeTensors.Tensor.f32("W_dec", FloatMatrix.wrap(wDec, F, D)),
                        SafeTensors.Tensor.f32("b_dec", bDec),
                        SafeTensors.Tensor.f32("W_skip", FloatMatrix.wrap(new float[D * D], D, D))));
        assertThatThrownBy(() -> SaeFormats.load(dir))
                .isInstanceOf(SaeFormatException.class)
                .hasMessageContaining("unexpected tensor(s) [W_skip] for a sparsify SAE");
    }

    @Test
    void inMemorySaesRoundTripWithEmptyMetadata() throws IOException {
        Sae sae = new Sae(
                new Activation.TopK(2),
                true,
                FloatMatrix.wrap(wEnc, D, F),
                bEnc,
                FloatMatrix.wrap(wDec, F, D),
                bDec,
                null);
        for (SaeFormat f : new SaeFormat[] {SaeFormat.SAELENS, SaeFormat.SPARSIFY}) {
            Path out = tmp.resolve(f.id());
            SaeFormats.save(sae, out, f, false);
            Sae back = SaeFormats.load(out).sae();
            SaeFormatsTest.assertSameWeights(back, sae);
            assertThat(back.metadata().extraConfig()).as(f.id()).isEmpty();
            assertThat(back.metadata().modelName()).isEmpty();
        }
    }
}
