package io.github.saestitch.report;

/**
 * Maps data values of one axis to pixels: linear or base-10 logarithmic, from the domain [lo, hi] onto
 * the pixel interval [p0, p1] (for a y axis p0 is the bottom, so p1 &lt; p0).
 *
 * @param lo  domain start (finite; &gt; 0 for a log scale)
 * @param hi  domain end (&gt; lo)
 * @param p0  pixel of {@code lo}
 * @param p1  pixel of {@code hi}
 * @param log whether the mapping is logarithmic
 */
record Scale(double lo, double hi, double p0, double p1, boolean log) {
    Scale {
        if (!(Double.isFinite(lo) && Double.isFinite(hi) && hi > lo)) {
            throw new IllegalArgumentException(
                    "scale domain must be finite with hi > lo, got [" + lo + ", " + hi + "]");
        }
        if (log && lo <= 0) {
            throw new IllegalArgumentException("log scale domain must be positive, got [" + lo + ", " + hi + "]");
        }
    }

    /** The pixel of {@code v}; NaN when v is NaN or (log scale) not positive. Values outside the domain extrapolate. */
    double map(double v) {
        if (log) {
            if (!(v > 0)) {
                return Double.NaN;
            }
            return p0 + (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * (p1 - p0);
        }
        return p0 + (v - lo) / (hi - lo) * (p1 - p0);
    }

    /** Whether {@code v} lies in the domain (with a relative slack of 1e-9 of its width for rounding). */
    boolean contains(double v) {
        double slack = (hi - lo) * 1e-9;
        return v >= lo - slack && v <= hi + slack;
    }

    /** The domain value nearest to {@code v} (v itself when inside). */
    double clamp(double v) {
        return Math.max(lo, Math.min(hi, v));
    }
}
