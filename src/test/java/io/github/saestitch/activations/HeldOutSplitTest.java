package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.saestitch.tensor.FloatMatrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's held-out tail: whole documents when the store records them. */
class HeldOutSplitTest {
    @TempDir
    Path tmp;

    @Test
    void extendsTheTailBackToADocumentBoundary() throws Exception {
        // 370 tokens, documents of 37: the last 50 tokens start inside document 8 (tokens 296..332).
        Path dir = SyntheticStore.write(tmp.resolve("s"), 370, 4, 64, StoreDtype.FLOAT32, 1);
        try (ActivationStore s = ActivationStore.open(dir)) {
            HeldOutSplit h = HeldOutSplit.of(s, 50);
            assertThat(h.start()).isEqualTo(296);
            assertThat(h.tokens()).isEqualTo(74);
            assertThat(h.wholeDocuments()).isTrue();
            assertThat(h.documents()).isEqualTo(2);
            assertThat(s.docId(h.start() - 1)).isNotEqualTo(s.docId(h.start()));
            // Exactly at a boundary: unchanged.
            assertThat(HeldOutSplit.of(s, 74).start()).isEqualTo(296);
            // Would swallow the whole store: shrinks forward to the next boundary instead.
            HeldOutSplit all = HeldOutSplit.of(s, 369);
            assertThat(all.start()).isEqualTo(37);
            assertThat(all.wholeDocuments()).isTrue();
            assertThat(h.range(s).describe()).contains("2 whole documents held out");
            assertThat(HeldOutSplit.of(s, 0).tokens()).isZero();
            assertThatThrownBy(() -> HeldOutSplit.of(s, 370)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aSetWithoutDocumentsHoldsOutTheLastTokens() {
        MatrixActivationSet m = new MatrixActivationSet(FloatMatrix.zeros(100, 3), "m");
        HeldOutSplit h = HeldOutSplit.of(m, 30);
        assertThat(h.start()).isEqualTo(70);
        assertThat(h.wholeDocuments()).isFalse();
    }
}
