package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only and full disks (issue 16, item 6), on a small tmpfs mounted for the test: the message names
 * the user's output and says what failed, never a temporary; a read-only disk is refused before any
 * work; inputs and earlier outputs are untouched and nothing is left behind. Needs root to mount; skipped
 * with a message otherwise.
 */
class OutputDiskErrorsTest {
    private static final Path SAE = OutputPolicyTest.SAE;
    private static final Path ACTS = SAE.resolveSibling("saelens_v6_relu.acts.npy");

    @TempDir
    Path tmp;

    @Test
    void aReadOnlyDiskIsNamedBeforeAnyWork() throws Exception {
        onSmallDisk("1m", disk -> {
            Map<String, String> inputs = contents(SAE);
            sh("mount", "-o", "remount,ro", disk.toString());
            for (String command : List.of("compare", "convert")) {
                Path out = disk.resolve("new-" + command);
                CliRunner r = command.equals("compare")
                        ? CliRunner.run(
                                "compare",
                                "--small",
                                SAE.toString(),
                                "--large",
                                SAE.toString(),
                                "--acts",
                                ACTS.toString(),
                                "--out",
                                out.toString())
                        : CliRunner.run("convert", SAE.toString(), out.toString());
                assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
                assertThat(r.err().strip())
                        .isEqualTo("saestitch " + command + ": error: cannot write " + out
                                + ": read-only file system; choose an --out on a writable disk");
                assertThat(r.out()).as("refused before the work").isEmpty();
            }
            assertThat(contents(SAE)).isEqualTo(inputs);
        });
    }

    @Test
    void aFullDiskIsNamedAndLeavesNothingBehind() throws Exception {
        onSmallDisk("64k", disk -> {
            Path filler = disk.resolve("filler");
            fill(filler);
            // One page free: room for the lock, not for the output.
            try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.WRITE)) {
                ch.truncate(Math.max(0, ch.size() - 4096));
            }
            Path out = disk.resolve("new");
            CliRunner r = CliRunner.run("convert", SAE.toString(), out.toString());
            assertThat(r.exitCode()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
            assertThat(r.err().strip())
                    .isEqualTo("saestitch convert: error: cannot write " + out
                            + ": disk full (No space left on device); free some space or choose another --out");
            Files.delete(filler);
        });
    }

    interface DiskTest {
        void run(Path disk) throws Exception;
    }

    /**
     * Runs {@code test} on a fresh tmpfs of {@code size} holding one earlier output, then checks that the
     * earlier output is untouched and that nothing else is left on the disk.
     */
    private void onSmallDisk(String size, DiskTest test) throws Exception {
        Path disk = mount(size);
        try {
            Path earlier = disk.resolve("earlier");
            assertThat(CliRunner.run("convert", SAE.toString(), earlier.toString())
                            .exitCode())
                    .isZero();
            Map<String, String> before = contents(earlier);
            test.run(disk);
            assertThat(OutputPolicyTest.names(disk)).as("nothing left behind").containsExactly("earlier");
            assertThat(contents(earlier)).isEqualTo(before);
        } finally {
            unmount(disk);
        }
    }

    /** A tmpfs of {@code size} on a fresh directory; skips the test where mounting is not allowed. */
    private Path mount(String size) throws Exception {
        assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "skipped: mounting a small tmpfs for the read-only and disk-full tests needs root");
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        assumeTrue(
                sh("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", disk.toString()) == 0,
                "skipped: mount -t tmpfs is not allowed here");
        return disk;
    }

    private static void unmount(Path disk) throws Exception {
        sh("umount", "-l", disk.toString());
    }

    private static int sh(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    private static void fill(Path file) {
        byte[] page = new byte[4096];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (int i = 0; i < 1 << 16; i++) {
                o.write(page);
                o.flush();
            }
        } catch (IOException full) {
            return;
        }
        throw new IllegalStateException("the tmpfs never filled up");
    }

    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(
                        dir.relativize(p).toString(),
                        java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
            }
        }
        return m;
    }
}
