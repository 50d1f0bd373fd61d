package io.github.saestitch.decomp;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SparseRows;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The tokens × latents activation matrix V of an SAE on the first tokens of an activation set, as one
 * CSR ({@link SparseRows}): what {@link Nmf} factorises. Every activation {@link SaeRunner} computes is
 * strictly positive (relu, jumprelu as relu(v)·[v &gt; θ], topk and batchtopk keep positive values
 * only), so V is non-negative by construction; {@link Nmf} still checks every value.
 */
public final class CodeMatrix {
    /** Tokens encoded per block (SaeRunner's own blocking applies inside). */
    static final int BLOCK_TOKENS = 4096;

    private CodeMatrix() {}

    /**
     * The codes of tokens {@code [0, min(maxTokens, numTokens))} of {@code set}.
     *
     * @param progress receives the number of tokens done after each block; may be null
     * @throws IllegalArgumentException when d_in differs, the set is empty, or V would not fit one CSR
     */
    public static SparseRows encode(
            Sae sae, Kernels kernels, ActivationSet set, long maxTokens, LongConsumer progress) {
        if (set.dIn() != sae.dIn()) {
            throw new IllegalArgumentException(
                    "the SAE has d_in " + sae.dIn() + " but " + set.describe() + " has d = " + set.dIn());
        }
        long n = Math.min(maxTokens > 0 ? maxTokens : Long.MAX_VALUE, set.numTokens());
        if (n <= 0) {
            throw new IllegalArgumentException("the activation set " + set.describe() + " has no tokens");
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " tokens do not fit one matrix; use --tokens to take fewer");
        }
        SaeRunner runner = new SaeRunner(sae, kernels);
        List<SparseRows> parts = new ArrayList<>();
        long nnz = 0;
        for (long start = 0; start < n; start += BLOCK_TOKENS) {
            int len = (int) Math.min(BLOCK_TOKENS, n - start);
            SparseRows codes = runner.encode(set.block(start, len));
            nnz += codes.nnz();
            if (nnz > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the codes of " + n + " tokens have more than 2^31 non-zeros; use "
                        + "--tokens to take fewer (" + start + " tokens already hold " + nnz + ")");
            }
            parts.add(codes);
            if (progress != null) {
                progress.accept(start + len);
            }
        }
        return SaeRunner.concatRows(parts, sae.numLatents());
    }

    /** [F] whether column j holds a stored non-zero entry. */
    public static boolean[] fired(SparseRows v) {
        boolean[] out = new boolean[v.cols()];
        for (int p = 0; p < v.nnz(); p++) {
            if (v.values()[p] != 0f) {
                out[v.colIdx()[p]] = true;
            }
        }
        return out;
    }
}
