package io.github.saestitch.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.sae.TestSaes;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contexts files of compare and the demo: top contexts as {@link TopActivations} finds them, and
 * firing frequencies counted in the same pass, checked against {@link Evaluator}'s freq on exactly the
 * scanned tokens; several SAEs in one pass give what each gives alone.
 */
class TopContextsTest {
    /** Frequencies are counts over the same tokens: equal up to double rounding. */
    static final double FREQ_TOLERANCE = 1e-12;

    @Test
    void topContextsAndFrequenciesMatchTheReferences() {
        for (long seed = 1; seed <= 4; seed++) {
            for (TestSaes.Arch arch : List.of(TestSaes.Arch.RELU, TestSaes.Arch.TOPK_SMALL)) {
                // odd sizes: 1,000 tokens scanned in 4,096-token blocks, or a limit that cuts the set
                TestSaes.Case c = TestSaes.gaussian(arch, 7, 13, 1000 + (int) seed * 37, true, seed);
                SaeRunner sae = new SaeRunner(c.sae(), new ScalarKernels());
                MatrixActivationSet set = new MatrixActivationSet(c.x(), "random");
                long limit = seed % 2 == 0 ? Long.MAX_VALUE : 777;
                long n = Math.min(limit, c.x().rows());
                LatentContexts.Entries e = TopContexts.compute(
                        sae, set, limit, (token, act) -> new LatentContext("", "#" + token, "", act, ""));

                // reference frequencies: Evaluator over exactly the first n tokens
                FloatMatrix head = FloatMatrix.zeros((int) n, c.x().cols());
                for (int r = 0; r < n; r++) {
                    for (int d = 0; d < c.x().cols(); d++) {
                        head.set(r, d, c.x().get(r, d));
                    }
                }
                EvalResult ref = new Evaluator(new ScalarKernels())
                        .evaluate(sae, new MatrixActivationSet(head, "head"), t -> {});
                assertThat(e.freq()).hasSize(13);
                for (int j = 0; j < 13; j++) {
                    assertThat(e.freq().get(j))
                            .as("freq of latent %d, seed %d, %s", j, seed, arch)
                            .isCloseTo(ref.freq()[j], within(FREQ_TOLERANCE));
                }
                // reference contexts: TopActivations itself
                List<List<TopActivations.Entry>> top = TopActivations.compute(sae, set, limit, TopContexts.PER_LATENT);
                for (int j = 0; j < 13; j++) {
                    List<LatentContext> got = e.contexts().getOrDefault(j, List.of());
                    assertThat(got).hasSize(top.get(j).size());
                    for (int i = 0; i < got.size(); i++) {
                        assertThat(got.get(i).token())
                                .isEqualTo("#" + top.get(j).get(i).token());
                        assertThat(got.get(i).activation())
                                .isEqualTo(top.get(j).get(i).activation());
                    }
                    assertThat(got.isEmpty()).isEqualTo(e.freq().get(j) == 0.0);
                }
            }
        }
    }

    @Test
    void oneSharedPassGivesEverySaeWhatItsOwnPassGives() {
        for (long seed = 5; seed <= 7; seed++) {
            // two SAEs of different widths on the same set; more tokens than one block, a limit inside a block
            TestSaes.Case a = TestSaes.gaussian(TestSaes.Arch.RELU, 9, 11, 4096 + 523, true, seed);
            TestSaes.Case b = TestSaes.gaussian(TestSaes.Arch.TOPK_SMALL, 9, 17, 10, false, seed + 100);
            SaeRunner small = new SaeRunner(a.sae(), new ScalarKernels());
            SaeRunner large = new SaeRunner(b.sae(), new ScalarKernels());
            MatrixActivationSet set = new MatrixActivationSet(a.x(), "random");
            long limit = seed == 6 ? Long.MAX_VALUE : 4096 + 301;
            TopContexts.ContextOf ctx = (token, act) -> new LatentContext("<", "#" + token, ">", act, "s" + token);
            List<Long> progress = new ArrayList<>();
            List<LatentContexts.Entries> both =
                    TopContexts.compute(List.of(small, large), set, limit, ctx, progress::add);
            assertThat(both).hasSize(2);
            assertThat(both.get(0)).isEqualTo(TopContexts.compute(small, set, limit, ctx));
            assertThat(both.get(1)).isEqualTo(TopContexts.compute(large, set, limit, ctx));
            long n = Math.min(limit, a.x().rows());
            assertThat(progress).containsExactly(4096L, n);
        }
    }
}
