package io.github.saestitch.cli;

/** A problem with what the user gave us, reported as one line and exit code 2. */
final class BadInputException extends RuntimeException {
    BadInputException(String message) {
        super(message);
    }
}
