package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

class SafeTensorsTest {
    private static final JsonNode EXPECTED = Fixtures.json("safetensors/expected.json");
    private static final JsonNode BAD = Fixtures.json("safetensors/bad/expected_errors.json");

    @TempDir
    Path tmp;

    static Stream<String> goodFiles() {
        return Fixtures.entries(EXPECTED).stream().map(Map.Entry::getKey);
    }

    @ParameterizedTest
    @MethodSource("goodFiles")
    void readsEveryFloatTensorBitExactly(String file) throws IOException {
        JsonNode exp = EXPECTED.get(file);
        try (SafeTensors st = SafeTensors.open(Fixtures.path("safetensors/" + file))) {
            Map<String, String> meta = new LinkedHashMap<>();
            exp.get("metadata")
                    .properties()
                    .forEach(e -> meta.put(e.getKey(), e.getValue().textValue()));
            assertThat(st.metadata()).containsExactlyEntriesOf(meta);
            for (Map.Entry<String, JsonNode> e : Fixtures.entries(exp.get("tensors"))) {
                String name = e.getKey();
                JsonNode t = e.getValue();
                SafeTensors.TensorInfo info = st.info(name);
                assertThat(info.dtype().name()).isEqualTo(t.get("dtype").textValue());
                assertThat(info.shape()).isEqualTo(Fixtures.longs(t.get("shape")));
                assertThat(Fixtures.bits(st.floats(name))).as(name).isEqualTo(Fixtures.bits(t.get("bits")));
                if (info.rank() == 2) {
                    assertThat(Fixtures.bits(st.matrix(name).toArray())).isEqualTo(Fixtures.bits(t.get("bits")));
                }
                if (info.rank() == 1) {
                    assertThat(Fixtures.bits(st.vector(name))).isEqualTo(Fixtures.bits(t.get("bits")));
                }
            }
        }
    }

    @Test
    void f32MatricesAreZeroCopyViewsOfTheMapping() throws IOException {
        try (SafeTensors st = SafeTensors.open(Fixtures.path("safetensors/f32_basic.safetensors"))) {
            FloatMatrix m = st.matrix("W_enc");
            assertThat(m.segment().isMapped()).isTrue();
            assertThat(m.heapArrayOrNull()).isNull();
            assertThat(m.rows()).isEqualTo(3);
            assertThat(m.cols()).isEqualTo(5);
            assertThat(st.scalar("scalar")).isEqualTo(3.25f);
            assertThat(st.matrix("empty").rows()).isZero();
        }
    }

    @Test
    void convertedDtypesComeBackOnTheHeap() throws IOException {
        try (SafeTensors st = SafeTensors.open(Fixtures.path("safetensors/bf16.safetensors"))) {
            assertThat(st.matrix("x").heapArrayOrNull()).isNotNull();
        }
    }

    @Test
    void viewsDieWithTheirArena() throws IOException {
        FloatMatrix m;
        try (SafeTensors st = SafeTensors.open(Fixtures.path("safetensors/f32_basic.safetensors"))) {
            m = st.matrix("W_enc");
        }
        assertThatThrownBy(() -> m.get(0, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nonFloatTensorsAreListedButNotConverted() throws IOException {
        try (SafeTensors st = SafeTensors.open(Fixtures.path("safetensors/with_i64.safetensors"))) {
            assertThat(st.names()).containsExactly("f", "ids");
            assertThat(st.bytes("ids").byteSize()).isEqualTo(48);
            assertThatThrownBy(() -> st.vector("ids"))
                    .isInstanceOf(FileFormatException.class)
                    .hasMessageContaining("tensor \"ids\" has dtype I64; expected a floating-point dtype");
            assertThatThrownBy(() -> st.matrix("f")).hasMessageContaining("expected a 2-D tensor");
            assertThatThrownBy(() -> st.info("nope")).hasMessageContaining("no tensor named \"nope\"");
        }
    }

    /** Read the F32 fixture and write it back: the bytes must equal the Python-layout file exactly. */
    @Test
    void writerReproducesTheReferenceLayoutByteForByte() throws IOException {
        Path src = Fixtures.path("safetensors/f32_basic.safetensors");
        Path out = tmp.resolve("copy.safetensors");
        try (SafeTensors st = SafeTensors.open(src)) {
            List<SafeTensors.Tensor> tensors = new ArrayList<>();
            for (SafeTensors.TensorInfo t : st.tensors()) {
                tensors.add(new SafeTensors.Tensor(t.name(), SafeTensors.DType.F32, t.shape(), st.bytes(t.name())));
            }
            SafeTensors.write(out, st.metadata(), tensors);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(src));
        List<String> order = new ArrayList<>();
        EXPECTED.get("f32_basic.safetensors").get("order").forEach(n -> order.add(n.textValue()));
        try (SafeTensors st = SafeTensors.open(out)) {
            assertThat(st.tensors().stream().map(SafeTensors.TensorInfo::name).toList())
                    .isEqualTo(order);
        }
    }

    /** float32 sources written as BF16 (and mixed with F32) must match the fixture's rounding and order. */
    @ParameterizedTest
    @ValueSource(strings = {"bf16.safetensors", "mixed_f32_bf16.safetensors"})
    void bf16WriterRoundsToNearestEvenLikeTorch(String file) throws IOException {
        JsonNode exp = EXPECTED.get(file);
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : Fixtures.entries(exp.get("tensors"))) {
            float[] src = Fixtures.floatsFromBits(e.getValue().get("source_bits"));
            tensors.add(new SafeTensors.Tensor(
                    e.getKey(),
                    SafeTensors.DType.valueOf(e.getValue().get("dtype").textValue()),
                    Fixtures.longs(e.getValue().get("shape")),
                    MemorySegment.ofArray(src)));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        exp.get("metadata")
                .properties()
                .forEach(e -> meta.put(e.getKey(), e.getValue().textValue()));
        Path out = tmp.resolve(file);
        SafeTensors.write(out, meta, tensors);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(Fixtures.path("safetensors/" + file)));
    }

    @Test
    void bf16RoundingEdgeCases() {
        assertThat(FloatConversions.floatToBf16(Float.intBitsToFloat(0x3F808000)))
                .isEqualTo((short) 0x3F80); // tie → even
        assertThat(FloatConversions.floatToBf16(Float.intBitsToFloat(0x3F818000)))
                .isEqualTo((short) 0x3F82); // tie → even
        assertThat(FloatConversions.floatToBf16(Float.intBitsToFloat(0x3F808001)))
                .isEqualTo((short) 0x3F81);
        assertThat(FloatConversions.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80); // overflows to +inf
        assertThat(FloatConversions.floatToBf16(-0f)).isEqualTo((short) 0x8000);
        assertThat(Float.isNaN(FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(Float.NaN))))
                .isTrue();
    }

    static Stream<Arguments> badFiles() {
        return Fixtures.entries(BAD).stream()
                .map(e -> Arguments.of(e.getKey(), e.getValue().textValue()));
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void everyBrokenFileGetsItsPreciseError(String file, String message) {
        Path p = Fixtures.path("safetensors/bad/" + file);
        assertThatThrownBy(() -> SafeTensors.open(p).close())
                .isInstanceOf(FileFormatException.class)
                .hasMessageStartingWith(p.toString() + ": ")
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((FileFormatException) e).file()).isEqualTo(p));
    }

