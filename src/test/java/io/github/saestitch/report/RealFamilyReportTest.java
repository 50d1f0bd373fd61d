package io.github.saestitch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.stitch.CompareWriter;
import io.github.saestitch.stitch.StitchComparator;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.FamilyTrainer;
import io.github.saestitch.train.ToyModel;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.TrainResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain with the real writers: a small family trained by {@link FamilyTrainer} on the toy
 * model, its two members compared and written by {@link CompareWriter}, and a report built from those
 * files alone.
 */
class RealFamilyReportTest {
    /** family_summary.csv carries 7 significant digits (%.7g); the JSON carries full doubles. */
    static final double CSV_REL_TOL = 1e-6;

    @TempDir
    Path tmp;

    @Test
    void reportsATrainedFamilyAndAComparisonOfItsMembers() throws Exception {
        ScalarKernels kernels = new ScalarKernels();
        ActivationSet acts = ToyModel.absorptionTree(3).heldOut(4096).acts();
        TrainOptions base = TrainOptions.builder(Architecture.RELU, 8)
                .batchSize(128)
                .trainingTokens(128L * 40)
                .learningRate(3e-3)
                .l1Coefficient(1.0)
                .initSampleTokens(1024)
                .deadTokens(128L * 10)
                .evalTokens(512)
                .evalEvery(20)
                .logEvery(5)
                .seed(11)
                .build();
        Path family = tmp.resolve("family");
        FamilyTrainer.FamilyResult fr =
                new FamilyTrainer(base, List.of(8, 16), kernels).train(acts, family, false, null);

        Sae small = SaeFormats.load(fr.members().get(0).dir().resolve(TrainResult.SAE_DIR))
                .sae();
        Sae large = SaeFormats.load(fr.members().get(1).dir().resolve(TrainResult.SAE_DIR))
                .sae();
        Path cmp = tmp.resolve("cmp-8-16");
        var compared = new StitchComparator(kernels)
                .compare(
                        small,
                        large,
                        acts,
                        CompareOptions.defaults().withThreads(1).withGreedyPath(true));
        CompareWriter.write(compared, cmp, false);
        // A training-length table beside the family, where the report finds it: this pair as its one length.
        io.github.saestitch.study.TrainingLengthStudy.write(
                java.util.List.of(new io.github.saestitch.study.TrainingLengthStudy.Row(5120, 8, 16, compared)),
                family.resolve(io.github.saestitch.study.TrainingLengthStudy.FILE));

        FamilyRun f = FamilyRun.read(family);
        JsonNode json = new ObjectMapper().readTree(fr.summaryJson().toFile());
        assertThat(f.members()).extracting(FamilyRun.Member::width).containsExactly(8, 16);
        for (int i = 0; i < 2; i++) {
            JsonNode m = json.get("members").get(i);
            assertThat(f.members().get(i).mse())
                    .isCloseTo(
                            m.get("mse").asDouble(),
                            within(CSV_REL_TOL * m.get("mse").asDouble()));
            assertThat(f.members().get(i).l0())
                    .isCloseTo(
                            m.get("l0").asDouble(),
                            within(CSV_REL_TOL * Math.max(1, m.get("l0").asDouble())));
            assertThat(f.members().get(i).steps()).isEqualTo(m.get("steps").asLong());
        }
        assertThat(f.curves()).hasSize(2);
        assertThat(f.missing()).isEmpty();
        TrainingCurve c = f.curves().get(1);
        assertThat(c.size()).isEqualTo(fr.members().get(1).result().log().size());
        assertThat(c.step()[c.size() - 1])
                .isEqualTo(fr.members().get(1).result().steps());

        ReportResult r = ReportBuilder.build(
                ReportInputs.builder()
                        .title("toy family")
                        .pair(cmp)
                        .family(family)
                        .build(),
                tmp.resolve("report"));
        assertThat(r.sections())
                .containsExactly(
                        "overview", "pair1", "interpolation", "family", "training", "source", "explorer", "about");
        String html = Files.readString(r.html());
        ReportBuilderTest.assertWellFormedIsh(html);
        ReportBuilderTest.assertNoExternalRequests(html);
        assertThat(ReportBuilderTest.embeddedData(html).at("/pairs/0/latents/columns/latent"))
                .hasSize(16);
        assertThat(r.notes()).isEmpty();
        // How this compares with the source: the tables, the joint sweep and greedy figures with their sentences.
        assertThat(r.figures())
                .extracting(ReportResult.FigureFile::id)
                .contains("pair1-joint-sweep", "pair1-greedy-order");
        assertThat(html)
                .contains("How this compares with the source")
                .contains("628")
                .contains("adding every latent with max_cos \u2264 0.70 together changes mse by")
                .contains("Both orders join S and S + all " + compared.numNovel() + " novel latents")
                .contains("Training length")
                .contains("source (unknown)")
                .contains("Downstream scores");
    }
}
