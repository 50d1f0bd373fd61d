package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.report.TrainingCharts;
import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FamilyTrainerTest {

    @Test
    void trainsEveryWidthAndWritesTheSummaries(@TempDir Path tmp) throws IOException {
        TrainOptions base = TrainerTest.small(Architecture.RELU, 8)
                .trainingTokens(128L * 40)
                .build();
        List<Integer> widths = List.of(8, 16, 32);
        Path out = tmp.resolve("family");
        FamilyTrainer.FamilyResult r =
                new FamilyTrainer(base, widths, new ScalarKernels()).train(TrainerTest.toySet(4096), out, false, null);
        assertThat(r.members()).extracting(FamilyTrainer.Member::width).containsExactly(8, 16, 32);
        for (FamilyTrainer.Member m : r.members()) {
            assertThat(SaeFormats.load(m.dir().resolve(TrainResult.SAE_DIR))
                            .sae()
                            .numLatents())
                    .isEqualTo(m.width());
        }
        List<String> csv = Files.readAllLines(r.summaryCsv());
        assertThat(csv).hasSize(4);
        assertThat(csv.get(0)).startsWith("format_version,width,architecture,steps,tokens,mse,fvu,l0,dead");
        assertThat(csv.get(2)).startsWith("1,16,relu,40,5120,");
        JsonNode json = new ObjectMapper().readTree(r.summaryJson().toFile());
        assertThat(json.get("format_version").asInt()).isEqualTo(FamilyTrainer.FORMAT_VERSION);
        assertThat(json.get("members")).hasSize(3);
        assertThat(json.get("members").get(1).get("fvu").asDouble())
                .isEqualTo(r.members().get(1).result().finalEval().fvu());
        // The charts are drawn from the written files by the report's figure code.
        Path png = TrainingCharts.writeFamily(out);
        assertThat(png).isEqualTo(out.resolve(FamilyTrainer.SUMMARY_PNG));
        assertThat(Files.readAllBytes(png)).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(Files.readString(out.resolve("family_summary.svg"))).contains("<svg");
        for (FamilyTrainer.Member m : r.members()) {
            assertThat(m.dir().resolve(TrainResult.PLOT_FILE)).isRegularFile();
        }
        // Resuming a finished family re-creates identical SAEs.
        FamilyTrainer.FamilyResult again =
                new FamilyTrainer(base, widths, new ScalarKernels()).train(TrainerTest.toySet(4096), out, true, null);
        TrainerTest.assertSameWeights(
                again.members().get(2).result().sae(),
                r.members().get(2).result().sae());
        assertThatThrownBy(() -> new FamilyTrainer(base, widths, new ScalarKernels())
                        .train(TrainerTest.toySet(4096), out, false, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> new FamilyTrainer(base, List.of(8, 8), new ScalarKernels()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distinct");
    }
}
