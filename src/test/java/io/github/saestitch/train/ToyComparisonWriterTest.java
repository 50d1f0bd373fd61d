package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.report.ReportFormats;
import io.github.saestitch.tensor.ScalarKernels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The toy table the report reads: its header, and one row per arm with the result's numbers round-tripped. */
class ToyComparisonWriterTest {

    @Test
    void writesOneRowPerArmUnderTheReportsHeader(@TempDir Path tmp) throws Exception {
        ToyComparison.Options o = new ToyComparison.Options(
                List.of(ToyComparison.Arm.VANILLA_BATCHTOPK, ToyComparison.Arm.VANILLA_RELU),
                20,
                1,
                1.0,
                30,
                64,
                3e-3,
                3,
                500);
        ToyComparison.Result r = ToyComparison.run(o, new ScalarKernels());
        Path file = tmp.resolve(ReportFormats.TOY_FILE);
        ToyComparisonWriter.write(r, file);

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1 + r.arms().size());
        assertThat(lines.get(0)).isEqualTo(ReportFormats.TOY_HEADER);
        for (int i = 0; i < r.arms().size(); i++) {
            ToyComparison.ArmResult a = r.arms().get(i);
            String[] f = lines.get(i + 1).split(",", -1);
            assertThat(f).hasSize(9);
            assertThat(Integer.parseInt(f[0])).isEqualTo(ReportFormats.VERSION);
            assertThat(f[1]).isEqualTo("\"" + a.arm().label() + "\"");
            assertThat(Double.parseDouble(f[2])).isEqualTo(a.truth().meanMaxCosine());
            assertThat(Double.parseDouble(f[3])).isEqualTo(a.truth().absorption());
            assertThat(Double.parseDouble(f[4])).isEqualTo(a.truth().parentRecall());
            assertThat(Double.parseDouble(f[5])).isEqualTo(a.eval().mse());
            assertThat(Double.parseDouble(f[6])).isEqualTo(a.eval().fvu());
            assertThat(Double.parseDouble(f[7])).isEqualTo(a.eval().l0());
            assertThat(Integer.parseInt(f[8])).isEqualTo(a.eval().dead());
        }
    }
}
