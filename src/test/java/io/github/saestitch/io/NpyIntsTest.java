package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Integer .npy token ids against files numpy wrote ({@code scripts/make_fixtures.py}, npy/ints). */
class NpyIntsTest {
    private static final JsonNode EXPECTED = Fixtures.json("npy/ints/expected.json");

    @TempDir
    Path tmp;

    static Stream<String> idFiles() {
        return Stream.concat(
                Fixtures.entries(EXPECTED.get("files")).stream().map(java.util.Map.Entry::getKey),
                Stream.of("ids_1d_i4.npy", "ids_1d_f4.npy"));
    }

    @ParameterizedTest
    @MethodSource("idFiles")
    void readsEveryIntegerDtypeNumpyWrites(String file) throws IOException {
        int[] want = ints(EXPECTED.get("values"));
        assertThat(NpyInts.read(Fixtures.path("npy/ints/" + file))).containsExactly(want);
    }

    @ParameterizedTest
    @ValueSource(strings = {"small_u1.npy", "small_i1.npy"})
    void readsBytes(String file) throws IOException {
        assertThat(NpyInts.read(Fixtures.path("npy/ints/" + file))).containsExactly(ints(EXPECTED.get("small")));
    }

    @Test
    void writesWhatNumpySavesForInt32() throws IOException {
        int[] want = ints(EXPECTED.get("values"));
        Path out = tmp.resolve("ids.npy");
        NpyInts.write(out, want);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(Fixtures.path("npy/ints/ids_1d_i4.npy")));
    }

    @Test
    void roundTripsRandomIdsOfOddLengthsAcrossBufferBoundaries() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        for (int n : new int[] {0, 1, 16383, 16384, 16385, 70001}) {
            int[] v = r.ints(n, 0, Integer.MAX_VALUE).toArray();
            Path out = tmp.resolve("r" + n + ".npy");
            NpyInts.write(out, v);
            assertThat(NpyInts.read(out)).containsExactly(v);
        }
    }

    @Test
    void refusesValuesThatAreNotTokenIds() {
        assertThatThrownBy(() -> NpyInts.read(Fixtures.path("npy/ints/negative_i8.npy")))
                .isInstanceOf(FileFormatException.class)
                .hasMessageContaining("element 1 is -1");
        assertThatThrownBy(() -> NpyInts.read(Fixtures.path("npy/ints/huge_i8.npy")))
                .isInstanceOf(FileFormatException.class)
                .hasMessageContaining("element 1 is 1099511627776");
        assertThatThrownBy(() -> NpyInts.read(Fixtures.path("npy/ints/fraction_f4.npy")))
                .isInstanceOf(FileFormatException.class)
                .hasMessageContaining("element 1 is 2.5");
    }

    @Test
    void floatReaderStillRefusesIntegersWithAHint() {
        assertThatThrownBy(() -> Npy.open(Fixtures.path("npy/ints/ids_i8.npy")))
                .isInstanceOf(FileFormatException.class)
                .hasMessageContaining("dtype '<i8' is not supported")
                .hasMessageContaining("token ids");
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(Fixtures.path("npy/ints/ids_i8.npy"));
        Path cut = tmp.resolve("cut.npy");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 3));
        assertThatThrownBy(() -> NpyInts.read(cut))
                .isInstanceOf(FileFormatException.class)
                .hasMessageContaining("file truncated?");
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).intValue();
        }
        return out;
    }
}
