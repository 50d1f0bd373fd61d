package io.github.saestitch.cli;

import java.util.Locale;
import picocli.CommandLine.ParseResult;

/**
 * Running out of Java heap as one line and exit code 2, never a stack trace: what was being allocated
 * (when known), how much heap there is, and what to do. Commands whose needs are known up front check
 * them with {@link #require} before any work, so they refuse early with the same advice.
 */
final class OutOfMemory {
    private static final double MIB = 1 << 20;

    private OutOfMemory() {}

    /** Runs the command, turning an {@link OutOfMemoryError} anywhere in it into one line and exit code 2. */
    static int execute(ParseResult parsed) {
        try {
            return NumericOptions.execute(parsed);
        } catch (OutOfMemoryError e) {
            return report(parsed, e);
        } catch (RuntimeException e) {
            OutOfMemoryError oom = find(e);
            if (oom == null) {
                throw e;
            }
            return report(parsed, oom);
        }
    }

    private static int report(ParseResult parsed, OutOfMemoryError e) {
        ParseResult p = parsed;
        while (p.subcommand() != null) {
            p = p.subcommand();
        }
        String command = p.commandSpec().name();
        p.commandSpec().commandLine().getErr().println("saestitch " + command + ": error: " + message(command, e));
        return Main.EXIT_BAD_INPUT;
    }

    /** The {@link OutOfMemoryError} that caused {@code t} (it or one of its causes), or null. */
    static OutOfMemoryError find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                return oom;
            }
        }
        return null;
    }

    /** The message for an {@link OutOfMemoryError} that happened in {@code command}. */
    static String message(String command, OutOfMemoryError e) {
        String detail = e.getMessage() == null || e.getMessage().isBlank() ? "" : " (" + e.getMessage() + ")";
        long max = Runtime.getRuntime().maxMemory();
        return "out of memory" + detail + ": the Java heap holds at most " + mib(max) + "; " + advice(command, 2 * max);
    }

    /**
     * Refuses, before any work, a step that needs at least {@code bytes} of heap when the heap is smaller.
     *
     * @param what what would be allocated, in the user's words
     * @throws BadInputException with the out-of-memory advice
     */
    static void require(String command, long bytes, String what) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw new BadInputException("not enough memory: " + what + " needs at least " + mib(bytes)
                    + ", the Java heap holds at most " + mib(max) + "; " + advice(command, bytes + (bytes >> 1)));
        }
    }

    /** What to do, for {@code command}; {@code suggested} is a heap that would do. */
    static String advice(String command, long suggested) {
        long gib = Math.max(1, (suggested + (1L << 30) - 1) >> 30);
        String more = "run with more heap (e.g. SAESTITCH_JAVA_OPTS=-Xmx" + gib + "g ./saestitch " + command + " ...)";
        String less = switch (command) {
            case "frankenstein" -> " or use fewer --train-tokens";
            case "compare" -> ", fewer --tokens, or --no-correlation";
            case "train", "train-family" -> ", a smaller --width or --batch";
            case "demo" -> " or fewer --tokens / --train-tokens";
            case "eval", "nmf" -> " or fewer --tokens";
            default -> "";
        };
        return more + less;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }
}
