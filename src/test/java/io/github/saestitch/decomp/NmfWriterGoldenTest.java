package io.github.saestitch.decomp;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.DocumentInfo;
import io.github.saestitch.io.LatentContext;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.SparseRows;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bytes of every file {@code saestitch nmf} writes, pinned: a seeded factorisation of a small sparse
 * V, analysed and written for token rows and for document rows, must give exactly the files under
 * {@code src/test/resources/io/github/saestitch/decomp/nmf-golden/}, pinned when the analysis moved out
 * of NmfWriter (the command's outputs were then compared byte for byte with the earlier code's). Any
 * change of a number, a column or a key shows here. To accept an intended format change, run with
 * {@code -Dsaestitch.golden.update=DIR} and copy DIR's files over the resources.
 */
class NmfWriterGoldenTest {
    static final String[] TOKEN_FILES = {
        NmfWriter.FACTORS_FILE, NmfWriter.LATENT_FACTOR_FILE, NmfWriter.CONTEXTS_FILE, NmfWriter.SUMMARY_FILE
    };
    static final String[] DOCUMENT_FILES = {
        NmfWriter.FACTORS_FILE,
        NmfWriter.LATENT_FACTOR_FILE,
        NmfWriter.CONTEXTS_FILE,
        NmfWriter.DOCUMENTS_FILE,
        NmfWriter.SUMMARY_FILE
    };

    @TempDir
    Path tmp;

    /** A seeded non-negative [rows, cols] matrix, about a third of it zero, latent {@code cols − 1} never firing. */
    static SparseRows v(int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        FloatMatrix m = FloatMatrix.zeros(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols - 1; j++) {
                if (rng.nextInt(3) > 0) {
                    m.set(i, j, (float) (rng.nextDouble() * 3));
                }
            }
        }
        return SparseRows.fromDense(m);
    }

    @Test
    void tokenRowsWriteTheGoldenBytes() throws IOException {
        SparseRows v = v(37, 11, 3);
        NmfResult r = Nmf.factorize(v, new NmfOptions(3, 25, 1e-6, 7, NmfOptions.Algorithm.HALS), null);
        NmfAnalysis a = NmfAnalysis.ofTokens("sae-dir", "acts.npy", r, v, null, 1.5, 0.25);
        Path out = tmp.resolve("tokens");
        NmfWriter.write(a, out, false);
        assertGolden(out, "tokens", TOKEN_FILES);
    }

    @Test
    void documentRowsWriteTheGoldenBytes() throws IOException {
        SparseRows v = v(9, 13, 5);
        NmfResult r = Nmf.factorize(v, new NmfOptions(2, 40, 0, 11, NmfOptions.Algorithm.MU), null);
        int[] ids = {4, 0, 7, 2, 1, 8, 3, 5, 6};
        long[] counts = {12, 30, 7, 19, 25, 3, 40, 16, 9};
        String[] genres = {"news", "fiction", "news", "hobbies, crafts", "fiction", "", "news", "religion", "fiction"};
        List<DocumentInfo> table = new ArrayList<>(); // indexed by document id; row i of V is document ids[i]
        for (int d = 0; d < 9; d++) {
            table.add(new DocumentInfo(d, "doc \"" + d + "\".txt", genres[d]));
        }
        long used = 0;
        for (long c : counts) {
            used += c;
        }
        DocumentPooling.Pooled p = new DocumentPooling.Pooled(
                v,
                ids,
                counts,
                List.of(),
                null,
                used,
                6,
                1,
                DocumentPooling.Statistic.SUM,
                DocumentPooling.Weighting.IDF);
        NmfAnalysis.DocumentRows docs = new NmfAnalysis.DocumentRows(p, table);
        Map<Integer, List<LatentContext>> contexts = Map.of(
                0, List.of(new LatentContext("before", " token", " after", 2.5, "doc \"0\".txt (news)")),
                1, List.of(new LatentContext("", "#17", "", 0.125, "x")));
        NmfAnalysis a = new NmfAnalysis(
                "s",
                "store",
                r,
                v.nnz(),
                CodeMatrix.fired(v),
                contexts,
                NmfGenres.documentGenreMix(r, docs),
                2,
                3,
                docs);
        assertThat(a.assignment()).isNotNull();
        Path out = tmp.resolve("documents");
        NmfWriter.write(a, out, false);
        assertGolden(out, "documents", DOCUMENT_FILES);
    }

    static void assertGolden(Path out, String name, String[] files) throws IOException {
        String update = System.getProperty("saestitch.golden.update");
        try (var listing = Files.list(out)) {
            assertThat(listing.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(files);
        }
        for (String f : files) {
            byte[] got = Files.readAllBytes(out.resolve(f));
            if (update != null) {
                Path dst = Path.of(update, name, f);
                Files.createDirectories(dst.getParent());
                Files.write(dst, got);
                continue;
            }
            String resource = "nmf-golden/" + name + "/" + f;
            try (InputStream in = NmfWriterGoldenTest.class.getResourceAsStream(resource)) {
                assertThat(in).as(resource).isNotNull();
                assertThat(new String(got, StandardCharsets.UTF_8))
                        .as(name + "/" + f)
                        .isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }
}
