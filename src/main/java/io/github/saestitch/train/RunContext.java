package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.tensor.Kernels;
import java.nio.file.Path;

/**
 * What every unit of one training run reads.
 *
 * @param options  what to train
 * @param kernels  the GEMM backend
 * @param source   the training stream
 * @param heldOut  the held-out set for evaluation, or null
 * @param outDir   the output directory, or null for an in-memory run
 * @param listener receives the progress (never null)
 * @param d        the input width, {@code source.dIn()}
 */
record RunContext(
        TrainOptions options,
        Kernels kernels,
        BatchSource source,
        ActivationSet heldOut,
        Path outDir,
        TrainListener listener,
        int d) {}
