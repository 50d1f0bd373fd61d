package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The criterion "held-out mse changed by less than 1% over the last quarter of training". */
class ConvergenceTest {
    private static EvalPoint at(long tokens, double mse) {
        return new EvalPoint((int) (tokens / 100), tokens, mse, 0, 0, 0);
    }

    @Test
    void interpolatesTheMseAtThreeQuartersAndComparesWithTheEnd() {
        // 3/4 of 1000 tokens = 750, between the points at 700 (mse 12) and 800 (mse 10): 11.
        Convergence c = Convergence.of(List.of(at(0, 40), at(700, 12), at(800, 10), at(1000, 9.9)));
        assertThat(c.fromTokens()).isEqualTo(750);
        assertThat(c.mseFrom()).isCloseTo(11.0, within(1e-12));
        assertThat(c.relativeChange()).isCloseTo((9.9 - 11) / 11, within(1e-12));
        assertThat(c.converged()).isFalse();
        assertThat(c.describe()).startsWith("NOT converged").contains("-10.00%");
    }

    @Test
    void aPlateauIsConvergedAndTheThresholdIsStrict() {
        Convergence flat = Convergence.of(List.of(at(0, 40), at(750, 10.05), at(1000, 10)));
        assertThat(flat.converged()).isTrue();
        assertThat(flat.relativeChange()).isCloseTo(-0.05 / 10.05, within(1e-12));
        // exactly 1% is not less than 1%
        Convergence edge = Convergence.of(List.of(at(0, 40), at(750, 10), at(1000, 10.1)));
        assertThat(edge.relativeChange()).isCloseTo(0.01, within(1e-12));
        assertThat(edge.converged()).isEqualTo(Math.abs(edge.relativeChange()) < 0.01);
        // a rising held-out mse (over-fitting) counts against convergence too
        assertThat(Convergence.of(List.of(at(0, 40), at(750, 10), at(1000, 11))).converged())
                .isFalse();
    }

    @Test
    void cannotJudgeWithoutAnEvaluationInTheFirstThreeQuarters() {
        assertThat(Convergence.of(List.of())).isNull();
        assertThat(Convergence.of(List.of(at(1000, 9)))).isNull();
        assertThat(Convergence.of(List.of(at(900, 10), at(1000, 9)))).isNull();
    }
}
