package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelTokenizerTest {
    static ModelTokenizer tok;

    @BeforeAll
    static void load() {
        tok = ModelTokenizer.forModel(TransformerModel.MINILM_L6);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void encodesContentTokensOnlyAndKnowsTheSpecialIds() {
        assertThat(tok.clsId()).isEqualTo(101);
        assertThat(tok.sepId()).isEqualTo(102);
        assertThat(tok.padId()).isZero();
        int[] ids = tok.encode("The jury said Friday.");
        assertThat(ids).hasSize(5).doesNotContain(101, 102);
        assertThat(tok.decode(ids, true)).isEqualTo("the jury said friday.");
        assertThat(tok.token(ids[1])).isEqualTo("jury");
        assertThat(tok.encode("")).isEmpty();
    }

    @Test
    void longTextsEncodedInPiecesGiveTheIdsOfOneWholeEncode() {
        // Seeded random "sentences" of real words, with line breaks, past several piece boundaries.
        String[] words = {
            "the",
            "river",
            "rose",
            "slowly",
            "through",
            "night",
            "unbelievably",
            "committee",
            "report",
            "delivered",
            "exponentially",
            "barrier's",
            "width",
            "(",
            ")",
            ",",
            ".",
            "quantum",
            "tunnelling",
            "42"
        };
        SplittableRandom r = new SplittableRandom(11);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 3 * ModelTokenizer.PIECE_CHARS + 1234) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(12) == 0 ? "\n" : " ");
        }
        String text = sb.toString();
        int[] pieces = tok.encode(text);
        ModelTokenizer.IntList whole = new ModelTokenizer.IntList(0);
        // The reference: one native encode of the whole text.
        whole.addAll(wholeEncode(text));
        assertThat(pieces).isEqualTo(whole.toArray());
        // A long run without line breaks is split at a space.
        String oneLine = text.replace('\n', ' ');
        assertThat(ModelTokenizer.pieceEnd(oneLine, 0)).isLessThanOrEqualTo(ModelTokenizer.PIECE_CHARS);
        assertThat(oneLine.charAt(ModelTokenizer.pieceEnd(oneLine, 0) - 1)).isEqualTo(' ');
        assertThat(tok.encode(oneLine)).isEqualTo(toInts(wholeEncode(oneLine)));
    }

    private static long[] wholeEncode(String text) {
        try (ai.djl.huggingface.tokenizers.HuggingFaceTokenizer t =
                ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(
                        new java.io.ByteArrayInputStream(TransformerModel.MINILM_L6.readTokenizerJson()),
                        java.util.Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"))) {
            return t.encode(text, false, false).getIds();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int[] toInts(long[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (int) a[i];
        }
        return out;
    }
}
