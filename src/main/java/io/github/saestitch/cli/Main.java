package io.github.saestitch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code saestitch <command> [options]}. The only place that prints or exits. */
@Command(name = "saestitch",
        mixinStandardHelpOptions = true,
        version = "saestitch 0.1.0",
        description = {"Compare, stitch and merge sparse autoencoders (SAEs) of different sizes.", ""},
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
