/**
 * Dense and sparse float32 matrices and the numeric kernels every other package runs on.
 *
 * <p>It is also the one home of the basics every package shares: {@link io.github.saestitch.tensor.Vec}
 * (short Vector API loops over float rows), {@link io.github.saestitch.tensor.Parallel} (the parallel
 * loop: fixed chunks, results independent of the thread count),
 * {@link io.github.saestitch.tensor.SplitMix64} (the seeded generator and shuffle),
 * {@link io.github.saestitch.tensor.Quickselect}, {@link io.github.saestitch.tensor.Moments} (block
 * means and variances merged with Chan–Golub–LeVeque) and {@code SparseRows.fromDense} (dense to CSR).
 *
 * <p>{@link io.github.saestitch.tensor.FloatMatrix} is a row-major {@code [rows, cols]} view over a
 * {@link java.lang.foreign.MemorySegment}: a heap {@code float[]}, native memory, or a memory-mapped
 * file region (safetensors and {@code .npy} tensors are used in place, never copied).
 * {@link io.github.saestitch.tensor.SparseRows} holds SAE codes as CSR. The
 * {@link io.github.saestitch.tensor.Kernels} interface is the only way other packages do heavy
 * arithmetic: sgemm in all four transpose combinations, the encoder epilogue (bias + ReLU/JumpReLU),
 * top-k selection, compression to CSR, sparse decoding, row norms and blocked max-cosine. Three
 * backends implement it: {@link io.github.saestitch.tensor.ScalarKernels} (plain loops, double
 * accumulation: the reference), {@link io.github.saestitch.tensor.VectorKernels} (pure Java on the
 * Vector API, packed and multithreaded: the fallback and second oracle) and
 * {@link io.github.saestitch.tensor.OpenBlasKernels} (native {@code cblas_sgemm} through FFM, no
 * copies). {@link io.github.saestitch.tensor.KernelsProvider} picks one at start-up; it is passed down
 * through constructors. The contract test suite runs every backend against brute-force references,
 * and {@link io.github.saestitch.bench.KernelBenchmark} times them next to numpy in the same run.
 */
package io.github.saestitch.tensor;
