package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage-cache fingerprint against a hand-fed SHA-256, and what changes it. */
class InputFingerprintTest {

    @Test
    void isTheSha256OfTheKeyThenEachFilesRelativePathAndBytesInSortedOrder(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sae");
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("b.bin"), new byte[] {1, 2, 3});
        Files.writeString(dir.resolve("a.json"), "{\"d_in\": 7}");
        Files.write(dir.resolve("sub/c"), new byte[0]);
        Path single = tmp.resolve("manifest.json");
        Files.writeString(single, "m");

        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update("key 42".getBytes(StandardCharsets.UTF_8));
        md.update("a.json".getBytes(StandardCharsets.UTF_8));
        md.update("{\"d_in\": 7}".getBytes(StandardCharsets.UTF_8));
        md.update("b.bin".getBytes(StandardCharsets.UTF_8));
        md.update(new byte[] {1, 2, 3});
        md.update(("sub" + dir.getFileSystem().getSeparator() + "c").getBytes(StandardCharsets.UTF_8));
        md.update("m".getBytes(StandardCharsets.UTF_8)); // a single file: empty relative path, then its bytes
        String want = HexFormat.of().formatHex(md.digest());

        InputFingerprint f = InputFingerprint.of("key 42", dir, single);
        assertThat(f.hex()).isEqualTo(want).hasSize(64);
        assertThat(InputFingerprint.of("key 42", dir, single)).isEqualTo(f);
        assertThat(InputFingerprint.of("key 43", dir, single)).isNotEqualTo(f);
        assertThat(InputFingerprint.of("key 42", single, dir)).isNotEqualTo(f);
        Files.write(dir.resolve("b.bin"), new byte[] {1, 2, 4});
        assertThat(InputFingerprint.of("key 42", dir, single)).isNotEqualTo(f);
    }

    @Test
    void aStampHoldsItUntilTheInputsChange(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "one");
        Path stamp = tmp.resolve("out/stamp");
        InputFingerprint f = InputFingerprint.of("k", in);
        assertThat(f.isStampedIn(stamp)).isFalse();
        Files.createDirectories(stamp.getParent());
        f.stamp(stamp);
        assertThat(f.isStampedIn(stamp)).isTrue();
        Files.writeString(in, "two");
        assertThat(InputFingerprint.of("k", in).isStampedIn(stamp)).isFalse();
    }
}
