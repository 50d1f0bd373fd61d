package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.saestitch.stitch.StitchFixtures.Arch;
import io.github.saestitch.stitch.StitchFixtures.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The four files of {@code compare}: exact names, parseable, equal to the result and to the literal procedure. */
class CompareWriterTest {

    @Test
    void filesCarryTheResultExactlyAndAgreeWithTheLiteralProcedure(@TempDir Path tmp) throws IOException {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.JUMPRELU, true, false, 600));
        CompareResult r = StitchComparatorTest.fast(p, StitchComparatorTest.options());
        LiteralStitch.Result lit = LiteralStitch.compute(p.small(), p.large(), p.x(), 0.7);
        Path out = tmp.resolve("out");
        CompareWriter.write(r, out, false);
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted())
                    .containsExactly(
                            "groups.csv",
                            "interpolation.csv",
                            "joint_path.csv",
                            "latents.csv",
                            "summary.json",
                            "threshold_sweep.csv");
        }

        List<String[]> latents = csv(out.resolve("latents.csv"), CompareWriter.LATENTS_HEADER);
        assertThat(CompareWriter.LATENTS_HEADER).startsWith("latent,max_cos,nearest,kind,delta_mse,freq");
        assertThat(latents).hasSize(r.latents().size());
        double floor = StitchComparatorTest.DELTA_FLOOR_REL_TO_MSE * lit.mseSmall();
        for (String[] f : latents) {
            int j = Integer.parseInt(f[0]);
            LatentResult l = r.latents().get(j);
            assertThat(Float.parseFloat(f[1])).isEqualTo(l.maxCos());
            assertThat(Integer.parseInt(f[2])).isEqualTo(l.nearest());
            assertThat(f[3]).isEqualTo(lit.novel()[j] ? "novel" : "reconstruction");
            assertThat(Double.parseDouble(f[4])).isEqualTo(l.deltaMse());
            StitchComparatorTest.assertClose(
                    "file delta_mse " + j,
                    Double.parseDouble(f[4]),
                    lit.deltaMse()[j],
                    StitchComparatorTest.MSE_REL_TOL,
                    floor);
            assertThat(Double.parseDouble(f[5])).isEqualTo(lit.freq()[j]);
            if (Double.isNaN(l.maxActCorr())) {
                assertThat(f[6]).isEmpty();
            } else {
                assertThat(Double.parseDouble(f[6])).isEqualTo(l.maxActCorr());
            }
            assertThat(Integer.parseInt(f[7])).isEqualTo(l.actNearest());
            assertThat(Integer.parseInt(f[9])).isEqualTo(l.group());
            assertThat(Integer.parseInt(f[10])).isEqualTo(l.step());
        }

        List<String[]> groups = csv(out.resolve("groups.csv"), CompareWriter.GROUPS_HEADER);
        assertThat(CompareWriter.GROUPS_HEADER).startsWith("group,parents,children,delta_mse,delta_l0");
        assertThat(groups).hasSize(lit.groups().size());
        for (String[] f : groups) {
            int g = Integer.parseInt(f[0]);
            assertThat(ints(f[1])).containsExactly(lit.groups().get(g)[0]);
            assertThat(ints(f[2])).containsExactly(lit.groups().get(g)[1]);
            StitchComparatorTest.assertClose(
                    "file group " + g,
                    Double.parseDouble(f[3]),
                    lit.groupDeltaMse()[g],
                    StitchComparatorTest.MSE_REL_TOL,
                    floor);
            assertThat(Double.parseDouble(f[4])).isEqualTo(r.groups().get(g).deltaL0());
        }

        List<String[]> steps = csv(out.resolve("interpolation.csv"), CompareWriter.INTERPOLATION_HEADER);
        assertThat(CompareWriter.INTERPOLATION_HEADER).startsWith("step,action,num_latents,mse,l0");
        assertThat(steps).hasSize(lit.path().size());
        for (String[] f : steps) {
            int k = Integer.parseInt(f[0]);
            LiteralStitch.Row row = lit.path().get(k);
            assertThat(f[1]).isEqualTo(row.action());
            assertThat(Integer.parseInt(f[2])).isEqualTo(row.numLatents());
            StitchComparatorTest.assertClose(
                    "file step " + k, Double.parseDouble(f[3]), row.mse(), StitchComparatorTest.MSE_REL_TOL, floor);
            assertThat(Double.parseDouble(f[4])).isCloseTo(row.l0(), org.assertj.core.data.Offset.offset(1e-12));
            assertThat(Integer.parseInt(f[5])).isEqualTo(row.target());
        }
        assertThat(steps.get(0)[6]).as("no cosine at the start").isEmpty();

        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(s.get("format_version").asInt()).isEqualTo(1);
        for (String file : List.of("latents.csv", "groups.csv", "interpolation.csv", "summary.json")) {
            assertThat(s.get("files").get(file).asInt()).as(file).isEqualTo(1);
        }
        for (String m : List.of("small", "large")) {
            for (String key : List.of("num_latents", "mse", "fvu", "l0")) {
                assertThat(s.get(m).has(key)).as(m + "." + key).isTrue();
            }
        }
        assertThat(s.get("small").get("mse").asDouble()).isEqualTo(r.small().mse());
        assertThat(s.get("large").get("num_latents").asInt())
                .isEqualTo(p.large().numLatents());
        assertThat(s.get("threshold").asDouble()).isEqualTo(0.7);
        JsonNode c = s.get("contingency");
        assertThat(c.get("novel_improves").asInt()).isEqualTo(r.contingency().novelImproves());
        assertThat(c.get("novel_worsens").asInt()).isEqualTo(r.contingency().novelWorsens());
        assertThat(c.get("reconstruction_improves").asInt())
                .isEqualTo(r.contingency().reconstructionImproves());
        assertThat(c.get("reconstruction_worsens").asInt())
                .isEqualTo(r.contingency().reconstructionWorsens());
        JsonNode novelAdded = s.get("novel_added");
        assertThat(novelAdded.get("num_latents").asInt())
                .isEqualTo(lit.path().get(r.numNovel()).numLatents());
        StitchComparatorTest.assertClose(
                "novel_added mse",
                novelAdded.get("mse").asDouble(),
                lit.path().get(r.numNovel()).mse(),
                StitchComparatorTest.MSE_REL_TOL,
                floor);
        assertThat(novelAdded.has("l0")).isTrue();
        JsonNode sweep = s.get("threshold_sweep");
        assertThat(sweep).hasSize(9);
        assertThat(sweep.get(0).get("threshold").asDouble()).isEqualTo(0.5);
        assertThat(sweep.get(8).get("threshold").asDouble()).isEqualTo(0.9);
        assertThat(sweep.get(4).get("agreement").asDouble())
                .isEqualTo(r.contingency().agreement());
        assertThat(s.get("activation_similarity").get("computed").asBoolean()).isTrue();
    }

    @Test
    void noPartialOutput(@TempDir Path tmp) throws IOException {
        Pair p = StitchFixtures.pair(StitchFixtures.spec(Arch.RELU, Arch.RELU, true, true, 601));
        CompareResult r = StitchComparatorTest.fast(p, StitchComparatorTest.options());
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("mine.txt"), "keep me");
        assertThatThrownBy(() -> CompareWriter.write(r, out, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already exists");
        assertThat(Files.readString(out.resolve("mine.txt"))).isEqualTo("keep me");
        CompareWriter.write(r, out, true);
        assertThat(out.resolve("mine.txt")).doesNotExist();
        assertThat(out.resolve("summary.json")).exists();

        // A result that fails half-way (groups.csv, after latents.csv was written) leaves no output.
        SwapGroupResult broken = new SwapGroupResult(0, null, new int[] {0}, 0.9f, 1, 0.0, 0.0, 1);
        CompareResult failing = new CompareResult(
                r.options(),
                r.tokens(),
                r.kernels(),
                r.small(),
                r.large(),
                r.latents(),
                List.of(broken),
                r.interpolation(),
                r.contingency(),
                r.thresholdSweep(),
                r.activationSimilarity(),
                r.composite(),
                r.hybridNote(),
                null,
                r.joint(),
                r.greedy());
        Path failed = tmp.resolve("failed");
        assertThatThrownBy(() -> CompareWriter.write(failing, failed, false)).isInstanceOf(NullPointerException.class);
        assertThat(failed).doesNotExist();
        assertThatThrownBy(() -> CompareWriter.write(failing, out, true)).isInstanceOf(NullPointerException.class);
        assertThat(out.resolve("summary.json"))
                .as("a failed replace leaves the old output")
                .exists();
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(f -> f.getFileName().toString())).containsExactly("out");
        }
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        // An existing empty directory is refused like any existing output (one --out policy, issue 16 item 8).
        assertThatThrownBy(() -> CompareWriter.write(r, empty, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already exists");
        assertThat(empty).isEmptyDirectory();
    }

    private static List<String[]> csv(Path file, String header) throws IOException {
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).isEqualTo(header);
        return lines.subList(1, lines.size()).stream()
                .map(l -> l.split(",", -1))
                .peek(f -> assertThat(f).hasSize(header.split(",").length))
                .toList();
    }

    private static int[] ints(String field) {
        return Arrays.stream(field.split(" ")).mapToInt(Integer::parseInt).toArray();
    }
}
