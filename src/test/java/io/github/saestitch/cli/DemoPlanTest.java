package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.TrainOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's sizes and the family's training options (README "Training the demo's family"). */
class DemoPlanTest {

    @Test
    void defaultPlanTrainsAtLeastThreeWidthsOnTheWholeCorpus() {
        DemoPlan p = DemoPlan.of(null, false, null, null, null, null);
        assertThat(p.widths())
                .hasSizeGreaterThanOrEqualTo(3)
                .startsWith(768); // pairs for the study; the source's first width
        assertThat(p.tokens()).isEqualTo(DemoPlan.WHOLE_CORPUS);
        assertThat(p.tokensInWords()).isEqualTo("the whole corpus");
        assertThat(p.trainTokens()).isEqualTo(DemoPlan.DEFAULT_TRAIN_TOKENS);
    }

    @Test
    void familyOptionsDecayTheLearningRateOverTheWholeRun() {
        DemoPlan p = DemoPlan.of(null, false, null, null, null, null);
        TrainOptions o = p.familyOptions();
        TrainOptions defaults = TrainOptions.builder(Architecture.RELU, 768)
                .trainingTokens(p.trainTokens())
                .build();
        assertThat(o.architecture()).isEqualTo(Architecture.RELU);
        assertThat(o.numLatents()).isEqualTo(768);
        assertThat(o.trainingTokens()).isEqualTo(p.trainTokens());
        assertThat(o.learningRate()).isEqualTo(DemoPlan.LEARNING_RATE);
        assertThat(o.lrWarmupFraction() + o.lrDecayFraction()).isEqualTo(1.0);
        // Everything else stays at train's defaults: only the schedule and the rate differ.
        assertThat(o.toBuilder()
                        .learningRate(defaults.learningRate())
                        .lrDecayFraction(defaults.lrDecayFraction())
                        .build())
                .isEqualTo(defaults);
    }

    @Test
    void quickPlanStaysSmallAndOptionsWin() {
        DemoPlan q = DemoPlan.of(null, true, null, null, null, null);
        assertThat(q.tokens()).isEqualTo(60_000);
        assertThat(q.widths()).containsExactly(384, 768);
        assertThat(q.trainTokens()).isEqualTo(150_000);
        assertThat(q.tokensInWords()).isEqualTo("60000 tokens");
        DemoPlan given = DemoPlan.of(null, false, 400_000L, List.of(768, 1536), 1_024_000L, 50_000L);
        assertThat(given.tokens()).isEqualTo(400_000);
        assertThat(given.widths()).containsExactly(768, 1536);
        assertThat(given.familyOptions().trainingTokens()).isEqualTo(1_024_000);
    }
}
