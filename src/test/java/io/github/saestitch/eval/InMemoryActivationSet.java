package io.github.saestitch.eval;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link ActivationSet} over a heap matrix, for tests. Blocks are zero-copy row views, and every
 * requested {@code (start, n)} is recorded so tests can check the streaming pattern.
 */
public final class InMemoryActivationSet implements ActivationSet {
    private final FloatMatrix data; // [numTokens, dIn]
    private final String name;
    final List<long[]> requests = new ArrayList<>();

    public InMemoryActivationSet(FloatMatrix data, String name) {
        this.data = data;
        this.name = name;
    }

    @Override
    public int dIn() {
        return data.cols();
    }

    @Override
    public long numTokens() {
        return data.rows();
    }

    @Override
    public FloatMatrix block(long start, int n) {
        requests.add(new long[] {start, n});
        return data.rowSlice(Math.toIntExact(start), Math.toIntExact(start + n));
    }

    @Override
    public String describe() {
        return name;
    }
}
