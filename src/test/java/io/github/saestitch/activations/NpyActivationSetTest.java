package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.saestitch.io.FileFormatException;
import io.github.saestitch.io.Fixtures;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyActivationSetTest {
    private static final JsonNode EXPECTED = Fixtures.json("npy/expected.json");

    /** Reading in uneven blocks must give back exactly the rows of the file, whatever its dtype and order. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "v1_f4.npy",
                "v1_f2.npy",
                "v1_f8.npy",
                "fortran_f4.npy",
                "fortran_f8.npy",
                "c_3d_f4.npy",
                "v2_f4.npy",
                "long_f4.npy"
            })
    void blocksReassembleTheWholeFile(String file) throws IOException {
        JsonNode exp = EXPECTED.get(file);
        long[] shape = Fixtures.longs(exp.get("shape"));
        int d = (int) shape[shape.length - 1];
        float[] want = Fixtures.floatsFromBits(exp.get("bits"));
        try (NpyActivationSet set = NpyActivationSet.open(Fixtures.path("npy/" + file))) {
            assertThat(set.dIn()).isEqualTo(d);
            assertThat(set.numTokens()).isEqualTo(want.length / d);
            assertThat(set.describe()).contains(file);
            float[] got = new float[want.length];
            long start = 0;
            int block = 1;
            while (start < set.numTokens()) {
                int n = (int) Math.min(block, set.numTokens() - start);
                FloatMatrix m = set.block(start, n);
                assertThat(m.rows()).isEqualTo(n);
                System.arraycopy(m.toArray(), 0, got, (int) (start * d), n * d);
                start += n;
                block = block * 2 + 1;
            }
            assertThat(Fixtures.bits(got)).isEqualTo(Fixtures.bits(want));
        }
    }

    @Test
    void float32BlocksAreViewsOfTheMapping() throws IOException {
        try (NpyActivationSet set = NpyActivationSet.open(Fixtures.path("npy/v1_f4.npy"))) {
            FloatMatrix b = set.block(1, 3);
            assertThat(b.segment().isMapped()).isTrue();
            float[] all = Fixtures.floatsFromBits(EXPECTED.get("v1_f4.npy").get("bits"));
            assertThat(Fixtures.bits(b.toArray())).isEqualTo(Fixtures.bits(Arrays.copyOfRange(all, 7, 28)));
        }
    }

    @Test
    void outOfRangeBlocksAndWrongRanksAreRefused() throws IOException {
        try (NpyActivationSet set = NpyActivationSet.open(Fixtures.path("npy/v1_f4.npy"))) {
            assertThatThrownBy(() -> set.block(3, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> set.block(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(set.block(5, 0).rows()).isZero();
        }
        Path oneD = Fixtures.path("npy/v1_f4_1d.npy");
        assertThatThrownBy(() -> NpyActivationSet.open(oneD))
                .isInstanceOf(FileFormatException.class)
                .hasMessageContaining("expected [rows, cols]");
    }
}
