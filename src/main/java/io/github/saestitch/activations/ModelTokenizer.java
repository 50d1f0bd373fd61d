package io.github.saestitch.activations;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A model's own WordPiece tokenizer ({@code tokenizer.json} from the model jar) run by DJL's binding of
 * the Hugging Face {@code tokenizers} library (it bundles its native library and works offline).
 *
 * <p>{@link #encode} returns the content tokens only: no {@code [CLS]}/{@code [SEP]}, no truncation, no
 * padding; the extractor frames each context window with the special tokens itself. Long texts are
 * encoded in pieces split at line breaks (or, inside an over-long line, at a space): BERT's pre-tokenizer
 * splits on whitespace first, so the ids are the same as encoding the whole text at once, while memory
 * stays bounded. Thread-safe (the native tokenizer is immutable).
 */
public final class ModelTokenizer implements AutoCloseable {
    /** Characters per encode call; a Brown document (~2,300 words) is one or two pieces. */
    static final int PIECE_CHARS = 1 << 16;

    private final HuggingFaceTokenizer tokenizer;
    private final String name;
    private final String sha256;
    private final int clsId;
    private final int sepId;
    private final int padId;

    private ModelTokenizer(HuggingFaceTokenizer tokenizer, String name, String sha256) {
        this.tokenizer = tokenizer;
        this.name = name;
        this.sha256 = sha256;
        // encode(text, addSpecialTokens, withOverflowingTokens): the template adds [CLS] text [SEP].
        Encoding framed = tokenizer.encode("", true, false);
        long[] ids = framed.getIds();
        if (ids.length != 2) {
            throw new IllegalStateException(
                    name + ": expected [CLS] [SEP] around an empty text, got " + ids.length + " tokens");
        }
        this.clsId = (int) ids[0];
        this.sepId = (int) ids[1];
        this.padId = idOf("[PAD]");
    }

    /** The tokenizer of {@code model}, read from its jar. */
    public static ModelTokenizer forModel(TransformerModel model) {
        byte[] json = model.readTokenizerJson();
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            return new ModelTokenizer(t, model.tokenizerResource(), sha256(json));
        } catch (IOException e) {
            throw new UncheckedIOException("loading " + model.tokenizerResource(), e);
        }
    }

    /** The content token ids of {@code text} (no special tokens). */
    public int[] encode(String text) {
        if (text.length() <= PIECE_CHARS) {
            return toInts(tokenizer.encode(text, false, false).getIds());
        }
        IntList out = new IntList(text.length() / 4);
        int start = 0;
        while (start < text.length()) {
            int end = pieceEnd(text, start);
            out.addAll(
                    tokenizer.encode(text.substring(start, end), false, false).getIds());
            start = end;
        }
        return out.toArray();
    }

    /** Where the piece starting at {@code start} ends: after the last line break (else space) within the limit. */
    static int pieceEnd(String text, int start) {
        int limit = start + PIECE_CHARS;
        if (limit >= text.length()) {
            return text.length();
        }
        int nl = text.lastIndexOf('\n', limit - 1);
        if (nl >= start) {
            return nl + 1;
        }
        int sp = text.lastIndexOf(' ', limit - 1);
        if (sp >= start) {
            return sp + 1;
        }
        // A 64K-character run without a space: split inside it (the only case where ids can differ).
        return Character.isHighSurrogate(text.charAt(limit - 1)) ? limit - 1 : limit;
    }

    /** Text of the ids, with WordPiece continuations joined; special tokens dropped when {@code skipSpecial}. */
    public String decode(int[] ids, boolean skipSpecial) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecial);
    }

    /** The vocabulary entry of one id (e.g. {@code ##ing}). */
    public String token(int id) {
        return decode(new int[] {id}, false);
    }

    private int idOf(String token) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        if (ids.length != 1) {
            throw new IllegalStateException(name + " has no single token " + token);
        }
        return (int) ids[0];
    }

    /** Id of {@code [CLS]}. */
    public int clsId() {
        return clsId;
    }

    /** Id of {@code [SEP]}. */
    public int sepId() {
        return sepId;
    }

    /** Id of {@code [PAD]}. */
    public int padId() {
        return padId;
    }

    /** The tokenizer file name, e.g. {@code all-minilm-l6-v2-tokenizer.json}. */
    public String name() {
        return name;
    }

    /** SHA-256 of the tokenizer.json bytes, hex. */
    public String sha256() {
        return sha256;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(16, capacity)];
        }

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        void addAll(long[] vs) {
            for (long v : vs) {
                add((int) v);
            }
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
