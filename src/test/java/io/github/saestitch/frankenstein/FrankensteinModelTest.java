package io.github.saestitch.frankenstein;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.io.SafeTensors;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Frankenstein model computes each latent exactly as its source does (folded standard SAE for
 * relu / jumprelu / batchtopk, composite for topk), the cosine rule against brute force, and the
 * family checks.
 */
class FrankensteinModelTest {
    /**
     * Folded vs source codes: {@code x·w + (c − β·w)} against {@code (x − β)·w + c} in float32 differ by
     * rounding of order 2⁻²⁴·Σ|x_i w_i| ≈ 1e-6 of the code scale here; a code that close to a threshold may
     * flip on or off.
     */
    static final double CODE_ABSOLUTE = 1e-4;

    @ParameterizedTest(name = "{0}/{1}/{2} applyBDec={3}")
    @CsvSource({
        "relu, relu, relu, true",
        "jumprelu, relu, batchtopk, true",
        "relu, jumprelu, jumprelu, false",
        "batchtopk, batchtopk, relu, false"
    })
    void theFoldedStandardSaeReproducesEverySourceLatent(String a0, String a1, String a2, boolean applyBDec) {
        Families.Case c = Families.relu(20, 16, 48, 400, 21);
        String[] archs = {a0, a1, a2};
        List<Family.Member> ms = new java.util.ArrayList<>();
        for (int s = 0; s < 3; s++) {
            // Alternate b_dec modes between members so folding meets both.
            ms.add(new Family.Member(
                    Families.variant(c.family().sae(s), archs[s], applyBDec ^ (s == 1), 30 + s), "m" + s));
        }
        Family fam = new Family(ms);
        Kernels k = new ScalarKernels();
        Selection sel = CosineSelection.select(fam, k, 0.7);
        FrankensteinModel m = FrankensteinModel.fromSources(fam, sel);
        assertThat(m.isComposite()).isFalse();
        Sae folded = m.standardSae();
        assertThat(folded.applyBDecToInput()).isFalse();
        assertThat(folded.activation() instanceof Activation.Relu)
                .isEqualTo(List.of(archs).stream().allMatch("relu"::equals));
        FloatMatrix codes = new SaeRunner(folded, k).encodeDense(c.x());
        FloatMatrix[] src = new FloatMatrix[3];
        for (int s = 0; s < 3; s++) {
            src[s] = new SaeRunner(fam.sae(s), k).encodeDense(c.x());
        }
        int flips = 0;
        for (int t = 0; t < c.x().rows(); t++) {
            for (int h = 0; h < sel.numLatents(); h++) {
                float want = src[sel.source()[h]].get(t, sel.latent()[h]);
                float got = codes.get(t, h);
                if ((want == 0) != (got == 0)) {
                    flips++;
                    assertThat(Math.abs(want - got))
                            .isLessThan((float) CODE_ABSOLUTE + jumpOf(fam.sae(sel.source()[h]), sel.latent()[h]));
                } else {
                    assertThat((double) got).isCloseTo(want, within(CODE_ABSOLUTE));
                }
            }
        }
        assertThat(flips).isLessThanOrEqualTo(2);
        // The decoder and b_dec are the sources' (smallest SAE's b_dec).
        assertThat(folded.bDec()).containsExactly(fam.sae(0).bDec());
        assertThat(folded.wDec().row(sel.numLatents() - 1))
                .containsExactly(
                        fam.sae(sel.source()[sel.numLatents() - 1]).wDec().row(sel.latent()[sel.numLatents() - 1]));
    }

    /** A jumprelu latent may flip from 0 to its threshold: the jump it can make. */
    private static float jumpOf(Sae s, int j) {
        return switch (s.activation()) {
            case Activation.JumpRelu jr -> jr.threshold()[j];
            case Activation.BatchTopK b -> b.threshold();
            default -> 0f;
        };
    }

