package io.github.saestitch.cli;

import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (stdout stays clean for {@code --json}) with rate and ETA. Short jobs
 * finish before the first refresh and print nothing but the final line.
 */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    Progress(String task, long total, String unit) {
        this.bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .continuousUpdate()
                .build();
    }

    /** Sets the amount done (monotone). */
    void stepTo(long done) {
        bar.stepTo(done);
    }

    void extra(String message) {
        bar.setExtraMessage(message);
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toNanos() / 1e9);
    }

    @Override
    public void close() {
        bar.close();
    }
}
