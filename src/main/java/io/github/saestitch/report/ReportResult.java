package io.github.saestitch.report;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ReportBuilder#build} wrote.
 *
 * @param html      {@code outDir/index.html}
 * @param htmlBytes its size
 * @param figures   every figure, in report order (each also inline in the HTML)
 * @param sections  the ids of the report's sections, in order (e.g. {@code overview}, {@code pair1},
 *                  {@code interpolation}, {@code explorer})
 * @param notes     what the reader should know about the data shown: samples drawn, inputs skipped
 */
public record ReportResult(
        Path html, long htmlBytes, List<FigureFile> figures, List<String> sections, List<String> notes) {
    public ReportResult {
        figures = List.copyOf(figures);
        sections = List.copyOf(sections);
        notes = List.copyOf(notes);
    }

    /**
     * One figure's files.
     *
     * @param id    file stem and HTML anchor ({@code fig-ID})
     * @param title what it shows
     * @param svg   {@code outDir/figures/ID.svg}
     * @param png   {@code outDir/figures/ID.png}, or null when PNGs were not asked for
     */
    public record FigureFile(String id, String title, Path svg, Path png) {}
}
