package io.github.saestitch.train;

import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Parallel;
import io.github.saestitch.tensor.Vec;
import java.util.Arrays;

/**
 * One optimisation step: read B tokens and multiply them by the input scale, compute the loss and
 * gradients ({@link SaeObjective}), remove from each decoder row's gradient its component along the row
 * (top-k architectures, whose decoder rows are kept at unit norm: Gao et al. 2024, Bricken et al. 2023),
 * take an Adam step ({@link Adam}) at the scheduled learning rate ({@link Schedule}), renormalise the
 * decoder rows, and advance the state: counters, data position, dead-latent tracker and BatchTopK's
 * running threshold. A non-finite input, loss or weight stops the run before anything is written.
 */
final class TrainingStep {
    /** What one step did: its number, its schedule and its batch's statistics (normalised units). */
    record Result(int step, double lr, float l1, SaeObjective.Stats stats) {}

    private final RunContext run;
    private final TrainingState state;
    private final SaeObjective objective;
    private final Checkpoints checkpoints;
    private final Schedule schedule;
    private final MatryoshkaPrefixes prefixes;
    private final float[] xb; // [B, d] the batch, scaled
    private final FloatMatrix xm; // xb as a matrix
    private final SaeParams grad;
    private final boolean[] fired; // [F] latents active in this batch

    TrainingStep(RunContext run, TrainingState state, SaeObjective objective, Checkpoints checkpoints) {
        this.run = run;
        this.state = state;
        this.objective = objective;
        this.checkpoints = checkpoints;
        this.schedule = new Schedule(run.options());
        this.prefixes = new MatryoshkaPrefixes(run.options());
        int batch = run.options().batchSize();
        this.xb = new float[batch * run.d()];
        this.xm = FloatMatrix.wrap(xb, batch, run.d());
        this.grad = state.params.zerosLike();
        this.fired = new boolean[run.options().numLatents()];
    }

    /** Runs step {@code state.step + 1}. */
    Result run() {
        TrainOptions options = run.options();
        int step = state.step + 1;
        readBatch(step);
        double lr = schedule.learningRate(step);
        float l1 = options.architecture() == Architecture.RELU ? (float) schedule.l1Coefficient(step) : 0f;
        int[] prefixEnds = prefixes.forStep(step);
        int[] deadIdx = DeadLatents.forAuxK(options, state);
        Arrays.fill(fired, false);
        SaeObjective.Stats st =
                objective.compute(state.params, xb, l1, deadIdx, prefixEnds, state.thresholdEma, grad, fired);
        if (!Double.isFinite(st.loss())) {
            throw new IllegalStateException("the training loss became non-finite (" + st.loss() + ") at step "
                    + step + " (mse " + st.mse() + ", l0 " + st.l0() + "); the learning rate ("
                    + options.learningRate() + ") or l1 coefficient may be too high" + checkpoints.note());
        }
        update(step, lr, st);
        advance(step, st);
        return new Result(step, lr, l1, st);
    }

    /** The next batch into xb, multiplied by the input scale; a non-finite value is an error naming the token. */
    private void readBatch(int step) {
        long pos = run.source().position();
        run.source().next(xm);
        float s = state.inputScale;
        int d = run.d();
        for (int i = 0; i < xb.length; i++) {
            float v = xb[i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("training activations from "
                        + run.source().describe()
                        + " contain a non-finite value (" + v + ") at " + TrainingInit.where(run.source(), pos + i / d)
                        + ", dim " + i % d + " (step " + step + ")" + checkpoints.note());
            }
            xb[i] = v * s;
        }
    }

    /** The Adam step, with the decoder rows kept at unit norm where the architecture calls for it. */
    private void update(int step, double lr, SaeObjective.Stats st) {
        boolean unitNorm = run.options().architecture().unitNormDecoder();
        if (unitNorm) {
            removeParallelComponent(state.params, grad);
        }
        if (!state.adam.step(state.params, grad, lr)) {
            throw new IllegalStateException("a weight became non-finite at step " + step + " (loss " + st.loss()
                    + "); the learning rate (" + run.options().learningRate() + ") may be too high"
                    + checkpoints.note());
        }
        if (unitNorm) {
            normalizeDecoderRows(state.params);
        }
    }

    /** Counters, data position, dead-latent tracker and BatchTopK's running threshold after the step. */
    private void advance(int step, SaeObjective.Stats st) {
        state.step = step;
        state.tokens += run.options().batchSize();
        state.sourcePosition = run.source().position();
        DeadLatents.markFired(state, fired);
        if (run.options().architecture().usesBatchTopK() && st.minKept() > 0f) {
            state.thresholdEma =
                    state.thresholdEma == 0f ? st.minKept() : 0.99f * state.thresholdEma + 0.01f * st.minKept();
        }
    }

    /** {@code g_i −= (g_i · w_i) w_i} for each decoder row (w_i has unit norm). Writes g. */
    static void removeParallelComponent(SaeParams p, SaeParams g) {
        int c = p.decCols;
        Parallel.forRange(p.numLatents, 2L * c, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float dot = Vec.dotFloat(g.wDec, i * c, p.wDec, i * c, c);
                if (dot != 0f) {
                    Vec.axpyUnfusedTail(-dot, p.wDec, i * c, g.wDec, i * c, c);
                }
            }
        });
    }

    /** {@code w_i ← w_i / ‖w_i‖} for each decoder row (zero rows stay zero). Writes p. */
    static void normalizeDecoderRows(SaeParams p) {
        int c = p.decCols;
        Parallel.forRange(p.numLatents, 2L * c, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float n = (float) Math.sqrt(Vec.sumSquaresFloat(p.wDec, i * c, c));
                if (n > 0f) {
                    float inv = 1f / n;
                    for (int j = 0; j < c; j++) {
                        p.wDec[i * c + j] *= inv;
                    }
                }
            }
        });
    }
}
