package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NpyTest {
    private static final JsonNode EXPECTED = Fixtures.json("npy/expected.json");
    private static final JsonNode BAD = Fixtures.json("npy/bad/expected_errors.json");

    @TempDir
    Path tmp;

    static Stream<String> goodFiles() {
        return Fixtures.entries(EXPECTED).stream().map(Map.Entry::getKey);
    }

    @ParameterizedTest
    @MethodSource("goodFiles")
    void readsNumpyFilesBitExactly(String file) throws IOException {
        JsonNode exp = EXPECTED.get(file);
        try (NpyArray a = Npy.open(Fixtures.path("npy/" + file))) {
            long[] shape = Fixtures.longs(exp.get("shape"));
            assertThat(a.shape()).isEqualTo(shape);
            assertThat(a.dtype().descr()).isEqualTo(exp.get("descr").textValue());
            assertThat(a.header().fortranOrder())
                    .isEqualTo(exp.get("fortran_order").booleanValue());
            assertThat(a.header().major()).isEqualTo(exp.get("version").get(0).intValue());
            int[] want = Fixtures.bits(exp.get("bits"));
            float[] got = switch (shape.length) {
                case 1 -> a.vector();
                case 2 -> a.matrix().toArray();
                default ->
                    a.rows(0, (int) (a.header().numElements() / shape[shape.length - 1]))
                            .toArray();
            };
            assertThat(Fixtures.bits(got)).isEqualTo(want);
        }
    }

    @Test
    void cOrderFloat32IsZeroCopy() throws IOException {
        try (NpyArray a = Npy.open(Fixtures.path("npy/v1_f4.npy"))) {
            FloatMatrix m = a.matrix();
            assertThat(m.segment().isMapped()).isTrue();
            assertThat(a.header().dataOffset() % Npy.ARRAY_ALIGN).isZero();
        }
        try (NpyArray a = Npy.open(Fixtures.path("npy/fortran_f4.npy"))) {
            assertThat(a.matrix().heapArrayOrNull()).isNotNull(); // transposed copy
        }
    }

    /** Java writes the fixture's values: the file must be identical to numpy.save's, byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"v1_f4.npy", "v1_f4_1d.npy", "empty_f4.npy", "long_f4.npy"})
    void writerMatchesNumpySaveByteForByte(String file) throws IOException {
        JsonNode exp = EXPECTED.get(file);
        float[] values = Fixtures.floatsFromBits(exp.get("bits"));
        long[] shape = Fixtures.longs(exp.get("shape"));
        Path out = tmp.resolve(file);
        if (shape.length == 1) {
            Npy.write(out, values);
        } else {
            Npy.write(out, FloatMatrix.wrap(values, (int) shape[0], (int) shape[1]));
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(Fixtures.path("npy/" + file)));
    }

    @Test
    void streamingWriterFinalisesTheHeaderAtTheEnd() throws IOException {
        JsonNode exp = EXPECTED.get("long_f4.npy");
        float[] values = Fixtures.floatsFromBits(exp.get("bits"));
        FloatMatrix all = FloatMatrix.wrap(values, 1000, 3);
        Path out = tmp.resolve("streamed.npy");
        try (NpyWriter w = NpyWriter.open(out, 3)) {
            // Uneven blocks, as an activation dump arrives.
            int[] cuts = {0, 1, 7, 300, 301, 999, 1000};
            for (int i = 0; i + 1 < cuts.length; i++) {
                w.append(all.rowSlice(cuts[i], cuts[i + 1]));
                assertThat(Files.exists(out)).isFalse(); // nothing visible until finish()
            }
            assertThat(w.rows()).isEqualTo(1000);
            w.finish();
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(Fixtures.path("npy/long_f4.npy")));
    }

    @Test
    void abandonedStreamLeavesNothingBehind() throws IOException {
        Path out = tmp.resolve("abandoned.npy");
        try (NpyWriter w = NpyWriter.open(out, 4)) {
            w.append(new float[8]);
            assertThatThrownBy(() -> w.append(new float[3])).hasMessageContaining("not whole rows of 4");
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void randomRoundTripsAreBitExact(long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        int rows = rnd.nextInt(6) == 0 ? 0 : 1 + rnd.nextInt(40);
        int cols = 1 + rnd.nextInt(13);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(rnd.nextInt());
        }
        Path out = tmp.resolve("r.npy");
        Npy.write(out, FloatMatrix.wrap(v, rows, cols));
        try (NpyArray a = Npy.open(out)) {
            assertThat(a.shape()).containsExactly(rows, cols);
            assertThat(Fixtures.bits(a.matrix().toArray())).isEqualTo(Fixtures.bits(v));
        }
    }

    static Stream<Long> seeds() {
        return IntStream.range(0, 10).mapToObj(i -> 77L + i);
    }

    static Stream<Arguments> badFiles() {
        return Fixtures.entries(BAD).stream()
                .map(e -> Arguments.of(e.getKey(), e.getValue().textValue()));
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void everyBrokenFileGetsItsPreciseError(String file, String message) {
        Path p = Fixtures.path("npy/bad/" + file);
        assertThatThrownBy(() -> Npy.open(p).close())
                .isInstanceOf(FileFormatException.class)
                .hasMessageStartingWith(p + ": ")
                .hasMessageContaining(message);
    }

    @Test
    void rankMismatchesAreReported() throws IOException {
        try (NpyArray a = Npy.open(Fixtures.path("npy/v1_f4_1d.npy"))) {
            assertThatThrownBy(a::matrix).hasMessageContaining("expected a 2-D array");
        }
        try (NpyArray a = Npy.open(Fixtures.path("npy/v1_f4.npy"))) {
            assertThatThrownBy(a::vector).hasMessageContaining("expected a 1-D array");
        }
    }

    @Test
    void headerUsesVersion2OnlyWhenVersion1CannotHoldIt() {
        byte[] small = Npy.wrapHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }");
        assertThat(small[6]).isEqualTo((byte) 1);
        assertThat(small.length % Npy.ARRAY_ALIGN).isZero();
        byte[] big = Npy.wrapHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }" + " ".repeat(70_000));
        assertThat(big[6]).isEqualTo((byte) 2);
        assertThat(big.length % Npy.ARRAY_ALIGN).isZero();
        assertThat(big[big.length - 1]).isEqualTo((byte) '\n');
    }

    @Test
    void pythonLiteralParserHandlesWhatNumpyAndPython2Write() {
        Object d =
                PyLiteral.parse("{'descr': \"<f4\", 'fortran_order': True, 'shape': (3L, 4L), 'x': [1, None], }  \n");
        assertThat(d).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) d;
        assertThat(m.get("descr")).isEqualTo("<f4");
        assertThat(m.get("fortran_order")).isEqualTo(true);
        assertThat(((PyLiteral.Tuple) m.get("shape")).items()).containsExactly(3L, 4L);
        assertThat(((PyLiteral.Tuple) PyLiteral.parse("(5,)")).items()).containsExactly(5L);
        assertThat(((PyLiteral.Tuple) PyLiteral.parse("()")).items()).isEmpty();
        assertThatThrownBy(() -> PyLiteral.parse("{'a': 1} extra")).hasMessageContaining("unexpected text");
        assertThatThrownBy(() -> PyLiteral.parse("{'a': 1, 'a': 2}")).hasMessageContaining("duplicate key");
    }

    @Test
    void version3HeaderIsUtf8() throws IOException {
        byte[] bytes = Files.readAllBytes(Fixtures.path("npy/v3_f4.npy"));
        assertThat(bytes[6]).isEqualTo((byte) 3);
        assertThat(new String(bytes, 12, 10, StandardCharsets.UTF_8)).startsWith("{'descr'");
    }
}
