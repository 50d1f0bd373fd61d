package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelsProviderTest {

    @Test
    void namesSelectBackends() {
        assertThat(KernelsProvider.byName("scalar")).isInstanceOf(ScalarKernels.class);
        assertThat(KernelsProvider.byName("vector")).isInstanceOf(VectorKernels.class);
        assertThat(KernelsProvider.byName("OpenBLAS")).isInstanceOf(OpenBlasKernels.class);
        assertThat(KernelsProvider.byName("auto").name()).isIn("openblas", "vector");
        assertThat(KernelsProvider.choose("vector").name()).isEqualTo("vector");
        assertThatThrownBy(() -> KernelsProvider.byName("cuda"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto");
    }

    @Test
    void openBlasLoadsWithItsThreadCount() {
        OpenBlasKernels blas = OpenBlasKernels.load();
        assertThat(blas.config()).contains("OpenBLAS");
        assertThat(blas.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(KernelsProvider.byName("auto")).isInstanceOf(OpenBlasKernels.class);
    }
}
