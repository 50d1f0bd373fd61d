package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.study.SourceNumbers;
import io.github.saestitch.study.TrainingLengthStudy;
import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training-length study on a tiny set: one pair per length, each compared, the table with the source's row. */
class TrainingLengthStudyTest {

    @Test
    void trainsComparesAndTabulatesEachLength(@TempDir Path tmp) throws IOException {
        TrainOptions base = TrainerTest.small(Architecture.RELU, 8).build();
        ActivationSet set = TrainerTest.toySet(4096);
        List<Long> lengths = List.of(128L * 5, 128L * 40);
        List<TrainingLengthStudy.Row> rows = TrainingLengthStudy.run(
                set,
                base,
                8,
                16,
                lengths,
                CompareOptions.defaults().withMaxTokens(1000).withGreedyPath(true),
                new ScalarKernels(),
                tmp,
                null);
        assertThat(rows).extracting(TrainingLengthStudy.Row::trainingTokens).containsExactlyElementsOf(lengths);
        for (TrainingLengthStudy.Row r : rows) {
            assertThat(r.compare().tokens()).isEqualTo(1000);
            assertThat(r.compare().small().numLatents()).isEqualTo(8);
            assertThat(r.compare().large().numLatents()).isEqualTo(16);
            assertThat(r.compare().joint()).isNotNull();
            assertThat(r.compare().greedy()).isNotNull();
            assertThat(tmp.resolve(TrainingLengthStudy.lengthDir(r.trainingTokens()))
                            .resolve("width-16"))
                    .isDirectory();
        }
        // Longer training lowers S's mse on the compare tokens (the toy set is learnable).
        assertThat(rows.get(1).compare().small().mse())
                .isLessThan(rows.get(0).compare().small().mse());

        Path csv = tmp.resolve(TrainingLengthStudy.FILE);
        TrainingLengthStudy.write(rows, csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(1 + lengths.size() + 1);
        assertThat(lines.get(0)).isEqualTo(TrainingLengthStudy.HEADER);
        assertThat(lines.get(1)).startsWith("1,640,8,16,");
        assertThat(lines.get(2)).endsWith(",saestitch");
        var c = rows.get(1).compare().contingency();
        assertThat(lines.get(2))
                .contains("," + c.novelImproves() + "," + c.novelWorsens() + "," + c.reconstructionImproves() + ","
                        + c.reconstructionWorsens() + ",");
        assertThat(lines.get(3)).startsWith("1,,768,1536,,,628,29,281,598,");
        assertThat(SourceNumbers.GPT2_SMALL_768_1536.agreement()).isBetween(0.797, 0.799);
    }
}
