package io.github.saestitch.io;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.ActivationsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Coverage-guided fuzzing of every reader of a user's file (Jazzer, libFuzzer's engine for the JVM): on
 * any bytes a reader either succeeds or throws our clean error type ({@link FileFormatException} and its
 * {@link SaeFormatException}; {@link ActivationsException} for stores), which the CLI turns into one line
 * and exit code 2. Anything else (an {@code IndexOutOfBoundsException}, a {@code NegativeArraySizeException},
 * an {@code OutOfMemoryError} from a size read off the file) is a finding.
 *
 * <p>Each reader's fuzz test is its own class ({@code SafetensorsFuzzTest}, {@code NpyFuzzTest},
 * {@code CfgJsonFuzzTest}, {@code StoreManifestFuzzTest}, {@code PytorchZipFuzzTest}) because Jazzer fuzzes
 * one test per JVM. Every {@code ./run-tests} fuzzes each for {@link #BUDGET} (the {@code fuzz} Surefire
 * execution in pom.xml: one JVM per class, {@code JAZZER_FUZZ=1}), starting from the files in
 * {@code src/test/resources/io/github/saestitch/io/CLASSInputs/METHOD/} (the fixtures' valid and broken
 * files, and every input that once crashed a reader, {@code crash-*}) and the corpus of earlier runs
 * ({@code .cifuzz-corpus/}, not committed). A crash fails the build and is written into that folder: fix
 * the reader and commit the file. {@code scripts/fuzz.sh} fuzzes longer by hand.
 *
 * <p><b>Adding a reader</b>: a static method here that writes {@code data} with {@link #write} and calls
 * the reader inside {@link #allowOnly}, a class {@code NAMEFuzzTest} with one {@code @FuzzTest} calling it,
 * and a folder of seed files.
 */
final class ReaderFuzzing {
    private ReaderFuzzing() {}

    /** Fuzzing time per reader in every test run (five readers: about a minute and a half with the JVM starts). */
    static final String BUDGET = "12s";

    private static final Path WORK;

    static {
        try {
            WORK = Files.createTempDirectory("saestitch-fuzz");
            WORK.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reader's run on one input. */
    interface Reader {
        void read() throws Exception;
    }

    /** Runs {@code reader}; success and {@code clean} pass, any other throwable is a finding. */
    static void allowOnly(Class<? extends Throwable> clean, Reader reader) throws Exception {
        try {
            reader.read();
        } catch (Throwable t) {
            if (!clean.isInstance(t)) {
                throw t;
            }
        }
    }

    /** Writes {@code data} to {@code name} in this run's scratch folder (the same file each time). */
    static Path write(String name, byte[] data) throws IOException {
        Path f = WORK.resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, data);
        return f;
    }

    static void safetensors(byte[] data) throws Exception {
        Path f = write("x.safetensors", data);
        allowOnly(FileFormatException.class, () -> {
            try (SafeTensors st = SafeTensors.open(f)) {
                st.metadata();
                for (String name : st.names()) {
                    st.floats(name);
                }
            }
        });
    }

    static void npy(byte[] data) throws Exception {
        Path f = write("x.npy", data);
        allowOnly(FileFormatException.class, () -> {
            try (NpyArray a = Npy.open(f)) {
                a.shape();
                if (a.shape().length == 1) {
                    a.vector();
                } else {
                    long[] rc = a.rowsAndCols();
                    a.rows(0, (int) Math.min(rc[0], 64));
                }
            }
        });
    }

    /** An SAELens directory whose weights are valid (16 → 48, relu) and whose cfg.json is the input. */
    static void cfgJson(byte[] data) throws Exception {
        Path dir = WORK.resolve("sae");
        Path weights = dir.resolve("sae_weights.safetensors");
        if (!Files.exists(weights)) {
            Files.createDirectories(dir);
            Files.copy(resource("/fixtures/sae/saelens_v6_relu/sae_weights.safetensors"), weights);
        }
        write("sae/cfg.json", data);
        allowOnly(FileFormatException.class, () -> SaeFormats.load(dir).sae());
    }

    /** An activation store (5 tokens × 7, one shard) whose manifest.json is the input. */
    static void storeManifest(byte[] data) throws Exception {
        Path store = WORK.resolve("store");
        if (!Files.exists(store)) {
            Path from = resource("/io/github/saestitch/io/fuzz-store");
            Files.createDirectories(store.resolve("shard-000000"));
            for (String f : new String[] {"documents.json", "shard-000000/acts.f32"}) {
                Files.copy(from.resolve(f), store.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        write("store/manifest.json", data);
        allowOnly(ActivationsException.class, () -> {
            try (ActivationStore s = ActivationStore.open(store)) {
                if (s.numTokens() > 0) {
                    s.block(0, (int) Math.min(s.numTokens(), 5));
                }
            }
        });
    }

    /**
     * A PyTorch zip checkpoint ({@code ae.pt}, OpenAI {@code .pt}): the zip's directory, the restricted
     * unpickler and every tensor's storage, offsets and strides.
     */
    static void pytorchZip(byte[] data) throws Exception {
        Path f = write("x.pt", data);
        allowOnly(FileFormatException.class, () -> {
            TorchZip z = TorchZip.open(f); // storages are mapped in an automatic arena: nothing to close
            for (String name : z.names()) {
                long[] shape = z.shape(name);
                if (shape.length == 2) {
                    z.matrix(name);
                } else if (shape.length == 1) {
                    z.vector(name);
                }
            }
        });
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(Objects.requireNonNull(ReaderFuzzing.class.getResource(name), name)
                .toURI());
    }
}
