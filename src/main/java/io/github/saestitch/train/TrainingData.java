package io.github.saestitch.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.io.InputFingerprint;
import io.github.saestitch.tensor.FloatMatrix;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of the activations a run trains on, recorded in its checkpoint so that {@code --resume}
 * continues on the same data: the number of tokens the run uses (training range and held-out tail
 * together, {@code [0, tokens)} of the set), their width, and the SHA-256 of their float32 values.
 *
 * <p>Why the values and not the files: a store that is extended with more tokens after the run started
 * keeps its first {@code tokens} rows unchanged (the shards are append-only), so a resume reads the
 * same range of the larger store and continues bit-identically; a {@code .npy} or store with other
 * values in that range is refused. Hashing reads the set once (SHA-256 runs at about 1 GB/s with the
 * JDK's intrinsics, far below one training epoch).
 *
 * @param tokens the tokens of the set the run uses, {@code [0, tokens)}
 * @param dIn    their width
 * @param sha256 {@link InputFingerprint} of their float32 values (little-endian, row-major)
 * @param source where they were read from when the run started (for messages)
 */
record TrainingData(long tokens, int dIn, InputFingerprint sha256, String source) {
    /** Tokens hashed per read. */
    private static final int CHUNK_TOKENS = 4096;

    /** The identity of tokens {@code [0, tokens)} of {@code set}. */
    static TrainingData of(ActivationSet set, long tokens) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
        int d = set.dIn();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_TOKENS * d * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long t = 0; t < tokens; t += CHUNK_TOKENS) {
            int n = (int) Math.min(CHUNK_TOKENS, tokens - t);
            FloatMatrix block = set.block(t, n);
            buf.clear();
            long count = (long) n * d;
            for (long i = 0; i < count; i++) {
                buf.putFloat(block.segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            }
            buf.flip();
            md.update(buf);
        }
        return new TrainingData(tokens, d, new InputFingerprint(HexFormat.of().formatHex(md.digest())), set.describe());
    }

    void write(ObjectNode node) {
        node.put("tokens", tokens);
        node.put("d_in", dIn);
        node.put("sha256", sha256.hex());
        node.put("source", source);
    }

    /** The record in a checkpoint's {@code data} node, or null when the checkpoint predates it. */
    static TrainingData read(JsonNode node) {
        if (node == null || !node.hasNonNull("sha256")) {
            return null;
        }
        return new TrainingData(
                node.path("tokens").asLong(),
                node.path("d_in").asInt(),
                new InputFingerprint(node.get("sha256").asText()),
                node.path("source").asText());
    }
}
