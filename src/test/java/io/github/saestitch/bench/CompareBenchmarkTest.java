package io.github.saestitch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import io.github.saestitch.tensor.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link CompareBenchmark}: a small run with the scalar kernels (the numpy peer, when python3 and numpy
 * exist, must compute the same per-latent Δmse), and the full-size benchmark on demand
 * ({@code -Dsaestitch.bench=true}; it prints its report to the test output).
 */
class CompareBenchmarkTest {
    /** float32 dense numpy vs our float32 sparse path: both ≲ 1e-6 relative; allow 1e-4 of max |Δ|. */
    static final double NUMPY_GAP_TOL = 1e-4;

    @Test
    void smallRunMeasuresAndAgreesWithTheNumpyPeer() throws Exception {
        CompareBenchmark.Config config = CompareBenchmark.Config.defaults()
                .withSizes(16, 24, 48, 600)
                .withRepeats(1)
                .withOptions(CompareOptions.defaults().withBlockTokens(128).withThreads(2));
        CompareBenchmark.Result r = CompareBenchmark.run(new ScalarKernels(), config, (String s) -> {});
        assertThat(r.compareSeconds()).isPositive();
        assertThat(r.gemmSeconds()).isPositive();
        assertThat(r.gemmFlops()).isEqualTo(2.0 * 600 * 16 * (24 + 48));
        assertThat(r.l0Large()).isPositive();
        assertThat(r.numNovel()).isPositive();
        assertThat(r.numGroups()).isPositive();
        assertThat(r.report()).contains("ratio compare / GEMMs");
        assertThat(r.similarityFlops()).isEqualTo(2.0 * 48 * 24 * 16);
        assertThat(r.similarityFloorSeconds()).isPositive();
        assertThat(r.floorRatio()).isPositive().isLessThan(r.pairRatio());
        assertThat(r.report()).contains("max-cos GEMM floor", "ratio compare / floors", "cpu: ", "its own GEMM time");
        assertThat(r.insideGemmAll()).hasSize(1);
        assertThat(r.insideGemmAll()[0]).isBetween(0.0, r.compareAll()[0]);
        if (r.numpy() != null) {
            assertThat(r.numpy().maxDeltaGap()).isLessThan(NUMPY_GAP_TOL);
        } else {
            assertThat(r.notes()).anyMatch(n -> n.contains("numpy peer skipped"));
        }
    }

    @Test
    void timedKernelsLeaveEveryResultAsTheWrappedKernelsGiveIt() {
        SyntheticPair p = SyntheticPair.generate(16, 24, 48, 300, 4, 5);
        var acts = new io.github.saestitch.activations.MatrixActivationSet(p.x(), "x");
        CompareOptions o = CompareOptions.defaults().withBlockTokens(64).withThreads(2);
        Kernels plain = new ScalarKernels();
        TimedKernels timed = new TimedKernels(plain);
        var a = new io.github.saestitch.stitch.StitchComparator(plain).compare(p.small(), p.large(), acts, o);
        var b = new io.github.saestitch.stitch.StitchComparator(timed).compare(p.small(), p.large(), acts, o);
        assertThat(b.latents()).isEqualTo(a.latents());
        assertThat(b.interpolation()).isEqualTo(a.interpolation());
        assertThat(b.groups()).usingRecursiveComparison().isEqualTo(a.groups());
        assertThat(b.small()).isEqualTo(a.small());
        assertThat(timed.gemmSeconds()).isGreaterThanOrEqualTo(0.0);
        assertThat(timed.gemmCalls())
                .as("the encoders' and the similarity's products went through it")
                .isPositive();
        assertThat(timed.name()).isEqualTo(plain.name());
    }

    @Test
    void largePairIsTheWriteUpsLargestPair() {
        CompareBenchmark.Config c = CompareBenchmark.Config.largePair();
        assertThat(new int[] {c.dIn(), c.smallLatents(), c.largeLatents()}).containsExactly(768, 49_152, 98_304);
        assertThat(c.python()).isNull();
    }

    @Test
    @EnabledIfSystemProperty(named = "saestitch.bench", matches = "true")
    void fullSizeBenchmark() throws Exception {
        Kernels kernels = KernelsProvider.choose(System.getProperty("saestitch.kernels"));
        CompareBenchmark.Config config = CompareBenchmark.Config.defaults();
        String tokens = System.getProperty("saestitch.bench.tokens");
        if (tokens != null) {
            config = config.withSizes(
                    config.dIn(), config.smallLatents(), config.largeLatents(), Integer.parseInt(tokens));
        }
        if ("false".equals(System.getProperty("saestitch.bench.numpy"))) {
            config = config.withoutNumpy();
        }
        CompareBenchmark.Result r = CompareBenchmark.run(kernels, config, System.out::println);
        System.out.println(r.report());
    }
}
