package io.github.saestitch.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.bench.SyntheticPair;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streamed top-k per latent against sorting every (token, activation) pair of a dense encode. */
class TopActivationsTest {

    @Test
    void matchesSortingTheDenseCodes() {
        SyntheticPair p = SyntheticPair.generate(16, 12, 24, 9000, 3, 5); // more tokens than one block
        SaeRunner runner = new SaeRunner(p.large(), new ScalarKernels());
        var set = new MatrixActivationSet(p.x(), "synthetic");
        for (int per : new int[] {1, 3, 7}) {
            List<List<TopActivations.Entry>> got = TopActivations.compute(runner, set, 8500, per);
            FloatMatrix dense = runner.encodeDense(p.x().rowSlice(0, 8500));
            for (int j = 0; j < dense.cols(); j++) {
                List<TopActivations.Entry> all = new ArrayList<>();
                for (int t = 0; t < dense.rows(); t++) {
                    if (dense.get(t, j) > 0f) {
                        all.add(new TopActivations.Entry(t, dense.get(t, j)));
                    }
                }
                all.sort(Comparator.comparingDouble((TopActivations.Entry e) -> -e.activation())
                        .thenComparingLong(TopActivations.Entry::token));
                assertThat(got.get(j))
                        .as("latent %d, top %d", j, per)
                        .isEqualTo(all.subList(0, Math.min(per, all.size())));
            }
        }
    }
}
