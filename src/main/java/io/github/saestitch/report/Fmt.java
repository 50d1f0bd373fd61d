package io.github.saestitch.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * Text escaping and the number formats of the report: counts with thousands separators, measurements
 * with a fixed number of significant digits, fractions as percentages. An undefined number prints as
 * an em dash, never as "NaN".
 */
final class Fmt {
    /** Printed for NaN / missing numbers. */
    static final String MISSING = "\u2014";

    private Fmt() {}

    /**
     * Escapes text for XML/HTML element content and attribute values, and drops the characters XML 1.0
     * forbids (C0 controls other than tab/newline/return, U+FFFE/U+FFFF, unpaired surrogates) so that any
     * input string yields a well-formed document.
     */
    static String xml(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c)) {
                        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        }
                    } else if (Character.isLowSurrogate(c)) {
                        // unpaired: dropped
                    } else if (c >= 0x20 && c != 0xFFFE && c != 0xFFFF || c == '\t' || c == '\n' || c == '\r') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** A count with thousands separators ({@code 6,144}). */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code v} to {@code sig} significant digits ({@code 0.01234}, {@code 1.234e-5}); an em dash when not finite. */
    static String sig(double v, int sig) {
        if (!Double.isFinite(v)) {
            return MISSING;
        }
        if (v == 0) {
            return "0";
        }
        // Trailing zeros dropped: 2.1 and 2.5 print alike ("2.100" beside "2.5" would suggest a precision
        // difference that is only binary rounding).
        BigDecimal b = new BigDecimal(v).round(new MathContext(sig)).stripTrailingZeros();
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e7) {
            return b.toPlainString();
        }
        int exp = b.precision() - b.scale() - 1;
        return b.movePointLeft(exp).toPlainString() + "e" + exp;
    }

    /** A measurement such as mse or l0: 4 significant digits. */
    static String num(double v) {
        return sig(v, 4);
    }

    /** A fraction as a percentage with one decimal ({@code 0.0987 → "9.9%"}), signed when asked. */
    static String pct(double fraction, boolean signed) {
        if (!Double.isFinite(fraction)) {
            return MISSING;
        }
        return String.format(Locale.ROOT, signed ? "%+.1f%%" : "%.1f%%", fraction * 100);
    }

    /** A value rounded to {@code sig} significant digits as a double, for compact embedded JSON. */
    static double round(double v, int sig) {
        if (!Double.isFinite(v) || v == 0) {
            return v;
        }
        return new BigDecimal(v).round(new MathContext(sig)).doubleValue();
    }
}
