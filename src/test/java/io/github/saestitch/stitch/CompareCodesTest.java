package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.eval.InMemoryActivationSet;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.stitch.StitchFixtures.Arch;
import io.github.saestitch.stitch.StitchFixtures.Pair;
import io.github.saestitch.stitch.StitchFixtures.Spec;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.SparseRows;
import org.junit.jupiter.api.Test;

/**
 * {@link CompareProgress#codes} hands a caller the streaming pass's own codes (what {@code compare
 * --contexts} collects its top contexts from): every compared token once, in order, each row equal to
 * encoding that token with the SAE alone.
 */
class CompareCodesTest {
    private static final ScalarKernels KERNELS = new ScalarKernels();

    @Test
    void thePassHandsOutEveryTokensCodesOnceInOrder() {
        Spec spec = new Spec(Arch.TOPK, Arch.RELU, true, false, false, 19, 13, 41, 1100, 0, 0.7, 5);
        Pair p = StitchFixtures.pair(spec);
        InMemoryActivationSet set = new InMemoryActivationSet(p.x(), "x");
        long[] next = {0};
        SaeRunner small = new SaeRunner(p.small(), KERNELS);
        SaeRunner large = new SaeRunner(p.large(), KERNELS);
        CompareOptions options = CompareOptions.defaults().withMaxTokens(1000).withActivationCorrelation(false);
        new StitchComparator(KERNELS).compare(p.small(), p.large(), set, options, new CompareProgress() {
            @Override
            public void codes(long firstToken, SparseRows s, SparseRows l) {
                assertThat(firstToken).isEqualTo(next[0]);
                assertThat(s.rows()).isEqualTo(l.rows());
                FloatMatrix x = p.x().rowSlice((int) firstToken, (int) firstToken + s.rows());
                assertSameCodes(s, small.encode(x));
                assertSameCodes(l, large.encode(x));
                next[0] += s.rows();
            }
        });
        assertThat(next[0]).as("tokens handed out").isEqualTo(1000);
    }

    private static void assertSameCodes(SparseRows got, SparseRows want) {
        assertThat(got.rows()).isEqualTo(want.rows());
        assertThat(got.nnz()).isEqualTo(want.nnz());
        for (int r = 0; r < got.rows(); r++) {
            assertThat(got.rowPtr()[r + 1]).isEqualTo(want.rowPtr()[r + 1]);
        }
        for (int q = 0; q < got.nnz(); q++) {
            assertThat(got.colIdx()[q]).isEqualTo(want.colIdx()[q]);
            assertThat(got.values()[q]).isEqualTo(want.values()[q]); // scalar kernels: exact
        }
    }
}
