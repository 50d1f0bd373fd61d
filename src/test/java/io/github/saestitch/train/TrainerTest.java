package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.report.TrainingCharts;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** End-to-end training on the toy model: constraints, convergence, resume, files, clean failures. */
class TrainerTest {
    static final Kernels K = new ScalarKernels();
    /** |‖W_dec,i‖ − 1| after normalisation in float32. */
    static final double NORM_TOL = 1e-5;

    static final ToyModel TOY = ToyModel.absorptionTree(3);

    /** A toy activation set of {@code n} tokens (the training tail is held out by the trainer). */
    static MatrixActivationSet toySet(int n) {
        return TOY.heldOut(n).acts();
    }

    static TrainOptions.Builder small(Architecture a, int width) {
        return TrainOptions.builder(a, width)
                .k(2)
                .batchSize(128)
                .trainingTokens(128L * 60)
                .learningRate(3e-3)
                .l1Coefficient(1.0)
                .initSampleTokens(1024)
                .deadTokens(128L * 10)
                .evalTokens(512)
                .evalEvery(20)
                .logEvery(5)
                .checkpointEvery(30)
                .thresholdCalibrationTokens(1024)
                .expanderDegree(8)
                .seed(11);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void decoderRowsStayUnitNormWhereTheArchitectureCallsForIt(Architecture a) {
        TrainResult r =
                new Trainer(small(a, 24).build(), K).trainInMemory(TOY.batchSource(), toySet(512), TrainListener.NONE);
        float[] norms = new float[24];
        K.rowNorms(r.sae().wDec(), norms);
        if (a.unitNormDecoder()) {
            for (float n : norms) {
                assertThat((double) n).isCloseTo(1.0, org.assertj.core.data.Offset.offset(NORM_TOL));
            }
        } else {
            double maxDev = 0;
            for (float n : norms) {
                maxDev = Math.max(maxDev, Math.abs(n - 1.0));
            }
            assertThat(maxDev)
                    .as("relu's decoder rows are free (the L1 term is weighted by their norm)")
                    .isGreaterThan(1e-3);
        }
        assertThat(r.steps()).isEqualTo(60);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void lossDecreasesOnTheToyModel(Architecture a) {
        TrainResult r = new Trainer(small(a, 24).trainingTokens(128L * 200).build(), K)
                .trainInMemory(TOY.batchSource(), toySet(512), TrainListener.NONE);
        List<TrainingLog.Row> log = r.log();
        double first = log.get(0).mse();
        double last = log.get(log.size() - 1).mse();
        // The expander's rows may use 8 of the 30 dims, while every toy feature is a dense direction:
        // it cannot reconstruct the toy well, only better than at the start.
        double factor = a == Architecture.EXPANDER ? 0.9 : 0.5;
        assertThat(last).as("training mse of %s falls", a).isLessThan(factor * first);
        if (a != Architecture.EXPANDER) {
            assertThat(r.curve().get(r.curve().size() - 1).fvu())
                    .as("held-out fvu of %s", a)
                    .isLessThan(0.5);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Architecture.class,
            names = {"RELU", "BATCHTOPK", "MATRYOSHKA"})
    void resumeIsBitIdenticalToAnUninterruptedRun(Architecture a, @TempDir Path tmp) throws IOException {
        TrainOptions.Builder b = small(a, 16).trainingTokens(128L * 40).checkpointEvery(20);
        if (a == Architecture.MATRYOSHKA) {
            b.matryoshkaRandomPrefixes(true);
        }
        TrainOptions o = b.build();
        MatrixActivationSet acts = toySet(3000); // < 2 windows of shuffling: exercises epochs and seeks
        Path straight = tmp.resolve("straight");
        TrainResult full = new Trainer(o, K).train(acts, straight, false, TrainListener.NONE);

        Path cut = tmp.resolve("cut");
        TrainListener killAt20 = new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                if (p.step() == 20) {
                    throw new SimulatedKill();
                }
            }
        };
        assertThatThrownBy(() -> new Trainer(o, K).train(acts, cut, false, killAt20))
                .isInstanceOf(SimulatedKill.class);
        assertThat(Files.exists(cut.resolve(TrainResult.SAE_DIR))).isFalse();
        TrainResult resumed = new Trainer(o, K).train(acts, cut, true, TrainListener.NONE);

        assertSameWeights(full.sae(), resumed.sae());
        Sae a1 = SaeFormats.load(straight.resolve(TrainResult.SAE_DIR)).sae();
        Sae a2 = SaeFormats.load(cut.resolve(TrainResult.SAE_DIR)).sae();
        assertSameWeights(a1, a2);
        assertThat(a1.activation()).isEqualTo(a2.activation());
        assertThat(resumed.finalEval().mse()).isEqualTo(full.finalEval().mse());
        // The log holds the same steps, whatever happened in between.
        assertThat(resumed.log().stream().map(TrainingLog.Row::step).toList())
                .isEqualTo(full.log().stream().map(TrainingLog.Row::step).toList());
    }

    /** A run stopped at step 20 of 40 in {@code cut} (checkpoint at step 20). */
    private static void killedAt20(TrainOptions o, MatrixActivationSet acts, Path cut) {
        killedAt(20, o, acts, cut);
    }

    /** A run in {@code cut} stopped after {@code step} steps. */
    private static void killedAt(int step, TrainOptions o, MatrixActivationSet acts, Path cut) {
        TrainListener kill = new TrainListener() {
            @Override
            public void onStep(TrainProgress p) {
                if (p.step() == step) {
                    throw new SimulatedKill();
                }
            }
        };
        assertThatThrownBy(() -> new Trainer(o, K).train(acts, cut, false, kill))
                .isInstanceOf(SimulatedKill.class);
    }

    /** Collects the listener's notes. */
    static final class Notes implements TrainListener {
        final List<String> notes = new java.util.ArrayList<>();

        @Override
        public void onNote(String message) {
            notes.add(message);
        }
    }

    @Test
    void resumeRefusesOtherActivationsSayingWhatDiffers(@TempDir Path tmp) {
        TrainOptions o = small(Architecture.RELU, 16)
                .trainingTokens(128L * 40)
                .checkpointEvery(20)
                .build();
        MatrixActivationSet acts = toySet(3000);
        Path cut = tmp.resolve("cut");
        killedAt20(o, acts, cut);
        // Same width and token count, other values: accepted before the checkpoint recorded its data.
        FloatMatrix other = acts.matrix().copy();
        other.set(1234, 5, other.get(1234, 5) + 1f);
        assertThatThrownBy(() ->
                        new Trainer(o, K).train(new MatrixActivationSet(other, "other"), cut, true, TrainListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot resume")
                .hasMessageContaining("first 3000 tokens of other (")
                .hasMessageContaining("are not the activations it was trained on");
        // Fewer tokens than the run used.
        MatrixActivationSet shorter = new MatrixActivationSet(acts.matrix().rowSlice(0, 2900), "shorter");
        assertThatThrownBy(() -> new Trainer(o, K).train(shorter, cut, true, TrainListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trained on 3000 tokens")
                .hasMessageContaining("has only 2900");
    }

    @Test
    void aSetExtendedAfterTheRunStartedResumesOnTheSameTokens(@TempDir Path tmp) throws IOException {
        TrainOptions o = small(Architecture.RELU, 16)
                .trainingTokens(128L * 40)
                .checkpointEvery(20)
                .build();
        MatrixActivationSet grown = toySet(3600);
        MatrixActivationSet acts =
                new MatrixActivationSet(grown.matrix().rowSlice(0, 3000).copy(), "first");
        TrainResult full = new Trainer(o, K).train(acts, tmp.resolve("straight"), false, TrainListener.NONE);
        Path cut = tmp.resolve("cut");
        killedAt20(o, acts, cut);
        Notes notes = new Notes();
        TrainResult resumed = new Trainer(o, K).train(grown, cut, true, notes);
        assertSameWeights(full.sae(), resumed.sae());
        assertThat(resumed.finalEval().mse()).isEqualTo(full.finalEval().mse());
        assertThat(notes.notes).singleElement().asString().contains("grown to 3600 tokens", "first 3000");
    }

    @Test
    void aCheckpointWithoutItsDataRecordResumesWithANote(@TempDir Path tmp) throws IOException {
        TrainOptions o = small(Architecture.RELU, 16)
                .trainingTokens(128L * 40)
                .checkpointEvery(20)
                .build();
        MatrixActivationSet acts = toySet(3000);
        TrainResult full = new Trainer(o, K).train(acts, tmp.resolve("straight"), false, TrainListener.NONE);
        Path cut = tmp.resolve("cut");
        killedAt20(o, acts, cut);
        Path json = cut.resolve(TrainResult.CHECKPOINT_DIR).resolve(TrainingState.JSON);
        ObjectMapper om = new ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(json.toFile());
        assertThat(root.has("data")).isTrue();
        root.remove("data"); // as written before the record existed
        om.writeValue(json.toFile(), root);
        Notes notes = new Notes();
        TrainResult resumed = new Trainer(o, K).train(acts, cut, true, notes);
        assertSameWeights(full.sae(), resumed.sae());
        assertThat(notes.notes).singleElement().asString().contains("predates the record of its activations");
    }

    @Test
    void resumeBeforeTheFirstCheckpointStartsAfreshAndSaysSo(@TempDir Path tmp) throws IOException {
        TrainOptions o = small(Architecture.RELU, 16)
                .trainingTokens(128L * 40)
                .checkpointEvery(30)
                .build();
        MatrixActivationSet acts = toySet(3000);
        TrainResult full = new Trainer(o, K).train(acts, tmp.resolve("straight"), false, TrainListener.NONE);
        Path cut = tmp.resolve("cut");
        killedAt(10, o, acts, cut);
        Notes notes = new Notes();
        TrainResult resumed = new Trainer(o, K).train(acts, cut, true, notes);
        assertSameWeights(full.sae(), resumed.sae());
        assertThat(notes.notes).singleElement().asString().contains("no checkpoint", "starting from step 1");
    }

    static final class SimulatedKill extends RuntimeException {
        SimulatedKill() {
            super("simulated kill");
        }
    }

    static void assertSameWeights(Sae x, Sae y) {
        assertThat(x.wEnc().toArray()).isEqualTo(y.wEnc().toArray());
        assertThat(x.bEnc()).isEqualTo(y.bEnc());
        assertThat(x.wDec().toArray()).isEqualTo(y.wDec().toArray());
        assertThat(x.bDec()).isEqualTo(y.bDec());
    }

    @Test
    void batchTopKThresholdMakesHeldOutL0CloseToK() {
        int k = 3;
        TrainResult r = new Trainer(
                        small(Architecture.BATCHTOPK, 32)
                                .k(k)
                                .trainingTokens(256L * 150)
                                .batchSize(256)
                                .thresholdCalibrationTokens(8192)
                                .build(),
                        K)
                .trainInMemory(TOY.batchSource(), TOY.heldOut(8192).acts(), TrainListener.NONE);
        assertThat(r.sae().activation()).isInstanceOf(Activation.BatchTopK.class);
        Activation.BatchTopK bt = (Activation.BatchTopK) r.sae().activation();
        assertThat(bt.k()).isEqualTo(k);
        assertThat(bt.threshold()).isGreaterThan(0f);
        // Held-out tokens are a different sample than the calibration tokens: l0 within 10% of k.
        assertThat(r.finalEval().l0()).isCloseTo(k, org.assertj.core.data.Percentage.withPercentage(10));
    }

    @Test
    void writesLoadableSaeLogPlotAndSummary(@TempDir Path tmp) throws IOException {
        TrainOptions o = small(Architecture.EXPANDER, 24).build();
        Path out = tmp.resolve("run");
        TrainResult r = new Trainer(o, K).train(toySet(4096), out, false, TrainListener.NONE);
        LoadedSae loaded = SaeFormats.load(out.resolve(TrainResult.SAE_DIR));
        assertSameWeights(loaded.sae(), r.sae());
        assertThat(loaded.sae().activation()).isEqualTo(new Activation.TopK(2));
        List<String> csv = Files.readAllLines(out.resolve(TrainingLog.FILE));
        assertThat(csv.get(0)).isEqualTo(TrainingLog.HEADER);
        assertThat(csv).hasSize(1 + r.log().size());
        assertThat(csv.get(1)).startsWith(TrainingLog.FORMAT_VERSION + ",5,640,");
        byte[] png = Files.readAllBytes(TrainingCharts.writeTrainingCurves(out, "topk F=24"));
        assertThat(out.resolve(TrainResult.PLOT_FILE)).isRegularFile();
        assertThat(Files.readString(out.resolve("train_curves.svg"))).contains("training-curves");
        assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        JsonNode summary = new ObjectMapper()
                .readTree(out.resolve(TrainResult.SUMMARY_FILE).toFile());
        assertThat(summary.get("format_version").asInt()).isEqualTo(1);
        assertThat(summary.get("final_eval").get("fvu").asDouble())
                .isEqualTo(r.finalEval().fvu());
        // Expander: W_dec is zero outside the mask and the stored-parameter ratio is reported.
        ExpanderMask mask = ExpanderMask.random(24, ToyModel.DIM, 8, o.seed());
        FloatMatrix wDec = r.sae().wDec();
        for (int i = 0; i < 24; i++) {
            int nonZero = 0;
            for (int j = 0; j < ToyModel.DIM; j++) {
                if (wDec.get(i, j) != 0f) {
                    nonZero++;
                }
            }
            assertThat(nonZero).isLessThanOrEqualTo(8);
            for (int j = 0; j < 8; j++) {
                assertThat(wDec.get(i, mask.neighbour(i, j))).isNotNaN();
            }
        }
        double dense = 2.0 * 30 * 24 + 24 + 30;
        assertThat(r.storedParameterRatio()).isEqualTo((30.0 * 24 + 24 + 30 + 8 * 24) / dense);
        assertThatThrownBy(() -> new Trainer(o, K).train(toySet(4096), out, false, TrainListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already holds a training run");
    }

    @Test
    void nonFiniteLossStopsCleanlyWithTheLastCheckpointIntact(@TempDir Path tmp) throws IOException {
        TrainOptions o = small(Architecture.TOPK, 16)
                .trainingTokens(128L * 40)
                .checkpointEvery(10)
                .build();
        // Tokens from position 128·25 on are scaled by 1e30: the loss overflows at step 26.
        BatchSource exploding = new ScaledAfter(TOY.batchSource(), 128L * 25, 1e30f);
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> new Trainer(o, K).train(exploding, toySet(512), out, false, TrainListener.NONE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("non-finite")
                .hasMessageContaining("step 26")
                .hasMessageContaining("last checkpoint");
        TrainingState s = TrainingState.load(out.resolve(TrainResult.CHECKPOINT_DIR), o, ToyModel.DIM);
        assertThat(s.step).isEqualTo(20);
        for (float[] a : s.params.arrays()) {
            for (float v : a) {
                assertThat(Float.isFinite(v)).isTrue();
            }
        }
        // The intact checkpoint resumes (on clean data) to the end.
        TrainResult r = new Trainer(o, K).train(TOY.batchSource(), toySet(512), out, true, TrainListener.NONE);
        assertThat(r.steps()).isEqualTo(40);
    }

    @Test
    void nanInputsAndEmptyInputsAreClearErrors(@TempDir Path tmp) {
        TrainOptions o = small(Architecture.TOPK, 16).build();
        BatchSource nan = new ScaledAfter(TOY.batchSource(), 128L * 3 + 5, Float.NaN);
        assertThatThrownBy(() -> new Trainer(o, K).trainInMemory(nan, null, TrainListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite")
                .hasMessageContaining("stream token " + (128 * 3 + 5));
        MatrixActivationSet empty = new MatrixActivationSet(FloatMatrix.zeros(0, 30), "empty");
        assertThatThrownBy(() -> new Trainer(o, K).train(empty, tmp.resolve("e"), false, TrainListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> new Trainer(o, K).train(toySet(400), tmp.resolve("s"), false, TrainListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leaves none to train on");
    }

    @Test
    void badHyperParametersAreRejectedWithTheirValue() {
        assertThatThrownBy(() -> small(Architecture.RELU, 16).learningRate(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("learning rate")
                .hasMessageContaining("5.0");
        assertThatThrownBy(() -> small(Architecture.TOPK, 16).k(17).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be in [1, width = 16]");
        assertThatThrownBy(() ->
                        small(Architecture.RELU, 16).l1Coefficient(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l1");
        assertThatThrownBy(() -> small(Architecture.RELU, 16).batchSize(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch size");
        assertThatThrownBy(() -> small(Architecture.MATRYOSHKA, 16)
                        .matryoshkaPrefixes(List.of(8, 4, 16))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefixes");
        assertThatThrownBy(() -> small(Architecture.RELU, 16).trainingTokens(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one batch");
    }

    /** Multiplies every value from {@code from} on by {@code factor}. */
    static final class ScaledAfter implements BatchSource {
        private final BatchSource inner;
        private final long from;
        private final float factor;

        ScaledAfter(BatchSource inner, long from, float factor) {
            this.inner = inner;
            this.from = from;
            this.factor = factor;
        }

        @Override
        public int dIn() {
            return inner.dIn();
        }

        @Override
        public void next(FloatMatrix dst) {
            long start = inner.position();
            inner.next(dst);
            for (int r = 0; r < dst.rows(); r++) {
                if (start + r >= from) {
                    for (int c = 0; c < dst.cols(); c++) {
                        dst.set(r, c, dst.get(r, c) * factor);
                    }
                }
            }
        }

        @Override
        public long position() {
            return inner.position();
        }

        @Override
        public void seek(long position) {
            inner.seek(position);
        }

        @Override
        public String describe() {
            return "scaled " + inner.describe();
        }
    }
}
