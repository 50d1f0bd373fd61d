package io.github.saestitch.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The one check every numeric option gets before its command runs: a value given on the command line
 * must be a finite number ≥ 0. Without it a negative {@code --tokens} silently meant "all tokens" in
 * several commands (an {@code activations --tokens -5} started extracting the whole corpus). Seeds are
 * exempt (any long is a seed). Zero passes here: where 0 means "all" the option's help says so, and
 * where 0 makes no sense (a width, k, a batch) the library's option record refuses it with its own
 * message.
 */
final class NumericOptions {
    private NumericOptions() {}

    /** Throws {@link BadInputException} for the first numeric option of the invoked command that is negative or not finite. */
    static void check(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            for (OptionSpec o : p.matchedOptions()) {
                if (o.longestName().contains("seed")) {
                    continue;
                }
                Object value = o.getValue();
                if (value instanceof List<?> list) {
                    for (Object v : list) {
                        check(o, v);
                    }
                } else {
                    check(o, value);
                }
            }
        }
    }

    private static void check(OptionSpec o, Object value) {
        if (!(value instanceof Number n)) {
            return;
        }
        double v = n.doubleValue();
        if (!Double.isFinite(v)) {
            throw new BadInputException(o.longestName() + " must be a finite number, got " + value);
        }
        if (v < 0) {
            throw new BadInputException(o.longestName() + " must be >= 0, got " + value);
        }
    }

    /** Runs the invoked command after {@link #check}, so a bad number fails before any work, as bad input. */
    static int execute(ParseResult parsed) {
        try {
            check(parsed);
        } catch (BadInputException e) {
            throw new CommandLine.ExecutionException(last(parsed).commandSpec().commandLine(), e.getMessage(), e);
        }
        return OverwriteOption.execute(parsed);
    }

    private static ParseResult last(ParseResult p) {
        while (p.subcommand() != null) {
            p = p.subcommand();
        }
        return p;
    }
}
