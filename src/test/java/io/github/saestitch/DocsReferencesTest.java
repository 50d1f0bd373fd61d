package io.github.saestitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository cites only what a cloner has: the public works and {@code docs/definitions.md}. Project-internal
 * planning files (a mission file, a design file, numbered seed documents) are not in the repository, so no source,
 * script, test or
 * document may point at them, and every cited {@code docs/definitions.md#…} anchor must name a heading that exists.
 */
class DocsReferencesTest {
    /** Names of files a cloner does not have. Written so that this file does not match itself. */
    static final Pattern PRIVATE_REFERENCE =
            Pattern.compile("MISSION\\.md|DESIGN\\.md|\\bseeds?[ _-]?0{2}\\d|\\bseeds\\/", Pattern.CASE_INSENSITIVE);

    static final Path DEFINITIONS = Path.of("docs", "definitions.md");
    static final Pattern ANCHOR_CITATION = Pattern.compile("docs/definitions\\.md#([A-Za-z0-9_-]+)");
    static final Set<String> SKIPPED_DIRECTORIES = Set.of("node_modules", "target", ".git", "__pycache__");

    @Test
    void noFileNamesTheMissionFileOrASeedDocument() {
        List<String> hits = new ArrayList<>();
        for (Path file : scannedFiles()) {
            String[] lines = read(file).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (PRIVATE_REFERENCE.matcher(lines[i]).find()) {
                    hits.add(file + ":" + (i + 1) + ": " + lines[i].strip());
                }
            }
        }
        assertTrue(hits.isEmpty(), "cite the public works or docs/definitions.md instead:\n" + String.join("\n", hits));
    }

    @Test
    void everyCitedDefinitionsAnchorExists() {
        assertTrue(Files.isRegularFile(DEFINITIONS), DEFINITIONS + " is missing");
        Set<String> anchors = anchors(read(DEFINITIONS));
        Set<String> missing = new TreeSet<>();
        for (Path file : scannedFiles()) {
            Matcher m = ANCHOR_CITATION.matcher(read(file));
            while (m.find()) {
                if (!anchors.contains(m.group(1))) {
                    missing.add(file + ": #" + m.group(1));
                }
            }
        }
        assertTrue(
                missing.isEmpty(),
                "no such heading in " + DEFINITIONS + " (headings: " + anchors + "):\n" + String.join("\n", missing));
    }

    @Test
    void anchorsFollowGitHubsRule() {
        assertEquals(
                Set.of("folding-b_dec-into-the-bias", "max_cos-and-nearest", "adding-a-latent"),
                anchors("### Folding b_dec into the bias\ntext\n## max_cos and nearest\n### Adding a latent\n"));
    }

    /**
     * The anchors GitHub gives the Markdown headings of {@code markdown}: lower case, punctuation dropped, spaces to
     * '-'.
     */
    static Set<String> anchors(String markdown) {
        Set<String> out = new TreeSet<>();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                String title = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                out.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    /** Every file of the sources, tests, scripts and documents, plus the top-level files, in a fixed order. */
    static List<Path> scannedFiles() {
        List<Path> files = new ArrayList<>();
        for (String root : List.of("src", "scripts", "docs", "browser-test")) {
            Path dir = Path.of(root);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.filter(Files::isRegularFile)
                            .filter(p -> {
                                for (Path part : p) {
                                    if (SKIPPED_DIRECTORIES.contains(part.toString())) {
                                        return false;
                                    }
                                }
                                return true;
                            })
                            .sorted()
                            .forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        for (String top : List.of("README.md", "pom.xml", "saestitch", "run-tests")) {
            if (Files.isRegularFile(Path.of(top))) {
                files.add(Path.of(top));
            }
        }
        assertTrue(
                files.contains(Path.of("README.md")) && files.stream().anyMatch(p -> p.startsWith("src/main")),
                "run from the repository root (found " + files.size() + " files)");
        return files;
    }

    /** The file as text; binary files (fixtures) are read byte per char, which keeps ASCII names findable. */
    static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
