package io.github.saestitch.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What an output was computed from, as one SHA-256: a key (the options, as text) and the bytes of every
 * input file, so a finished output can be reused exactly when its inputs are byte-identical (rewritten
 * files with new times but the same bytes still match; timestamps would not). A stamp file beside the
 * output records it once the output is complete, so an interrupted run leaves no stamp.
 *
 * @param hex the digest as 64 lower-case hex digits
 */
public record InputFingerprint(String hex) {
    public InputFingerprint {
        Objects.requireNonNull(hex, "hex");
    }

    /**
     * SHA-256 of {@code key} (UTF-8) and then, for each input in order, every regular file under it (a
     * directory, walked in sorted path order, or a single file): its path relative to the input (UTF-8;
     * empty for a single file) and its bytes.
     */
    public static InputFingerprint of(String key, Path... inputs) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
        md.update(key.getBytes(StandardCharsets.UTF_8));
        for (Path d : inputs) {
            List<Path> files;
            try (var s = Files.walk(d)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                md.update(d.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
        }
        return new InputFingerprint(HexFormat.of().formatHex(md.digest()));
    }

    /** Whether {@code stamp} is a file holding exactly this fingerprint. */
    public boolean isStampedIn(Path stamp) throws IOException {
        return Files.isRegularFile(stamp)
                && Files.readString(stamp, StandardCharsets.UTF_8).equals(hex);
    }

    /** Writes this fingerprint to {@code stamp} (atomically). */
    public void stamp(Path stamp) throws IOException {
        AtomicOutput.writeFile(stamp, tmp -> Files.writeString(tmp, hex, StandardCharsets.UTF_8));
    }
}
