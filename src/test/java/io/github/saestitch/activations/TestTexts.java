package io.github.saestitch.activations;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small corpora written into a test's temp folder. */
public final class TestTexts {
    private TestTexts() {}

    static final List<String> DOCS = List.of(
            "The river rose slowly through the night, and by morning the low fields were under water. "
                    + "Farmers moved their cattle to the ridge while the children watched from the barn roof. "
                    + "By noon the water had reached the church steps, and the bell was rung to call the boats. "
                    + "Nobody in the valley could remember a flood like it, though the oldest spoke of 1927.",
            "A committee of three was appointed to study the question. Its report, delivered in March, recommended "
                    + "that the old bridge be replaced rather than repaired, since the cost of repairs would exceed "
                    + "half the price of a new span. The council accepted the report without debate, voted the money "
                    + "in April, and asked the state engineer to draw up plans before the autumn rains.",
            "She opened the letter, read the first line twice, and put it down unfinished.",
            "Quantum tunnelling lets particles cross barriers that classical mechanics forbids; the probability "
                    + "falls off exponentially with the barrier's width and the square root of its height. It explains "
                    + "alpha decay, the tunnel diode, and the scanning tunnelling microscope, whose tip senses single "
                    + "atoms because the current changes tenfold for every tenth of a nanometre.");

    /** A folder with the four documents, two in a sub-folder (genre "letters"), plus an empty file. */
    public static Path textFolder(Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("texts"));
        Files.writeString(dir.resolve("a-flood.txt"), DOCS.get(0), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("b-bridge.txt"), DOCS.get(1), StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve("letters"));
        Files.writeString(dir.resolve("letters/c-letter.txt"), DOCS.get(2), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("letters/d-physics.txt"), DOCS.get(3), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("e-empty.txt"), "", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("notes.md"), "not a .txt file", StandardCharsets.UTF_8);
        return dir;
    }

    /** A JSONL file with the four documents in field {@code body}, a blank line between the second and third. */
    static Path jsonl(Path root) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < DOCS.size(); i++) {
            sb.append("{\"id\": ")
                    .append(i)
                    .append(", \"body\": ")
                    .append(StoreManifest.MAPPER.writeValueAsString(DOCS.get(i)))
                    .append("}\n");
            if (i == 1) {
                sb.append("\n");
            }
        }
        Path f = root.resolve("docs.jsonl");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return f;
    }
}
