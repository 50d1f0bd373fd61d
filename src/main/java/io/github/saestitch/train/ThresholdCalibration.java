package io.github.saestitch.train;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Quickselect;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BatchTopK's inference threshold: over {@link TrainOptions#thresholdCalibrationTokens} fresh
 * tokens (drawn after the last step), the θ at which the mean number of pre-activations above
 * θ per token is k, i.e. the (k·N)-th largest of all N·F pre-activations. Each block of B keeps its
 * 2k·B largest values as candidates; θ is the (k·N)-th largest candidate, exact unless some block
 * holds more than twice its share of the top values, in which case the mean of the per-block
 * thresholds (what the running estimate approximates; Bussmann et al.) is used.
 */
final class ThresholdCalibration {
    private ThresholdCalibration() {}

    /** θ in normalised units (0 when fewer than k pre-activations per token are positive). */
    static float calibrate(RunContext run, TrainingState state, SaeObjective objective) {
        TrainOptions options = run.options();
        int d = run.d();
        int B = options.batchSize();
        int F = options.numLatents();
        long K = (long) options.k() * B;
        int blocks = Math.max(1, (options.thresholdCalibrationTokens() + B - 1) / B);
        float[] xb = new float[B * d];
        FloatMatrix xm = FloatMatrix.wrap(xb, B, d);
        List<float[]> cands = new ArrayList<>();
        float[] blockFloor = new float[blocks];
        double blockThetaSum = 0;
        int total = 0;
        for (int bIdx = 0; bIdx < blocks; bIdx++) {
            run.source().next(xm);
            for (int i = 0; i < xb.length; i++) {
                if (!Float.isFinite(xb[i])) {
                    throw new IllegalArgumentException(
                            "calibration activations contain a non-finite value at dim " + i % d);
                }
                xb[i] *= state.inputScale;
            }
            float[] pre = objective.preActivations(state.params, xb);
            float[] kept = new float[1];
            float[] top = LatentSelection.largest(pre, B * F, 2 * K, kept);
            blockFloor[bIdx] = kept[0];
            float[] one = new float[1];
            LatentSelection.largest(Arrays.copyOf(top, top.length), top.length, K, one);
            blockThetaSum += one[0];
            cands.add(top);
            total += top.length;
        }
        long want = K * blocks;
        if (total <= want) {
            return 0f; // fewer positive pre-activations than k per token: keep every positive one
        }
        float[] all = new float[total];
        int at = 0;
        for (float[] c : cands) {
            System.arraycopy(c, 0, all, at, c.length);
            at += c.length;
        }
        float theta = Quickselect.kthSmallest(all, total, (int) (total - want));
        for (int bIdx = 0; bIdx < blocks; bIdx++) {
            if (blockFloor[bIdx] >= theta && cands.get(bIdx).length == 2 * K) {
                return (float) (blockThetaSum / blocks);
            }
        }
        return theta;
    }
}