    /** Property test: random shapes (zero and odd sizes) and random bit patterns survive F32 write → read. */
    @ParameterizedTest
    @MethodSource("seeds")
    void randomF32RoundTripsAreBitExact(long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        int count = 1 + rnd.nextInt(5);
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (int t = 0; t < count; t++) {
            int rank = rnd.nextInt(4);
            long[] shape = new long[rank];
            long n = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(9);
                n *= shape[i];
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.intBitsToFloat(rnd.nextInt()); // every bit pattern, NaN payloads included
            }
            String name = "t" + t + "_" + Integer.toHexString(rnd.nextInt());
            values.put(name, v);
            tensors.add(new SafeTensors.Tensor(name, SafeTensors.DType.F32, shape, MemorySegment.ofArray(v)));
        }
        Path out = tmp.resolve("r" + seed + ".safetensors");
        SafeTensors.write(out, Map.of("seed", Long.toString(seed)), tensors);
        try (SafeTensors st = SafeTensors.open(out)) {
            assertThat(st.metadata()).containsEntry("seed", Long.toString(seed));
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                assertThat(Fixtures.bits(st.floats(e.getKey()))).isEqualTo(Fixtures.bits(e.getValue()));
            }
        }
        // Header padded to 8 bytes, as the Python writer does.
        long headerLen = java.nio.ByteBuffer.wrap(Files.readAllBytes(out), 0, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        assertThat(headerLen % 8).isZero();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void randomBf16RoundTripsMatchTheRoundingRule(long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[1 + rnd.nextInt(300)];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(rnd.nextInt());
        }
        Path out = tmp.resolve("b" + seed + ".safetensors");
        SafeTensors.write(out, Map.of(), List.of(SafeTensors.Tensor.f32("v", v).as(SafeTensors.DType.BF16)));
        try (SafeTensors st = SafeTensors.open(out)) {
            float[] back = st.vector("v");
            for (int i = 0; i < v.length; i++) {
                float expected = FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(v[i]));
                assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(expected));
                if (Float.isFinite(v[i]) && Float.isFinite(expected) && Math.abs(expected) >= Float.MIN_NORMAL) {
                    // Round to nearest: within half a bf16 ulp (2^-8 relative) for normal numbers.
                    assertThat(Math.abs(expected - v[i])).isLessThanOrEqualTo(Math.abs(expected) * 0x1p-8f);
                }
            }
        }
    }

    static Stream<Long> seeds() {
        return IntStream.range(0, 12).mapToObj(i -> 1000L + i);
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaries() throws IOException {
        Path out = tmp.resolve("keep.safetensors");
        SafeTensors.write(out, Map.of(), List.of(SafeTensors.Tensor.f32("a", new float[] {1, 2})));
        byte[] before = Files.readAllBytes(out);
        float[] v = {3};
        assertThatThrownBy(() -> SafeTensors.write(
                        out, Map.of(), List.of(SafeTensors.Tensor.f32("a", v), SafeTensors.Tensor.f32("a", v))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate tensor name");
        assertThat(Files.readAllBytes(out)).isEqualTo(before);
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("keep.safetensors");
        }
    }

    @Test
    void tensorSpecificationsAreChecked() {
        assertThatThrownBy(() -> new SafeTensors.Tensor(
                        "x", SafeTensors.DType.F32, new long[] {2, 2}, MemorySegment.ofArray(new float[3])))
                .hasMessageContaining("needs 16 bytes of float32, got 12");
        assertThatThrownBy(() -> new SafeTensors.Tensor(
                        "x", SafeTensors.DType.F16, new long[] {1}, MemorySegment.ofArray(new float[1])))
                .hasMessageContaining("can write F32 or BF16");
        assertThatThrownBy(() -> SafeTensors.Tensor.f32(SafeTensors.METADATA_KEY, new float[1]))
                .hasMessageContaining("invalid tensor name");
    }
}
