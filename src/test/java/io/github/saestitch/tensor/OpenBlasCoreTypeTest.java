package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link OpenBlasKernels#coreTypeFor}: SkylakeX kernels only for AMD CPUs with the AVX-512 they need. */
class OpenBlasCoreTypeTest {
    static final Set<String> AVX2 = Set.of("fma", "avx", "avx2");
    static final Set<String> AVX512 = Set.of("fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq");

    @Test
    void onlyAmdWithFullAvx512GetsSkylakeX() {
        assertThat(OpenBlasKernels.coreTypeFor("AuthenticAMD", AVX512)).isEqualTo("SkylakeX");
        assertThat(OpenBlasKernels.coreTypeFor("AuthenticAMD", AVX2)).isNull();
        assertThat(OpenBlasKernels.coreTypeFor("GenuineIntel", AVX512)).isNull();
        assertThat(OpenBlasKernels.coreTypeFor("AuthenticAMD", Set.of("avx2", "avx512f")))
                .isNull();
        assertThat(OpenBlasKernels.coreTypeFor("", Set.of())).isNull();
    }
}
