/**
 * The {@code saestitch} command line: thin picocli commands ({@link io.github.saestitch.cli.Main} and
 * one class per command) that parse options, call the library packages and print what they return.
 * This is the only package that prints or exits; everything it does beyond that belongs in the library,
 * so that a Java user can do the same without the CLI. Option defaults come from the library's own
 * constants, and the options every command repeats are mixins ({@code KernelsOption},
 * {@code JsonOption}, {@code OverwriteOption}) with one name, one help text and one behaviour.
 * Progress goes to stderr ({@code CliProgress}) so that stdout stays clean for {@code --json}.
 *
 * <p>Exit codes: 0 success; 1 an internal error (a bug: the stack trace is printed); 2 bad input or
 * usage (one line naming the file or option and what is wrong).
 */
package io.github.saestitch.cli;
