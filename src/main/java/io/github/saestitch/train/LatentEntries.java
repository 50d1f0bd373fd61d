package io.github.saestitch.train;

import io.github.saestitch.tensor.SparseRows;
import java.util.Arrays;

/**
 * The entries of one batch's codes (main entries, then AuxK's) sorted latent-major by a counting sort,
 * so that each latent's weight-gradient rows are accumulated by one thread in a fixed order. Latent
 * i's entries are {@code [start[i], start[i+1])}, its first {@code mainCount[i]} the main ones.
 *
 * @param start     [F + 1] offsets of each latent's entries
 * @param mainCount [F] main entries per latent
 * @param token     [nnz] the entry's token
 * @param gradRow   [nnz] the row of {@code gh} holding the entry's gradient vector G
 * @param act       [nnz] the entry's activation
 */
record LatentEntries(int[] start, int[] mainCount, int[] token, int[] gradRow, float[] act) {

    /**
     * Sorts the entries of {@code codes} and {@code aux} (may be null) by latent; main entry (t, c) reads G row {@code t·P + group(c)}, AuxK entry t row {@code B·P + t}.
     */
    static LatentEntries sort(SparseRows codes, SparseRows aux, int[] groupOf, int P, int numLatents) {
        final int B = codes.rows();
        final int F = numLatents;
        int mainNnz = codes.nnz();
        int auxNnz = aux == null ? 0 : aux.nnz();
        int total = mainNnz + auxNnz;
        int[] start = new int[F + 1];
        for (int q = 0; q < mainNnz; q++) {
            start[codes.colIdx()[q] + 1]++;
        }
        for (int q = 0; q < auxNnz; q++) {
            start[aux.colIdx()[q] + 1]++;
        }
        for (int i = 0; i < F; i++) {
            start[i + 1] += start[i];
        }
        int[] fill = Arrays.copyOf(start, F);
        int[] eTok = new int[total];
        int[] eRow = new int[total];
        float[] eAct = new float[total];
        int[] mainCount = new int[F];
        for (int t = 0; t < B; t++) {
            for (int q = codes.rowPtr()[t]; q < codes.rowPtr()[t + 1]; q++) {
                int c = codes.colIdx()[q];
                int at = fill[c]++;
                eTok[at] = t;
                eRow[at] = t * P + (groupOf == null ? 0 : groupOf[c]);
                eAct[at] = codes.values()[q];
                mainCount[c]++;
            }
        }
        if (aux != null) {
            for (int t = 0; t < B; t++) {
                for (int q = aux.rowPtr()[t]; q < aux.rowPtr()[t + 1]; q++) {
                    int c = aux.colIdx()[q];
                    int at = fill[c]++;
                    eTok[at] = t;
                    eRow[at] = B * P + t;
                    eAct[at] = aux.values()[q];
                }
            }
        }
        return new LatentEntries(start, mainCount, eTok, eRow, eAct);
    }
}
