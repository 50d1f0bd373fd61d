package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
    @TempDir
    Path tmp;

    private java.util.List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesANewFileAndCreatesParents() throws IOException {
        Path target = tmp.resolve("a/b/out.txt");
        AtomicOutput.writeFile(target, t -> Files.writeString(t, "hello"));
        assertThat(Files.readString(target)).isEqualTo("hello");
        assertThat(listing(target.getParent())).containsExactly("out.txt");
    }

    @Test
    void failedFileWriteKeepsTheOldContentAndCleansUp() throws IOException {
        Path target = tmp.resolve("out.txt");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> AtomicOutput.writeFile(target, t -> {
                    Files.writeString(t, "half-written");
                    throw new IOException("disk full");
                }))
                .hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(listing(tmp)).containsExactly("out.txt");
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path target = tmp.resolve("out.txt");
        Files.writeString(target, "old");
        AtomicOutput.writeFile(target, t -> Files.writeString(t, "new"));
        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(listing(tmp)).containsExactly("out.txt");
    }

    @Test
    void writerThatCreatesNothingIsAnError() {
        Path target = tmp.resolve("out.txt");
        assertThatThrownBy(() -> AtomicOutput.writeFile(target, t -> {})).isInstanceOf(IOException.class);
        assertThat(Files.exists(target)).isFalse();
    }

    @Test
    void directoriesAppearWhole() throws IOException {
        Path target = tmp.resolve("sae");
        AtomicOutput.writeDirectory(target, t -> {
            Files.writeString(t.resolve("cfg.json"), "{}");
            Files.createDirectory(t.resolve("sub"));
            Files.writeString(t.resolve("sub/w.bin"), "w");
        });
        assertThat(listing(target)).containsExactly("cfg.json", "sub");
        assertThat(listing(tmp)).containsExactly("sae");
    }

    @Test
    void replacingADirectoryRemovesTheOldOneEntirely() throws IOException {
        Path target = tmp.resolve("sae");
        Files.createDirectories(target);
        Files.writeString(target.resolve("stale.txt"), "stale");
        AtomicOutput.writeDirectory(target, t -> Files.writeString(t.resolve("cfg.json"), "{}"));
        assertThat(listing(target)).containsExactly("cfg.json");
        assertThat(listing(tmp)).containsExactly("sae");
    }

    @Test
    void failedDirectoryWriteKeepsTheOldDirectory() throws IOException {
        Path target = tmp.resolve("sae");
        Files.createDirectories(target);
        Files.writeString(target.resolve("cfg.json"), "old");
        assertThatThrownBy(() -> AtomicOutput.writeDirectory(target, t -> {
                    Files.writeString(t.resolve("cfg.json"), "new");
                    throw new IllegalStateException("boom");
                }))
                .hasMessage("boom");
        assertThat(Files.readString(target.resolve("cfg.json"))).isEqualTo("old");
        assertThat(listing(tmp)).containsExactly("sae");
    }

    @Test
    void refusesToTurnAFileIntoADirectoryOrBack() throws IOException {
        Path file = tmp.resolve("f");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> AtomicOutput.writeDirectory(file, t -> {})).hasMessageContaining("not a directory");
        Path dir = Files.createDirectory(tmp.resolve("d"));
        assertThatThrownBy(() -> AtomicOutput.writeFile(dir, t -> Files.writeString(t, "x")))
                .hasMessageContaining("is a directory");
    }

    @Test
    void pendingFileIsDeletedUnlessCommitted() throws IOException {
        Path target = tmp.resolve("p.bin");
        try (AtomicOutput.PendingFile p = AtomicOutput.beginFile(target)) {
            Files.writeString(p.temporary(), "partial");
            assertThat(p.temporary().getFileName().toString()).startsWith(".p.bin.tmp-");
        }
        assertThat(listing(tmp)).isEmpty();
    }

    @Test
    void errorsNameTheTargetNotTheTemporary() {
        Path target = tmp.resolve("out");
        // A format error about the temporary directory itself: same type, file and message name the target.
        assertThatThrownBy(() -> AtomicOutput.writeDirectory(target, t -> {
                    throw new SaeFormatException(t, "cannot hold this SAE");
                }))
                .isInstanceOfSatisfying(SaeFormatException.class, e -> {
                    assertThat(e.file()).isEqualTo(target);
                    assertThat(e.problem()).isEqualTo("cannot hold this SAE");
                    assertThat(e.getMessage()).isEqualTo(target + ": cannot hold this SAE");
                });
        // A file-system error about a file inside the temporary directory.
        assertThatThrownBy(() -> AtomicOutput.writeDirectory(target, t -> Files.readString(t.resolve("missing.json"))))
                .isInstanceOfSatisfying(
                        java.nio.file.NoSuchFileException.class,
                        e -> assertThat(e.getFile())
                                .isEqualTo(target.resolve("missing.json").toString()));
        // Unchecked exceptions and a file target, with the temporary's bare name in the text.
        Path file = tmp.resolve("f.bin");
        assertThatThrownBy(() -> AtomicOutput.writeFile(file, t -> {
                    throw new IllegalArgumentException(
                            "bad shape for " + t.getFileName() + " (in " + t.getParent() + ")");
                }))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad shape for f.bin (in " + tmp + ")")
                .satisfies(e -> assertThat(e.getStackTrace()).isNotEmpty());
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @Test
    void errorsThatDoNotNameTheTemporaryPassUnchanged() {
        IOException original = new IOException("disk full");
        assertThatThrownBy(() -> AtomicOutput.writeFile(tmp.resolve("x"), t -> {
                    throw original;
                }))
                .isSameAs(original);
        IllegalStateException custom = new IllegalStateException("no temp here");
        assertThatThrownBy(() -> AtomicOutput.writeDirectory(tmp.resolve("d"), t -> {
                    throw custom;
                }))
                .isSameAs(custom);
    }
}
