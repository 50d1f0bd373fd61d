package io.github.saestitch.io;

import io.github.saestitch.sae.Sae;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Loading and saving SAE directories in the ecosystem's formats, with auto-detection. The one place
 * that lists the supported layouts ({@link #FORMATS}); each layout's JSON keys and tensor names live in
 * its own class.
 *
 * <p>Detection looks at file names and {@code cfg.json}: {@code cfg.json} + {@code sae_weights.safetensors}
 * is SAELens (v6 when {@code sae_lens_version} ≥ 6 or a nested {@code metadata} object is present, else
 * the pre-6.0 flat layout), {@code cfg.json} + {@code sae.safetensors} is sparsify, and a safetensors file
 * with {@code encoder.weight}, {@code decoder.weight} and {@code bias} (no {@code cfg.json}) is a
 * dictionary_learning AutoEncoder. A path to a weights file or to {@code cfg.json} selects its directory.
 *
 * <p>Every problem with the files is a {@link SaeFormatException} whose message names the file and what
 * is wrong.
 */
public final class SaeFormats {

    /** Every supported layout family, tried in this order. */
    static final List<SaeDirectoryFormat> FORMATS =
            List.of(new SaeLensFormat(), new SparsifyFormat(), new DictionaryLearningFormat(), new OpenAiFormat());

    static final String CFG_FILE = "cfg.json";

    private SaeFormats() {}

    /** Which format {@code path} (an SAE directory, its {@code cfg.json} or its weights file) holds. */
    public static SaeFormat detect(Path path) throws IOException {
        SaeDirectoryFormat.Probe probe = probe(path);
        for (SaeDirectoryFormat f : FORMATS) {
            SaeFormat found = f.detect(probe);
            if (found != null) {
                return found;
            }
        }
        throw unrecognised(probe);
    }

    /** Loads the SAE at {@code path}, detecting its format; {@link LoadedSae#format()} says which. */
    public static LoadedSae load(Path path) throws IOException {
        SaeDirectoryFormat.Probe probe = probe(path);
        for (SaeDirectoryFormat f : FORMATS) {
            SaeFormat found = f.detect(probe);
            if (found != null) {
                return f.load(probe, found);
            }
        }
        throw unrecognised(probe);
    }

    /**
     * Loads {@code path} as {@code format} without detection (for directories whose layout is ambiguous).
     * For SAELens the v6/pre-6.0 distinction is still read from {@code cfg.json}.
     */
    public static LoadedSae load(Path path, SaeFormat format) throws IOException {
        Objects.requireNonNull(format, "format");
        return family(format).load(probe(path), format);
    }

    /** Saves {@code sae} as SAELens v6 into a new directory {@code dir} (refusing to replace one). */
    public static void save(Sae sae, Path dir) throws IOException {
        save(sae, dir, SaeFormat.SAELENS, false);
    }

    /**
     * Saves {@code sae} into directory {@code dir} in {@code format} (SAELens v6 or sparsify), atomically
     * ({@link AtomicOutput#writeDirectory}): the directory appears complete or not at all.
     *
     * @param overwrite replace an existing {@code dir} as a whole (every file in it is removed); when
     *                  false an existing {@code dir} is an error
     * @throws SaeFormatException         if {@code format} is read-only or cannot hold this SAE exactly
     * @throws FileAlreadyExistsException if {@code dir} exists and {@code overwrite} is false
     */
    public static void save(Sae sae, Path dir, SaeFormat format, boolean overwrite) throws IOException {
        Objects.requireNonNull(sae, "sae");
        SaeDirectoryFormat f = family(format);
        if (!f.writes(format)) {
            throw new SaeFormatException(
                    dir, "saestitch cannot write the " + format.id() + " format (writable: " + writableIds() + ")");
        }
        if (!overwrite && Files.exists(dir)) {
            throw new FileAlreadyExistsException(
                    dir.toString(), null, "already exists; choose another directory or overwrite it");
        }
        AtomicOutput.writeDirectory(dir, overwrite, tmp -> f.write(sae, tmp));
    }

    /** The {@code __metadata__} of every safetensors weights file saestitch writes. */
    static Map<String, String> weightsMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt"); // what torch's safetensors helpers write; transformers checks it
        m.put(SaeLensFormat.K_FORMAT_VERSION, Integer.toString(SaeLensFormat.SAESTITCH_FORMAT_VERSION));
        return m;
    }

    private static SaeDirectoryFormat family(SaeFormat format) {
        return switch (format) {
            case SAELENS, SAELENS_LEGACY -> FORMATS.get(0);
            case SPARSIFY -> FORMATS.get(1);
            case DICTIONARY_LEARNING -> FORMATS.get(2);
            case OPENAI -> FORMATS.get(3);
        };
    }

    private static String writableIds() {
        List<String> ids = new ArrayList<>();
        for (SaeFormat f : SaeFormat.values()) {
            if (f.writable()) {
                ids.add(f.id());
            }
        }
        return String.join(", ", ids);
    }

    /** Resolves the directory (and an explicitly named weights file) and parses {@code cfg.json} if present. */
    static SaeDirectoryFormat.Probe probe(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        Path dir = p;
        Path explicitWeights = null;
        if (Files.isRegularFile(p)) {
            dir = p.getParent();
            if (p.getFileName().toString().endsWith(".safetensors")
                    || p.getFileName().toString().endsWith(".pt")) {
                explicitWeights = p;
            } else if (!p.getFileName().toString().equals(CFG_FILE)) {
                throw new SaeFormatException(
                        p, "expected an SAE directory, its cfg.json or its weights (.safetensors or PyTorch .pt)");
            }
        } else if (!Files.isDirectory(p)) {
            throw new SaeFormatException(p, "no such file or directory");
        }
        Path cfgPath = dir.resolve(CFG_FILE);
        if (explicitWeights == null && !Files.isRegularFile(cfgPath)) {
            Path only = onlySaeSubdirectory(dir);
            if (only != null) { // a sparsify run folder with one hookpoint, as convert --to sparsify writes
                dir = only;
                cfgPath = dir.resolve(CFG_FILE);
            }
        }
        CfgJson cfg = Files.isRegularFile(cfgPath) ? CfgJson.read(cfgPath) : null;
        return new SaeDirectoryFormat.Probe(dir, explicitWeights, cfg);
    }

    /** The one subdirectory of {@code dir} that holds a {@code cfg.json}, or null if none or several. */
    private static Path onlySaeSubdirectory(Path dir) throws IOException {
        Path found = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path c : ds) {
                if (Files.isRegularFile(c.resolve(CFG_FILE))) {
                    if (found != null) {
                        return null;
                    }
                    found = c;
                }
            }
        }
        return found;
    }

    private static SaeFormatException unrecognised(SaeDirectoryFormat.Probe probe) throws IOException {
        TreeSet<String> files = new TreeSet<>();
        TreeSet<String> saeSubdirs = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(probe.dir())) {
            for (Path c : ds) {
                files.add(c.getFileName().toString() + (Files.isDirectory(c) ? "/" : ""));
                if (Files.isRegularFile(c.resolve(CFG_FILE))) {
                    saeSubdirs.add(c.getFileName().toString());
                }
            }
        }
        if (probe.cfg() == null && !saeSubdirs.isEmpty()) {
            return new SaeFormatException(
                    probe.dir(), "holds several SAEs in subdirectories " + saeSubdirs + "; point at one of them");
        }
        if (probe.cfg() != null) {
            return new SaeFormatException(
                    probe.dir(),
                    "has " + CFG_FILE + " but neither "
                            + SaeLensFormat.WEIGHTS_FILE + " (SAELens) nor " + SparsifyFormat.WEIGHTS_FILE
                            + " (sparsify); found " + files);
        }
        return new SaeFormatException(
                probe.dir(),
                "not a recognised SAE directory: expected " + CFG_FILE + " with "
                        + SaeLensFormat.WEIGHTS_FILE + " (SAELens) or " + SparsifyFormat.WEIGHTS_FILE
                        + " (sparsify), a dictionary_learning trainer directory ("
                        + DictionaryLearningFormat.TORCH_FILE + " or " + DictionaryLearningFormat.WEIGHTS_FILE
                        + " holding an AutoEncoder, AutoEncoderTopK, BatchTopKSAE or JumpReluAutoEncoder state_dict, "
                        + "with its config.json), or an OpenAI sparse_autoencoder .pt file; found " + files);
    }
}
