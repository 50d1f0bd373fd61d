package io.github.saestitch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's plumbing only; the timings themselves are run by {@code saestitch bench kernels}. */
class KernelBenchmarkTest {

    @Test
    void missingPythonIsReportedNotThrown() {
        List<String> lines = new ArrayList<>();
        KernelBenchmark.Options opts =
                new KernelBenchmark.Options(0, 1, true, "/nonexistent/python3", Duration.ofSeconds(5), 1L);
        List<KernelBenchmark.Result> results = KernelBenchmark.numpyPeer(lines::add, opts);
        assertThat(results).isEmpty();
        assertThat(lines).anyMatch(l -> l.startsWith("numpy peer: not run"));
    }

    @Test
    void scalarBackendIsSkipped() {
        List<String> lines = new ArrayList<>();
        KernelBenchmark.Options opts = new KernelBenchmark.Options(0, 1, false, "python3", Duration.ofSeconds(5), 1L);
        List<KernelBenchmark.Result> results = KernelBenchmark.run(lines::add, List.of(new ScalarKernels()), opts);
        assertThat(results).hasSize(3).allMatch(r -> r.note().startsWith("skipped"));
        assertThat(results).extracting(KernelBenchmark.Result::op).containsExactly("sgemm", "sgemm", "maxCosine");
        assertThat(lines).first().asString().startsWith("kernel benchmark:");
        assertThat(lines).noneMatch(l -> l.contains("\n"));
    }

    @Test
    void defaultBackendsAreNativeAndVector() {
        List<Kernels> backends = KernelBenchmark.defaultBackends(line -> {});
        assertThat(backends).extracting(Kernels::name).containsExactly("openblas", "vector");
    }

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> new KernelBenchmark.Options(0, 0, false, "python3", Duration.ZERO, 1L))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(KernelBenchmark.Options.defaults().reps()).isPositive();
        assertThat(KernelBenchmark.NUMPY_SCRIPT).contains("np.matmul").contains("4096, 384, 12288");
    }
}
