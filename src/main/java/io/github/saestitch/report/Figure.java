package io.github.saestitch.report;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A figure: one or more {@link Plot} panels in a grid with one shared legend below them. It becomes
 * {@code figures/ID.svg} (and optionally {@code ID.png}) and is inlined in the HTML report.
 *
 * @param id          file name stem and HTML anchor: lower-case letters, digits and dashes
 * @param title       what the figure shows (the SVG's {@code <title>}, the HTML heading)
 * @param panels      the panels, row by row
 * @param columns     panels per row
 * @param panelWidth  pixels per panel
 * @param panelHeight pixels per panel
 */
record Figure(String id, String title, List<Plot> panels, int columns, int panelWidth, int panelHeight) {
    private static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    Figure {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("figure id must be lower-case letters, digits and dashes: '" + id + "'");
        }
        title = title == null ? "" : title;
        panels = List.copyOf(panels);
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("figure " + id + " has no panels");
        }
        if (columns < 1 || panelWidth < 100 || panelHeight < 80) {
            throw new IllegalArgumentException("figure " + id + ": columns >= 1 and panels at least 100x80 pixels");
        }
    }

    /** A single-panel figure. */
    static Figure single(String id, String title, Plot plot, int width, int height) {
        return new Figure(id, title, List.of(plot), 1, width, height);
    }
}
