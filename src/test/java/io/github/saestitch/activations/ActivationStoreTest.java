package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.saestitch.tensor.FloatMatrix;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivationStoreTest {
    private static final int D = 8;

    @TempDir
    Path tmp;

    @Test
    void blocksAreExactWithinAndAcrossShards() throws Exception {
        Path dir = SyntheticStore.write(tmp.resolve("s"), 1000, D, 128, StoreDtype.FLOAT32, 3);
        try (ActivationStore store = ActivationStore.open(dir)) {
            assertThat(store.numTokens()).isEqualTo(1000);
            assertThat(store.dIn()).isEqualTo(D);
            assertThat(store.manifest().shards()).hasSize(8);
            for (long start : new long[] {0, 5, 120, 127, 128, 250, 990}) {
                int n = (int) Math.min(40, 1000 - start);
                FloatMatrix b = store.block(start, n);
                for (int r = 0; r < n; r++) {
                    for (int k = 0; k < D; k++) {
                        assertThat(b.get(r, k)).isEqualTo(SyntheticStore.value(3, start + r, k));
                    }
                }
            }
            assertThat(store.tokenId(777)).isEqualTo(1000 + 777 % 500);
            assertThat(store.docId(777)).isEqualTo(777 / 37);
            assertThat(store.tokenIds(126, 4)).containsExactly(1126, 1127, 1128, 1129);
            assertThatThrownBy(() -> store.block(990, 11)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void bf16StoreReadsBackWithinBf16Precision() throws Exception {
        Path dir = SyntheticStore.write(tmp.resolve("b"), 300, D, 64, StoreDtype.BFLOAT16, 5);
        try (ActivationStore store = ActivationStore.open(dir)) {
            FloatMatrix b = store.block(0, 300);
            for (int r = 0; r < 300; r++) {
                for (int k = 0; k < D; k++) {
                    float want = SyntheticStore.value(5, r, k);
                    assertThat(b.get(r, k)).isCloseTo(want, within(Math.abs(want) / 256 + 1e-30f));
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(StoreDtype.fromBf16(StoreDtype.toBf16(1.0f))).isEqualTo(1.0f);
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0).
        assertThat(StoreDtype.fromBf16(StoreDtype.toBf16(1.0f + 0x1p-8f))).isEqualTo(1.0f);
        assertThat(StoreDtype.fromBf16(StoreDtype.toBf16(1.0f + 0x1p-8f + 0x1p-20f)))
                .isEqualTo(1.0f + 0x1p-7f);
        assertThat(Float.isNaN(StoreDtype.fromBf16(StoreDtype.toBf16(Float.NaN))))
                .isTrue();
        assertThat(StoreDtype.fromBf16(StoreDtype.toBf16(Float.POSITIVE_INFINITY)))
                .isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void aStoreWhoseShardDisagreesWithTheManifestIsRefusedNamingTheFile() throws Exception {
        Path dir = SyntheticStore.write(tmp.resolve("s"), 300, D, 128, StoreDtype.FLOAT32, 3);
        Path acts = dir.resolve("shard-000001").resolve("acts.f32");
        try (RandomAccessFile f = new RandomAccessFile(acts.toFile(), "rw")) {
            f.setLength(f.length() - 4);
        }
        assertThatThrownBy(() -> ActivationStore.open(dir))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining(acts.toString())
                .hasMessageContaining("manifest and shard disagree");
        StoreWriter.deleteTree(dir.resolve("shard-000002"));
        assertThatThrownBy(() -> ActivationStore.open(dir))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("shard-00000");
    }

    @Test
    void aDirectoryThatIsNotAStoreIsRefused() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("plain"));
        assertThatThrownBy(() -> ActivationStore.open(d))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("not an activation store (no manifest.json)");
        assertThatThrownBy(() -> ActivationStore.open(tmp.resolve("missing")))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("not found");
        Files.writeString(
                d.resolve("manifest.json"),
                "{\"format_version\": 9, \"kind\": \"saestitch.activation_store\", \"d\": 4, \"dtype\": \"float32\"}");
        assertThatThrownBy(() -> ActivationStore.open(d))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("format_version 9 is not supported");
    }
}
