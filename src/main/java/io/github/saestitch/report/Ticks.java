package io.github.saestitch.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Axis ticks at "nice" values and their labels.
 *
 * <p>Linear ticks are multiples of 1, 2 or 5 × 10^k (Heckbert's nice numbers), chosen so that about
 * {@code target} of them fall inside the domain; labels carry exactly the decimals the step needs, so
 * {@code 0.1, 0.2, 0.3} never print as {@code 0.30000000000000004}. Logarithmic ticks are the powers of
 * ten inside the domain, with 2× and 5× in between when the domain spans fewer than two decades.
 */
final class Ticks {
    /** A tick: its data value and the label printed beside the axis. */
    record Tick(double value, String label) {}

    private Ticks() {}

    /** The 1-2-5 step nearest to {@code raw} (raw &gt; 0, finite), rounding as Heckbert's "nice numbers". */
    static double niceStep(double raw) {
        double exp = Math.floor(Math.log10(raw));
        double base = Math.pow(10, exp);
        double f = raw / base;
        double nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return nf * base;
    }

    /**
     * About {@code target} ticks at multiples of a nice step inside [lo, hi]; an empty list when the domain
     * is not a finite interval with hi &gt; lo.
     */
    static List<Tick> linear(double lo, double hi, int target) {
        List<Tick> out = new ArrayList<>();
        if (!(Double.isFinite(lo) && Double.isFinite(hi) && hi > lo) || target < 1) {
            return out;
        }
        double step = niceStep((hi - lo) / target);
        // Integer multiples of the step (not repeated addition) so that rounding errors do not accumulate.
        long first = (long) Math.ceil(lo / step - 1e-9);
        long last = (long) Math.floor(hi / step + 1e-9);
        // One notation for the whole axis: mixing "0.0010" with "5e-4" on one axis reads badly.
        double maxAbs = Math.max(Math.abs(first * step), Math.abs(last * step));
        boolean exponent = maxAbs >= 1e6 || maxAbs > 0 && maxAbs < 1e-3;
        for (long k = first; k <= last; k++) {
            double v = k * step;
            out.add(new Tick(v == 0 ? 0.0 : v, format(v, step, exponent)));
        }
        return out;
    }

    /**
     * Ticks for a base-10 logarithmic axis over [lo, hi] (both &gt; 0): powers of ten, plus 2× and 5× when
     * fewer than two powers fall inside, plus linear ticks when even that gives fewer than two.
     */
    static List<Tick> log10(double lo, double hi) {
        List<Tick> out = new ArrayList<>();
        if (!(lo > 0 && Double.isFinite(hi) && hi > lo)) {
            return out;
        }
        int e0 = (int) Math.floor(Math.log10(lo));
        int e1 = (int) Math.ceil(Math.log10(hi));
        for (double[] mult : new double[][] {{1}, {1, 2, 5}}) {
            out.clear();
            for (int e = e0; e <= e1; e++) {
                for (double m : mult) {
                    double v = Double.parseDouble(m + "e" + e); // exact decimal, no pow() rounding
                    if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12)) {
                        out.add(new Tick(v, compact(v)));
                    }
                }
            }
            if (out.size() >= 2) {
                return out;
            }
        }
        return linear(lo, hi, 4);
    }

    /**
     * The label of tick value {@code v} on an axis with step {@code step}: as many decimals as the step
     * needs, or (when {@code exponent}) a mantissa with the digits that tell neighbouring ticks apart.
     */
    static String format(double v, double step, boolean exponent) {
        if (exponent) {
            if (v == 0) {
                return "0";
            }
            int exp = (int) Math.floor(Math.log10(Math.abs(v)));
            int stepExp = (int) Math.floor(Math.log10(step) + 1e-9);
            return compactSig(v, Math.max(1, exp - stepExp + 1));
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        return new BigDecimal(v)
                .setScale(decimals, java.math.RoundingMode.HALF_EVEN)
                .toPlainString();
    }

    /** The shortest readable label of a value: plain decimal between 1e-3 and 1e6, else like {@code 2e-5}. */
    static String compact(double v) {
        return compactSig(v, 6);
    }

    private static String compactSig(double v, int sig) {
        if (v == 0) {
            return "0";
        }
        BigDecimal b = new BigDecimal(v).round(new MathContext(sig)).stripTrailingZeros();
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e6) {
            return b.toPlainString();
        }
        // "2E-5" / "1.5E+7" → "2e-5" / "1.5e7": the short form plot readers expect.
        int exp = b.precision() - b.scale() - 1;
        BigDecimal mant = b.movePointLeft(exp).stripTrailingZeros();
        return mant.toPlainString() + "e" + exp;
    }
}
