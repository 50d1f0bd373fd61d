package io.github.saestitch.activations;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** Writes stores of seeded random rows through {@link StoreWriter}, without a model, for fast store tests. */
final class SyntheticStore {
    private SyntheticStore() {}

    /** Value of element {@code (row, k)} in a store written with {@code seed}. */
    static float value(long seed, long row, int k) {
        return (float) new SplittableRandom(seed * 1_000_003L + row * 7919L + k).nextGaussian();
    }

    /**
     * A store of {@code n} tokens of width {@code d}; token {@code i} has id {@code 1000 + i % 500} and document
     * {@code i / 37}.
     */
    static Path write(Path dir, long n, int d, int shardTokens, StoreDtype dtype, long seed) throws Exception {
        int docs = (int) (n / 37 + 1);
        Corpus corpus = new Corpus() {
            public String kind() {
                return "text";
            }

            public String source() {
                return "synthetic";
            }

            public String fingerprint() {
                return "n=" + n;
            }

            public int size() {
                return docs;
            }

            public Document document(int index) {
                return new Document(index, "doc" + index, "g" + index % 3, "");
            }

            public DocumentInfo info(int index) {
                return new DocumentInfo(index, "doc" + index, "g" + index % 3);
            }

            public long approxChars() {
                return 0;
            }
        };
        StoreManifest fresh = new StoreManifest(
                StoreManifest.FORMAT_VERSION,
                StoreManifest.KIND,
                null,
                -1,
                "unknown",
                "synthetic",
                "",
                dtype.id(),
                d,
                0,
                n,
                false,
                null,
                new StoreManifest.CorpusInfo("text", "synthetic", "n=" + n, docs),
                0,
                false,
                seed,
                false,
                1,
                shardTokens,
                true,
                List.of(),
                new StoreManifest.Resume(0, 0, 0),
                "t",
                "t");
        try (StoreWriter w = StoreWriter.open(dir, fresh, corpus, n)) {
            int chunk = 101;
            for (long start = 0; start < n; start += chunk) {
                int rows = (int) Math.min(chunk, n - start);
                ByteBuffer acts = ByteBuffer.allocate(rows * d * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                int[] tok = new int[rows];
                int[] doc = new int[rows];
                int[] pos = new int[rows];
                int[] ctx = new int[rows];
                double[] norms = new double[rows];
                for (int r = 0; r < rows; r++) {
                    long i = start + r;
                    double sq = 0;
                    for (int k = 0; k < d; k++) {
                        float v = value(seed, i, k);
                        sq += v * v;
                        if (dtype == StoreDtype.FLOAT32) {
                            acts.putFloat((r * d + k) * 4, v);
                        } else {
                            acts.putShort((r * d + k) * 2, StoreDtype.toBf16(v));
                        }
                    }
                    tok[r] = 1000 + (int) (i % 500);
                    doc[r] = (int) (i / 37);
                    pos[r] = (int) (i % 37);
                    ctx[r] = (int) (i % 37) + 1;
                    norms[r] = Math.sqrt(sq);
                }
                RowChunk.Cursor c = new RowChunk.Cursor(0, 0);
                w.append(new RowChunk(rows, acts, tok, doc, pos, ctx, norms, c, c, 0, rows));
            }
            w.finish(true);
        }
        return dir;
    }
}
