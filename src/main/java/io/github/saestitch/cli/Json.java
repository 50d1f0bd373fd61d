package io.github.saestitch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/** The one JSON printer of the CLI: {@code --json} results are one object on stdout (the project's mapper). */
final class Json {
    private Json() {}

    static ObjectNode object() {
        return io.github.saestitch.io.Json.object();
    }

    static void print(PrintStream out, Object value) {
        try {
            out.println(io.github.saestitch.io.Json.pretty(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize result to JSON", e);
        }
    }
}
