package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.io.LatentContexts;
import io.github.saestitch.io.Npy;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.sae.TestSaes;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare} on a user's own pair writes the top contexts of both SAEs' latents when the activations
 * are a store with token ids, so that {@code report} on its output alone opens every latent of both SAEs
 * in the explorer with contexts; a {@code .npy} set (no text) compares without them.
 */
class CompareContextsCommandTest {
    static final int SMALL = 8;
    static final int LARGE = 13;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path store;
    static Path npy;
    static Path small;
    static Path large;

    /** A small extracted store, its tokens as a .npy, and two SAEs each of whose latents fires on some token. */
    @BeforeAll
    static void writeInputs() throws IOException {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog, and the cat sat on the mat. ".repeat(30));
        store = tmp.resolve("store");
        CliRunner r = CliRunner.run(
                "activations",
                "--corpus",
                text.toString(),
                "--tokens",
                "300",
                "--context",
                "32",
                "--layer",
                "2",
                "--out",
                store.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        npy = tmp.resolve("acts.npy");
        small = tmp.resolve("small");
        large = tmp.resolve("large");
        try (ActivationStore s = ActivationStore.open(store)) {
            FloatMatrix x = s.block(0, (int) s.numTokens()); // a view of the store: used while it is open
            Npy.write(npy, x);
            SaeFormats.save(tokenSae(x, SMALL, 5), small);
            SaeFormats.save(tokenSae(x, LARGE, 11), large);
        }
    }

    /**
     * A relu SAE whose latent j reads the direction of token {@code (j * stride) % n} from the tokens' mean
     * (b_dec, subtracted from the input): its pre-activation there is that direction's norm, so it fires.
     */
    static Sae tokenSae(FloatMatrix x, int f, int stride) {
        int n = x.rows();
        int d = x.cols();
        float[] mean = new float[d];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < d; k++) {
                mean[k] += x.get(t, k) / n;
            }
        }
        float[][] wEnc = new float[d][f]; // [dIn][F]
        float[][] wDec = new float[f][d]; // [F][dIn]
        for (int j = 0; j < f; j++) {
            int t = (j * stride + 1) % n;
            double sq = 0;
            for (int k = 0; k < d; k++) {
                sq += Math.pow(x.get(t, k) - mean[k], 2);
            }
            for (int k = 0; k < d; k++) {
                float v = (float) ((x.get(t, k) - mean[k]) / Math.sqrt(sq));
                wEnc[k][j] = v;
                wDec[j][k] = v;
            }
        }
        return TestSaes.sae(new Activation.Relu(), true, wEnc, new float[f], wDec, mean);
    }

    @Test
    void compareWritesContextsOfBothSaesAndTheReportShowsEveryLatentWithThem() throws IOException {
        Path cmp = tmp.resolve("cmp");
        CliRunner r = CliRunner.run(
                "compare",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--acts",
                store.toString(),
                "--out",
                cmp.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("contexts.jsonl, contexts_small.jsonl");
        var l = LatentContexts.readEntries(cmp.resolve(LatentContexts.FILE));
        var s = LatentContexts.readEntries(cmp.resolve(LatentContexts.SMALL_FILE));
        assertThat(l.freq()).hasSize(LARGE);
        assertThat(s.freq()).hasSize(SMALL);
        assertThat(l.contexts()).hasSize(LARGE);
        assertThat(s.contexts()).hasSize(SMALL);
        assertThat(l.contexts().get(0).get(0).source()).contains("token");

        Path rep = tmp.resolve("report");
        r = CliRunner.run("report", "--pair", cmp.toString(), "--out", rep.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode pair = reportData(rep.resolve("index.html")).get("pairs").get(0);
        JsonNode smallView = pair.get("small_latents");
        assertThat(smallView.get("total").asInt()).isEqualTo(SMALL);
        for (int j = 0; j < LARGE; j++) {
            assertThat(pair.get("contexts").path(Integer.toString(j)).size())
                    .as("contexts of L's latent %d", j)
                    .isPositive();
        }
        for (int j = 0; j < SMALL; j++) {
            assertThat(smallView.get("contexts").path(Integer.toString(j)).size())
                    .as("contexts of S's latent %d", j)
                    .isPositive();
        }
    }

    @Test
    void noContextsLeavesThemOut() {
        Path cmp = tmp.resolve("cmp-none");
        CliRunner r = CliRunner.run(
                "compare",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--acts",
                store.toString(),
                "--out",
                cmp.toString(),
                "--no-contexts");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(cmp.resolve("latents.csv")).isNotEmptyFile();
        assertThat(cmp.resolve(LatentContexts.FILE)).doesNotExist();
        assertThat(cmp.resolve(LatentContexts.SMALL_FILE)).doesNotExist();
    }

    @Test
    void aNpySetComparesWithoutContextsAndRefusesAskingForThem() throws IOException {
        Path cmp = tmp.resolve("cmp-npy");
        CliRunner r = CliRunner.run(
                "compare",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--acts",
                npy.toString(),
                "--out",
                cmp.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(cmp.resolve("summary.json")).isNotEmptyFile();
        assertThat(cmp.resolve(LatentContexts.FILE)).doesNotExist();
        assertThat(cmp.resolve(LatentContexts.SMALL_FILE)).doesNotExist();
        Path rep = tmp.resolve("report-npy");
        assertThat(CliRunner.run("report", "--pair", cmp.toString(), "--out", rep.toString())
                        .exitCode())
                .isZero();

        Path asked = tmp.resolve("cmp-npy-asked");
        r = CliRunner.run(
                "compare",
                "--small",
                small.toString(),
                "--large",
                large.toString(),
                "--acts",
                npy.toString(),
                "--out",
                asked.toString(),
                "--contexts");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--contexts", "token ids");
        assertThat(asked).doesNotExist();
    }

    /** The JSON a report page embeds for its explorer. */
    static JsonNode reportData(Path html) throws IOException {
        String page = Files.readString(html);
        String open = "<script type=\"application/json\" id=\"report-data\">";
        int from = page.indexOf(open) + open.length();
        return JSON.readTree(page.substring(from, page.indexOf("</script>", from)));
    }
}
