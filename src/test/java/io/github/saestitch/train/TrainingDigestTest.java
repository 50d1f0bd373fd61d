package io.github.saestitch.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.tensor.ScalarKernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the exact numbers of training: a SHA-256 over the bytes a short run writes (weights, Adam
 * moments, log, held-out metrics) and over one {@link SaeObjective#compute} of every architecture.
 * Refactoring the objective or the trainer must keep every digest: same operations, same order, same
 * precision. The sparse loops run on the Vector API, whose lane count (AVX-512: 16, AVX2: 8, SSE or
 * NEON: 4) changes the rounding of each dot product, so the digests are pinned per lane count and the
 * test is skipped on a machine with another one. To pin a new lane count, run it there and copy the
 * digests from the skip message.
 */
class TrainingDigestTest {
    static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    /** Expected digests of {@link #trainingRunBytes} by lane count and case. */
    static final Map<Integer, Map<String, String>> RUNS = Map.of(
            16, Map.ofEntries(
                    Map.entry("relu", "86349f2117d49479f5f4d908a3c85a7a9dba9fc111d9ba3fde026aa18af6df84"),
                    Map.entry("relu-sparse", "cd9847f963bd11c96779c7fa23dece08a3a3bdd38ebaec46f4b178af5e98a99b"),
                    Map.entry("topk", "fca13a73d43912288b20bc9e93b25e67eff4f8aba4fe44c713b89efb016e4432"),
                    Map.entry("batchtopk", "36d202f83e83849fd287b9fadeef00a8043e3e83cecab2a0a5b37a6bece6cc57"),
                    Map.entry("matryoshka", "9587c7997e457c8a30791fbbf14bdfe77c866b19d6865449c279fb99a9778360"),
                    Map.entry("matryoshka-random", "178c140e2d147e89fa0677116cf499bce52557685560fcb7da4b3e861b771d48"),
                    Map.entry("expander", "8f786079042db1b5dd91b8b6c737dd8bb0f5e382971778823ac3524374b01b35")),
            8, Map.ofEntries(
                    Map.entry("relu", "c22db25f5100e8e2b83ad0c3618bfc9485b9b41f4d6589c8f9f2f62ae864e30c"),
                    Map.entry("relu-sparse", "c0b27715f37de69cddbba854ddfa5fc7164d067670c1e47b7182174a4308d47f"),
                    Map.entry("topk", "b7c041f2cee37f69f832c2d2dc14632003d4b39f9eceb0aeac644b0ad30a1700"),
                    Map.entry("batchtopk", "13cc0e25354daf773c43224b8f579481e8a9a29f4d5083b4107221d611aefc32"),
                    Map.entry("matryoshka", "efa1acfb699b0daecdf86c8e0c8c6df018014793ae4efc1807353cb96f171b2c"),
                    Map.entry("matryoshka-random", "cdbe676b4bb54a7e24b8acec9a9784cb31e9fdc03695979f579196b261267ef1"),
                    Map.entry("expander", "ba3a9b9f66835e9e3d94e544411d71d1fb08d186e4bcb5753ccbee006a029757")),
            4, Map.ofEntries(
                    Map.entry("relu", "59881161f174b9bb40546177b08c13504aac5abc5889c8a6666cdc76d9a23ce4"),
                    Map.entry("relu-sparse", "39f70937e77288e8991d73a06efe647e783cdc45f5afb8beb045b4013e5ed4fe"),
                    Map.entry("topk", "fc3f64c0f6ac0e2fe516bcdc517583ebdb0ab3a7dcbeb12a586c570762345514"),
                    Map.entry("batchtopk", "2e0fc252758567bf0a6f12be802edf2b0ece2f6d4a9ba04afb44779913957a01"),
                    Map.entry("matryoshka", "ed3e44cf25a76afd8638334a606016ac8c70741d41e50128fc2cd39953a8b4be"),
                    Map.entry("matryoshka-random", "1138533e287240d52883f12a131713549752031a9317822049752742daba8e63"),
                    Map.entry("expander", "16ace62e1d862ec7b6e79bfeaaf684fc3dba5a43d8edb570e929d34d83e781d6")));

    /** Expected digests of {@link #objectiveBytes} by lane count and case. */
    static final Map<Integer, Map<String, String>> OBJECTIVE = Map.of(
            16, Map.ofEntries(
                    Map.entry("relu dense", "ab38f2a27438979cefce746c338d80a557b0bea218dfa1c2c66cf3843568e076"),
                    Map.entry("relu sparse", "25080c9f19667643dc8164f86f271546e66c54cdb9aeab8d0e59247ba792fa36"),
                    Map.entry("topk", "a160623dc2c6a61be3a6297766ff2b35e979360dcca76746b7caaa7cf259f31d"),
                    Map.entry("topk auxk", "048c554828cfb57e6a7e438aebe50daf4894b39643cadbec5ced96ece779771b"),
                    Map.entry("batchtopk auxk", "bcb7d5dc7b33d2f000c285de86de4a81c2ebe294bbbffa7d834d4817abcc5fe8"),
                    Map.entry("matryoshka", "4a6752df125c56be6311524ac98870fb3672feb04eca4fe20b8569a367ec1c47"),
                    Map.entry("matryoshka auxk", "edea58008150d31dded9e657269d46bfe61959555c86483c2f9843943b690a1d"),
                    Map.entry("expander auxk", "bff91ad56ac77b781deb2d1770d5cebcabf644ee7519c13fad30697401740523")),
            8, Map.ofEntries(
                    Map.entry("relu dense", "d72e48a0ffe4bede4c44b29f9a1ce261a7d18368a867e7eddf0111867f18c10e"),
                    Map.entry("relu sparse", "4b35803df8da51781e04ce84d65ef792d49fef2dd25601e482eb7f7e9311e534"),
                    Map.entry("topk", "f646b2539bb7f8fae3dca3a363c66c8543a8e6790c78ca92796bdb53edac317a"),
                    Map.entry("topk auxk", "cd1bf292a99598136a2007ca6d8cb4537eb07714acb9909f2faa3bdfecd62198"),
                    Map.entry("batchtopk auxk", "a489b9e9dd595322f3de27e564d978f3aa0614dc06e03af5f5a9270790367268"),
                    Map.entry("matryoshka", "24cc6b2ef1917e31a3e31863c531aa86b69d8af28ce3154da887ebc7cae9f611"),
                    Map.entry("matryoshka auxk", "d5b3cfddb73cae0d355aaf749b65c9fe8a98c6ec2e3a296ba63a93b230565c59"),
                    Map.entry("expander auxk", "56a6444c424963e930f158c9dff56393b740ed567ea444f95bb4a896f173d23d")),
            4, Map.ofEntries(
                    Map.entry("relu dense", "826ff3a582fa2dd962f8e71a4dc97fe493272b5d208fc596ec27768e39955844"),
                    Map.entry("relu sparse", "67d2636cf6fe89d8fa73288ff2e7a550c07327b37903c7af038e1ba85f78be07"),
                    Map.entry("topk", "b7fa700d25030563e7de7101239af0c5c611bb9869502aaee5109c077ede8bd4"),
                    Map.entry("topk auxk", "e219ba485d027755422084f9653334490fb5728167b0e25f6d4143a2657ff08e"),
                    Map.entry("batchtopk auxk", "0784032dd85b84b27a23a8d74c96b322774c3510e8f06436f041f8fd705e689b"),
                    Map.entry("matryoshka", "532e62a078ceccd8a53c1bc95776786ad07f3972a4edd79e582b4fe71704caa1"),
                    Map.entry("matryoshka auxk", "ae4fdfbf78ea4ec38493cd43388e80eb99278469effdad6dc1ffd6de74620fb1"),
                    Map.entry("expander auxk", "2ea355df1b2611494301d0eb12a375749cdb8c7fde7317b939823d7e3ba6de6d")));

    @ParameterizedTest
    @ValueSource(strings = {"relu", "relu-sparse", "topk", "batchtopk", "matryoshka", "matryoshka-random", "expander"})
    void trainingRunIsBitIdenticalToThePinnedOne(String name, @TempDir Path tmp) throws IOException {
        String actual = sha256(trainingRunBytes(name, tmp));
        check(RUNS, name, actual);
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu dense", "relu sparse", "topk", "topk auxk", "batchtopk auxk", "matryoshka",
            "matryoshka auxk", "expander auxk"})
    void objectiveIsBitIdenticalToThePinnedOne(String name) {
        check(OBJECTIVE, name, sha256(objectiveBytes(name)));
    }

    static void check(Map<Integer, Map<String, String>> pinned, String name, String actual) {
        Map<String, String> forLanes = pinned.get(LANES);
        Assumptions.assumeTrue(forLanes != null && forLanes.containsKey(name),
                "no digest pinned for " + LANES + " lanes: " + name + " = " + actual);
        assertThat(actual).as("digest of %s (%d lanes)", name, LANES).isEqualTo(forLanes.get(name));
    }

    /** The deterministic bytes of a 40-step run written to disk (everything but wall-clock times). */
    static byte[] trainingRunBytes(String name, Path tmp) throws IOException {
        Architecture a = Architecture.parse(name.replaceAll("-.*", ""));
        TrainOptions.Builder b = TrainerTest.small(a, 24).trainingTokens(128L * 40).checkpointEvery(25).evalEvery(15);
        if (name.equals("relu-sparse")) {
            b.numLatents(64).l1Coefficient(30).l1WarmupFraction(0);
        }
        if (name.equals("matryoshka-random")) {
            b.matryoshkaRandomPrefixes(true).matryoshkaNumPrefixes(4);
        }
        TrainOptions o = b.build();
        Path out = tmp.resolve("run");
        TrainResult r = new Trainer(o, new ScalarKernels()).train(TrainerTest.toySet(3000), out, false,
                TrainListener.NONE);
        if (name.equals("relu-sparse")) {
            assertThat(r.log()).as("the sparse relu path ran").anyMatch(row -> row.l0() < 0.05 * o.numLatents());
        }
        StringBuilder text = new StringBuilder();
        for (String line : Files.readAllLines(out.resolve(TrainingLog.FILE))) {
            text.append(line, 0, line.lastIndexOf(',')).append('\n'); // without elapsed_s
        }
        text.append(r.finalEval()).append('\n').append(r.curve()).append('\n').append(r.sae().activation()).append('\n');
        text.append(r.inputScale()).append(' ').append(r.steps()).append(' ').append(r.tokens()).append('\n');
        text.append(Files.readString(out.resolve(TrainResult.SAE_DIR).resolve("cfg.json")));
        byte[] head = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] state = Files.readAllBytes(out.resolve(TrainResult.CHECKPOINT_DIR).resolve(TrainingState.TENSORS));
        byte[] sae = Files.readAllBytes(out.resolve(TrainResult.SAE_DIR).resolve("sae_weights.safetensors"));
        return concat(head, state, sae);
    }

    /** Stats, gradients and fired flags of one compute on seeded parameters (the gradient test's sizes, larger). */
    static byte[] objectiveBytes(String name) {
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
            SaeObjective.Stats st = obj.compute(p, x, arch == Architecture.RELU ? 0.3f : 0f, dead, prefixes, hint, g,
                    fired);
            text.append(st).append('\n');
            text.append(g.arrays().stream().map(TrainingDigestTest::bits).collect(Collectors.joining("|"))).append('\n');
            for (boolean v : fired) {
                text.append(v ? '1' : '0');
            }
            text.append('\n');
            x[rep] += 0.25f;
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String bits(float[] a) {
        StringBuilder s = new StringBuilder(a.length * 9);
        for (float v : a) {
            s.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
        }
        return s.toString();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
