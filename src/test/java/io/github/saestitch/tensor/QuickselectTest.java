package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The one quickselect against a full sort, at odd sizes, with and without ties. */
class QuickselectTest {
    @Test
    void kthLargestAndSmallestMatchSorting() {
        SplitMix64 r = new SplitMix64(21);
        for (int n : new int[] {1, 2, 7, 33, 1000, 4097}) {
            for (boolean ties : new boolean[] {false, true}) {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = ties ? r.nextInt(5) : (float) r.nextGaussian();
                }
                float[] sorted = a.clone();
                Arrays.sort(sorted);
                for (int k : new int[] {1, 2, n / 3 + 1, n / 2 + 1, n}) {
                    if (k > n) {
                        continue;
                    }
                    float[] work = a.clone();
                    assertThat(Quickselect.kthLargest(work, n, k))
                            .as("n %d k %d", n, k)
                            .isEqualTo(sorted[n - k]);
                    float[] sortedWork = work.clone();
                    Arrays.sort(sortedWork);
                    assertThat(sortedWork).as("a permutation of the input").isEqualTo(sorted);
                    int kth = k - 1;
                    assertThat(Quickselect.kthSmallest(a.clone(), n, kth)).isEqualTo(sorted[kth]);
                }
            }
        }
    }

    @Test
    void onlyTheFirstNEntriesCount() {
        float[] a = {5, 1, 3, 100, 200};
        assertThat(Quickselect.kthLargest(a, 3, 1)).isEqualTo(5f);
        assertThat(a[3]).isEqualTo(100f);
    }
}
