package io.github.saestitch.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole CSV file with a header line, and typed access to its cells that fails with a
 * {@link ReportInputException} naming the file, the line and the column.
 *
 * <p>Fields are comma-separated; a field may be double-quoted (RFC 4180, {@code ""} for a quote), which
 * none of saestitch's writers need but spreadsheet round trips produce. Blank lines are skipped; a
 * byte-order mark before the header is ignored. An empty cell, {@code NaN} and {@code nan} read as NaN.
 */
final class Csv {
    private final Path file;
    private final List<String> header;
    private final Map<String, Integer> index = new HashMap<>();
    private final List<String[]> rows;
    private final int[] lineNumbers;

    private Csv(Path file, List<String> header, List<String[]> rows, int[] lineNumbers) {
        this.file = file;
        this.header = header;
        this.rows = rows;
        this.lineNumbers = lineNumbers;
        for (int i = 0; i < header.size(); i++) {
            index.putIfAbsent(header.get(i).trim(), i);
        }
    }

    /** Reads {@code file}; a missing file or an empty one is a {@link ReportInputException}. */
    static Csv read(Path file) throws IOException {
        List<String> lines;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            lines = r.lines().toList();
        } catch (NoSuchFileException e) {
            throw new ReportInputException(file, "file not found", e);
        } catch (java.io.UncheckedIOException e) {
            throw new ReportInputException(
                    file, "cannot read as UTF-8 text: " + e.getCause().getMessage(), e);
        }
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new ReportInputException(file, "empty file (expected a header line)");
        }
        String head = lines.get(first);
        if (head.startsWith("\uFEFF")) {
            head = head.substring(1);
        }
        List<String> header = List.of(split(head, file, first + 1));
        List<String[]> rows = new ArrayList<>();
        int[] numbers = new int[lines.size()];
        for (int i = first + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = split(line, file, i + 1);
            if (f.length != header.size()) {
                throw new ReportInputException(
                        file, "line " + (i + 1) + ": " + f.length + " fields, but the header has " + header.size());
            }
            numbers[rows.size()] = i + 1;
            rows.add(f);
        }
        return new Csv(file, header, rows, numbers);
    }

    private static String[] split(String line, Path file, int lineNo) throws ReportInputException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(c);
                }
            } else if (c == '"' && cur.isEmpty() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
                wasQuoted = false;
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new ReportInputException(file, "line " + lineNo + ": unterminated quoted field");
        }
        out.add(cur.toString());
        return out.toArray(String[]::new);
    }

    Path file() {
        return file;
    }

    int size() {
        return rows.size();
    }

    List<String> header() {
        return header;
    }

    boolean has(String column) {
        return index.containsKey(column);
    }

    /** The index of a column that must be present. */
    int column(String name) throws ReportInputException {
        Integer i = index.get(name);
        if (i == null) {
            throw new ReportInputException(
                    file, "missing column '" + name + "' (header: " + String.join(",", header) + ")");
        }
        return i;
    }

    /** The index of an optional column, or −1. */
    int optionalColumn(String name) {
        return index.getOrDefault(name, -1);
    }

    /** The raw text of a cell (trimmed). */
    String text(int row, int col) {
        return rows.get(row)[col].trim();
    }

    /** A number cell; empty / NaN cells are NaN; col −1 (absent optional column) is NaN. */
    double number(int row, int col) throws ReportInputException {
        if (col < 0) {
            return Double.NaN;
        }
        String s = text(row, col);
        if (s.isEmpty() || s.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw bad(row, col, "not a number: '" + s + "'");
        }
    }

    /** An integer cell; empty cells give {@code missing}; col −1 gives {@code missing}. */
    long integer(int row, int col, long missing) throws ReportInputException {
        if (col < 0) {
            return missing;
        }
        String s = text(row, col);
        if (s.isEmpty()) {
            return missing;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad(row, col, "not an integer: '" + s + "'");
        }
    }

    /** An integer cell that must be present. */
    long integer(int row, int col) throws ReportInputException {
        String s = text(row, col);
        if (s.isEmpty()) {
            throw bad(row, col, "empty (an integer is required)");
        }
        return integer(row, col, 0);
    }

    /** Space-separated integers ({@code groups.csv}'s parents / children). */
    int[] integers(int row, int col) throws ReportInputException {
        String s = text(row, col);
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split("\\s+");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw bad(row, col, "not a space-separated list of integers: '" + s + "'");
            }
        }
        return out;
    }

    /** An error about one cell: "line N, column 'name': problem". */
    ReportInputException bad(int row, int col, String problem) {
        return new ReportInputException(
                file, "line " + lineNumbers[row] + ", column '" + header.get(col) + "': " + problem);
    }

    /** Checks that a {@code format_version} column (when present) holds versions this reader understands. */
    void requireFormatVersion(int supported) throws ReportInputException {
        int c = optionalColumn("format_version");
        if (c < 0) {
            return;
        }
        for (int r = 0; r < rows.size(); r++) {
            long v = integer(r, c, supported);
            if (v > supported || v < 1) {
                throw bad(
                        r,
                        c,
                        "format_version " + v + " is not supported (this saestitch reads up to " + supported
                                + "; a newer saestitch wrote this file)");
            }
        }
    }
}
