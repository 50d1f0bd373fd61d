package io.github.saestitch.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare} and {@code eval} with {@code --master local[2]} write byte-identical outputs to the
 * single-process commands for 1, 2, 3 and 7 partitions (eval's JSON without its {@code seconds});
 * {@code activations --master local[2]} writes the single-process store, byte for byte, also when continuing one.
 */
class SparkLocalTest {
    @TempDir
    static Path dir;

    static TestData data;

    @BeforeAll
    static void setUp() throws Exception {
        data = TestData.write(dir);
        SharedSpark.get();
    }

    @Test
    void compareOnSparkWritesTheSingleProcessBytes() throws Exception {
        Path one = dir.resolve("cmp-one");
        String rc = TestData.run(data.compareArgs(one));
        assertThat(rc).startsWith("0\n");
        Map<String, byte[]> reference = TestData.files(one);
        assertThat(reference).containsKeys("summary.json", "latents.csv", "groups.csv", "interpolation.csv");
        for (int partitions : new int[] {1, 2, 3, 7}) {
            Path out = dir.resolve("cmp-" + partitions);
            String[] args = concat(data.compareArgs(out), "--master", "local[2]", "--partitions", "" + partitions);
            assertThat(TestData.run(args)).startsWith("0\n");
            Map<String, byte[]> files = TestData.files(out);
            assertThat(files.keySet()).isEqualTo(reference.keySet());
            for (String name : reference.keySet()) {
                assertThat(files.get(name))
                        .as("%s, %d partitions", name, partitions)
                        .isEqualTo(reference.get(name));
            }
        }
    }

    @Test
    void evalOnSparkPrintsTheSingleProcessNumbers() {
        String one = withoutSeconds(TestData.run(data.evalArgs()));
        assertThat(one).startsWith("0\n").contains("\"mse\"");
        for (int partitions : new int[] {1, 2, 3, 7}) {
            String spark =
                    TestData.run(concat(data.evalArgs(), "--master", "local[2]", "--partitions", "" + partitions));
            assertThat(withoutSeconds(spark)).as("%d partitions", partitions).isEqualTo(one);
        }
    }

    @Test
    void activationsOnSparkWriteTheSingleProcessStore() throws Exception {
        Path corpus = TestData.corpus(dir.resolve("texts"));
        Path one = dir.resolve("acts-one");
        assertThat(TestData.run(TestData.activationsArgs(corpus, one, 400))).startsWith("0\n");
        Map<String, byte[]> reference = TestData.store(one);
        assertThat(reference.keySet()).contains("shard-000005/acts.f32", "documents.json");
        Path spark = dir.resolve("acts-spark");
        String[] args =
                concat(TestData.activationsArgs(corpus, spark, 400), "--master", "local[2]", "--partitions", "2");
        assertThat(TestData.run(args)).startsWith("0\n");
        TestData.assertSameStore(reference, TestData.store(spark));

        // A store continued through Spark (from a short last shard): the shards a continued single-process run appends.
        Path grownOne = dir.resolve("grown-one");
        Path grownSpark = dir.resolve("grown-spark");
        assertThat(TestData.run(TestData.activationsArgs(corpus, grownOne, 150)))
                .startsWith("0\n");
        TestData.copyTree(grownOne, grownSpark);
        assertThat(TestData.run(TestData.activationsArgs(corpus, grownOne, 400)))
                .startsWith("0\n");
        args = concat(TestData.activationsArgs(corpus, grownSpark, 400), "--master", "local[2]", "--partitions", "1");
        assertThat(TestData.run(args)).startsWith("0\n");
        TestData.assertSameStore(TestData.store(grownOne), TestData.store(grownSpark));

        // eval and compare read it.
        String eval = TestData.run("eval", data.large384.toString(), "--acts", spark.toString(), "--json");
        assertThat(eval).startsWith("0\n").contains("\"tokens\" : 400");
        String cmp = TestData.run(
                "compare",
                "--small",
                data.small384.toString(),
                "--large",
                data.large384.toString(),
                "--acts",
                spark.toString(),
                "--no-correlation",
                "--out",
                dir.resolve("cmp-acts").toString());
        assertThat(cmp).startsWith("0\n");
    }

    @Test
    void frankensteinOnSparkWritesTheSingleProcessFiles() throws Exception {
        Path one = dir.resolve("fr-one");
        assertThat(TestData.run(data.frankensteinArgs(one))).startsWith("0\n");
        Map<String, String> reference = TestData.frankensteinFiles(one);
        assertThat(reference).containsKeys("frankenstein.csv", "latents_greedy.csv", "summary.json");
        for (int partitions : new int[] {1, 3}) {
            Path out = dir.resolve("fr-" + partitions);
            String[] args = concat(data.frankensteinArgs(out), "--master", "local[2]", "--partitions", "" + partitions);
            assertThat(TestData.run(args)).startsWith("0\n");
            Map<String, String> files = TestData.frankensteinFiles(out);
            assertThat(files.keySet()).isEqualTo(reference.keySet());
            for (String name : reference.keySet()) {
                assertThat(files.get(name))
                        .as("%s, %d partitions", name, partitions)
                        .isEqualTo(reference.get(name));
            }
        }
    }

    @Test
    void clusterMistakesAreOneLineForTheUser() {
        SparkRangeRunner runner = new SparkRangeRunner(SharedSpark.get(), null);
        io.github.saestitch.cluster.RangeTask<Long> unreadable = (from, to) -> {
            throw new java.nio.file.NoSuchFileException("/not/shared/store");
        };
        assertThatThrownBy(() -> runner.run("eval", new long[] {0, 10, 20}, unreadable))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read /not/shared/store")
                .hasMessageContaining("every executor can read");
        assertThatThrownBy(() -> SparkRangeRunner.checkJava("an executor", Runtime.Version.parse("25.0.2")))
                .hasMessageContaining("25.0.3 or newer on every node");
        SparkRangeRunner.checkJava("the driver", Runtime.Version.parse("25.0.3"));
        Exception e = SparkRangeRunner.explain(
                "compare",
                new org.apache.spark.SparkException("Job aborted due to stage failure: Total size of serialized"
                        + " results of 7 tasks (1100.0 MiB) is bigger than spark.driver.maxResultSize (1024.0 MiB)"));
        assertThat(e)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dspark.driver.maxResultSize=");
    }

    /** The eval JSON without its one timing field. */
    static String withoutSeconds(String json) {
        return json.replaceAll("\"seconds\"\\s*:\\s*[0-9.eE+-]+,?", "");
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
