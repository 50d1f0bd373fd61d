package io.github.saestitch.tensor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BinaryOperator;

/**
 * A fixed pairwise merge tree over numbered blocks of data, so that a sum over many blocks has the same
 * bits however the blocks were cut between threads, tasks or machines.
 *
 * <p><b>Why.</b> Floating-point addition is not associative: folding the same partial sums in another
 * grouping changes the last bits. Spark's {@code treeAggregate} over float sums gave three different bit
 * patterns in three runs; a fixed-order pairwise tree keyed by block index gave identical digests in
 * every mode (measured for this project, issue 12). So the unit of accumulation is defined by the data
 * (block {@code i} of the input, whatever computes it) and the grouping by the block indices only.
 *
 * <p><b>The tree.</b> Node {@code (level, index)} covers blocks {@code [index·2^level, (index+1)·2^level)}
 * of the input (cut at the last block); its value is {@code merge(left child, right child)}, the lower
 * indices always the left operand (merges need not be commutative bitwise, e.g. the Chan–Golub–LeVeque
 * moments update), and a node whose right child is past the end is its left child. The root covers all
 * blocks. Pushing the blocks (or any aligned nodes) of a range in index order keeps a stack of the
 * range's maximal complete nodes ({@link #nodes}); a task returns those, and pushing every task's nodes
 * in range order rebuilds exactly the nodes one pass would have built. {@link #result} then folds the
 * stack from the right, which is the tree's root for a range starting at block 0: the same bits for any
 * cut of the blocks into ranges. At most {@code log2(blocks) + 1} nodes are alive at once.
 *
 * @param <T> the partial sums, never modified by {@code merge}
 */
public final class MergeTree<T> {
    /**
     * A complete node of the tree: the merged value of blocks {@code [index·2^level, (index+1)·2^level)}.
     *
     * @param level 0 for one block
     * @param index the node's position among the nodes of its level
     * @param value the merged sums
     */
    public record Node<T>(int level, long index, T value) implements Serializable {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        public Node {
            if (level < 0 || level > 62 || index < 0) {
                throw new IllegalArgumentException("bad tree node (" + level + ", " + index + ")");
            }
            Objects.requireNonNull(value, "value");
        }

        /** First block covered. */
        public long firstBlock() {
            return index << level;
        }

        /** One past the last block covered (for a complete node). */
        public long endBlock() {
            return (index + 1) << level;
        }
    }

    private final BinaryOperator<T> merge; // (lower blocks, higher blocks) → merged
    private final List<Node<T>> stack = new ArrayList<>();

    /**
     * An empty tree.
     *
     * @param merge combines the sums of two adjacent ranges, the lower one first
     */
    public MergeTree(BinaryOperator<T> merge) {
        this.merge = Objects.requireNonNull(merge, "merge");
    }

    /** Adds the sums of block {@code index}; blocks come in increasing, consecutive order. */
    public void add(long index, T value) {
        push(new Node<>(0, index, value));
    }

    /**
     * Adds a complete node (a task's result); nodes come in block order, each starting where the previous
     * one ended.
     *
     * @throws IllegalArgumentException when the node does not follow the previous one
     */
    public void push(Node<T> node) {
        Objects.requireNonNull(node, "node");
        if (!stack.isEmpty() && stack.getLast().endBlock() != node.firstBlock()) {
            throw new IllegalArgumentException("tree node (" + node.level() + ", " + node.index() + ") starts at block "
                    + node.firstBlock() + " but the previous one ends at block "
                    + stack.getLast().endBlock());
        }
        Node<T> n = node;
        while ((n.index() & 1) == 1 && !stack.isEmpty()) {
            Node<T> top = stack.getLast();
            if (top.level() != n.level() || top.index() != n.index() - 1) {
                break;
            }
            stack.removeLast();
            n = new Node<>(n.level() + 1, n.index() >> 1, merge.apply(top.value(), n.value()));
        }
        stack.add(n);
    }

    /** Adds every node of {@code nodes}, in order. */
    public void pushAll(List<Node<T>> nodes) {
        for (Node<T> n : nodes) {
            push(n);
        }
    }

    /** The maximal complete nodes so far, in block order: what a task covering part of the blocks returns. */
    public List<Node<T>> nodes() {
        return List.copyOf(stack);
    }

    /**
     * The merged sums of everything pushed: the stack folded from the right, {@code s0 ⊕ (s1 ⊕ (…))};
     * {@code empty} when nothing was pushed.
     */
    public T result(T empty) {
        if (stack.isEmpty()) {
            return empty;
        }
        T acc = stack.getLast().value();
        for (int k = stack.size() - 2; k >= 0; k--) {
            acc = merge.apply(stack.get(k).value(), acc);
        }
        return acc;
    }
}
