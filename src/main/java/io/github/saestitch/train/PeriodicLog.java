package io.github.saestitch.train;

import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;

/**
 * The training log as a run goes: step statistics averaged between rows, a row every
 * {@link TrainOptions#logInterval} steps, and a held-out evaluation (with its own row) every
 * {@link TrainOptions#evalInterval} steps; both at the last step. Logged mse is in raw units.
 */
final class PeriodicLog {
    private final RunContext run;
    private final TrainingState state;
    private final float invS2; // 1/s²: normalised mse to raw units
    private double accLoss;
    private double accMse;
    private double accL0;
    private double accAux;
    private int accN;

    PeriodicLog(RunContext run, TrainingState state) {
        this.run = run;
        this.state = state;
        float s = state.inputScale;
        this.invS2 = 1f / (s * s);
    }

    /** Adds a step's statistics to the running averages; returns its mse in raw units. */
    double accumulate(SaeObjective.Stats st) {
        double mseRaw = st.mse() * invS2;
        accLoss += st.loss();
        accMse += mseRaw;
        accL0 += st.l0();
        accAux += st.auxLoss();
        accN++;
        return mseRaw;
    }

    /** Writes the row of the averages (and evaluates on the held-out set) when this step is due. */
    void rowIfDue(TrainingStep.Result r, int dead) {
        int step = r.step();
        int steps = run.options().steps();
        boolean doEval = run.heldOut() != null && (step % run.options().evalInterval() == 0 || step == steps);
        if (step % run.options().logInterval() == 0 || doEval || step == steps) {
            EvalPoint ep = doEval ? evaluate(step) : null;
            state.log.add(new TrainingLog.Row(
                    step,
                    state.tokens,
                    r.lr(),
                    r.l1(),
                    accLoss / accN,
                    accMse / accN,
                    accL0 / accN,
                    accAux / accN,
                    dead,
                    ep,
                    state.elapsedSeconds));
            accLoss = accMse = accL0 = accAux = 0;
            accN = 0;
            if (ep != null) {
                run.listener().onEval(ep);
            }
        }
    }

    /** The current SAE (with BatchTopK's running threshold) on the held-out set. */
    private EvalPoint evaluate(int step) {
        EvalResult er = new Evaluator(run.kernels())
                .evaluate(SaeExport.toSae(run.options(), state, state.thresholdEma, null), run.heldOut());
        return new EvalPoint(step, state.tokens, er.mse(), er.fvu(), er.l0(), er.dead());
    }
}
