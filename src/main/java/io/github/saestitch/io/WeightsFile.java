package io.github.saestitch.io;

import io.github.saestitch.tensor.FloatMatrix;
import java.nio.file.Path;
import java.util.Set;

/**
 * A file of named tensors SAE weights are read from: {@link SafeTensors} or a PyTorch checkpoint
 * ({@link TorchZip}). Floating-point tensors come back as float32 (F16/BF16 exactly, F64 rounded).
 */
interface WeightsFile {
    Path path();

    /** The tensor names. */
    Set<String> names();

    boolean contains(String name);

    SafeTensors.DType dtype(String name) throws FileFormatException;

    /** Dimensions, row-major; empty for a scalar. */
    long[] shape(String name) throws FileFormatException;

    /** A 2-D floating-point tensor as float32 {@code [rows, cols]}. */
    FloatMatrix matrix(String name) throws FileFormatException;

    /** A 1-D floating-point tensor as float32. */
    float[] vector(String name) throws FileFormatException;

    /** A floating-point tensor of one element as float32. */
    float scalar(String name) throws FileFormatException;

    /** An integer tensor (I32 or I64) of one element. */
    long integer(String name) throws FileFormatException;
}
