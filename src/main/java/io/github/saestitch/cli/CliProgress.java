package io.github.saestitch.cli;

import java.io.Console;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * CliProgress on stderr (stdout stays clean for {@code --json}). On a terminal: a live bar with rate and
 * ETA. Otherwise (CI logs, pipes): one plain line every {@value #LOG_EVERY_SECONDS} s, so logs stay
 * readable instead of filling with carriage-return redraws.
 */
final class CliProgress implements AutoCloseable {
    static final int LOG_EVERY_SECONDS = 15;

    private final ProgressBar bar; // null when not on a terminal
    private final String task;
    private final String unit;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long lastLogNanos = startNanos;
    private long done;

    CliProgress(String task, long total, String unit) {
        this.task = task;
        this.unit = unit;
        this.total = total;
        Console console = System.console();
        this.bar = console != null && console.isTerminal()
                ? new ProgressBarBuilder()
                        .setTaskName(task)
                        .setInitialMax(total)
                        .setUnit(" " + unit, 1)
                        .showSpeed()
                        .setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .build()
                : null;
    }

    /** Sets the amount done (monotone). */
    void stepTo(long now) {
        done = now;
        if (bar != null) {
            bar.stepTo(now);
            return;
        }
        long t = System.nanoTime();
        if (t - lastLogNanos >= LOG_EVERY_SECONDS * 1_000_000_000L) {
            lastLogNanos = t;
            double secs = (t - startNanos) / 1e9;
            double rate = now / Math.max(secs, 1e-9);
            String eta = total > 0 && rate > 0 ? String.format(", ETA %.0f s", (total - now) / rate) : "";
            System.err.printf(
                    "%s: %d/%d %s (%.0f%%), %.0f %s/s%s%n",
                    task, now, total, unit, total > 0 ? 100.0 * now / total : 0.0, rate, unit, eta);
        }
    }

    /** A short status shown beside the bar (e.g. live mse). */
    void extra(String message) {
        if (bar != null) {
            bar.setExtraMessage(message);
        }
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toNanos() / 1e9);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    long done() {
        return done;
    }
}
