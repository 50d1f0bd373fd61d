package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that are wrong in odd ways get one line that says what is wrong, in the user's words (issue 16, item 9). */
class InputMessagesTest {
    @Test
    void aSymbolicLinkLoopOrDanglingLinkIsNamedAsSuch(@TempDir Path tmp) throws IOException {
        Path loop = tmp.resolve("loop");
        Files.createSymbolicLink(loop, loop);
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        Path dangling = tmp.resolve("dangling");
        Files.createSymbolicLink(dangling, tmp.resolve("nowhere"));
        for (Path p : List.of(loop, a)) {
            for (String[] cmd : List.of(new String[] {"info", p.toString()}, new String[] {
                "train",
                "--width",
                "4",
                "--acts",
                p.toString(),
                "--out",
                tmp.resolve("o").toString()
            })) {
                CliRunner r = CliRunner.run(cmd);
                assertThat(r.exitCode()).isEqualTo(2);
                assertThat(r.err().strip().lines()).singleElement().asString().contains(p + " is a symbolic link loop");
            }
        }
        CliRunner r = CliRunner.run("info", dangling.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err())
                .contains(dangling + " is a symbolic link to " + tmp.resolve("nowhere") + ", which does not exist");
        assertThat(tmp.resolve("o")).doesNotExist();
    }

    @Test
    void aDamagedStoreManifestIsOneLine(@TempDir Path tmp) throws IOException {
        Path x = TrainCommandTest.sparseData(tmp, 300, 8, 1);
        Path store = tmp.resolve("store");
        CliRunner r = CliRunner.run("import-acts", "--npy", x.toString(), "--out", store.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path manifest = store.resolve("manifest.json");
        String text = Files.readString(manifest);
        for (String damaged : List.of(
                text.substring(0, text.length() / 2), // cut short
                text.replaceFirst("\"d\" : \\d+", "\"d\" : \"wide\""), // a number that is not
                "")) {
            Files.writeString(manifest, damaged);
            r = CliRunner.run(
                    "train",
                    "--width",
                    "4",
                    "--acts",
                    store.toString(),
                    "--out",
                    tmp.resolve("o").toString());
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err().strip().lines())
                    .as(r.err())
                    .singleElement()
                    .asString()
                    .contains(manifest.toString(), "damaged store manifest")
                    .doesNotContain("[Source:");
        }
    }
}
