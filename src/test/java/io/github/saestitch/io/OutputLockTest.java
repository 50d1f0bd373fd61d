package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OutputLock} within one JVM, and {@link AtomicOutput}'s publish without replace, its pid-named
 * temporaries and its sweep of stale ones (the cross-process cases are in cli.OutputPolicyTest).
 */
class OutputLockTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondLockInTheSameJvmIsRefusedNamingTheFirstAndTheFileGoesOnRelease() throws IOException {
        Path out = tmp.resolve("out");
        try (OutputLock first = OutputLock.acquire(out, "compare")) {
            assertThat(first.file()).isEqualTo(tmp.resolve(".out.lock"));
            assertThat(Files.readString(first.file()))
                    .contains("\"format_version\":1")
                    .contains("\"pid\":" + ProcessHandle.current().pid());
            assertThatThrownBy(() -> OutputLock.acquire(out, "train"))
                    .isInstanceOf(OutputLockedException.class)
                    .hasMessageContaining(out + " is being written by another saestitch run (pid "
                            + ProcessHandle.current().pid() + ", 'saestitch compare', started ");
            assertThat(first.file())
                    .as("a refused run must not touch the holder's file")
                    .exists();
        }
        assertThat(names()).isEmpty();
        try (OutputLock again = OutputLock.acquire(out, "train")) {
            assertThat(again.file()).exists();
        }
    }

    @Test
    void aStaleLockFileOfAKilledRunIsTakenOver() throws IOException {
        Path out = tmp.resolve("out");
        Files.writeString(OutputLock.lockFileOf(out), "{\"pid\": 1, \"command\": \"gone\"}");
        try (OutputLock lock = OutputLock.acquire(out, "compare")) {
            assertThat(Files.readString(lock.file())).contains("compare");
        }
        assertThat(names()).isEmpty();
    }

    @Test
    void publishingWithoutReplaceNeverReplacesAnOutputThatAppearedMeanwhile() throws IOException {
        Path dir = tmp.resolve("dir");
        assertThatThrownBy(() -> AtomicOutput.writeDirectory(dir, false, t -> {
                    Files.writeString(t.resolve("a.csv"), "ours");
                    Files.createDirectory(dir);
                    Files.writeString(dir.resolve("theirs.txt"), "theirs");
                }))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("it was not replaced");
        assertThat(Files.readString(dir.resolve("theirs.txt"))).isEqualTo("theirs");
        assertThat(dir.resolve("a.csv")).doesNotExist();

        Path file = tmp.resolve("file.npy");
        assertThatThrownBy(() -> AtomicOutput.writeFile(file, false, t -> {
                    Files.writeString(t, "ours");
                    Files.writeString(file, "theirs");
                }))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(file.toString());
        assertThat(Files.readString(file)).isEqualTo("theirs");
        assertThat(names()).containsExactly("dir", "file.npy");

        // With replace (what --overwrite asks for), the same writes replace.
        AtomicOutput.writeFile(file, true, t -> Files.writeString(t, "ours"));
        assertThat(Files.readString(file)).isEqualTo("ours");
        AtomicOutput.writeFile(tmp.resolve("new.npy"), false, t -> Files.writeString(t, "new"));
        assertThat(names()).containsExactly("dir", "file.npy", "new.npy");
    }

    @Test
    void temporariesNameTheirWriterAndOnlyDeadWritersOnesAreSwept() throws Exception {
        long me = ProcessHandle.current().pid();
        Path target = tmp.resolve("big.npy");
        try (AtomicOutput.PendingFile p = AtomicOutput.beginFile(target, false)) {
            assertThat(p.temporary().getFileName().toString()).startsWith(".big.npy.tmp-" + me + "-");
        }
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        Files.writeString(tmp.resolve(".big.npy.tmp-" + dead + "-a"), "dead");
        Files.writeString(tmp.resolve(".big.npy.tmp-" + me + "-b"), "alive");
        Files.writeString(tmp.resolve(".big.npy.tmp-legacy9"), "older version");
        Files.createDirectories(tmp.resolve(".big.npy.old-" + dead + "-c"));
        Files.writeString(tmp.resolve(".bigger.npy.tmp-" + dead + "-d"), "another output");
        List<Path> removed = AtomicOutput.removeStaleTemporaries(target);
        assertThat(removed).hasSize(2);
        assertThat(names())
                .as("the old copy stays while the target is missing: it is the only one")
                .containsExactlyInAnyOrder(
                        ".big.npy.tmp-" + me + "-b", ".big.npy.old-" + dead + "-c", ".bigger.npy.tmp-" + dead + "-d");
        Files.writeString(target, "published");
        AtomicOutput.removeStaleTemporaries(target);
        assertThat(names()).doesNotContain(".big.npy.old-" + dead + "-c");

        Path run = Files.createDirectories(tmp.resolve("run/checkpoint"));
        Files.writeString(run.resolve(".state.bin.tmp-" + dead + "-e"), "x");
        Files.writeString(run.resolve("state.bin"), "x");
        assertThat(AtomicOutput.removeStaleTemporariesIn(tmp.resolve("run"), 2)).hasSize(1);
        assertThat(run.resolve("state.bin")).exists();
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
