package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pins the exact numbers of training: a SHA-256 over the bytes a short run writes (weights, Adam
 * moments, log, held-out metrics) and over one {@link SaeObjective#compute} of every architecture.
 * Refactoring the objective or the trainer must keep every digest: same operations, same order, same
 * precision. The sparse loops run on the Vector API, whose lane count (AVX-512: 16, AVX2: 8, SSE or
 * NEON: 4) changes the rounding of each dot product, so the digests are pinned per lane count and the
 * test is skipped on a machine with another one. To pin a new lane count, run it there and copy the
 * digests from the skip messages into {@value #PINNED}.
 */
class TrainingDigestTest {
    static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    /** The pinned digests, {@code "lanes kind case" → sha256}, from {@value #PINNED}. */
    static final Map<String, String> DIGESTS = pinned();

    static final String PINNED = "training-digests.tsv";

    @ParameterizedTest
    @ValueSource(strings = {"relu", "relu-sparse", "topk", "batchtopk", "matryoshka", "matryoshka-random", "expander"})
    void trainingRunIsBitIdenticalToThePinnedOne(String name, @TempDir Path tmp) throws IOException {
        check("run", name, sha256(trainingRunBytes(name, tmp)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "relu dense",
                "relu sparse",
                "topk",
                "topk auxk",
                "batchtopk auxk",
                "matryoshka",
                "matryoshka auxk",
                "expander auxk"
            })
    void objectiveIsBitIdenticalToThePinnedOne(String name) {
        check("objective", name, sha256(objectiveBytes(name)));
    }

    static void check(String kind, String name, String actual) {
        String expected = DIGESTS.get(LANES + " " + kind + " " + name);
        Assumptions.assumeTrue(
                expected != null, "no digest pinned for " + LANES + " lanes: " + kind + " " + name + " = " + actual);
        assertThat(actual).as("digest of %s %s (%d lanes)", kind, name, LANES).isEqualTo(expected);
    }

    static Map<String, String> pinned() {
        try (InputStream in = TrainingDigestTest.class.getResourceAsStream(PINNED)) {
            Map<String, String> out = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.split("\t");
                    out.put(f[0] + " " + f[1] + " " + f[2], f[3]);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The deterministic bytes of a 40-step run written to disk (everything but wall-clock times). */
    static byte[][] trainingRunBytes(String name, Path tmp) throws IOException {
        Architecture a = Architecture.parse(name.replaceAll("-.*", ""));
        TrainOptions.Builder b = TrainerTest.small(a, 24)
                .trainingTokens(128L * 40)
                .checkpointEvery(25)
                .evalEvery(15);
        if (name.equals("relu-sparse")) {
            b.numLatents(64).l1Coefficient(30).l1WarmupFraction(0);
        }
        if (name.equals("matryoshka-random")) {
            b.matryoshkaRandomPrefixes(true).matryoshkaNumPrefixes(4);
        }
        TrainOptions o = b.build();
        Path out = tmp.resolve("run");
        TrainResult r =
                new Trainer(o, new ScalarKernels()).train(TrainerTest.toySet(3000), out, false, TrainListener.NONE);
        if (name.equals("relu-sparse")) {
            assertThat(r.log()).as("the sparse relu path ran").anyMatch(row -> row.l0() < 0.05 * o.numLatents());
        }
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(out.resolve(TrainingLog.FILE))) {
            text.append(line, 0, line.lastIndexOf(',')).append('\n'); // without elapsed_s
        }
        text.append(r.finalEval())
                .append('\n')
                .append(r.curve())
                .append('\n')
                .append(r.sae().activation())
                .append('\n');
        text.append(r.inputScale())
                .append(' ')
                .append(r.steps())
                .append(' ')
                .append(r.tokens())
                .append('\n');
        text.append(Files.readString(out.resolve(TrainResult.SAE_DIR).resolve("cfg.json")));
        byte[] head = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] state =
                Files.readAllBytes(out.resolve(TrainResult.CHECKPOINT_DIR).resolve(TrainingState.TENSORS));
        byte[] sae = Files.readAllBytes(out.resolve(TrainResult.SAE_DIR).resolve("sae_weights.safetensors"));
        return new byte[][] {head, state, sae};
    }

    /** Stats, gradients and fired flags of one compute on seeded parameters (the gradient test's sizes, larger). */
    static byte[][] objectiveBytes(String name) {
        Architecture arch = Architecture.parse(name.replaceAll(" .*", ""));
        int d = 37;
        int f = 53;
        int batch = 19;
        Random rnd = new Random(99 + name.hashCode());
        ExpanderMask mask = arch == Architecture.EXPANDER ? ExpanderMask.random(f, d, 5, 7) : null;
        SaeParams p = new SaeParams(d, f, mask);
        SaeObjectiveGradientTest.fill(p.wEnc, rnd, 0.6);
        SaeObjectiveGradientTest.fill(p.bEnc, rnd, 0.3);
        SaeObjectiveGradientTest.fill(p.wDec, rnd, 0.5);
        SaeObjectiveGradientTest.fill(p.bDec, rnd, 0.2);
        float[] x = new float[batch * d];
        SaeObjectiveGradientTest.fill(x, rnd, 1.0);
        int[] dead = name.contains("auxk") ? new int[] {1, 4, 7, 8, 20, 33, 52} : new int[0];
        int[] prefixes = arch == Architecture.MATRYOSHKA ? new int[] {5, 13, 30, f} : new int[] {f};
        double density = name.equals("relu dense") ? 0.0 : 1.0;
        SaeObjective obj = new SaeObjective(arch, new ScalarKernels(), d, f, batch, 4, 3, 0.5, density);
        SaeParams g = p.zerosLike();
        boolean[] fired = new boolean[f];
        float hint = arch.usesBatchTopK() ? 0.4f : 0f;
        StringBuilder text = new StringBuilder();
        for (int rep = 0; rep < 2; rep++) { // the second call reuses the scratch buffers
            SaeObjective.Stats st =
                    obj.compute(p, x, arch == Architecture.RELU ? 0.3f : 0f, dead, prefixes, hint, g, fired);
            text.append(st).append('\n');
            text.append(g.arrays().stream().map(TrainingDigestTest::bits).collect(Collectors.joining("|")))
                    .append('\n');
            for (boolean v : fired) {
                text.append(v ? '1' : '0');
            }
            text.append('\n');
            x[rep] += 0.25f;
        }
        return new byte[][] {text.toString().getBytes(StandardCharsets.UTF_8)};
    }

    static String bits(float[] a) {
        StringBuilder s = new StringBuilder(a.length * 9);
        for (float v : a) {
            s.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
        }
        return s.toString();
    }

    static String sha256(byte[][] parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
