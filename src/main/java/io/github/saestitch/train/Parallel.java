package io.github.saestitch.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Splits an index range over the common fork-join pool. Each index is handled by exactly one task, in
 * increasing order within its range, so results never depend on scheduling: training stays
 * bit-reproducible however the threads interleave.
 */
final class Parallel {
    /** Below this many units of work (≈ float operations) a range runs on the calling thread. */
    static final long MIN_PARALLEL_WORK = 1L << 16;

    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    private Parallel() {
    }

    /** Runs {@code body} over {@code [0, n)} split into contiguous ranges; {@code workPerIndex} sizes the split. */
    static void forRange(int n, long workPerIndex, RangeBody body) {
        int threads = ForkJoinPool.getCommonPoolParallelism() + 1;
        long work = (long) n * Math.max(1, workPerIndex);
        int parts = (int) Math.min(Math.min(threads, n), Math.max(1, work / MIN_PARALLEL_WORK));
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            tasks.add(ForkJoinTask.adapt(() -> body.run(from, to)));
        }
        ForkJoinTask.invokeAll(tasks);
        for (ForkJoinTask<?> t : tasks) {
            t.join();
        }
    }

    /**
     * Like {@link #forRange} but splits by a cumulative cost: {@code offsets[i+1] − offsets[i]} is the
     * cost of index i (e.g. CSR row pointers), so ranges get equal cost rather than equal length.
     */
    static void forWeightedRange(int n, int[] offsets, long workPerUnit, RangeBody body) {
        int threads = ForkJoinPool.getCommonPoolParallelism() + 1;
        long total = (long) offsets[n] - offsets[0];
        int parts = (int) Math.min(Math.min(threads, n), Math.max(1, total * Math.max(1, workPerUnit) / MIN_PARALLEL_WORK));
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        int[] bounds = new int[parts + 1];
        bounds[parts] = n;
        for (int p = 1; p < parts; p++) {
            long target = offsets[0] + total * p / parts;
            int lo = bounds[p - 1];
            int hi = n;
            while (lo < hi) { // first i with offsets[i] >= target
                int mid = (lo + hi) >>> 1;
                if (offsets[mid] < target) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            bounds[p] = lo;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int f = bounds[p];
            int t = bounds[p + 1];
            if (t > f) {
                tasks.add(ForkJoinTask.adapt(() -> body.run(f, t)));
            }
        }
        ForkJoinTask.invokeAll(tasks);
        for (ForkJoinTask<?> t : tasks) {
            t.join();
        }
    }
}
