package io.github.saestitch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.VectorKernels;
import io.github.saestitch.train.Architecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TrainBenchmark} on a tiny size: every figure is there, finite and consistent. */
class TrainBenchmarkTest {
    @Test
    void tinyRunPrintsItsFloors() {
        TrainBenchmark.Result r = TrainBenchmark.run(
                new VectorKernels(2), 16, 64, 32, 1, 2, List.of(Architecture.TOPK, Architecture.RELU));
        assertThat(r.streamGBps()).isPositive();
        assertThat(r.table()).contains("x floor", "stream", "cpu: ");
        for (TrainBenchmark.Case c : r.cases()) {
            assertThat(c.adamFloorSeconds()).isPositive();
            assertThat(c.floorSeconds()).isGreaterThan(c.adamFloorSeconds());
            assertThat(c.timesFloor()).isPositive().isFinite();
        }
        TrainBenchmark.Case topk = r.cases().get(0);
        // topk's floor is one encoder GEMM (2·B·d·F) + Adam: below its 4·B·d·F GEMM count + Adam
        assertThat(topk.floorSeconds()).isLessThan(topk.gemmBoundSeconds() + topk.adamFloorSeconds());
    }
}
