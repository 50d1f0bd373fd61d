package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.io.Npy;
import io.github.saestitch.io.NpyArray;
import io.github.saestitch.tensor.FloatMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreNpyTest {
    private static final int D = 8;

    @TempDir
    Path tmp;

    @Test
    void exportThenImportGivesBackTheSameActivationsAndTokenIds() throws Exception {
        Path src = SyntheticStore.write(tmp.resolve("src"), 500, D, 64, StoreDtype.FLOAT32, 9);
        Path acts = tmp.resolve("acts.npy");
        Path ids = tmp.resolve("ids.npy");
        try (ActivationStore store = ActivationStore.open(src)) {
            StoreNpy.exportActivations(store, acts);
            StoreNpy.exportTokenIds(store, ids);
        }
        try (NpyArray a = Npy.open(acts)) {
            assertThat(a.shape()).containsExactly(500, D);
            assertThat(a.dtype()).isEqualTo(Npy.DType.F4);
        }
        Path back = tmp.resolve("back");
        StoreManifest m = StoreNpy.importNpy(
                new StoreNpy.ImportOptions(acts, ids, null, "blocks.0.hook_resid_post", back, StoreDtype.FLOAT32, 128));
        assertThat(m.tokenCount()).isEqualTo(500);
        assertThat(m.shards()).hasSize(4);
        assertThat(m.corpus().kind()).isEqualTo("npy");
        try (ActivationStore a = ActivationStore.open(src);
                ActivationStore b = ActivationStore.open(back)) {
            assertThat(b.block(0, 500).toArray()).isEqualTo(a.block(0, 500).toArray());
            assertThat(b.tokenIds(0, 500)).isEqualTo(a.tokenIds(0, 500));
            assertThat(b.docId(7)).isEqualTo(-1);
        }
        // Importing the same file again into the same store is a no-op; other data is refused.
        StoreNpy.importNpy(
                new StoreNpy.ImportOptions(acts, ids, null, "blocks.0.hook_resid_post", back, StoreDtype.FLOAT32, 128));
        Path other = tmp.resolve("other.npy");
        Npy.write(other, FloatMatrix.zeros(3, D));
        assertThatThrownBy(() -> StoreNpy.importNpy(
                        new StoreNpy.ImportOptions(other, null, null, null, back, StoreDtype.FLOAT32, 128)))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("corpus");
    }

    @Test
    void importWithoutTokenIdsAndOpenEitherKindThroughTheFactory() throws Exception {
        FloatMatrix x = FloatMatrix.zeros(37, D);
        for (int r = 0; r < 37; r++) {
            for (int k = 0; k < D; k++) {
                x.set(r, k, SyntheticStore.value(4, r, k));
            }
        }
        Path npy = tmp.resolve("x.npy");
        Npy.write(npy, x);
        try (ActivationSet s = ActivationSets.open(npy)) {
            assertThat(s.numTokens()).isEqualTo(37);
            assertThat(s.block(3, 2).toArray()).isEqualTo(x.rowSlice(3, 5).toArray());
        }
        Path store = tmp.resolve("store");
        StoreNpy.importNpy(new StoreNpy.ImportOptions(npy, null, null, null, store, StoreDtype.BFLOAT16, 10));
        try (ActivationSet s = ActivationSets.open(store)) {
            assertThat(s).isInstanceOf(ActivationStore.class);
            assertThat(s.numTokens()).isEqualTo(37);
            assertThat(((ActivationStore) s).hasTokenIds()).isFalse();
            assertThat(s.block(36, 1).get(0, 5)).isEqualTo(StoreDtype.fromBf16(StoreDtype.toBf16(x.get(36, 5))));
        }
        assertThat(store.resolve("shard-000000").resolve(StoreLayout.TOKEN_IDS)).doesNotExist();
        assertThatThrownBy(() -> ActivationSets.open(tmp.resolve("nope.npy")))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("activations not found");
        Path txt = Files.writeString(tmp.resolve("a.txt"), "x");
        assertThatThrownBy(() -> ActivationSets.open(txt))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("not an activation store directory nor a .npy file");
    }

    @Test
    void tokenIdsThatDoNotFitAreRefused() throws Exception {
        Path npy = tmp.resolve("x.npy");
        Npy.write(npy, FloatMatrix.zeros(4, D));
        Path ids = tmp.resolve("ids.npy");
        Npy.write(ids, new float[] {1, 2, 3});
        assertThatThrownBy(() -> StoreNpy.importNpy(
                        new StoreNpy.ImportOptions(npy, ids, null, null, tmp.resolve("s"), StoreDtype.FLOAT32, 8)))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("holds 3 token ids but the activations have 4 rows");
        Npy.write(ids, new float[] {1, 2, 3.5f, 4});
        assertThatThrownBy(() -> StoreNpy.importNpy(
                        new StoreNpy.ImportOptions(npy, ids, null, null, tmp.resolve("s"), StoreDtype.FLOAT32, 8)))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("element 2 is 3.5, not a token id");
        assertThatThrownBy(() -> StoreNpy.importNpy(new StoreNpy.ImportOptions(
                        npy, null, TransformerModel.MINILM_L6, null, tmp.resolve("s"), StoreDtype.FLOAT32, 8)))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("d=8 but minilm-l6 has d=384");
    }
}
