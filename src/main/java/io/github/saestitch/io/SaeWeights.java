package io.github.saestitch.io;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shared steps of loading SAE weights from a safetensors file: opening it, checking that each expected
 * tensor exists with the shape the config implies, refusing tensors a format does not define, and
 * building the {@link Sae} with the file named in every error.
 */
final class SaeWeights {
    private final WeightsFile st;
    private final Path file;
    private final Set<String> used = new TreeSet<>();
    private final Set<SafeTensors.DType> notedDtypes = EnumSet.noneOf(SafeTensors.DType.class);
    final List<String> notes = new ArrayList<>();

    private SaeWeights(WeightsFile st) {
        this.st = st;
        this.file = st.path();
    }

    /**
     * Opens {@code file} in an automatic arena: views stay mapped while anything (the loaded {@code Sae})
     * references them.
     */
    static SaeWeights open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new SaeFormatException(file, "weights file not found");
        }
        try {
            return new SaeWeights(
                    TorchZip.looksLikeZip(file) || file.toString().endsWith(".pt")
                            ? TorchZip.open(file)
                            : SafeTensors.open(file, Arena.ofAuto()));
        } catch (SaeFormatException e) {
            throw e;
        } catch (FileFormatException e) {
            throw new SaeFormatException(file, e.problem(), e);
        }
    }

    Path file() {
        return file;
    }

    WeightsFile tensors() {
        return st;
    }

    boolean has(String name) {
        return st.contains(name);
    }

    /** A 2-D tensor that must have shape {@code [rows, cols]}; {@code why} explains the expectation. */
    FloatMatrix matrix(String name, int rows, int cols, String why) throws SaeFormatException {
        Info t = require(name, new long[] {rows, cols}, why);
        noteDtype(t);
        return wrap(() -> st.matrix(name));
    }

    /** A 2-D tensor's dimensions and the sentence explaining them for later shape errors. */
    record Dims(int rows, int cols, String why) {}

    /**
     * The dimensions of a 2-D tensor whose sizes are positive and fit an int, read before the others to
     * learn d and F; {@code expected} names its dimensions for the message.
     */
    Dims dims(String name, String expected) throws SaeFormatException {
        long[] s = present(name).shape();
        if (s.length != 2 || s[0] <= 0 || s[1] <= 0 || s[0] > Integer.MAX_VALUE || s[1] > Integer.MAX_VALUE) {
            throw new SaeFormatException(
                    file, "tensor \"" + name + "\" has shape " + Arrays.toString(s) + "; expected " + expected);
        }
        return new Dims((int) s[0], (int) s[1], name + " is [" + s[0] + ", " + s[1] + "]");
    }

    /** An SAE's four tensors in SAELens orientation: W_enc [dIn, F], b_enc [F], W_dec [F, dIn], b_dec [dIn]. */
    record Linear(FloatMatrix wEnc, float[] bEnc, FloatMatrix wDec, float[] bDec) {}

    /**
     * The weights of an {@code nn.Linear(d, F)} encoder ({@code encWeight} [F, d], {@code encBias} [F]) and
     * an {@code nn.Linear(F, d)} decoder ({@code decWeight} [d, F]) with the input/output bias {@code bias}
     * [d], transposed to SAELens orientation (dictionary_learning and OpenAI both store this layout).
     */
    Linear torchLinear(String encWeight, String encBias, String decWeight, String bias) throws SaeFormatException {
        Dims s = dims(encWeight, "[num_latents, d_in]");
        FloatMatrix encoder = matrix(encWeight, s.rows(), s.cols(), s.why());
        float[] bEnc = vector(encBias, s.rows(), s.why());
        FloatMatrix decoder = matrix(decWeight, s.cols(), s.rows(), s.why());
        float[] bDec = vector(bias, s.cols(), s.why());
        return new Linear(encoder.transpose(), bEnc, decoder.transpose(), bDec);
    }

    /** Sets negative entries to 0 in place and returns how many there were (JumpReLU thresholds). */
    static int clampNegative(float[] t) {
        int clamped = 0;
        for (int i = 0; i < t.length; i++) {
            if (t[i] < 0f) {
                t[i] = 0f;
                clamped++;
            }
        }
        return clamped;
    }

    /** A 1-D tensor that must have {@code n} elements. */
    float[] vector(String name, int n, String why) throws SaeFormatException {
        Info t = require(name, new long[] {n}, why);
        noteDtype(t);
        return wrap(() -> st.vector(name));
    }

    /** A tensor holding a single value (shape {@code []} or {@code [1]}). */
    float scalar(String name) throws SaeFormatException {
        Info t = present(name);
        if (t.numElements() != 1) {
            throw new SaeFormatException(
                    file,
                    "tensor \"" + name + "\" has shape " + Arrays.toString(t.shape()) + "; expected a single value");
        }
        used.add(name);
        noteDtype(t);
        return wrap(() -> st.scalar(name));
    }

    private Info present(String name) throws SaeFormatException {
        if (!st.contains(name)) {
            throw new SaeFormatException(file, "missing tensor \"" + name + "\" (the file has " + st.names() + ")");
        }
        SafeTensors.DType dtype = wrap(() -> st.dtype(name));
        if (!dtype.isFloat()) {
            throw new SaeFormatException(
                    file, "tensor \"" + name + "\" has dtype " + dtype + "; expected F32, F16, BF16 or F64");
        }
        return new Info(dtype, wrap(() -> st.shape(name)));
    }

    private Info require(String name, long[] shape, String why) throws SaeFormatException {
        Info t = present(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new SaeFormatException(
                    file,
                    "tensor \"" + name + "\" has shape " + Arrays.toString(t.shape()) + ", expected "
                            + Arrays.toString(shape) + " (" + why + ")");
        }
        used.add(name);
        return t;
    }

    private void noteDtype(Info t) {
        if (t.dtype() != SafeTensors.DType.F32 && notedDtypes.add(t.dtype())) {
            notes.add("weights stored as " + t.dtype() + " were converted to float32"
                    + (t.dtype() == SafeTensors.DType.F64 ? " (rounded to nearest)" : " (exactly)"));
        }
    }

    /** An integer tensor (I32 or I64) holding a single value, e.g. dictionary_learning's {@code k} buffer. */
    long integer(String name) throws SaeFormatException {
        if (!st.contains(name)) {
            throw new SaeFormatException(file, "missing tensor \"" + name + "\" (the file has " + st.names() + ")");
        }
        used.add(name);
        return wrap(() -> st.integer(name));
    }

    /** A tensor's dtype and shape. */
    record Info(SafeTensors.DType dtype, long[] shape) {
        long numElements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** Marks a tensor as understood without reading it through this class. */
    void markUsed(String name) {
        used.add(name);
    }

    /**
     * Refuses tensors this format does not define: silently ignoring one (a gate, a skip connection, a
     * scaling factor) would change what the SAE computes.
     */
    void rejectUnexpected(String formatName) throws SaeFormatException {
        Set<String> extra = new TreeSet<>(st.names());
        extra.removeAll(used);
        if (!extra.isEmpty()) {
            throw new SaeFormatException(
                    file,
                    "unexpected tensor(s) " + extra + " for a " + formatName + " SAE (expected exactly " + used
                            + "); saestitch cannot represent what they do");
        }
    }

    /** Builds the SAE; the constructor's shape and finiteness errors become errors about this file. */
    Sae build(
            Activation activation,
            boolean applyBDecToInput,
            FloatMatrix wEnc,
            float[] bEnc,
            FloatMatrix wDec,
            float[] bDec,
            Sae.SaeMetadata metadata)
            throws SaeFormatException {
        try {
            return new Sae(activation, applyBDecToInput, wEnc, bEnc, wDec, bDec, metadata);
        } catch (IllegalArgumentException e) {
            throw new SaeFormatException(file, e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Read<T> {
        T get() throws FileFormatException;
    }

    private <T> T wrap(Read<T> r) throws SaeFormatException {
        try {
            return r.get();
        } catch (SaeFormatException e) {
            throw e;
        } catch (FileFormatException e) {
            throw new SaeFormatException(file, e.problem(), e);
        }
    }
}
