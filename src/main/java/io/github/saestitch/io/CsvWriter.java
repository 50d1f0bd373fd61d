package io.github.saestitch.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one CSV writer of every file saestitch writes: UTF-8, a header line, comma-separated fields,
 * {@code \n} line ends, no comment lines. Fields are added one at a time by type and rows are ended
 * with {@link #endRow()}; the separators are the writer's business.
 *
 * <p><b>Number convention.</b> A number is written in the shortest decimal that reads back to the same
 * value of its own type ({@link Double#toString(double)} for a double, {@link Float#toString(float)}
 * for a float, so a float 0.7 stays {@code 0.7}); an undefined number (NaN, ±∞) is the empty field,
 * which pandas and polars read as NaN. Python's {@code float()} parses every form Java writes
 * ({@code 1.5E-5}). The training logs, older than this rule, keep their fixed formats:
 * {@link #significant} and {@link #fixed} reproduce them byte for byte.
 *
 * <p><b>Text</b> is written as is unless it holds a comma, a double quote or a line break; then it is
 * double-quoted with inner quotes doubled (RFC 4180).
 */
public final class CsvWriter implements Closeable {
    private final Writer out;
    private final StringBuilder row = new StringBuilder(160);
    private boolean first = true;

    private CsvWriter(Writer out) {
        this.out = out;
    }

    /** Creates (or replaces) {@code file} and writes {@code header} as its first line. */
    public static CsvWriter open(Path file, String header) throws IOException {
        CsvWriter w = new CsvWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
        w.out.write(header);
        w.out.write('\n');
        return w;
    }

    /** An integer field. */
    public CsvWriter integer(long v) {
        sep().append(v);
        return this;
    }

    /** A double in its shortest round-trip form, or the empty field when not finite. */
    public CsvWriter number(double v) {
        sep().append(num(v));
        return this;
    }

    /** A float in its own shortest round-trip form, or the empty field when not finite. */
    public CsvWriter number(float v) {
        sep().append(num(v));
        return this;
    }

    /** {@code v} with {@code digits} significant digits ({@code %.Ng}, Locale.ROOT; NaN prints as {@code NaN}). */
    public CsvWriter significant(double v, int digits) {
        sep().append(String.format(Locale.ROOT, "%." + digits + "g", v));
        return this;
    }

    /** {@code v} with {@code decimals} digits after the point ({@code %.Nf}, Locale.ROOT). */
    public CsvWriter fixed(double v, int decimals) {
        sep().append(String.format(Locale.ROOT, "%." + decimals + "f", v));
        return this;
    }

    /** A text field, quoted when it needs to be. */
    public CsvWriter text(String s) {
        sep().append(field(s));
        return this;
    }

    /** An empty field (a value not measured for this row). */
    public CsvWriter empty() {
        sep();
        return this;
    }

    /** Ends the current row. */
    public void endRow() throws IOException {
        row.append('\n');
        out.append(row);
        row.setLength(0);
        first = true;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private StringBuilder sep() {
        if (!first) {
            row.append(',');
        }
        first = false;
        return row;
    }

    /** Shortest round-trip decimal of a double, or the empty string for NaN / infinities. */
    public static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    /** Shortest round-trip decimal of a float (0.7 stays "0.7"), or the empty string when not finite. */
    public static String num(float v) {
        return Float.isFinite(v) ? Float.toString(v) : "";
    }

    /** A text field, double-quoted (inner quotes doubled) when it holds a comma, quote or line break. */
    public static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
