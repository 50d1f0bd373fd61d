package io.github.saestitch.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles the single HTML file: head (inline CSS, a Content-Security-Policy that forbids every
 * network request), a table of contents, the sections, the embedded JSON data and the inline script.
 *
 * <p>Why the CSP: the report must work from disk and offline, and the page must make no request at
 * all, so {@code default-src 'none'} turns any accidental external reference into a blocked load
 * rather than a silent dependency. The empty {@code data:} icon stops browsers asking for
 * {@code favicon.ico}.
 */
final class HtmlPage {
    private final String title;
    private final StringBuilder body = new StringBuilder(1 << 16);
    private final List<String[]> toc = new ArrayList<>(); // {id, title}
    /** Whether a {@code <section>} is open (closed by the next section or by {@link #render}). */
    private boolean open;

    HtmlPage(String title) {
        this.title = title;
    }

    /** Opens a section with a heading (closes the previous one). */
    void section(String id, String heading, String introHtml) {
        closeSection();
        toc.add(new String[] {id, heading});
        body.append("<section id=\"")
                .append(Fmt.xml(id))
                .append("\">\n<h2>")
                .append(Fmt.xml(heading))
                .append("</h2>\n");
        if (introHtml != null && !introHtml.isEmpty()) {
            body.append("<p>").append(introHtml).append("</p>\n");
        }
        open = true;
    }

    private void closeSection() {
        if (open) {
            body.append("</section>\n");
            open = false;
        }
    }

    /** Appends trusted HTML (built with {@link Fmt#xml} for every piece of input text). */
    void raw(String html) {
        body.append(html);
    }

    /**
     * The HTML of a figure: heading, introduction, the inline SVG, its notes and links to the standalone
     * files.
     */
    static String figure(Figures.Chart chart, String svgElement, boolean png) {
        Figure f = chart.figure();
        StringBuilder sb = new StringBuilder(svgElement.length() + 1024);
        sb.append("<figure class=\"fig\" id=\"fig-")
                .append(f.id())
                .append("\">\n<figcaption><h3>")
                .append(Fmt.xml(f.title()))
                .append("</h3>\n<p>")
                .append(chart.intro())
                .append("</p></figcaption>\n");
        sb.append("<div class=\"svgwrap\">\n").append(svgElement).append("</div>\n");
        for (String n : chart.notes()) {
            sb.append("<p class=\"fignote\">").append(Fmt.xml(n)).append("</p>\n");
        }
        sb.append("<p class=\"figlinks\">Standalone: <a href=\"figures/")
                .append(f.id())
                .append(".svg\">")
                .append(f.id())
                .append(".svg</a>");
        if (png) {
            sb.append(" \u00b7 <a href=\"figures/")
                    .append(f.id())
                    .append(".png\">")
                    .append(f.id())
                    .append(".png</a>");
        }
        sb.append("</p>\n</figure>\n");
        return sb.toString();
    }

    /**
     * A table. Cells are trusted HTML; the first column is a row heading.
     *
     * @param textColumns columns (by index) holding text, aligned left
     */
    static String table(String cssClass, String[] headers, List<String[]> rows, int... textColumns) {
        StringBuilder sb = new StringBuilder(256 + rows.size() * 96);
        sb.append("<div class=\"tablewrap\"><table");
        if (cssClass != null) {
            sb.append(" class=\"").append(cssClass).append('"');
        }
        sb.append("><thead><tr>");
        for (String h : headers) {
            sb.append("<th>").append(h).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (String[] r : rows) {
            sb.append("<tr>");
            for (int i = 0; i < r.length; i++) {
                boolean text = false;
                for (int t : textColumns) {
                    text |= t == i;
                }
                if (i == 0) {
                    sb.append("<th>").append(r[i]).append("</th>");
                } else {
                    sb.append(text ? "<td class=\"text\">" : "<td>")
                            .append(r[i])
                            .append("</td>");
                }
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div>\n");
        return sb.toString();
    }

    /** The whole document. */
    String render(String leadHtml, ObjectNode data, String footerHtml) {
        closeSection();
        StringBuilder sb = new StringBuilder(body.length() + 64 * 1024);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        + "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n")
                .append("<meta name=\"generator\" content=\"saestitch report (data format_version ")
                .append(ReportData.FORMAT_VERSION)
                .append(")\">\n")
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<title>")
                .append(Fmt.xml(title))
                .append("</title>\n<style>\n")
                .append(resource("report.css"))
                .append("</style>\n</head>\n<body>\n<header>\n<h1>")
                .append(Fmt.xml(title))
                .append("</h1>\n");
        if (leadHtml != null && !leadHtml.isEmpty()) {
            sb.append("<p class=\"lead\">").append(leadHtml).append("</p>\n");
        }
        sb.append("<nav><ul>");
        for (String[] t : toc) {
            sb.append("<li><a href=\"#")
                    .append(Fmt.xml(t[0]))
                    .append("\">")
                    .append(Fmt.xml(t[1]))
                    .append("</a></li>");
        }
        sb.append("</ul></nav>\n</header>\n<main>\n")
                .append(body)
                .append("</main>\n<footer>")
                .append(footerHtml)
                .append("</footer>\n");
        sb.append("<script type=\"application/json\" id=\"report-data\">")
                .append(ReportData.scriptSafe(data))
                .append("</script>\n<script>\n")
                .append(resource("report.js"))
                .append("</script>\n</body>\n</html>\n");
        return sb.toString();
    }

    /** The ids of the sections so far, in order. */
    List<String> sectionIds() {
        return toc.stream().map(t -> t[0]).toList();
    }

    static String resource(String name) {
        try (InputStream in = HtmlPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " next to " + HtmlPage.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
