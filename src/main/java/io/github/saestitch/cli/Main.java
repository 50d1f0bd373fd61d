package io.github.saestitch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point: {@code saestitch <command> [options]}. The cli package is the only place that prints or
 * exits. Exit codes: 0 success, 1 an internal error (a bug: the stack trace is printed), 2 bad input or
 * usage (one line naming the file and what is wrong) and running out of Java heap ({@link OutOfMemory}:
 * one line saying how much heap there is and what to do).
 */
@Command(
        name = "saestitch",
        mixinStandardHelpOptions = true,
        version = "saestitch 0.1.0",
        description = {
            "Compare, stitch and merge sparse autoencoders (SAEs) of different sizes trained on the "
                    + "same language-model activations.",
            ""
        },
        subcommands = {
            DemoCommand.class,
            ActivationsCommand.class,
            InfoCommand.class,
            ConvertCommand.class,
            EvalCommand.class,
            TrainCommand.class,
            TrainFamilyCommand.class,
            CompareCommand.class,
            StudyCommand.class,
            StitchCommand.class,
            FrankensteinCommand.class,
            MetaSaeCommand.class,
            NmfCommand.class,
            ReportCommand.class,
            ImportActsCommand.class,
            ExportActsCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Run 'saestitch COMMAND --help' for a command's options. Exit codes: 0 ok, 1 internal error, "
                    + "2 bad input.",
            "Numeric options take finite numbers >= 0 (seeds may be negative); 0 means 'all' only where an "
                    + "option says so."
        })
public final class Main implements Runnable {
    /** Exit code for bad input: malformed files, shape mismatches, NaNs, missing inputs. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit code for an unexpected failure (a bug). */
    public static final int EXIT_INTERNAL = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        cl.setExecutionStrategy(OutOfMemory::execute);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        OutOfMemoryError oom = OutOfMemory.find(e);
        if (oom != null) {
            cl.getErr()
                    .println("saestitch " + cl.getCommandName() + ": error: "
                            + OutOfMemory.message(cl.getCommandName(), oom));
            return EXIT_BAD_INPUT;
        }
        if (isBadInput(e)) {
            cl.getErr().println("saestitch " + cl.getCommandName() + ": error: " + message(e));
            return EXIT_BAD_INPUT;
        }
        cl.getErr().println("saestitch " + cl.getCommandName() + ": internal error (please report): " + e);
        e.printStackTrace(cl.getErr());
        return EXIT_INTERNAL;
    }

    /** Bad input is anything the user can fix: their files, shapes, values, arguments. */
    static boolean isBadInput(Throwable e) {
        return e instanceof BadInputException
                || e instanceof IllegalArgumentException
                || e instanceof io.github.saestitch.activations.ActivationsException
                || e instanceof IOException
                || e instanceof UncheckedIOException;
    }

    static String message(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return message(u.getCause());
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
