package io.github.saestitch.frankenstein;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Frankenstein validates its inputs before any stage (issue 16, item 7). */
class FrankensteinInputsTest {
    @ParameterizedTest
    @ValueSource(floats = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN})
    void aNonFiniteHeldOutValueIsRefusedBeforeTheFirstStage(float bad) {
        Families.Case c = Families.relu(12, 8, 20, 600, 3);
        FloatMatrix x = c.x().copy();
        x.set(597, 4, bad); // in the held-out tail (the last 100 tokens)
        List<String> stages = new ArrayList<>();
        FrankensteinListener l = new FrankensteinListener() {
            @Override
            public void started(String stage, long total, String unit) {
                stages.add(stage);
            }
        };
        FrankensteinOptions o = FrankensteinOptions.defaults().withTokens(400, 100);
        assertThatThrownBy(() ->
                        new Frankenstein(new ScalarKernels()).run(c.family(), new MatrixActivationSet(x, "acts"), o, l))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite value (" + bad + ") at token 597, dim 4")
                .hasMessageContaining("held-out");
        assertThat(stages).isEmpty();
    }
}
