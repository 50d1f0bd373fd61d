package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.tensor.FloatMatrix;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShuffledBatchSourceTest {

    /** A set whose token t holds the value t in its first column. */
    static MatrixActivationSet numbered(int n) {
        FloatMatrix m = FloatMatrix.zeros(n, 3);
        for (int t = 0; t < n; t++) {
            m.set(t, 0, t);
            m.set(t, 1, -t);
        }
        return new MatrixActivationSet(m, "numbered");
    }

    /** locate names the set's row of every delivered token (messages name file rows, not stream positions). */
    @ParameterizedTest
    @CsvSource({"100,7", "40000,1000", "70001,4096", "2049,333"})
    void locateNamesTheRowOfEveryDeliveredToken(int n, int batch) {
        MatrixActivationSet set = numbered(n + 50);
        ShuffledBatchSource src = new ShuffledBatchSource(set, 10, n, 7);
        FloatMatrix b = FloatMatrix.zeros(batch, 3);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        long total = 2L * n + 5; // into a third epoch
        for (long pos = 0; pos < total; pos += batch) {
            src.next(b);
            for (int k = 0; k < 3; k++) { // a few random rows of each batch: the lookup reshuffles a window
                int r = rnd.nextInt(batch);
                assertThat(src.locate(pos + r)).isEqualTo("token " + (int) b.get(r, 0));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"100,7", "40000,1000", "70001,4096", "2048,2048"})
    void everyTokenOncePerEpochAndSeekReproduces(int n, int batch) {
        MatrixActivationSet set = numbered(n + 50);
        ShuffledBatchSource src = new ShuffledBatchSource(set, 10, n, 42);
        int epochs = 2;
        long total = (long) n * epochs;
        int[] seen = new int[n + 60];
        FloatMatrix b = FloatMatrix.zeros(batch, 3);
        float[] stream = new float[(int) total + batch];
        int at = 0;
        while (at < total) {
            src.next(b);
            for (int r = 0; r < batch; r++) {
                stream[at + r] = b.get(r, 0);
            }
            at += batch;
        }
        for (int i = 0; i < total; i++) {
            seen[(int) stream[i]]++;
        }
        for (int t = 0; t < seen.length; t++) {
            assertThat(seen[t]).as("token %d", t).isEqualTo(t >= 10 && t < 10 + n ? epochs : 0);
        }
        // The two epochs differ in order (for more than one chunk) and seeking reproduces the stream.
        if (n > ShuffledBatchSource.CHUNK_TOKENS) {
            assertThat(Arrays.copyOfRange(stream, 0, n)).isNotEqualTo(Arrays.copyOfRange(stream, n, 2 * n));
        }
        for (long pos : new long[] {0, 1, n - 1, n, n + 3, total - batch}) {
            ShuffledBatchSource again = new ShuffledBatchSource(set, 10, n, 42);
            again.seek(pos);
            again.next(b);
            for (int r = 0; r < batch && pos + r < total; r++) {
                assertThat(b.get(r, 0)).isEqualTo(stream[(int) pos + r]);
                assertThat(b.get(r, 1)).isEqualTo(-b.get(r, 0));
            }
            assertThat(again.position()).isEqualTo(pos + batch);
        }
    }
}