    @Test
    void aTopkSourceMakesACompositeWithExactlyTheSourceCodes() {
        Families.Case c = Families.relu(20, 16, 48, 300, 22);
        List<Family.Member> ms = List.of(
                new Family.Member(c.family().sae(0), "s"),
                new Family.Member(Families.variant(c.family().sae(1), "topk", true, 1), "m"),
                new Family.Member(c.family().sae(2), "l"));
        Family fam = new Family(ms);
        Kernels k = new ScalarKernels();
        Selection sel = CosineSelection.select(fam, k, 0.7);
        FrankensteinModel m = FrankensteinModel.fromSources(fam, sel);
        assertThat(m.isComposite()).isTrue();
        assertThatThrownBy(m::standardSae).isInstanceOf(IllegalStateException.class);
        SparseRows got = m.autoencoder(k).encode(c.x());
        SourceCodes sc = SourceCodes.compute(fam, new MatrixActivationSet(c.x(), "x"), 300, k, null);
        SparseRows want = sc.codesOf(sel);
        assertThat(got.rowPtr()).containsExactly(want.rowPtr());
        assertThat(java.util.Arrays.copyOf(got.colIdx(), got.nnz())).containsExactly(want.colIdx());
        assertThat(java.util.Arrays.copyOf(got.values(), got.nnz())).containsExactly(want.values());
    }

    /**
     * A topk Frankenstein written in the shared composite format (composite.json) and in the format
     * written before it (frankenstein.json, format_version 1, laid out as the old writer did): both load
     * into the same model, whose codes and reconstruction equal the in-memory composite's exactly.
     */
    @Test
    void aCompositeLoadsFromTheSharedManifestAndFromTheOldOne(@TempDir Path dir) throws Exception {
        Families.Case c = Families.relu(20, 16, 48, 200, 24);
        Family fam = new Family(List.of(
                new Family.Member(c.family().sae(0), "s"),
                new Family.Member(Families.variant(c.family().sae(1), "topk", true, 1), "m"),
                new Family.Member(c.family().sae(2), "l")));
        Kernels k = new ScalarKernels();
        FrankensteinModel m = FrankensteinModel.fromSources(fam, CosineSelection.select(fam, k, 0.7));
        assertThat(m.isComposite()).isTrue();
        FloatMatrix want = FloatMatrix.zeros(c.x().rows(), c.x().cols());
        SparseRows wantCodes = m.autoencoder(k).forward(c.x(), want);

        Path now = dir.resolve("now");
        FrankensteinWriter.writeModel(m, now);
        Path old = dir.resolve("old");
        StringBuilder sources = new StringBuilder();
        for (int s : m.distinctSources()) {
            SaeFormats.save(fam.sae(s), old.resolve("source-" + s), SaeFormat.SAELENS, false);
            sources.append(sources.isEmpty() ? "" : ", ")
                    .append("{\"index\": ")
                    .append(s)
                    .append(", \"dir\": \"source-")
                    .append(s)
                    .append("\", \"original\": \"m")
                    .append(s)
                    .append("\"}");
        }
        StringBuilder latents = new StringBuilder();
        for (int h = 0; h < m.numLatents(); h++) {
            latents.append(h == 0 ? "" : ", ")
                    .append('[')
                    .append(m.selection().source()[h])
                    .append(", ")
                    .append(m.selection().latent()[h])
                    .append(']');
        }
        Files.writeString(
                old.resolve("frankenstein.json"),
                "{\"format_version\": 1, \"kind\": \"composite\", "
                        + "\"description\": \"old\", \"sources\": [" + sources + "], \"latents\": [" + latents + "], "
                        + "\"decoder\": \"decoder.safetensors\"}\n");
        SafeTensors.write(
                old.resolve("decoder.safetensors"),
                Map.of("format_version", "1"),
                List.of(SafeTensors.Tensor.f32("W_dec", m.wDec()), SafeTensors.Tensor.f32("b_dec", m.bDec())));

        for (Path p : List.of(now, old)) {
            assertThat(CompositeManifest.isComposite(p)).as(p.toString()).isTrue();
            CompositeManifest read = CompositeManifest.read(p);
            assertThat(read.builtBy()).isEqualTo("frankenstein");
            assertThat(read.formatVersion()).isEqualTo(p == now ? CompositeManifest.FORMAT_VERSION : 1);
            FloatMatrix got = FloatMatrix.zeros(c.x().rows(), c.x().cols());
            SparseRows codes = read.model().runner(k).forward(c.x(), got);
            assertThat(codes.rowPtr()).as(p.toString()).containsExactly(wantCodes.rowPtr());
            assertThat(Arrays.copyOf(codes.colIdx(), codes.nnz()))
                    .containsExactly(Arrays.copyOf(wantCodes.colIdx(), wantCodes.nnz()));
            assertThat(got.toArray()).as(p.toString()).containsExactly(want.toArray());
        }
    }

