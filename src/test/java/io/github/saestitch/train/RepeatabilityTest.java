package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.KernelsProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same training run three times in one JVM gives bit-identical weights: the first run executes
 * the Vector API loops interpreted or C1-compiled, the later ones C2-compiled, so any reduction whose
 * order depends on the compiler would show here (it did: {@code reduceLanes(ADD)}).
 */
class RepeatabilityTest {
    @ParameterizedTest
    @EnumSource(
            value = Architecture.class,
            names = {"RELU", "TOPK", "BATCHTOPK"})
    void threeRunsInOneJvmAreBitIdentical(Architecture a, @TempDir Path tmp) throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        int n = 8192;
        int d = 384;
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        MatrixActivationSet acts = new MatrixActivationSet(FloatMatrix.wrap(v, n, d), "gaussian");
        TrainOptions o = TrainOptions.builder(a, 96)
                .k(8)
                .batchSize(256)
                .trainingTokens(256L * 200)
                .evalTokens(512)
                .seed(5)
                .build();
        Sae first = null;
        for (int run = 0; run < 3; run++) {
            TrainResult res = new Trainer(o, KernelsProvider.choose("auto"))
                    .train(acts, tmp.resolve("run" + run), false, TrainListener.NONE);
            if (first == null) {
                first = res.sae();
            } else {
                assertThat(java.util.Arrays.hashCode(res.sae().wDec().toArray()))
                        .as("W_dec of run %d", run)
                        .isEqualTo(java.util.Arrays.hashCode(first.wDec().toArray()));
                TrainerTest.assertSameWeights(first, res.sae());
            }
        }
        assertThat(first).isNotNull();
    }
}
