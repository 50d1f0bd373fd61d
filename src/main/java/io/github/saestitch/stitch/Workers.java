package io.github.saestitch.stitch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * A fixed set of worker threads for the per-token sparse work of one compare: {@link #run} runs task
 * 0 on the calling thread and the others on the pool, and returns when all are done. Task {@code c}
 * always covers the same fixed share of the work, so results do not depend on scheduling. Daemon
 * threads, shut down by {@link #close()}.
 */
final class Workers implements AutoCloseable {
    private final int size;
    private final ExecutorService pool; // null when size == 1

    Workers(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("need at least one worker, got " + size);
        }
        this.size = size;
        this.pool = size == 1 ? null : Executors.newFixedThreadPool(size - 1, r -> {
            Thread t = new Thread(r, "saestitch-compare");
            t.setDaemon(true);
            return t;
        });
    }

    int size() {
        return size;
    }

    /** Runs {@code body(c)} for c in [0, tasks) and waits; the first failure is rethrown. */
    void run(int tasks, IntConsumer body) {
        if (pool == null || tasks <= 1) {
            for (int c = 0; c < tasks; c++) {
                body.accept(c);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(tasks - 1);
        for (int c = 1; c < tasks; c++) {
            int task = c;
            futures.add(pool.submit(() -> body.accept(task)));
        }
        RuntimeException failure = null;
        try {
            body.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for compare workers", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
