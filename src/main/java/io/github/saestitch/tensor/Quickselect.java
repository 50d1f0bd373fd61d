package io.github.saestitch.tensor;

/**
 * The project's one quickselect: the k-th largest or smallest of a float array in expected linear time,
 * for top-k selection ({@link VectorKernels#topK}) and training's thresholds. The value returned is
 * the order statistic itself, so it does not depend on the pivoting; inputs must not hold NaN.
 */
public final class Quickselect {
    private Quickselect() {}

    /**
     * The k-th largest (1-based) of {@code a[0, n)}, reordering {@code a}: quickselect with a
     * median-of-three pivot and a three-way partition, so runs of equal activations cost one pass.
     */
    public static float kthLargest(float[] a, int n, int k) {
        int lo = 0, hi = n - 1, target = k - 1;
        while (lo < hi) {
            float x = a[lo], y = a[(lo + hi) >>> 1], z = a[hi];
            float pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            // [lo, lt) > pivot, [lt, i) == pivot, (gt, hi] < pivot
            int lt = lo, i = lo, gt = hi;
            while (i <= gt) {
                float v = a[i];
                if (v > pivot) {
                    a[i++] = a[lt];
                    a[lt++] = v;
                } else if (v < pivot) {
                    a[i] = a[gt];
                    a[gt--] = v;
                } else {
                    i++;
                }
            }
            if (target < lt) {
                hi = lt - 1;
            } else if (target > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[target];
    }

    /**
     * The {@code kth} smallest (0-based) of {@code a[0, n)}, reordering {@code a}: {@link #kthLargest} of rank n − kth.
     */
    public static float kthSmallest(float[] a, int n, int kth) {
        return kthLargest(a, n, n - kth);
    }
}
