package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opening what the user points us at: SAE directories and activation sets, with clear errors. */
final class Inputs {
    private Inputs() {
    }

    static LoadedSae sae(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new BadInputException("no SAE at " + path + " (expected a directory with cfg.json and a .safetensors file)");
        }
        return SaeFormats.load(path);
    }

    /**
     * The activation set at {@code path} (a store directory or a {@code .npy} [tokens, d] file), limited to its first
     * {@code maxTokens} tokens when that is positive.
     */
    static ActivationSet acts(Path path, long maxTokens) throws IOException {
        if (!Files.exists(path)) {
            throw new BadInputException("no activations at " + path
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
                throw new IndexOutOfBoundsException("tokens [" + start + ", " + (start + count) + ") outside [0, " + n + ")");
            }
            return inner.block(start, count);
        }

        @Override
        public String describe() {
            return inner.describe() + " (first " + n + " tokens)";
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
