package io.github.saestitch.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The project's one parallel loop, on the common {@link ForkJoinPool} (the calling thread works too).
 *
 * <p><b>Determinism.</b> Work is cut into tasks the caller fixes, or into chunks that depend only on the
 * problem size ({@link #chunks}: never on the number of threads), and each task runs exactly once on
 * one thread, in increasing index order within its range. So a body that writes per-index results, or a
 * reduction that keeps one partial per chunk and combines the partials in chunk order afterwards, gives
 * bit-identical results with any number of threads and any scheduling. (Which thread runs which task
 * is dynamic: that only moves time around, never numbers.)
 */
public final class Parallel {
    /** Work (≈ float operations) below which one chunk is not split further: forking costs more than it saves. */
    public static final long MIN_CHUNK_WORK = 1L << 16;
    /** Most chunks a range is cut into: enough to balance 16+ threads, few enough to keep per-chunk partials small. */
    public static final int MAX_CHUNKS = 64;

    /** A loop body over the index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private Parallel() {}

    /** Threads a loop may use by default: the common pool's workers and the calling thread. */
    public static int defaultThreads() {
        return ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    /**
     * How many chunks {@code n} indices of {@code workPerIndex} units each are cut into: at least
     * {@link #MIN_CHUNK_WORK} units per chunk, at most {@link #MAX_CHUNKS} and at most {@code n}, at
     * least 1. A function of the problem size only.
     */
    public static int chunks(int n, long workPerIndex) {
        long work = (long) n * Math.max(1, workPerIndex);
        return (int) Math.max(1, Math.min(Math.min(MAX_CHUNKS, n), work / MIN_CHUNK_WORK));
    }

    /**
     * Start of chunk {@code c} of {@code chunks} equal chunks of {@code [0, n)}; chunk c is [start(c), start(c + 1)).
     */
    public static int chunkStart(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /** Runs {@code body(t)} for every t in [0, tasks), on up to {@link #defaultThreads()} threads. */
    public static void forEach(int tasks, IntConsumer body) {
        forEach(tasks, defaultThreads(), body);
    }

    /**
     * Runs {@code body(t)} for every t in [0, tasks), each exactly once, on up to {@code threads} threads
     * (the calling thread included), and returns when all are done; a failure is rethrown.
     */
    public static void forEach(int tasks, int threads, IntConsumer body) {
        int w = Math.min(Math.min(threads, tasks), defaultThreads());
        if (w <= 1) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        RecursiveAction[] loops = new RecursiveAction[w];
        for (int i = 0; i < w; i++) {
            loops[i] = new RecursiveAction() {
                @Override
                protected void compute() {
                    for (int t; (t = next.getAndIncrement()) < tasks; ) {
                        body.accept(t);
                    }
                }
            };
        }
        ForkJoinTask.invokeAll(loops);
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into {@link #chunks}{@code (n, workPerIndex)} contiguous,
     * equal ranges.
     */
    public static void forRange(int n, long workPerIndex, RangeBody body) {
        int parts = chunks(n, workPerIndex);
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        forEach(parts, p -> body.run(chunkStart(n, parts, p), chunkStart(n, parts, p + 1)));
    }

    /**
     * Like {@link #forRange} but cut by a cumulative cost: {@code offsets[i+1] − offsets[i]} is the cost
     * of index i (e.g. CSR row pointers), so ranges get about equal cost rather than equal length.
     */
    public static void forWeightedRange(int n, int[] offsets, long workPerUnit, RangeBody body) {
        long total = (long) offsets[n] - offsets[0];
        int parts =
                (int) Math.max(1, Math.min(Math.min(MAX_CHUNKS, n), total * Math.max(1, workPerUnit) / MIN_CHUNK_WORK));
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        int[] bounds = weightedBounds(n, offsets, parts);
        forEach(parts, p -> {
            if (bounds[p + 1] > bounds[p]) {
                body.run(bounds[p], bounds[p + 1]);
            }
        });
    }

    /** Cuts [0, n) into {@code parts} ranges of about equal cost {@code offsets[to] − offsets[from]}. */
    static int[] weightedBounds(int n, int[] offsets, int parts) {
        long total = (long) offsets[n] - offsets[0];
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
        return bounds;
    }
}
