package io.github.saestitch.cli;

import picocli.CommandLine.Option;

/**
 * The {@code --json} option of every command that has a result to print: the result goes to stdout as
 * one JSON object (through {@link Json}) instead of the text, so that stdout can be piped to a parser.
 */
final class JsonOption {
    @Option(names = "--json", description = "Print the result as one JSON object on stdout instead of the text.")
    boolean on;

    /** With {@code --json}: prints {@code result} and returns true (the caller prints nothing else). */
    boolean print(Object result) {
        if (on) {
            Json.print(System.out, result);
        }
        return on;
    }
}
