/**
 * The benchmarks behind {@code saestitch bench}: each measures a stage against a peer in the same run
 * (ratios, never absolute timings across runs) and checks its own results on the side.
 * {@link io.github.saestitch.bench.KernelBenchmark} times each backend's sgemm and max-cosine beside
 * numpy; {@link io.github.saestitch.bench.CompareBenchmark} times a whole compare on a
 * {@link io.github.saestitch.bench.SyntheticPair} (realistic synthetic SAEs, also a test fixture)
 * against the two encoder GEMMs and a numpy peer; {@link io.github.saestitch.bench.TrainBenchmark}
 * gives training tokens/s per architecture and the fraction of the GEMM-bound step time;
 * {@link io.github.saestitch.bench.ExtractionBenchmark} compares activation extraction with the bare
 * ONNX Runtime session on the same batches.
 *
 * <p>Library code: nothing here prints or exits. Each benchmark returns a result record (with a text
 * report where one is useful) and hands progress lines to a {@code Consumer<String>}; the CLI's
 * {@code BenchCommand} prints them. The benchmarks sit beside the domain packages rather than inside
 * them so that those packages hold only what a user's run needs.
 */
package io.github.saestitch.bench;
