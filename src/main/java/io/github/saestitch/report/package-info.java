/**
 * The HTML report and latent explorer, and the figures for papers: reads the files the other commands
 * write (never their Java objects) and turns them into one self-contained page plus standalone SVG
 * (optionally PNG) figures. The entry point is {@link io.github.saestitch.report.ReportBuilder#build}
 * with a {@link io.github.saestitch.report.ReportInputs}.
 *
 * <p><b>Inputs.</b> {@code saestitch compare} directories ({@code summary.json}, {@code latents.csv},
 * {@code groups.csv}, {@code interpolation.csv}, optionally {@code contexts.jsonl} and
 * {@code contexts_small.jsonl}); a
 * {@code train-family} directory ({@code family_summary.csv}, each member's {@code train_log.csv});
 * {@code frankenstein.csv} and {@code toy_comparison.csv}; {@code saestitch meta-sae} and
 * {@code saestitch nmf} directories (decompositions of one SAE, attached to the pair whose larger SAE has
 * as many latents). Each reader checks the columns it needs and
 * fails with a {@link io.github.saestitch.report.ReportInputException} naming the file, line and
 * column; everything is read before anything is written.
 *
 * <p><b>Charts.</b> A small chart model of our own instead of a charting library: a
 * {@code Plot} (axes and layers in data space) is laid out by {@code FigureLayout} into a
 * {@code Scene} of pixel primitives, which {@code SvgWriter} writes as SVG text and {@code PngWriter}
 * rasterises with Java2D. One layout, two renderers: the PNG is the same chart as the SVG. Why not
 * JFreeChart or XChart: the report needs exact, compact, inlineable SVG with stable ids and the
 * data-to-pixel mapping of each panel (the explorer highlights and picks points in the scatter), which
 * is a few hundred lines here and awkward to get from either library.
 *
 * <p><b>The page.</b> Inline CSS, inline SVG, the data as JSON in a
 * {@code <script type="application/json">} block and a little vanilla JavaScript for the explorer; a
 * Content-Security-Policy of {@code default-src 'none'} makes any network request impossible, so the
 * file works from disk, offline, and a headless browser sees no request. The explorer links pairs that
 * share an SAE into the feature-splitting tree (parent in the next smaller SAE, children in the next
 * wider), opens every SAE of a chain (the smallest one through its pair's {@code contexts_small.jsonl}),
 * labels every latent with its top context's token, and searches the embedded contexts by token.
 * {@code BrowserReportTest} loads a report in
 * headless Chromium ({@code browser-test/check-report.mjs}) and clicks through all of it.
 */
package io.github.saestitch.report;
