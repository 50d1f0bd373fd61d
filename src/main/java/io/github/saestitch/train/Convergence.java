package io.github.saestitch.train;

import java.util.List;
import java.util.Locale;

/**
 * Whether a run trained long enough: the criterion "the held-out mse changed by less than 1% over the last
 * quarter of training". {@code relativeChange = (mse at the end − mse at 3/4 of the training tokens) / mse at
 * 3/4}, the latter read off the held-out curve by linear interpolation in tokens between its two nearest
 * evaluations; negative while the mse is still falling. Converged when {@code |relativeChange| < 1%}.
 *
 * <p>Why this criterion: an SAE whose held-out mse still falls is under-trained, and what compare reports on
 * under-trained SAEs changes with training length (the contingency of novel vs reconstruction latents moves
 * from "most reconstruction latents help" to the source's pattern between 1 M and 6 M tokens on MiniLM
 * layer 3). It is a plateau test: it cannot see a later drop after a plateau, and the
 * learning-rate decay over the last 20% makes the last quarter fall faster than a constant rate would, so
 * passing it is necessary, not sufficient.
 *
 * @param fromTokens     training tokens at the start of the last quarter (3/4 of the run)
 * @param toTokens       training tokens at the end
 * @param mseFrom        held-out mse at {@code fromTokens} (interpolated)
 * @param mseTo          held-out mse at the end
 * @param relativeChange {@code (mseTo − mseFrom) / mseFrom}
 * @param converged      {@code |relativeChange| < THRESHOLD}
 */
public record Convergence(
        long fromTokens, long toTokens, double mseFrom, double mseTo, double relativeChange, boolean converged) {
    /** The largest relative change of the held-out mse over the last quarter that counts as converged. */
    public static final double THRESHOLD = 0.01;
    /** The fraction of the run at its end that the criterion looks at. */
    public static final double LAST_FRACTION = 0.25;
    /** The criterion in words, as the summaries and the report print it. */
    public static final String CRITERION = "held-out mse changed by less than 1% over the last quarter of training";

    /**
     * The criterion on a held-out curve; null when it cannot be judged (no held-out set, or no evaluation at
     * or before 3/4 of the run).
     *
     * @param curve evaluations in training order, the last one at the end of the run
     */
    public static Convergence of(List<EvalPoint> curve) {
        if (curve == null || curve.size() < 2) {
            return null;
        }
        EvalPoint end = curve.get(curve.size() - 1);
        long from = Math.round(end.tokens() * (1 - LAST_FRACTION));
        EvalPoint before = null;
        EvalPoint after = null;
        for (EvalPoint p : curve) {
            if (p.tokens() <= from) {
                before = p;
            } else if (after == null) {
                after = p;
            }
        }
        if (before == null || after == null) {
            return null;
        }
        double f = after.tokens() == before.tokens()
                ? 0
                : (double) (from - before.tokens()) / (after.tokens() - before.tokens());
        double mseFrom = before.mse() + f * (after.mse() - before.mse());
        if (!(mseFrom > 0)) {
            return null;
        }
        double change = (end.mse() - mseFrom) / mseFrom;
        return new Convergence(from, end.tokens(), mseFrom, end.mse(), change, Math.abs(change) < THRESHOLD);
    }

    /** One line, e.g. {@code converged: held-out mse changed by -0.40% over the last quarter of training (...)}. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%s: held-out mse changed by %+.2f%% over the last quarter of training (%,d → %,d tokens; "
                        + "criterion: less than %.0f%%)",
                converged ? "converged" : "NOT converged",
                100 * relativeChange,
                fromTokens,
                toTokens,
                100 * THRESHOLD);
    }
}
