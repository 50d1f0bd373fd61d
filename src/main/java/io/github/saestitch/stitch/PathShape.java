package io.github.saestitch.stitch;

/**
 * Whether a path of models goes down monotonically (docs/definitions.md#joint-effects): a path is
 * <em>monotone</em> when no step raises the mse.
 *
 * @param steps        steps after the start
 * @param risingSteps  steps whose mse change is &gt; 0
 * @param rise         the sum of those positive changes (mse per token)
 * @param minimumStep  the row with the lowest mse (the first such row), 0 = the start
 * @param minimumMse   its mse
 * @param endMse       the mse of the last row
 */
public record PathShape(int steps, int risingSteps, double rise, int minimumStep, double minimumMse, double endMse) {

    /** Monotone: no step raises the mse. */
    public boolean monotone() {
        return risingSteps == 0;
    }

    /** The shape of rows {@code [0, rows)} of a path given as its mse per row (row 0: the start). */
    public static PathShape of(double[] mse, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("a path has at least its start row");
        }
        int rising = 0;
        double rise = 0;
        int min = 0;
        for (int s = 1; s < rows; s++) {
            double delta = mse[s] - mse[s - 1];
            if (delta > 0) {
                rising++;
                rise += delta;
            }
            if (mse[s] < mse[min]) {
                min = s;
            }
        }
        return new PathShape(rows - 1, rising, rise, min, mse[min], mse[rows - 1]);
    }

    /** The shape of the first {@code rows} rows of {@code path}. */
    static PathShape of(java.util.List<InterpolationStep> path, int rows) {
        double[] mse = new double[rows];
        for (int s = 0; s < rows; s++) {
            mse[s] = path.get(s).mse();
        }
        return of(mse, rows);
    }
}
