package io.github.saestitch.cluster;

import io.github.saestitch.tensor.MergeTree;
import java.io.Serializable;
import java.util.List;

/**
 * The work of one task: the merge-tree nodes of tokens {@code [from, to)} of the activation set. Serialized
 * to the executors, so it captures only small values and {@link Shared} handles.
 *
 * @param <T> the partial sums
 */
@FunctionalInterface
public interface RangeTask<T extends Serializable> extends Serializable {
    List<MergeTree.Node<T>> apply(long from, long to) throws Exception;
}