    @Test
    void theCosineRuleComparesWithTheFrankensteinBeforeEachRound() {
        Families.Case c = Families.relu(20, 16, 48, 50, 23);
        Family fam = c.family();
        for (double tau : new double[] {0.3, 0.7, 0.95}) {
            Selection sel = CosineSelection.select(fam, new ScalarKernels(), tau);
            int h = 0;
            for (; h < fam.member(0).width(); h++) {
                assertThat(sel.source()[h]).isZero();
                assertThat(sel.latent()[h]).isEqualTo(h);
            }
            for (int s = 1; s < fam.size(); s++) {
                int before = h;
                for (int j = 0; j < fam.member(s).width(); j++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int g = 0; g < before; g++) {
                        max = Math.max(
                                max,
                                cos(
                                        fam.sae(s).wDec().row(j),
                                        fam.sae(sel.source()[g]).wDec().row(sel.latent()[g])));
                    }
                    if (max < tau - 1e-6) {
                        assertThat(sel.source()[h]).isEqualTo(s);
                        assertThat(sel.latent()[h]).isEqualTo(j);
                        assertThat(sel.stage()[h]).isEqualTo(s);
                        assertThat(sel.maxCos()[h]).isCloseTo(max, within(1e-5));
                        h++;
                    } else if (max > tau + 1e-6) {
                        assertThat(h < sel.numLatents() && sel.source()[h] == s && sel.latent()[h] == j)
                                .isFalse();
                    } else if (h < sel.numLatents() && sel.source()[h] == s && sel.latent()[h] == j) {
                        h++; // a tie within rounding: either way
                    }
                }
                assertThat(sel.sizeThroughStage(s)).isEqualTo(h);
            }
            assertThat(sel.numLatents()).isEqualTo(h);
        }
    }

    private static double cos(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void badFamiliesAreRefused() {
        Families.Case c = Families.relu(20, 16, 48, 50, 24);
        Families.Case other = Families.relu(21, 16, 48, 50, 24);
        assertThatThrownBy(() -> new Family(List.of(new Family.Member(c.family().sae(0), "a"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least two");
        assertThatThrownBy(() -> new Family(List.of(
                        new Family.Member(c.family().sae(0), "a"),
                        new Family.Member(other.family().sae(1), "b"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("d_in");
        Sae s0 = c.family().sae(0).withMetadata(new Sae.SaeMetadata("blocks.3.hook_resid_post", "", null));
        Sae s1 = c.family().sae(1).withMetadata(new Sae.SaeMetadata("blocks.4.hook_resid_post", "", null));
        assertThatThrownBy(() -> new Family(List.of(new Family.Member(s0, "a"), new Family.Member(s1, "b"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sites");
        // Unnamed sites do not conflict with a named one; members are sorted by width.
        Family f = new Family(List.of(new Family.Member(c.family().sae(2), "wide"), new Family.Member(s0, "narrow")));
        assertThat(f.member(0).source()).isEqualTo("narrow");
        assertThat(f.hookName()).isEqualTo("blocks.3.hook_resid_post");
    }
}
