/**
 * Training SAEs and families of SAEs on activation batches, with checkpoints, resume and a toy model
 * with known ground truth.
 *
 * <p><b>Entry points.</b> {@link io.github.saestitch.train.Trainer} trains one SAE from
 * {@link io.github.saestitch.train.TrainOptions} (a record with a doc line per field and documented
 * defaults) and writes an output directory (SAELens v6 SAE, training-log CSV, JSON summary,
 * checkpoint); {@link io.github.saestitch.train.FamilyTrainer} trains one SAE per width on the same
 * data and writes a family summary (CSV, JSON). The package does not draw: the charts of those files
 * ({@code train_curves.png}, {@code family.png}, and SVGs) are drawn from them by
 * {@code report.TrainingCharts}, which the {@code train}, {@code train-family} and {@code demo} commands
 * call. {@link io.github.saestitch.train.ToyComparisonWriter} writes the toy comparison's CSV. Progress goes to a
 * {@link io.github.saestitch.train.TrainListener} with live mse and l0; results come back as
 * {@link io.github.saestitch.train.TrainResult}. The package never prints and never
 * exits.
 *
 * <p><b>Data.</b> The trainer sees only a {@link io.github.saestitch.train.BatchSource}: an endless,
 * seekable token stream. {@link io.github.saestitch.train.ShuffledBatchSource} shuffles any
 * {@link io.github.saestitch.activations.ActivationSet} (a {@code .npy}, an activation store)
 * block-wise with a seed; {@link io.github.saestitch.train.ToyModel} is Nabeshima's (2024) synthetic tree of
 * parent/child features, with {@link io.github.saestitch.train.ToyMetrics} (recovery and absorption)
 * and {@link io.github.saestitch.train.ToyComparison} (vanilla against Matryoshka). A source's
 * {@link io.github.saestitch.activations.ActivationOrigin} (an activation store's model, hook, window length,
 * corpus and special tokens; null for a {@code .npy}) becomes the saved SAE's SAELens metadata.
 *
 * <p><b>Architectures and losses</b> ({@link io.github.saestitch.train.Architecture}): relu with the
 * decoder-norm-weighted L1 penalty (the stitching post's setup), TopK with AuxK (Gao et al. 2024), BatchTopK with
 * its inference threshold calibrated and saved, Matryoshka (nested prefix losses, Bussmann et al. 2025; Nabeshima's
 * 2024 random prefixes as an option) and Expander (TopK with an expander-masked decoder, Mendoza-Smith 2026);
 * docs/definitions.md#training-architectures. The formulas and gradients are in {@code SaeObjective}; every
 * gradient is checked against finite differences of a double-precision reference in the tests.
 *
 * <p><b>Units.</b> Training runs on inputs scaled by {@code s = sqrt(d / mean‖x‖²)} so that one set
 * of defaults (learning rate, λ) suits sites of any activation scale; the saved SAE has s folded back
 * in ({@code W_enc} and {@code W_dec} unchanged, {@code b_enc/s}, {@code b_dec/s}, threshold/s): on raw
 * activations it selects the same latents, with activations divided by s, and reconstructs in raw
 * units. Every logged mse is in raw units.
 *
 * <p><b>Speed.</b> The encoder is one sgemm per step on the chosen {@link io.github.saestitch.tensor.Kernels};
 * for the top-k architectures (and relu once sparse) the decoder, its gradient and the encoder's
 * weight gradient touch only active latents (O(nnz·d)), accumulated latent-major so each weight row
 * is written by one thread and results are bit-reproducible. {@link io.github.saestitch.bench.TrainBenchmark}
 * reports tokens/s and the fraction of the GEMM-bound time.
 */
package io.github.saestitch.train;
