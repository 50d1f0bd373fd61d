package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The PyTorch zip reader against files torch itself wrote (scripts/make_torch_fixtures.py) and broken ones. */
class TorchZipTest {
    @TempDir
    Path tmp;

    private static Path torch(String rel) {
        return Fixtures.path("torch/" + rel);
    }

    /**
     * Every tensor of ae.pt (encoder.weight stored transposed, strides (1, F)) equals, bit for bit, the
     * contiguous copy torch wrote into the safetensors re-save.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dl_relu", "dl_topk", "dl_batchtopk", "dl_jumprelu"})
    void tensorsMatchTheContiguousSafetensorsResave(String name) throws IOException {
        TorchZip z = TorchZip.open(torch(name + "/ae.pt"));
        try (SafeTensors st = SafeTensors.open(torch(name + "_st/ae.safetensors"))) {
            assertThat(z.names()).isEqualTo(st.names());
            for (String t : z.names()) {
                assertThat(z.shape(t)).as(t).isEqualTo(st.shape(t));
                assertThat(z.dtype(t)).as(t).isEqualTo(st.dtype(t));
                if (z.dtype(t).isFloat()) {
                    assertThat(Fixtures.bits(z.floats(t))).as(t).isEqualTo(Fixtures.bits(st.floats(t)));
                } else {
                    assertThat(z.integer(t)).as(t).isEqualTo(st.integer(t));
                }
            }
        }
        if (name.equals("dl_relu") || name.equals("dl_topk")) {
            assertThat(z.contiguous("encoder.weight"))
                    .as("the library stores encoder.weight transposed")
                    .isFalse();
        }
    }

    @Test
    void openAiStateDictKeepsItsNonTensorValues() throws IOException {
        TorchZip z = TorchZip.open(torch("openai_topk.pt"));
        assertThat(z.value("activation")).isEqualTo("TopK");
        assertThat(z.value("activation_state_dict")).isInstanceOf(java.util.Map.class);
        assertThat(((java.util.Map<?, ?>) z.value("activation_state_dict")).get("k"))
                .isEqualTo(5L);
        assertThat(z.names()).contains("pre_bias", "encoder.weight", "stats_last_nonzero");
    }

    /** A pickle calling os.system (and one nesting builtins.eval in a state_dict) is refused before anything runs. */
    @ParameterizedTest
    @ValueSource(strings = {"os_system.pt:os.system", "nested_eval.pt:builtins.eval"})
    void maliciousPicklesAreRefusedNamingTheGlobal(String spec) {
        String[] p = spec.split(":");
        Path file = torch("bad/" + p[0]);
        assertThatThrownBy(() -> TorchZip.open(file))
                .isInstanceOf(FileFormatException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining("global " + p[1])
                .hasMessageContaining("nothing was run");
        assertThat(Path.of("/tmp/saestitch-pwned")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "truncated.pt:no end-of-central-directory",
                "crc.pt:CRC-32",
                "legacy.pt:legacy",
                "not_a_zip.pt:not a zip archive"
            })
    void brokenFilesAreCleanErrors(String spec) {
        String[] p = spec.split(":");
        Path file = torch("bad/" + p[0]);
        assertThatThrownBy(() -> {
                    TorchZip z = TorchZip.open(file);
                    for (String t : z.names()) {
                        z.floats(t);
                    }
                })
                .isInstanceOf(FileFormatException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(p[1]);
    }

    @Test
    void hostilePickleOpcodesAreCleanErrors() {
        Path f = tmp.resolve("x.pt");
        byte[][] pickles = {
            {(byte) 0x80, 2, 'j', 5, 0, 0, 0, '.'}, // LONG_BINGET of a memo entry never stored
            {(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, '.'}, // a 2 GB string in 8 bytes
            {(byte) 0x80, 2, 'R', '.'}, // REDUCE on an empty stack
            {(byte) 0x80, 2, 'u', '.'}, // SETITEMS without MARK
            {(byte) 0x80, 2, ']', '.', '.'}, // fine pickle of a list; not a state_dict when asked
            {(byte) 0x80, 2, 'i', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', '.'}, // INST is not allowed
            {(byte) 0x80, 2, (byte) 0x8a, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, '.'}, // a 72-bit integer
            {(byte) 0x80, 2, '}', ']', ']', 's', '.'}, // a list as a dict key
            "\u0080\u0002c__builtin__\ngetattr\n.".getBytes(StandardCharsets.ISO_8859_1),
        };
        for (byte[] pkl : pickles) {
            assertThatThrownBy(() -> {
                        Object o = TorchPickle.load(f, pkl);
                        if (!(o instanceof java.util.Map<?, ?>)) {
                            throw new FileFormatException(f, "not a state_dict");
                        }
                    })
                    .isInstanceOf(FileFormatException.class)
                    .hasMessageStartingWith(f.toString());
        }
    }

    /**
     * Seeded mutations of a real checkpoint (byte flips anywhere, truncations) either load or fail with a
     * FileFormatException: nothing else escapes. A smoke test; the fuzzing helper goes further.
     */
    @Test
    void mutatedCheckpointsFailCleanly() throws IOException {
        byte[] good = Files.readAllBytes(torch("dl_topk/ae.pt"));
        Random rnd = new Random(20261203);
        Path f = tmp.resolve("m.pt");
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = trial % 3 == 0 ? java.util.Arrays.copyOf(good, rnd.nextInt(good.length)) : good.clone();
            if (trial % 3 != 0) {
                for (int k = 0; k <= trial % 4; k++) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
                }
            }
            Files.write(f, b);
            try {
                TorchZip z = TorchZip.open(f);
                for (String t : z.names()) {
                    if (z.dtype(t).isFloat()) {
                        z.floats(t);
                    } else {
                        z.integer(t);
                    }
                }
            } catch (FileFormatException expected) {
                assertThat(expected.getMessage()).startsWith(f.toString());
            }
        }
    }
}
