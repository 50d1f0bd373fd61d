package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.io.Npy;
import io.github.saestitch.io.NpyInts;
import io.github.saestitch.tensor.FloatMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import-acts then export-acts gives back the same bytes numpy would load; bad ids leave nothing behind. */
class ImportExportActsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsActivationsAndInt64TokenIds() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        int n = 21;
        int d = 384; // minilm-l6's width, checked against --model
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        Path acts = tmp.resolve("acts.npy");
        Npy.write(acts, FloatMatrix.wrap(v, n, d));
        // [3, 7] int64 ids as a tokenizer returns them (written by numpy, scripts/make_fixtures.py)
        Path ids = io.github.saestitch.io.Fixtures.path("npy/ints/ids_i8.npy");
        Path store = tmp.resolve("store");
        CliRunner imp = CliRunner.run(
                "import-acts",
                "--npy",
                acts.toString(),
                "--token-ids",
                ids.toString(),
                "--model",
                "minilm-l6",
                "--out",
                store.toString());
        assertThat(imp.exitCode()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("21 tokens of d_in 384 with token ids");

        Path back = tmp.resolve("back.npy");
        Path backIds = tmp.resolve("back_ids.npy");
        CliRunner exp = CliRunner.run(
                "export-acts", "--acts", store.toString(), "--out", back.toString(), "--token-ids", backIds.toString());
        assertThat(exp.exitCode()).as(exp.err()).isZero();
        assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(acts));
        assertThat(NpyInts.read(backIds)).containsExactly(NpyInts.read(ids));
        // int32 exactly as numpy.save writes it
        assertThat(Files.readAllBytes(backIds))
                .isEqualTo(Files.readAllBytes(io.github.saestitch.io.Fixtures.path("npy/ints/ids_1d_i4.npy")));
    }

    @Test
    void refusesIdsOfTheWrongLengthAndWritesNothing() throws Exception {
        Path acts = tmp.resolve("acts.npy");
        Npy.write(acts, FloatMatrix.wrap(new float[12], 4, 3));
        Path ids = tmp.resolve("ids.npy");
        NpyInts.write(ids, new int[] {1, 2, 3});
        Path store = tmp.resolve("store");
        CliRunner imp = CliRunner.run(
                "import-acts", "--npy", acts.toString(), "--token-ids", ids.toString(), "--out", store.toString());
        assertThat(imp.exitCode()).isEqualTo(2);
        assertThat(imp.err()).contains("holds 3 token ids but the activations have 4 rows");
        assertThat(store).doesNotExist();
    }

    @Test
    void reimportingAChangedFileOfTheSameShapeIsRefusedNotSilentlyKept() throws Exception {
        Path acts = tmp.resolve("acts.npy");
        float[] v = new float[12];
        Npy.write(acts, FloatMatrix.wrap(v, 4, 3));
        Path store = tmp.resolve("store");
        assertThat(CliRunner.run("import-acts", "--npy", acts.toString(), "--out", store.toString())
                        .exitCode())
                .isZero();
        // the same command again on the same file: already imported, fine
        assertThat(CliRunner.run("import-acts", "--npy", acts.toString(), "--out", store.toString())
                        .exitCode())
                .isZero();
        v[5] = 1f; // same shape and size, other values
        Npy.write(acts, FloatMatrix.wrap(v, 4, 3));
        CliRunner again = CliRunner.run("import-acts", "--npy", acts.toString(), "--out", store.toString());
        assertThat(again.exitCode()).as(again.out() + again.err()).isEqualTo(2);
        assertThat(again.err()).contains("fingerprint");
        Path out = tmp.resolve("out.npy");
        assertThat(CliRunner.run("export-acts", "--acts", store.toString(), "--out", out.toString())
                        .exitCode())
                .isZero();
        try (var a = Npy.open(out)) {
            assertThat(a.matrix().toArray()).containsOnly(0f); // the store is untouched
        }
    }

    @Test
    void overwriteReplacesAnExistingStoreInsteadOfContinuingIt() throws Exception {
        Path acts = tmp.resolve("acts.npy");
        float[] v = new float[12];
        Npy.write(acts, FloatMatrix.wrap(v, 4, 3));
        Path store = tmp.resolve("store");
        assertThat(CliRunner.run("import-acts", "--npy", acts.toString(), "--out", store.toString())
                        .exitCode())
                .isZero();
        v[5] = 1f; // other values: without --overwrite this is refused (above); with it the store is replaced
        Npy.write(acts, FloatMatrix.wrap(v, 4, 3));
        CliRunner r = CliRunner.run("import-acts", "--npy", acts.toString(), "--out", store.toString(), "--overwrite");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        Path out = tmp.resolve("out.npy");
        assertThat(CliRunner.run("export-acts", "--acts", store.toString(), "--out", out.toString())
                        .exitCode())
                .isZero();
        try (var a = Npy.open(out)) {
            assertThat(a.matrix().toArray()[5]).isEqualTo(1f);
        }
    }

    @Test
    void exportOfAStoreWithoutIdsRefusesTokenIds() throws Exception {
        Path acts = tmp.resolve("acts.npy");
        Npy.write(acts, FloatMatrix.wrap(new float[12], 4, 3));
        Path store = tmp.resolve("store");
        assertThat(CliRunner.run("import-acts", "--npy", acts.toString(), "--out", store.toString())
                        .exitCode())
                .isZero();
        Path out = tmp.resolve("out.npy");
        CliRunner exp = CliRunner.run(
                "export-acts",
                "--acts",
                store.toString(),
                "--out",
                out.toString(),
                "--token-ids",
                tmp.resolve("ids.npy").toString());
        assertThat(exp.exitCode()).isEqualTo(2);
        assertThat(exp.err()).contains("holds no token ids");
        assertThat(out).doesNotExist();
    }
}
