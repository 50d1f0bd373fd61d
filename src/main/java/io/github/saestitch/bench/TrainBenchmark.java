package io.github.saestitch.bench;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.SplitMix64;
import io.github.saestitch.tensor.Vec;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.BatchSource;
import io.github.saestitch.train.TrainListener;
import io.github.saestitch.train.TrainOptions;
import io.github.saestitch.train.TrainProgress;
import io.github.saestitch.train.TrainResult;
import io.github.saestitch.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training throughput per architecture, and how close it comes to the GEMM-bound time, measured in
 * one run (ratios from the same run, never a timed test).
 *
 * <p><b>The floor.</b> The GEMM work per step is counted as the issue defines it: encoder forward
 * {@code 2·B·d·F} and its weight gradient {@code 2·B·d·F} for every architecture (dx is not needed),
 * plus for relu the dense decoder forward and its weight gradient, {@code 2·B·F·d} each. The
 * GEMM-bound time is that count divided by the sgemm rate measured here on the encoder's own shape
 * ({@code [B, d] · [F, d]ᵀ}), before, between and after the architectures, taking the best: on a
 * machine shared with other work the best rate is the machine's, so the fractions are conservative. {@code fraction} =
 * GEMM-bound time / measured time per step: 1.0 means
 * the step runs at the speed of its GEMMs alone. The top-k architectures compute dW_enc sparsely
 * (O(nnz·d) instead of a GEMM), and relu switches to the sparse path once fewer than 5% of its
 * entries are active, so a fraction above 1 is possible and means that the sparse path beat the
 * GEMM count. relu's dense path also runs a fifth GEMM (dpre = G·W_dec) that the count leaves out.
 *
 * <p><b>Data.</b> A synthetic stream resembling residual activations: each token is a sum of 8 of
 * 4096 random unit directions with exponential magnitudes, plus a constant offset and Gaussian noise
 * (norm ≈ 6–8 for d = 384), generated once into a pool of 16,384 tokens served cyclically. The first
 * {@code warmupSteps} are not timed (JIT). relu stays in its dense start over so few steps (l0 ≈ 2,300 of
 * 6,144), so its figure is that of the GEMM path; trained relu SAEs (l0 ≈ 50) run the sparse path.
 *
 * <p><b>The step's floor.</b> Beside the GEMM count, each case prints the floor the issue sets:
 * {@code floor = encoder GEMM + Adam stream}, where the encoder GEMM is the forward {@code 2·B·d·F} at
 * the measured sgemm rate (for relu's dense start the whole GEMM count above) and the Adam stream is
 * the bytes Adam must move per step, {@code 28·P} for {@code P} parameters (it reads p, g, m, v and
 * writes p, m, v: 7 floats; columns {@code enc GEMM}, {@code adam} and {@code floor}), at the streaming bandwidth measured here (a parallel triad over arrays of
 * the same size, best of 5). The sparse decode and the sparse dW_dec/dW_enc move {@code ≈ 2·nnz·d}
 * floats each and are printed too (at the same bandwidth), but are not part of the floor: with l0 ≈ 32
 * they are a few percent of it. {@code x floor} = measured time per step / floor.
 *
 * <p>The optional bf16/oneDNN GEMM path is out of scope here: all figures are float32.
 */
public final class TrainBenchmark {

    /**
     * One architecture's figures.
     *
     * @param architecture        which SAE
     * @param width               F
     * @param tokensPerSecond     training tokens per wall-clock second over the timed steps
     * @param secondsPerStep      measured wall-clock seconds per step
     * @param gemmFlopsPerStep    the counted GEMM floating-point operations of one step
     * @param gemmBoundSeconds    gemmFlopsPerStep at the measured sgemm rate
     * @param fractionOfGemmBound gemmBoundSeconds / secondsPerStep
     * @param finalL0             training-batch l0 at the end (relu's density decides its path)
     * @param adamFloorSeconds    28 bytes per parameter at the measured streaming bandwidth
     * @param sparseFloorSeconds  sparse decode + sparse dW rows ({@code 4·nnz·d} floats read or written) at
     *                            the same bandwidth
     * @param floorSeconds        encoder GEMM (relu dense start: the GEMM count) + Adam stream
     */
    public record Case(
            Architecture architecture,
            int width,
            double tokensPerSecond,
            double secondsPerStep,
            double gemmFlopsPerStep,
            double gemmBoundSeconds,
            double fractionOfGemmBound,
            double finalL0,
            double adamFloorSeconds,
            double sparseFloorSeconds,
            double floorSeconds) {
        /** Measured time per step over its floor. */
        public double timesFloor() {
            return secondsPerStep / floorSeconds;
        }
    }

    /**
     * The whole benchmark.
     *
     * @param kernels      the backend's name
     * @param dIn          d
     * @param batch        B
     * @param sgemmGflops  the best sgemm rate measured on the encoder shape in this run
     * @param cases        one per architecture
     * @param streamGBps   the streaming bandwidth measured in this run (GB/s)
     * @param machine      {@link Machine#describe()}
     */
    public record Result(
            String kernels,
            int dIn,
            int batch,
            double sgemmGflops,
            List<Case> cases,
            double streamGBps,
            String machine) {
        /** A plain-text table of the figures. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(
                    Locale.ROOT,
                    "kernels=%s d=%d B=%d sgemm %.1f GFLOP/s ([B,d]·[F,d]^T)%n",
                    kernels,
                    dIn,
                    batch,
                    sgemmGflops));
            sb.append(machine).append(String.format(Locale.ROOT, "; stream %.1f GB/s (triad)%n", streamGBps));
            sb.append(String.format(
                    Locale.ROOT,
                    "%-11s %7s %12s %10s %12s %10s %8s %9s %9s %9s %9s %8s%n",
                    "arch",
                    "F",
                    "tokens/s",
                    "ms/step",
                    "GEMM-bound",
                    "fraction",
                    "l0",
                    "enc GEMM",
                    "adam",
                    "sparse",
                    "floor",
                    "x floor"));
            for (Case c : cases) {
                sb.append(String.format(
                        Locale.ROOT,
                        "%-11s %7d %12.0f %10.2f %10.2fms %10.2f %8.1f %7.2fms %7.2fms %7.2fms %7.2fms %8.2f%n",
                        c.architecture().id(),
                        c.width(),
                        c.tokensPerSecond(),
                        c.secondsPerStep() * 1e3,
                        c.gemmBoundSeconds() * 1e3,
                        c.fractionOfGemmBound(),
                        c.finalL0(),
                        (c.floorSeconds() - c.adamFloorSeconds()) * 1e3,
                        c.adamFloorSeconds() * 1e3,
                        c.sparseFloorSeconds() * 1e3,
                        c.floorSeconds() * 1e3,
                        c.timesFloor()));
            }
            return sb.toString();
        }
    }

    private TrainBenchmark() {}

    /**
     * Measures every architecture in {@code archs} at width F with batch B for {@code steps} timed steps
     * after {@code warmupSteps} untimed ones.
     */
    public static Result run(
            Kernels kernels, int dIn, int width, int batch, int warmupSteps, int steps, List<Architecture> archs) {
        double rate = sgemmRate(kernels, dIn, width, batch);
        List<Case> cases = new ArrayList<>();
        List<double[]> timings = new ArrayList<>(); // per case: seconds per step, counted flops
        for (Architecture a : archs) {
            rate = Math.max(rate, sgemmRate(kernels, dIn, width, batch));
            TrainOptions o = TrainOptions.builder(a, width)
                    .k(TrainOptions.DEFAULT_K)
                    .batchSize(batch)
                    .trainingTokens((long) (warmupSteps + steps) * batch)
                    .lrWarmupFraction(0)
                    .lrDecayFraction(0)
                    .l1WarmupFraction(0)
                    .initSampleTokens(Math.min(4096, batch * (warmupSteps + steps)))
                    .evalTokens(0)
                    .logEvery(1)
                    .expanderDegree(Math.max(1, dIn / 12))
                    .thresholdCalibrationTokens(batch)
                    .build();
            long[] start = new long[1];
            long[] end = new long[1];
            TrainListener timer = new TrainListener() {
                @Override
                public void onStep(TrainProgress p) {
                    if (p.step() == warmupSteps) {
                        start[0] = System.nanoTime();
                    }
                    if (p.step() == p.totalSteps()) {
                        end[0] = System.nanoTime();
                    }
                }
            };
            if (warmupSteps == 0) {
                start[0] = System.nanoTime();
            }
            TrainResult r = new Trainer(o, kernels).trainInMemory(new SyntheticSource(dIn, 7), null, timer);
            double perStep = Math.max(1e-9, (end[0] - start[0]) * 1e-9 / steps);
            double flops = (a == Architecture.RELU ? 8.0 : 4.0) * batch * (double) dIn * width;
            timings.add(new double[] {
                perStep, flops, r.log().get(r.log().size() - 1).l0()
            });
        }
        rate = Math.max(rate, sgemmRate(kernels, dIn, width, batch));
        long params = 2L * dIn * width + width + dIn; // W_enc, W_dec, b_enc, b_dec
        double bytesPerSecond = streamBandwidth((int) Math.min(Integer.MAX_VALUE - 8, params));
        for (int i = 0; i < archs.size(); i++) {
            double[] t = timings.get(i);
            double bound = t[1] / (rate * 1e9);
            double adam = 28.0 * params / bytesPerSecond;
            double sparse = 4.0 * 4 * t[2] * batch * dIn / bytesPerSecond;
            double gemm = archs.get(i) == Architecture.RELU ? bound : 2.0 * batch * dIn * width / (rate * 1e9);
            cases.add(new Case(
                    archs.get(i),
                    width,
                    batch / t[0],
                    t[0],
                    t[1],
                    bound,
                    bound / t[0],
                    t[2],
                    adam,
                    sparse,
                    gemm + adam));
        }
        return new Result(kernels.name(), dIn, batch, rate, cases, bytesPerSecond / 1e9, Machine.describe());
    }

    /**
     * Streaming bandwidth in bytes/s: a parallel triad {@code a = b + s·c} over arrays of {@code n}
     * floats (12 bytes moved per element), best of 5 after one untimed pass.
     */
    static double streamBandwidth(int n) {
        float[] a = new float[n], b = new float[n], c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 6; rep++) {
            long t0 = System.nanoTime();
            io.github.saestitch.tensor.Parallel.forRange(n, 8, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    a[i] = b[i] + 0.5f * c[i];
                }
            });
            double sec = (System.nanoTime() - t0) * 1e-9;
            if (rep > 0) {
                best = Math.min(best, sec);
            }
        }
        return 12.0 * n / best;
    }

    /** sgemm GFLOP/s on the encoder's shape: best of 5 after 2 warm-up calls. */
    static double sgemmRate(Kernels kernels, int d, int f, int b) {
        FloatMatrix x = FloatMatrix.zeros(b, d);
        FloatMatrix w = FloatMatrix.zeros(f, d);
        FloatMatrix c = FloatMatrix.zeros(b, f);
        SplitMix64 rng = new SplitMix64(5);
        float[] xa = x.heapArrayOrNull();
        float[] wa = w.heapArrayOrNull();
        for (int i = 0; i < xa.length; i++) {
            xa[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < wa.length; i++) {
            wa[i] = (float) rng.nextGaussian();
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 7; rep++) {
            long t0 = System.nanoTime();
            kernels.sgemm(false, true, 1f, x, w, 0f, c);
            double s = (System.nanoTime() - t0) * 1e-9;
            if (rep >= 2) {
                best = Math.min(best, s);
            }
        }
        return 2.0 * b * d * f / best / 1e9;
    }

    /**
     * The synthetic stream of the class comment: a pool of {@link #POOL} tokens generated once (so that
     * generating data costs nothing inside the timed steps), served cyclically.
     */
    static final class SyntheticSource implements BatchSource {
        static final int DIRECTIONS = 4096;
        static final int ACTIVE = 8;
        static final int POOL = 16384;
        private final int d;
        private final float[] pool; // [POOL, d]
        private long position;

        SyntheticSource(int d, long seed) {
            this.d = d;
            SplitMix64 rng = SplitMix64.stream(seed, 99);
            float[] dirs = new float[DIRECTIONS * d]; // [DIRECTIONS, d] unit rows
            for (int i = 0; i < DIRECTIONS; i++) {
                double n = 0;
                for (int j = 0; j < d; j++) {
                    float v = (float) rng.nextGaussian();
                    dirs[i * d + j] = v;
                    n += (double) v * v;
                }
                float inv = (float) (1 / Math.sqrt(n));
                for (int j = 0; j < d; j++) {
                    dirs[i * d + j] *= inv;
                }
            }
            float[] offset = new float[d];
            for (int j = 0; j < d; j++) {
                offset[j] = (float) (0.15 * rng.nextGaussian());
            }
            pool = new float[POOL * d];
            for (int t = 0; t < POOL; t++) {
                for (int j = 0; j < d; j++) {
                    pool[t * d + j] = offset[j] + (float) (0.05 * rng.nextGaussian());
                }
                for (int a = 0; a < ACTIVE; a++) {
                    int i = rng.nextInt(DIRECTIONS);
                    float m = (float) (-2.0 * Math.log(1 - rng.nextDouble()));
                    Vec.axpyUnfusedTail(m, dirs, i * d, pool, t * d, d);
                }
            }
        }

        @Override
        public int dIn() {
            return d;
        }

        @Override
        public void next(FloatMatrix dst) {
            for (int r = 0; r < dst.rows(); r++) {
                int t = (int) ((position + r) % POOL);
                java.lang.foreign.MemorySegment.copy(
                        pool, t * d, dst.segment(), FloatMatrix.FLOAT, (long) r * d * Float.BYTES, d);
            }
            position += dst.rows();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public void seek(long p) {
            position = p;
        }

        @Override
        public String describe() {
            return "synthetic sparse-sum activations (d=" + d + ", pool of " + POOL + " tokens)";
        }
    }
}
