package io.github.saestitch.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sgemm of {@link VectorKernels}, following the GotoBLAS/BLIS structure. {@code C} is cut into
 * tiles of at most {@value #TILE_M} × {@value #TILE_N}; threads take tiles from a shared counter. Inside
 * a tile, for each slab of {@value #KC} along {@code k}, the {@code op(B)} slab is packed into panels
 * of {@code NR = 2·lanes} columns (stays in L2) and each {@value #MR}-row panel of {@code op(A)} is
 * packed once (stays in L1) and swept across all B panels by an {@value #MR} × {@code NR}
 * register-blocked micro-kernel (16 vector accumulators). Packing reads the stored layout, so all four
 * transpose combinations share one micro-kernel. Heap matrices (whole arrays or row-slice views) are
 * read directly; native and memory-mapped matrices are copied block by block into scratch before
 * packing and written through {@link FloatVector#intoMemorySegment}.
 *
 * <p>Tiles split only {@code m} and {@code n}; every element of C sums its {@code k} products in the
 * same slab order whatever the tile size or thread count, so results do not depend on either.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Micro-kernel rows: 8 rows × 2 vectors = 16 accumulators, 2 B loads and 1 broadcast live out of 32 zmm. */
    static final int MR = 8;
    /** Micro-kernel columns: two vectors (32 floats with AVX-512). */
    static final int NR = 2 * L;
    /**
     * Depth of one packed slab: the 8 × 256 floats of an A panel (8 KiB) stay in L1 while the
     * 256 × TILE_N floats of the B slab (1 MiB at most) stream from L2.
     */
    static final int KC = 256;
    /**
     * Tile of C per task: {@code TILE_M} rows × {@code TILE_N} columns. Re-packing touches
     * 1/(2·TILE_N) + 1/(2·TILE_M) floats per flop (one per ~400 flops). Measured on the 2-core
     * Zen 4 (1 MiB L2) with 2 threads, 4096×384·384×12288 / 4096×12288·12288×384, GFLOP/s under load
     * from other processes: 256×1024 gave 192/186, 256×512 186/185, 512×512 170–196/188, 128×1024
     * 157/171; KC 192–512 moved results less than the noise.
     */
    static final int TILE_M = 256;
    /** See {@link #TILE_M}. */
    static final int TILE_N = 1024;
    /** Below this many flops an sgemm runs on the calling thread: forking costs more than it saves. */
    static final long PARALLEL_MIN_FLOPS = 4L << 20;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorGemm() {}

    /** One operand as stored: heap array + offset when possible, else the segment. */
    private record Operand(float[] array, int offset, MemorySegment segment, int ld) {
        static Operand of(FloatMatrix x) {
            float[] arr = VectorKernels.heapArray(x);
            return new Operand(arr, arr == null ? 0 : VectorKernels.heapOffset(x), x.segment(), x.cols());
        }

        /**
         * Stored block rows [r0, r0+nr) × cols [c0, c0+nc) as (array, offset, leading dimension): the
         * heap array itself, or a copy in the thread's scratch for native and mapped data.
         */
        float[] block(int r0, int nr, int c0, int nc, Scratch s, int[] offLd) {
            if (array != null) {
                offLd[0] = offset + r0 * ld + c0;
                offLd[1] = ld;
                return array;
            }
            float[] scratch = s.copy(nr * nc);
            for (int r = 0; r < nr; r++) {
                MemorySegment.copy(
                        segment, FloatMatrix.FLOAT, ((long) (r0 + r) * ld + c0) * Float.BYTES, scratch, r * nc, nc);
            }
            offLd[0] = 0;
            offLd[1] = nc;
            return scratch;
        }
    }

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final class Scratch {
        float[] ap = new float[0]; // [KC, MR] packed A panel, k-major
        float[] bp = new float[0]; // [panels, KC, NR] packed B slab
        float[] acc = new float[MR * NR]; // [MR, NR] micro-kernel result
        float[] copy = new float[0]; // stored block of a non-heap operand
        final int[] offLd = new int[2];

        float[] ap(int n) {
            return ap.length >= n ? ap : (ap = new float[n]);
        }

        float[] bp(int n) {
            return bp.length >= n ? bp : (bp = new float[n]);
        }

        float[] copy(int n) {
            return copy.length >= n ? copy : (copy = new float[n]);
        }
    }

    /** {@link Kernels#sgemm} on up to {@code threads} threads. */
    static void sgemm(
            boolean transA,
            boolean transB,
            float alpha,
            FloatMatrix a,
            FloatMatrix b,
            float beta,
            FloatMatrix c,
            int threads) {
        int[] mnk = Kernels.gemmShape(transA, transB, a, b, c);
        int m = mnk[0], n = mnk[1], k = mnk[2];
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(c, beta);
            return;
        }
        Operand oa = Operand.of(a), ob = Operand.of(b), oc = Operand.of(c);
        int tileM = Math.min(TILE_M, Math.ceilDiv(m, MR) * MR), tileN = Math.min(TILE_N, Math.ceilDiv(n, NR) * NR);
        long flops = 2L * m * n * k;
        int workers = flops < PARALLEL_MIN_FLOPS || !VectorKernels.shareable(a, b, c) ? 1 : threads;
        // Enough tiles for the dynamic schedule to balance: at least 4 per worker while tiles stay big.
        while (workers > 1
                && Math.ceilDiv(m, tileM) * Math.ceilDiv(n, tileN) < 4 * workers
                && (tileM > 64 || tileN > 64)) {
            if (tileM >= tileN && tileM > 64 || tileN <= 64) {
                tileM = Math.ceilDiv(tileM / 2, MR) * MR;
            } else {
                tileN = Math.ceilDiv(tileN / 2, NR) * NR;
            }
        }
        int tilesM = Math.ceilDiv(m, tileM), tilesN = Math.ceilDiv(n, tileN);
        int tm = tileM, tn = tileN;
        Parallel.forEach(tilesM * tilesN, workers, t -> {
            int i0 = (t / tilesN) * tm, j0 = (t % tilesN) * tn;
            gemmTile(
                    transA,
                    transB,
                    alpha,
                    beta,
                    oa,
                    ob,
                    oc,
                    k,
                    i0,
                    Math.min(m, i0 + tm),
                    j0,
                    Math.min(n, j0 + tn),
                    SCRATCH.get());
        });
    }

    private static void gemmTile(
            boolean transA,
            boolean transB,
            float alpha,
            float beta,
            Operand a,
            Operand b,
            Operand c,
            int k,
            int i0,
            int i1,
            int j0,
            int j1,
            Scratch s) {
        int nt = j1 - j0;
        int panels = Math.ceilDiv(nt, NR);
        float[] bp = s.bp(panels * Math.min(KC, k) * NR);
        float[] ap = s.ap(Math.min(KC, k) * MR);
        float[] acc = s.acc;
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            packB(transB, b, p0, kc, j0, nt, bp, s);
            boolean first = p0 == 0;
            for (int i = i0; i < i1; i += MR) {
                int mr = Math.min(MR, i1 - i);
                packA(transA, a, i, mr, p0, kc, ap, s);
                for (int jp = 0; jp < panels; jp++) {
                    int j = j0 + jp * NR;
                    kernel(kc, ap, bp, jp * kc * NR, acc);
                    merge(acc, c, i, mr, j, Math.min(NR, j1 - j), alpha, first ? beta : 1f);
                }
            }
        }
    }

    /**
     * Packs op(A) rows [i, i+mr) × k [p0, p0+kc) into {@code ap[p·MR + r]}, zero rows beyond mr.
     */
    private static void packA(boolean transA, Operand a, int i, int mr, int p0, int kc, float[] ap, Scratch s) {
        int[] offLd = s.offLd;
        if (!transA) {
            // Stored [m, k]: row i+r is contiguous along p.
            float[] x = a.block(i, mr, p0, kc, s, offLd);
            int off = offLd[0], ld = offLd[1];
            for (int r = 0; r < mr; r++) {
                int src = off + r * ld;
                for (int p = 0; p < kc; p++) {
                    ap[p * MR + r] = x[src + p];
                }
            }
            if (mr < MR) {
                for (int p = 0; p < kc; p++) {
                    Arrays.fill(ap, p * MR + mr, p * MR + MR, 0f);
                }
            }
        } else {
            // Stored [k, m]: the mr values of one p are contiguous.
            float[] x = a.block(p0, kc, i, mr, s, offLd);
            int off = offLd[0], ld = offLd[1];
            for (int p = 0; p < kc; p++) {
                System.arraycopy(x, off + p * ld, ap, p * MR, mr);
                if (mr < MR) {
                    Arrays.fill(ap, p * MR + mr, p * MR + MR, 0f);
                }
            }
        }
    }

    /**
     * Packs op(B) k [p0, p0+kc) × columns [j0, j0+nt) into panels of NR columns:
     * {@code bp[panel·kc·NR + p·NR + jj]}, zero columns beyond nt.
     */
    private static void packB(boolean transB, Operand b, int p0, int kc, int j0, int nt, float[] bp, Scratch s) {
        int[] offLd = s.offLd;
        int panels = Math.ceilDiv(nt, NR);
        if (!transB) {
            // Stored [k, n]: NR contiguous values per (p, panel).
            float[] x = b.block(p0, kc, j0, nt, s, offLd);
            int off = offLd[0], ld = offLd[1];
            for (int jp = 0; jp < panels; jp++) {
                int jj0 = jp * NR;
                int w = Math.min(NR, nt - jj0);
                int dst = jp * kc * NR;
                if (w == NR) {
                    for (int p = 0; p < kc; p++, dst += NR) {
                        int src = off + p * ld + jj0;
                        FloatVector.fromArray(S, x, src).intoArray(bp, dst);
                        FloatVector.fromArray(S, x, src + L).intoArray(bp, dst + L);
                    }
                } else {
                    for (int p = 0; p < kc; p++, dst += NR) {
                        System.arraycopy(x, off + p * ld + jj0, bp, dst, w);
                        Arrays.fill(bp, dst + w, dst + NR, 0f);
                    }
                }
            }
        } else {
            // Stored [n, k]: column jj of op(B) is stored row j0+jj, contiguous along p.
            float[] x = b.block(j0, nt, p0, kc, s, offLd);
            int off = offLd[0], ld = offLd[1];
            for (int jp = 0; jp < panels; jp++) {
                int jj0 = jp * NR;
                int w = Math.min(NR, nt - jj0);
                int base = jp * kc * NR;
                for (int jj = 0; jj < w; jj++) {
                    int src = off + (jj0 + jj) * ld;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * NR + jj] = x[src + p];
                    }
                }
                if (w < NR) {
                    for (int p = 0; p < kc; p++) {
                        Arrays.fill(bp, base + p * NR + w, base + p * NR + NR, 0f);
                    }
                }
            }
        }
    }

    /**
     * The register-blocked micro-kernel: {@code acc[r, :] = Σ_p ap[p·MR + r] · bp[bo + p·NR + :]} for
     * the MR × NR block. Accumulators are locals so C2 keeps all 16 in vector registers.
     */
    private static void kernel(int kc, float[] ap, float[] bp, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S),
                c01 = c00,
                c10 = c00,
                c11 = c00,
                c20 = c00,
                c21 = c00,
                c30 = c00,
                c31 = c00,
                c40 = c00,
                c41 = c00,
                c50 = c00,
                c51 = c00,
                c60 = c00,
                c61 = c00,
                c70 = c00,
                c71 = c00;
        int ao = 0;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ao + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ao + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + L);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + L);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + L);
        c40.intoArray(acc, 4 * NR);
        c41.intoArray(acc, 4 * NR + L);
        c50.intoArray(acc, 5 * NR);
        c51.intoArray(acc, 5 * NR + L);
        c60.intoArray(acc, 6 * NR);
        c61.intoArray(acc, 6 * NR + L);
        c70.intoArray(acc, 7 * NR);
        c71.intoArray(acc, 7 * NR + L);
    }

    /**
     * {@code C[i.., j..] = alpha·acc + beta·C} over the valid mr × nr corner; {@code beta == 0} ignores
     * C's old contents.
     */
    private static void merge(float[] acc, Operand c, int i, int mr, int j, int nr, float alpha, float beta) {
        int ld = c.ld;
        if (c.array != null) {
            float[] x = c.array;
            for (int r = 0; r < mr; r++) {
                int dst = c.offset + (i + r) * ld + j;
                int src = r * NR;
                int q = 0;
                if (nr == NR) {
                    for (; q < NR; q += L) {
                        FloatVector v = FloatVector.fromArray(S, acc, src + q).mul(alpha);
                        if (beta != 0f) {
                            v = FloatVector.fromArray(S, x, dst + q).fma(FloatVector.broadcast(S, beta), v);
                        }
                        v.intoArray(x, dst + q);
                    }
                }
                for (; q < nr; q++) {
                    float v = alpha * acc[src + q];
                    x[dst + q] = beta == 0f ? v : Math.fma(beta, x[dst + q], v);
                }
            }
        } else {
            MemorySegment x = c.segment;
            for (int r = 0; r < mr; r++) {
                long dst = ((long) (i + r) * ld + j) * Float.BYTES;
                int src = r * NR;
                int q = 0;
                if (nr == NR) {
                    for (; q < NR; q += L) {
                        long at = dst + (long) q * Float.BYTES;
                        FloatVector v = FloatVector.fromArray(S, acc, src + q).mul(alpha);
                        if (beta != 0f) {
                            v = FloatVector.fromMemorySegment(S, x, at, NATIVE).fma(FloatVector.broadcast(S, beta), v);
                        }
                        v.intoMemorySegment(x, at, NATIVE);
                    }
                }
                for (; q < nr; q++) {
                    long at = dst + (long) q * Float.BYTES;
                    float v = alpha * acc[src + q];
                    x.set(FloatMatrix.FLOAT, at, beta == 0f ? v : Math.fma(beta, x.get(FloatMatrix.FLOAT, at), v));
                }
            }
        }
    }

    /** {@code C = beta·C}; with {@code beta == 0}, C is zero-filled (old NaN does not survive). */
    private static void scale(FloatMatrix c, float beta) {
        if (beta == 1f) {
            return;
        }
        if (beta == 0f) {
            c.segment().fill((byte) 0);
            return;
        }
        MemorySegment x = c.segment();
        for (long i = 0, n = c.size(); i < n; i++) {
            x.setAtIndex(FloatMatrix.FLOAT, i, beta * x.getAtIndex(FloatMatrix.FLOAT, i));
        }
    }
}
