package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's plumbing only; the timings themselves are run by {@code saestitch bench kernels}. */
class KernelBenchmarkTest {

    @Test
    void missingPythonIsReportedNotThrown() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        KernelBenchmark.Options opts = new KernelBenchmark.Options(0, 1, true, "/nonexistent/python3",
                Duration.ofSeconds(5), 1L);
        List<KernelBenchmark.Result> results = KernelBenchmark.numpyPeer(out, opts);
        assertThat(results).isEmpty();
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("numpy peer: not run");
    }

    @Test
    void scalarBackendIsSkipped() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        KernelBenchmark.Options opts = new KernelBenchmark.Options(0, 1, false, "python3", Duration.ofSeconds(5), 1L);
        List<KernelBenchmark.Result> results = KernelBenchmark.run(out, List.of(new ScalarKernels()), opts);
        assertThat(results).hasSize(3).allMatch(r -> r.note().startsWith("skipped"));
        assertThat(results).extracting(KernelBenchmark.Result::op).containsExactly("sgemm", "sgemm", "maxCosine");
    }

    @Test
    void defaultBackendsAreNativeAndVector() {
        List<Kernels> backends = KernelBenchmark.defaultBackends(System.out);
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
