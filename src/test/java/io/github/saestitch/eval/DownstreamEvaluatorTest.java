package io.github.saestitch.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.activations.ActivationExtractor;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.CorpusSource;
import io.github.saestitch.activations.ExtractionListener;
import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.activations.HookPoint;
import io.github.saestitch.activations.OnnxTransformer;
import io.github.saestitch.activations.SplicedTransformer;
import io.github.saestitch.activations.TestTexts;
import io.github.saestitch.activations.TransformerModel;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The downstream score on a tiny MiniLM store (layer 3, windows of 16 tokens, four short documents). */
class DownstreamEvaluatorTest {
    /** Splicing x back through the second half against the whole model: float rounding of a different graph. */
    private static final float SPLIT_TOLERANCE = 1e-4f;

    @TempDir
    static Path shared;

    static ActivationStore store;
    static DownstreamEvaluator ev;

    @BeforeAll
    static void extract() throws IOException {
        Path texts = TestTexts.textFolder(shared);
        Path dir = shared.resolve("store");
        ActivationExtractor.extract(
                ExtractionOptions.defaults(dir)
                        .withCorpus(new CorpusSource.TextFiles(texts))
                        .withMaxTokens(0)
                        .withContextLength(16)
                        .withBatchSize(4)
                        .withShardTokens(64)
                        .withThreads(2)
                        .withHook(HookPoint.residPost(3)),
                ExtractionListener.NONE);
        store = ActivationStore.open(dir);
        ev = DownstreamEvaluator.prepare(store, 0, store.numTokens(), 2, null);
    }

    @AfterAll
    static void close() {
        ev.close();
        store.close();
    }

    private static final ScalarKernels K = new ScalarKernels();

    /** relu([x, −x]) decoded by [I; −I]: x̂ = x bit for bit. */
    private static Sae identity(int d) {
        FloatMatrix wEnc = FloatMatrix.zeros(d, 2 * d);
        FloatMatrix wDec = FloatMatrix.zeros(2 * d, d);
        for (int j = 0; j < d; j++) {
            wEnc.set(j, j, 1);
            wEnc.set(j, d + j, -1);
            wDec.set(j, j, 1);
            wDec.set(d + j, j, -1);
        }
        return new Sae(new Activation.Relu(), false, wEnc, new float[2 * d], wDec, new float[d], null);
    }

    @Test
    void identityReconstructionRecoversEverything() {
        DownstreamResult r = ev.evaluate(new SaeRunner(identity(384), K));
        assertThat(r.cosSae()).isEqualTo(1.0);
        assertThat(r.embeddingRecovered()).isEqualTo(1.0);
        assertThat(r.mse()).isEqualTo(0.0);
        assertThat(r.tokens()).isEqualTo(store.numTokens());
        assertThat(r.documents()).isEqualTo(4);
        assertThat(r.windows()).isGreaterThan(4);
        // The ablation changes the embedding: the score has a denominator.
        assertThat(r.cosAblated()).isBetween(0.0, 0.999);
        // x recomputed in other batches than the extractor's is the store's x up to rounding.
        assertThat(r.storeMaxAbsDifference()).isLessThan(1e-3);
    }

    @Test
    void theMeanRecoversNothing() {
        float[] mean = ev.mean();
        Sae constant = new Sae(
                new Activation.Relu(),
                false,
                FloatMatrix.zeros(384, 4),
                new float[] {-1, -1, -1, -1},
                FloatMatrix.zeros(4, 384),
                mean,
                null);
        DownstreamResult r = ev.evaluate(new SaeRunner(constant, K));
        assertThat(r.cosSae()).isEqualTo(r.cosAblated());
        assertThat(r.embeddingRecovered()).isEqualTo(0.0);
    }

    @Test
    void aTrainedSaeRecoversPartOfTheEmbedding() {
        Sae sae = new Trainer(
                        TrainOptions.builder(Architecture.RELU, 96)
                                .batchSize(64)
                                .trainingTokens(64L * 150)
                                .initSampleTokens(256)
                                .evalTokens(0)
                                .evalEvery(1000)
                                .logEvery(1000)
                                .checkpointEvery(100000)
                                .seed(3)
                                .build(),
                        K)
                .trainInMemory(
                        new io.github.saestitch.train.ShuffledBatchSource(store, 0, store.numTokens(), 3),
                        null,
                        TrainListener.NONE)
                .sae();
        DownstreamResult r = ev.evaluate(new SaeRunner(sae, K));
        assertThat(r.embeddingRecovered()).isStrictlyBetween(0.0, 1.0);
        assertThat(r.cosSae()).isStrictlyBetween(r.cosAblated(), 1.0);
        // The mse over the spliced tokens is the evaluator's mse on the store (x recomputed: rounding only).
        double mse = new Evaluator(K).evaluate(sae, store).mse();
        assertThat(r.mse()).isCloseTo(mse, within(1e-3 * mse));
    }

    @Test
    void theSecondHalfOnXIsTheWholeModel() {
        Random rnd = new Random(5);
        int rows = 3;
        int seq = 11;
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + rnd.nextInt(20000);
            mask[i] = i % seq < seq - 2 * (i / seq) ? 1 : 0; // rows padded by 0, 2, 4
        }
        TransformerModel m = TransformerModel.MINILM_L6;
        byte[] onnx = m.readOnnx();
        for (HookPoint hook : new HookPoint[] {
            HookPoint.embeddings(),
            HookPoint.residPost(3),
            new HookPoint(4, HookPoint.Site.RESID_MID),
            HookPoint.residPost(5)
        }) {
            try (SplicedTransformer s = SplicedTransformer.open(m, onnx, hook, 2);
                    OnnxTransformer whole = OnnxTransformer.openUnmodified(m, onnx, 2)) {
                float[] got = s.lastHiddenState(s.hookActivations(ids, mask, rows, seq), ids, mask, rows, seq);
                float[] want = whole.run(ids, mask, rows, seq).get(HookPoint.residPost(5));
                assertThat(got).hasSameSizeAs(want);
                for (int i = 0; i < want.length; i++) {
                    if (mask[i / 384] == 1) {
                        assertThat(got[i]).as("%s at %d", hook, i).isCloseTo(want[i], within(SPLIT_TOLERANCE));
                    }
                }
            }
        }
    }

    @Test
    void embeddingsAreMeanPooledOverTheMaskAndNormalised() {
        float[] hidden = {1, 0, 3, 4, 100, 100}; // one row, three positions, d = 2; the last is padding
        double[][] e = SplicedTransformer.sentenceEmbeddings(hidden, new long[] {1, 1, 0}, 1, 3, 2);
        // mean (2, 2), normalised (1/√2, 1/√2); the padding's (100, 100) is left out
        assertThat(e[0][0]).isCloseTo(Math.sqrt(0.5), within(1e-15));
        assertThat(e[0][1]).isCloseTo(Math.sqrt(0.5), within(1e-15));
    }

    @Test
    void refusesARangeOutsideTheStore() {
        assertThatThrownBy(() -> DownstreamEvaluator.prepare(store, 0, store.numTokens() + 1, 1, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("are not inside");
    }
}
