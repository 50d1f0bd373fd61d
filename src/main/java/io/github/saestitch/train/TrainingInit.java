package io.github.saestitch.train;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SplitMix64;
import java.util.Arrays;

/**
 * The state of a fresh run. The first {@link TrainOptions#initSampleTokens} tokens of the stream give
 * the input scale {@code s = sqrt(d / mean‖x‖²)} and b_dec ({@link BDecInit}); decoder rows are random
 * Gaussian directions (unit norm; relu: {@link TrainOptions#decoderInitNorm}), the encoder starts as the
 * decoder's transpose (Gao et al.; Anthropic's April 2024 update) and b_enc at 0.
 */
final class TrainingInit {
    private TrainingInit() {}

    /** A fresh state for {@code options} on {@code source} ({@code d} = its width); leaves the source at 0. */
    static TrainingState fresh(TrainOptions options, BatchSource source, int d) {
        ExpanderMask mask = options.architecture() == Architecture.EXPANDER
                ? ExpanderMask.random(options.numLatents(), d, options.expanderDegree(), options.seed())
                : null;
        SaeParams p = new SaeParams(d, options.numLatents(), mask);
        TrainingState s = new TrainingState(options, p, new TrainingLog());
        source.seek(0);
        FloatMatrix sample = FloatMatrix.zeros(options.initSampleTokens(), d);
        source.next(sample);
        source.seek(0);
        float[] x = sample.heapArrayOrNull();
        int n = sample.rows();
        s.inputScale = inputScale(options, source, x, n, d);
        for (int i = 0; i < x.length; i++) {
            x[i] *= s.inputScale;
        }
        double[] b = switch (options.bDecInit()) {
            case GEOMETRIC_MEDIAN -> geometricMedian(x, n, d);
            case MEAN -> mean(x, n, d);
            case ZEROS -> new double[d];
        };
        for (int j = 0; j < d; j++) {
            p.bDec[j] = (float) b[j];
        }
        initialWeights(options, p);
        return s;
    }

    /**
     * {@code s = sqrt(d / mean‖x‖²)} of the sample (1 without normalisation); rejects non-finite or all-zero samples.
     */
    private static float inputScale(TrainOptions options, BatchSource source, float[] x, int n, int d) {
        double sumSq = 0;
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("training activations from " + source.describe()
                        + " contain a non-finite value (" + x[i] + ") at " + where(source, i / d) + ", dim " + i % d);
            }
            sumSq += (double) x[i] * x[i];
        }
        if (!(sumSq > 0)) {
            throw new IllegalArgumentException("the first " + n + " training activations from " + source.describe()
                    + " are all zero: nothing to learn");
        }
        return options.normalizeInputs() ? (float) Math.sqrt(d / (sumSq / n)) : 1f;
    }

    /** Where stream position {@code pos} of {@code source} lies, for messages: its row if known. */
    static String where(BatchSource source, long pos) {
        String at = source.locate(pos);
        return at != null ? at : "stream token " + pos;
    }

    /** Random Gaussian decoder rows at the initial norm (seed stream 1), the encoder as their transpose. */
    private static void initialWeights(TrainOptions options, SaeParams p) {
        SplitMix64 rng = SplitMix64.stream(options.seed(), 1);
        float norm = options.architecture() == Architecture.RELU ? (float) options.decoderInitNorm() : 1f;
        for (int i = 0; i < p.numLatents; i++) {
            int o = i * p.decCols;
            double ss = 0;
            for (int j = 0; j < p.decCols; j++) {
                float v = (float) rng.nextGaussian();
                p.wDec[o + j] = v;
                ss += (double) v * v;
            }
            float scale = (float) (norm / Math.sqrt(ss));
            for (int j = 0; j < p.decCols; j++) {
                p.wDec[o + j] *= scale;
            }
            System.arraycopy(p.denseDecoderRow(i), 0, p.wEnc, i * p.dIn, p.dIn);
        }
    }

    /** Mean of the {@code [n, d]} rows, in double. */
    static double[] mean(float[] x, int n, int d) {
        double[] m = new double[d];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                m[j] += x[t * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= n;
        }
        return m;
    }

    /**
     * The geometric median {@code argmin_b Σ_t ‖x_t − b‖} of the {@code [n, d]} rows by Weiszfeld's
     * iteration from the mean ({@code b ← Σ w_t x_t / Σ w_t}, {@code w_t = 1/‖x_t − b‖}, distances floored
     * at 1e-12), at most 200 iterations, stopping when b moves less than 1e-7 of the data's RMS norm.
     */
    static double[] geometricMedian(float[] x, int n, int d) {
        double[] b = mean(x, n, d);
        double rms = 0;
        for (float v : x) {
            rms += (double) v * v;
        }
        rms = Math.sqrt(rms / n);
        double[] next = new double[d];
        for (int it = 0; it < 200; it++) {
            Arrays.fill(next, 0);
            double wSum = 0;
            for (int t = 0; t < n; t++) {
                double dist = 0;
                for (int j = 0; j < d; j++) {
                    double e = x[t * d + j] - b[j];
                    dist += e * e;
                }
                double w = 1 / Math.max(Math.sqrt(dist), 1e-12);
                wSum += w;
                for (int j = 0; j < d; j++) {
                    next[j] += w * x[t * d + j];
                }
            }
            double move = 0;
            for (int j = 0; j < d; j++) {
                next[j] /= wSum;
                move += (next[j] - b[j]) * (next[j] - b[j]);
                b[j] = next[j];
            }
            if (Math.sqrt(move) < 1e-7 * Math.max(rms, 1e-30)) {
                break;
            }
        }
        return b;
    }
}
