package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationOrigin;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.SaeRunner;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opening what the user points us at: SAE directories and activation sets, with clear errors. */
final class Inputs {
    private Inputs() {}

    /**
     * Anything {@code eval} can run: a standard SAE directory, or a composite written by {@code stitch} or
     * {@code frankenstein} when a source is topk ({@code io.CompositeManifest}: {@code composite.json}, or
     * the older {@code stitch.json} of kind composite and {@code frankenstein.json}).
     *
     * @param model       what to run
     * @param description one line for messages
     * @param loaded      the standard SAE as loaded, or null for a composite
     */
    record Model(Autoencoder model, String description, LoadedSae loaded) {}

    static Model model(Path path, Kernels kernels) throws IOException {
        if (CompositeManifest.isComposite(path)) {
            CompositeManifest m = CompositeManifest.read(path);
            String text = m.description().isEmpty()
                    ? "composite " + path + " (" + m.model().numLatents() + " latents)"
                    : m.description();
            return new Model(m.model().runner(kernels), text, null);
        }
        LoadedSae loaded = sae(path);
        return new Model(
                new SaeRunner(loaded.sae(), kernels), loaded.directory().toString(), loaded);
    }

    /**
     * For a path that does not resolve: refuses a symbolic link that loops or points nowhere, naming it as
     * such (both otherwise read as a plain "no such file").
     */
    static void requireNotALink(Path path) {
        if (!Files.isSymbolicLink(path)) {
            return;
        }
        try {
            path.toRealPath();
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("symbolic links")) { // ELOOP's text on Linux and macOS
                throw new BadInputException(path + " is a symbolic link loop (it resolves back to itself)");
            }
        } catch (IOException e) {
            // fall through to the target's description
        }
        String target;
        try {
            target = Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            target = "?";
        }
        throw new BadInputException(path + " is a symbolic link to " + target + ", which does not exist");
    }

    static LoadedSae sae(Path path) throws IOException {
        if (!Files.exists(path)) {
            requireNotALink(path);
            throw new BadInputException(
                    "no SAE at " + path + " (expected a directory with cfg.json and a .safetensors file)");
        }
        // A 'train' output directory holds its SAE in sae/; accept the run directory too.
        Path trained = path.resolve("sae");
        if (Files.isDirectory(path)
                && !Files.exists(path.resolve("cfg.json"))
                && Files.isRegularFile(trained.resolve("cfg.json"))) {
            return SaeFormats.load(trained);
        }
        return SaeFormats.load(path);
    }

    /**
     * {@link #sae(Path)} for a command whose maths assumes the SAE reads raw activations (compare's exact
     * Δmse, stitch's and frankenstein's mixed latents: docs/definitions.md#input-normalisation): an SAE
     * with an input normalisation is refused, naming the path.
     */
    static LoadedSae rawInputSae(Path path, String command) throws IOException {
        LoadedSae l = sae(path);
        if (l.sae().inputNorm() != io.github.saestitch.sae.InputNorm.NONE) {
            throw new BadInputException(path + ": this SAE normalises each input token ("
                    + l.sae().inputNorm().id() + "); " + command + " works only with SAEs that read raw activations"
                    + " (eval, info, convert and the encode-only commands accept it; see docs/definitions.md)");
        }
        return l;
    }

    /**
     * The activation set at {@code path} (a store directory or a {@code .npy} [tokens, d] file), limited to its first
     * {@code maxTokens} tokens when that is positive.
     */
    static ActivationSet acts(Path path, long maxTokens) throws IOException {
        if (!Files.exists(path)) {
            requireNotALink(path);
            throw new BadInputException(
                    "no activations at " + path
                            + " (expected an activation store directory from 'saestitch activations' or a .npy file [tokens, d_in])");
        }
        ActivationSet set = ActivationSets.open(path);
        if (set.numTokens() == 0) {
            set.close();
            throw new BadInputException("the activation set " + path + " has no tokens");
        }
        return maxTokens > 0 && maxTokens < set.numTokens() ? new FirstTokens(set, maxTokens) : set;
    }

    /** The first {@code n} tokens of another set. */
    private record FirstTokens(ActivationSet inner, long n) implements ActivationSet {
        @Override
        public int dIn() {
            return inner.dIn();
        }

        @Override
        public long numTokens() {
            return n;
        }

        @Override
        public FloatMatrix block(long start, int count) {
            if (start < 0 || start + count > n) {
                throw new IndexOutOfBoundsException(
                        "tokens [" + start + ", " + (start + count) + ") outside [0, " + n + ")");
            }
            return inner.block(start, count);
        }

        @Override
        public String describe() {
            return inner.describe() + " (first " + n + " tokens)";
        }

        @Override
        public ActivationOrigin origin() {
            return inner.origin();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /**
     * A file of this project (e.g. {@code scripts/...}) found from the jar's location
     * ({@code ROOT/target/saestitch.jar}), so benchmarks work from any working directory; null if absent.
     */
    static Path projectFile(String relative) {
        try {
            Path jar = Path.of(Main.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                Path p = dir.resolve(relative);
                if (Files.exists(p)) {
                    return p;
                }
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            return null;
        }
        return null;
    }
}
