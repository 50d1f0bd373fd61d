package io.github.saestitch.report;

import io.github.saestitch.io.FileFormatException;
import java.nio.file.Path;

/**
 * An input file of the report is missing or does not hold what its format says: a missing column, a
 * value that is not a number, an unknown {@code kind}, a newer {@code format_version}. The message
 * starts with the file's path and names the line and column, so a front end can print it as is.
 */
public class ReportInputException extends FileFormatException {
    private static final long serialVersionUID = 1L;

    public ReportInputException(Path file, String problem) {
        super(file, problem);
    }

    public ReportInputException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
