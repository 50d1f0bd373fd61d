package io.github.saestitch.frankenstein;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.cluster.RangeTask;
import io.github.saestitch.cluster.SetSource;
import io.github.saestitch.cluster.Shared;
import io.github.saestitch.sae.MultiSourceRunner;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.sae.SaeSnapshot;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.MergeTree;
import io.github.saestitch.tensor.SparseRows;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The selection/refit tokens in memory and every family member's sparse codes on them: what both
 * selection rules and the decoder refit read, computed once. A Frankenstein latent's code is its code
 * in its source SAE (exactly: each source is run as it is), so the codes of any selection are
 * columns of these ({@link #codesOf}).
 *
 * <p>Memory: the tokens {@code N·d} floats plus the codes {@code N·Σ_s l0_s} entries of 8 bytes
 * (100,000 tokens of the demo family: 154 MB + ≈ 185 MB).
 *
 * <p>Also {@code F_sᵀX} per member ({@link #transposeTimesTokens}), computed on first use and kept: the
 * right-hand sides of every decoder refit (cosine, greedy, originals) are rows of these.
 */
public final class SourceCodes {
    private final int numTokens;
    private final int dIn;
    private final float[] x; // [N, d] the tokens, row-major
    private final SparseRows[] codes; // per member: [N, F_s]
    private final double[][] fx; // per member: [F_s, d] F_sᵀX, or null until first asked
    private final int parts;

    SourceCodes(int numTokens, int dIn, float[] x, SparseRows[] codes, int parts) {
        this.numTokens = numTokens;
        this.dIn = dIn;
        this.x = x;
        this.codes = codes;
        this.fx = new double[codes.length][];
        this.parts = Math.max(1, parts);
    }

    public int numTokens() {
        return numTokens;
    }

    public int dIn() {
        return dIn;
    }

    /** [N, d] the tokens, row-major (not a copy). */
    public float[] x() {
        return x;
    }

    /** Per member: [N, F_s] its codes (not a copy). */
    public SparseRows[] codes() {
        return codes;
    }

    /**
     * Reads tokens {@code [0, n)} of {@code set} (checking every value is finite) and encodes them with
     * every member of {@code family}.
     *
     * @param progress receives tokens encoded so far, summed over members (up to {@code n·members}); may be null
     */
    public static SourceCodes compute(Family family, ActivationSet set, int n, Kernels kernels, LongConsumer progress) {
        Objects.requireNonNull(family, "family");
        int members = family.size();
        return compute(
                family,
                set,
                0,
                n,
                Encoding.local(set, kernels, progress == null ? null : t -> progress.accept(t * members)));
    }

    /**
     * Reads tokens {@code [offset, offset + n)} of {@code set} (checking every value is finite) and has
     * {@code e} encode them with every member ({@link #encode}; {@code e}'s set is {@code set}, opened where
     * its tasks run).
     */
    static SourceCodes compute(Family family, ActivationSet set, long offset, int n, Encoding e) {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(set, "set");
        int d = family.dIn();
        if (set.dIn() != d) {
            throw new IllegalArgumentException("the family has d_in = " + d + " but activation set " + set.describe()
                    + " has d_in = " + set.dIn());
        }
        if (n < 1 || offset < 0 || offset + n > set.numTokens()) {
            throw new IllegalArgumentException("need 1 to " + (set.numTokens() - offset) + " tokens, got " + n);
        }
        float[] x = read(set, offset, n, d);
        SparseRows[] codes;
        try {
            codes = encode(family, offset, n, e);
        } catch (RuntimeException ex) {
            throw ex;
        } catch (Exception ex) {
            throw new IllegalStateException("encoding the family's codes failed: " + ex.getMessage(), ex);
        }
        return new SourceCodes(n, d, x, codes, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Where and how the members' codes are computed: the tasks of {@link #encode}, run by {@code runner}
     * over ranges of whole {@link #UNIT} blocks of {@code set}.
     *
     * @param runner  {@link RangeRunner#LOCAL}-like (this process) or a cluster's
     * @param set     the activation set, opened where a task runs
     * @param owned   whether a task closes the set it opened (a cluster's: yes; this process's own set: no)
     * @param kernels the kernels, made where a task runs
     * @param ranges  ranges to cut a pass into (0: the runner's default)
     */
    public record Encoding(RangeRunner runner, SetSource set, boolean owned, KernelsSource kernels, int ranges) {
        /** In this process on {@code set} (not closed), one range per unit so {@code progress} moves. */
        static Encoding local(ActivationSet set, Kernels kernels, LongConsumer progress) {
            return new Encoding(RangeRunner.local(progress), () -> set, false, () -> kernels, Integer.MAX_VALUE);
        }
    }

    /** Makes the kernels where a task runs (from their name on a cluster). */
    @FunctionalInterface
    public interface KernelsSource extends Serializable {
        Kernels get();
    }

    /**
     * Tokens per unit block of {@link #encode}: each member encodes each unit on its own (its usual GEMM
     * blocks within it), so a unit's codes are the same whichever task, range or process encodes it;
     * {@link SaeRunner#MAX_BLOCK_TOKENS}, so for members of at most 4,096 latents the GEMM blocks are
     * exactly those of encoding all the tokens at once.
     */
    static final int UNIT = SaeRunner.MAX_BLOCK_TOKENS;

    /** One unit's codes, every member's CSR arrays (exact lengths). */
    private record Unit(int rows, int[][] rowPtr, int[][] colIdx, float[][] values) implements Serializable {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
    }

    /**
     * Every member's codes on tokens {@code [offset, offset + n)} of the encoding's set: tasks over ranges of
     * whole {@link #UNIT}s, each returning its units' codes, concatenated in token order here (exact: the
     * codes do not depend on the ranges, the runner or the number of threads).
     */
    static SparseRows[] encode(Family family, long offset, int n, Encoding e) throws Exception {
        List<Shared<SaeSnapshot>> saes = new ArrayList<>();
        for (int s = 0; s < family.size(); s++) {
            saes.add(e.runner().share(SaeSnapshot.of(family.sae(s))));
        }
        SetSource source = e.set();
        boolean owned = e.owned();
        KernelsSource kernels = e.kernels();
        RangeTask<Unit> task = (from, to) -> {
            ActivationSet set = source.open();
            try {
                Kernels k = kernels.get();
                List<SaeRunner> runners = new ArrayList<>();
                for (Shared<SaeSnapshot> sh : saes) {
                    runners.add(new SaeRunner(sh.get().sae(), k));
                }
                List<MergeTree.Node<Unit>> out = new ArrayList<>();
                for (long a = from; a < to; a += UNIT) {
                    int m = (int) Math.min(UNIT, to - a);
                    FloatMatrix x = set.block(offset + a, m);
                    int members = runners.size();
                    int[][] ptr = new int[members][];
                    int[][] idx = new int[members][];
                    float[][] val = new float[members][];
                    for (int s = 0; s < members; s++) {
                        SparseRows c = runners.get(s).encode(x);
                        ptr[s] = c.rowPtr();
                        idx[s] = Arrays.copyOf(c.colIdx(), c.nnz());
                        val[s] = Arrays.copyOf(c.values(), c.nnz());
                    }
                    out.add(new MergeTree.Node<>(0, a / UNIT, new Unit(m, ptr, idx, val)));
                }
                return out;
            } finally {
                if (owned) {
                    set.close();
                }
            }
        };
        int ranges = e.ranges() > 0 ? e.ranges() : e.runner().defaultRanges();
        List<List<MergeTree.Node<Unit>>> parts =
                e.runner().run("frankenstein", RangeRunner.bounds(n, UNIT, ranges), task);
        SparseRows[] codes = new SparseRows[family.size()];
        for (int s = 0; s < codes.length; s++) {
            List<SparseRows> rows = new ArrayList<>();
            for (List<MergeTree.Node<Unit>> part : parts) {
                for (MergeTree.Node<Unit> node : part) {
                    Unit u = node.value();
                    rows.add(new SparseRows(
                            u.rows(), family.member(s).width(), u.rowPtr()[s], u.colIdx()[s], u.values()[s]));
                }
            }
            codes[s] = SaeRunner.concatRows(rows, family.member(s).width());
        }
        return codes;
    }

    /**
     * Tokens {@code [0, n)} of {@code set} with codes already computed (one per member, {@code n} rows
     * each, e.g. from a compare pass's own encoding): reads the tokens, checking they are finite.
     */
    public static SourceCodes of(ActivationSet set, int n, SparseRows[] codes) {
        Objects.requireNonNull(set, "set");
        for (SparseRows c : codes) {
            if (c.rows() != n) {
                throw new IllegalArgumentException("codes have " + c.rows() + " rows for " + n + " tokens");
            }
        }
        if (n < 1 || n > set.numTokens()) {
            throw new IllegalArgumentException("need 1 to " + set.numTokens() + " tokens, got " + n);
        }
        return new SourceCodes(
                n,
                set.dIn(),
                read(set, 0, n, set.dIn()),
                codes.clone(),
                Runtime.getRuntime().availableProcessors());
    }

    /** Tokens {@code [offset, offset + n)} of {@code set} as [n, d] floats, each checked finite. */
    private static float[] read(ActivationSet set, long offset, int n, int d) {
        float[] x = new float[Math.multiplyExact(n, d)];
        int block = SaeRunner.MAX_BLOCK_TOKENS;
        for (int t0 = 0; t0 < n; t0 += block) {
            int m = Math.min(block, n - t0);
            FloatMatrix b = set.block(offset + t0, m);
            MemorySegment.copy(b.segment(), FloatMatrix.FLOAT, 0, x, t0 * d, m * d);
            for (int i = t0 * d, end = (t0 + m) * d; i < end; i++) {
                if (!Float.isFinite(x[i])) {
                    throw new IllegalArgumentException("activation set " + set.describe() + " has a non-finite value ("
                            + x[i] + ") at token " + (offset + i / d) + ", dim " + i % d);
                }
            }
        }
        return x;
    }

    /** {@code F_sᵀX} [F_s, d] of member s in double (computed once, {@link NormalEquations#transposeTimes}). */
    public double[] transposeTimesTokens(int s) {
        if (fx[s] == null) {
            fx[s] = NormalEquations.transposeTimes(codes[s], x, dIn, parts);
        }
        return fx[s];
    }

    /** {@code FᵀX} [F_sel, d] of a selection: its rows of the members' {@link #transposeTimesTokens}. */
    public double[] transposeTimesTokens(Selection sel) {
        double[] out = new double[Math.multiplyExact(sel.numLatents(), dIn)];
        for (int h = 0; h < sel.numLatents(); h++) {
            System.arraycopy(transposeTimesTokens(sel.source()[h]), sel.latent()[h] * dIn, out, h * dIn, dIn);
        }
        return out;
    }

    /** Total stored code entries of member {@code s} divided by the tokens: its l0 on these tokens. */
    public double l0(int s) {
        return (double) codes[s].nnz() / numTokens;
    }

    /** The tokens as a matrix view [N, d]. */
    public FloatMatrix tokens() {
        return FloatMatrix.wrap(x, numTokens, dIn);
    }

    /**
     * The codes of a selection, [N, F_sel], column h = latent h of the selection (rows sorted by column).
     * Cost: one pass over every used member's codes.
     */
    public SparseRows codesOf(Selection sel) {
        return codesOf(sel, 0, numTokens);
    }

    /** The codes of a selection on tokens {@code [t0, t1)}: rows of {@link #codesOf(Selection)}. */
    public SparseRows codesOf(Selection sel, int t0, int t1) {
        if (t0 < 0 || t1 < t0 || t1 > numTokens) {
            throw new IndexOutOfBoundsException("tokens [" + t0 + ", " + t1 + ") outside [0, " + numTokens + ")");
        }
        int f = sel.numLatents();
        int[][] map = new int[codes.length][];
        for (int h = 0; h < f; h++) {
            int s = sel.source()[h];
            if (map[s] == null) {
                map[s] = new int[codes[s].cols()];
                Arrays.fill(map[s], -1);
            }
            map[s][sel.latent()[h]] = h;
        }
        long cap = 0;
        for (int s = 0; s < codes.length; s++) {
            if (map[s] != null) {
                cap += codes[s].rowPtr()[t1] - codes[s].rowPtr()[t0];
            }
        }
        int[] ptr = new int[t1 - t0 + 1];
        int[] idx = new int[Math.toIntExact(cap)];
        float[] val = new float[idx.length];
        int m = 0;
        boolean sorted = isSortedBySource(sel);
        for (int t = t0; t < t1; t++) {
            int start = m;
            for (int s = 0; s < codes.length; s++) {
                if (map[s] == null) {
                    continue;
                }
                SparseRows c = codes[s];
                int[] ms = map[s];
                for (int e = c.rowPtr()[t]; e < c.rowPtr()[t + 1]; e++) {
                    int h = ms[c.colIdx()[e]];
                    if (h >= 0) {
                        idx[m] = h;
                        val[m++] = c.values()[e];
                    }
                }
            }
            if (!sorted) {
                MultiSourceRunner.sortRow(idx, val, start, m);
            }
            ptr[t - t0 + 1] = m;
        }
        return new SparseRows(t1 - t0, f, ptr, Arrays.copyOf(idx, m), Arrays.copyOf(val, m));
    }

    /** Whether the latents are in increasing (source, latent) order, so gathered rows come out sorted. */
    private static boolean isSortedBySource(Selection sel) {
        for (int h = 1; h < sel.numLatents(); h++) {
            int a = sel.source()[h - 1];
            int b = sel.source()[h];
            if (b < a || (b == a && sel.latent()[h] <= sel.latent()[h - 1])) {
                return false;
            }
        }
        return true;
    }
}
