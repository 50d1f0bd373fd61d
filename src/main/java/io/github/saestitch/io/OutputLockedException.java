package io.github.saestitch.io;

import java.io.IOException;
import java.nio.file.Path;

/** Another run holds the {@link OutputLock} of an output this run wanted to write. */
public final class OutputLockedException extends IOException {
    private final Path output;
    private final String holder;

    OutputLockedException(Path output, String holder) {
        super(output + " is being written by another saestitch run (" + holder
                + "); wait for it to finish or choose another output");
        this.output = output;
        this.holder = holder;
    }

    /** The output asked for. */
    public Path output() {
        return output;
    }

    /** Who holds it: pid, command and start time, as the holder wrote them. */
    public String holder() {
        return holder;
    }
}
