package io.github.saestitch.frankenstein;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.MatrixActivationSet;
import io.github.saestitch.cluster.RangeRunner;
import io.github.saestitch.io.Json;
import io.github.saestitch.tensor.ScalarKernels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code frankenstein}'s written files do not depend on the number of threads (issue 12): every sum over
 * tokens is accumulated per fixed block of tokens and merged in a fixed tree, whatever the threads.
 */
class FrankensteinThreadsTest {
    @ParameterizedTest
    @EnumSource(
            value = DecoderRefit.Solver.class,
            names = {"CHOLESKY", "CG"})
    void threadCountChangesNotOneByteOfTheWrittenFiles(DecoderRefit.Solver solver, @TempDir Path dir) throws Exception {
        Families.Case c = Families.relu(12, 10, 28, 3000, 41);
        Map<String, byte[]> reference = null;
        for (int threads : new int[] {1, 2, 3}) {
            FrankensteinOptions o = new FrankensteinOptions(
                    FrankensteinOptions.DEFAULT_THRESHOLD,
                    true,
                    true,
                    true,
                    true,
                    2600,
                    400,
                    0,
                    DecoderRefit.Options.defaults().withLapack(false),
                    new DecoderRefit.AdamOptions(2, 3e-3, 256, 5),
                    threads);
            o = o.withRefitOptions(new DecoderRefit.Options(
                    DecoderRefit.Solver.AUTO,
                    DecoderRefit.DEFAULT_RIDGE,
                    DecoderRefit.DEFAULT_GRAM_BYTES,
                    false,
                    1e-6,
                    500,
                    threads));
            FrankensteinResult r = new Frankenstein(new ScalarKernels())
                    .run(c.family(), new MatrixActivationSet(c.x(), "acts"), o, null);
            Path out = dir.resolve("t" + threads);
            FrankensteinWriter.write(r, out, false);
            Map<String, byte[]> files = files(out);
            if (reference == null) {
                reference = files;
                assertThat(files).containsKey("frankenstein.csv").containsKey("latents_greedy.csv");
            } else {
                assertThat(files.keySet()).isEqualTo(reference.keySet());
                for (String name : files.keySet()) {
                    assertThat(new String(files.get(name), java.nio.charset.StandardCharsets.UTF_8))
                            .as("%s with %d threads", name, threads)
                            .isEqualTo(new String(reference.get(name), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
    }

    /**
     * The members' codes encoded by tasks over 1, 2 or 3 ranges of units ({@link RangeRunner#LOCAL}, as a
     * cluster runs them) give the files of one process.
     */
    @Test
    void rangesRunAsTasksGiveTheFilesOfOneProcess(@TempDir Path dir) throws Exception {
        Families.Case c = Families.relu(8, 6, 14, 2 * SourceCodes.UNIT + 900, 43);
        FrankensteinOptions o = FrankensteinOptions.defaults()
                .withTokens(2 * SourceCodes.UNIT + 300, 600)
                .withRefitOptions(DecoderRefit.Options.defaults().withLapack(false))
                .withAdam(new DecoderRefit.AdamOptions(1, 3e-3, 2048, 5));
        FrankensteinWriter.write(
                new Frankenstein(new ScalarKernels()).run(c.family(), new MatrixActivationSet(c.x(), "acts"), o, null),
                dir.resolve("one"),
                false);
        Map<String, byte[]> reference = files(dir.resolve("one"));
        for (int ranges : new int[] {1, 2, 3}) {
            Frankenstein.Distributed d = new Frankenstein.Distributed(
                    RangeRunner.LOCAL, () -> new MatrixActivationSet(c.x(), "acts"), ranges, "scalar");
            FrankensteinResult r = new Frankenstein(new ScalarKernels(), d)
                    .run(c.family(), new MatrixActivationSet(c.x(), "acts"), o, null);
            Path out = dir.resolve("r" + ranges);
            FrankensteinWriter.write(r, out, false);
            Map<String, byte[]> files = files(out);
            assertThat(files.keySet()).isEqualTo(reference.keySet());
            for (String name : files.keySet()) {
                assertThat(files.get(name))
                        .as("%s with %d ranges", name, ranges)
                        .isEqualTo(reference.get(name));
            }
        }
    }

    /** Every file under {@code out} by relative path; summary.json without its times (they always differ). */
    static Map<String, byte[]> files(Path out) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (var walk = Files.walk(out)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String name = out.relativize(f).toString();
                byte[] bytes = Files.readAllBytes(f);
                if (name.equals(FrankensteinWriter.SUMMARY_FILE)) {
                    JsonNode root = Json.MAPPER.readTree(bytes);
                    dropTimes(root);
                    bytes = Json.MAPPER.writeValueAsBytes(root);
                }
                files.put(name, bytes);
            }
        }
        return files;
    }

    private static void dropTimes(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove("timings");
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (f.endsWith("_seconds") || f.equals("ms_per_step")) {
                    it.remove();
                }
            }
        }
        node.forEach(FrankensteinThreadsTest::dropTimes);
    }
}
