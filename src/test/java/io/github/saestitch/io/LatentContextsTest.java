package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contexts file's errors are this package's {@link FileFormatException} (the report's own reader
 * tests cover the format itself, report.InputsTest).
 */
class LatentContextsTest {
    @TempDir
    Path tmp;

    @Test
    void malformedAndMissingFilesAreFileFormatErrorsNamingTheFile() throws IOException {
        Path f = tmp.resolve(LatentContexts.FILE);
        Files.writeString(f, "{\"format_version\":1,\"latent\":-1,\"contexts\":[]}\n");
        assertThatThrownBy(() -> LatentContexts.read(f))
                .isInstanceOf(FileFormatException.class)
                .hasMessage(f + ": line 1: 'latent' must be a non-negative integer")
                .satisfies(e -> assertThat(((FileFormatException) e).file()).isEqualTo(f));
        Path missing = tmp.resolve("missing.jsonl");
        assertThatThrownBy(() -> LatentContexts.readEntries(missing))
                .isInstanceOf(FileFormatException.class)
                .hasMessage(missing + ": file not found");
    }

    @Test
    void writesOneLinePerLatentInAscendingOrder() throws IOException {
        Path f = tmp.resolve(LatentContexts.FILE);
        LatentContexts.write(Map.of(5, List.of(new LatentContext("a", " b", "", 1.0, "s")), 2, List.of()), f);
        assertThat(Files.readAllLines(f))
                .containsExactly(
                        "{\"format_version\":1,\"latent\":2,\"contexts\":[]}",
                        "{\"format_version\":1,\"latent\":5,\"contexts\":[{\"before\":\"a\",\"token\":\" b\",\"after\":\"\","
                                + "\"activation\":1.0,\"source\":\"s\"}]}");
    }
}
