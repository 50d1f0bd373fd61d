package io.github.saestitch.cluster;

import io.github.saestitch.tensor.MergeTree;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link RangeTask}s over ranges of tokens somewhere: {@link #LOCAL} in this thread, or on a cluster
 * (the {@code saestitch-spark} module). Whatever runs them, the driver gets every range's nodes in range
 * order and pushes them into one {@link MergeTree}, so the result has the bits of one process.
 */
public interface RangeRunner extends AutoCloseable {
    /** Runs the ranges one after another in this thread. */
    RangeRunner LOCAL = local(null);

    /**
     * Runs the ranges one after another in this thread, telling {@code done} the end of each range as it
     * finishes (null: nobody).
     */
    static RangeRunner local(java.util.function.LongConsumer done) {
        return new RangeRunner() {
            @Override
            public <T extends Serializable> Shared<T> share(T value) {
                return Shared.inline(value);
            }

            @Override
            public int defaultRanges() {
                return 1;
            }

            @Override
            public <T extends Serializable> List<List<MergeTree.Node<T>>> run(
                    String job, long[] bounds, RangeTask<T> task) throws Exception {
                List<List<MergeTree.Node<T>>> out = new ArrayList<>();
                for (int k = 0; k + 1 < bounds.length; k++) {
                    out.add(task.apply(bounds[k], bounds[k + 1]));
                    if (done != null) {
                        done.accept(bounds[k + 1]);
                    }
                }
                return out;
            }
        };
    }

    /** Releases the cluster (nothing for {@link #LOCAL}). */
    @Override
    default void close() throws Exception {}

    /** Sends {@code value} to the workers once; tasks read it with {@link Shared#get}. */
    <T extends Serializable> Shared<T> share(T value);

    /** Ranges to cut a pass into when the user did not say (a cluster: its default parallelism). */
    int defaultRanges();

    /**
     * Runs {@code task} on {@code [bounds[k], bounds[k+1])} for every k; returns the results in range order.
     *
     * @param job a short name for progress and errors ("compare", "eval")
     */
    <T extends Serializable> List<List<MergeTree.Node<T>>> run(String job, long[] bounds, RangeTask<T> task)
            throws Exception;

    /**
     * {@code [0, tokens)} cut into at most {@code ranges} ranges of whole units of {@code unit} tokens, each
     * of the same power-of-two number of units (the last one shorter): the bounds, from 0 to {@code tokens}.
     * A range of 2^k aligned units is one complete node of the merge tree when a unit holds a power of two
     * of its blocks (a pass block holds 8 chunks), so each task sends one node to the driver rather than up
     * to 2·log2 of them: the bytes reduced are about {@code ranges × one node} (docs/scaling.md).
     */
    static long[] bounds(long tokens, int unit, int ranges) {
        long units = (tokens + unit - 1) / unit;
        long per = 1;
        while (per * Math.max(1, ranges) < units) {
            per <<= 1;
        }
        int r = (int) Math.max(1, (units + per - 1) / per);
        long[] b = new long[r + 1];
        for (int k = 0; k <= r; k++) {
            b[k] = Math.min(tokens, k * per * unit);
        }
        b[r] = tokens;
        return b;
    }

    /** All the nodes, pushed in order into one tree: its result ({@code empty} when there are none). */
    static <T> T merge(List<List<MergeTree.Node<T>>> parts, java.util.function.BinaryOperator<T> merge, T empty) {
        MergeTree<T> tree = new MergeTree<>(merge);
        parts.forEach(tree::pushAll);
        return tree.result(empty);
    }
}
