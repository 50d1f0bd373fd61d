package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The one parallel loop: every index once, chunks fixed by the problem size, reductions thread-count-free. */
class ParallelTest {
    private static final int[] SIZES = {0, 1, 7, 33, 1000, 100_003};

    /** A float reduction with one partial per chunk, combined in chunk order. */
    private static float chunkedSum(float[] x, int threads) {
        int chunks = Parallel.chunks(x.length, 1);
        float[] partial = new float[chunks];
        Parallel.forEach(chunks, threads, c -> {
            float s = 0f;
            for (int i = Parallel.chunkStart(x.length, chunks, c), end = Parallel.chunkStart(x.length, chunks, c + 1);
                    i < end;
                    i++) {
                s += x[i];
            }
            partial[c] = s;
        });
        float total = 0f;
        for (float p : partial) {
            total += p;
        }
        return total;
    }

    @Test
    void aChunkedReductionIsBitIdenticalWithOneTwoAndSevenThreads() {
        SplitMix64 r = new SplitMix64(3);
        for (int n : SIZES) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (r.nextGaussian() * Math.exp(4 * r.nextGaussian())); // wide range: order matters
            }
            float one = chunkedSum(x, 1);
            assertThat(Float.floatToRawIntBits(chunkedSum(x, 2)))
                    .as("n = %d, 2 threads", n)
                    .isEqualTo(Float.floatToRawIntBits(one));
            assertThat(Float.floatToRawIntBits(chunkedSum(x, 7)))
                    .as("n = %d, 7 threads", n)
                    .isEqualTo(Float.floatToRawIntBits(one));
            double plain = 0;
            for (float v : x) {
                plain += v;
            }
            double scale = 0;
            for (float v : x) {
                scale += Math.abs(v);
            }
            assertThat((double) one).isCloseTo(plain, org.assertj.core.api.Assertions.within(1e-5 * scale + 1e-30));
        }
    }

    @Test
    void chunksDependOnlyOnTheProblemSize() {
        assertThat(Parallel.chunks(0, 1)).isEqualTo(1);
        assertThat(Parallel.chunks(7, 1)).isEqualTo(1);
        assertThat(Parallel.chunks(1000, 1 << 20)).isEqualTo(Parallel.MAX_CHUNKS);
        assertThat(Parallel.chunks(33, 1 << 20)).isEqualTo(33);
        assertThat(Parallel.chunks(100_003, 1)).isEqualTo((int) (100_003 / Parallel.MIN_CHUNK_WORK));
    }

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int n : SIZES) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            Parallel.forRange(n, 1000, (from, to) -> {
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
            int[] offsets = new int[n + 1];
            for (int i = 0; i < n; i++) {
                offsets[i + 1] = offsets[i] + (i % 5); // uneven costs, some empty
            }
            Parallel.forWeightedRange(n, offsets, 1 << 14, (from, to) -> {
                assertThat(from).isLessThanOrEqualTo(to);
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
            for (int threads : new int[] {1, 2, 7}) {
                Parallel.forEach(n, threads, seen::incrementAndGet);
            }
            for (int i = 0; i < n; i++) {
                assertThat(seen.get(i)).as("n = %d, i = %d", n, i).isEqualTo(5);
            }
        }
    }

    @Test
    void weightedBoundsBalanceCost() {
        int n = 1000;
        int[] offsets = new int[n + 1];
        for (int i = 0; i < n; i++) {
            offsets[i + 1] = offsets[i] + (i < 500 ? 1 : 9); // the second half costs 9× more
        }
        int[] b = Parallel.weightedBounds(n, offsets, 5);
        assertThat(b[0]).isZero();
        assertThat(b[5]).isEqualTo(n);
        for (int p = 0; p < 5; p++) {
            long cost = offsets[b[p + 1]] - offsets[b[p]];
            assertThat(cost).isBetween(offsets[n] / 5L - 9, offsets[n] / 5L + 9);
        }
    }

    @Test
    void aFailureInATaskIsRethrown() {
        assertThatThrownBy(() -> Parallel.forEach(64, 4, t -> {
                    if (t == 37) {
                        throw new IllegalStateException("task 37");
                    }
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("task 37");
    }
}
