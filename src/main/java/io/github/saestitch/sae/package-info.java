/**
 * The SAE model: {@link io.github.saestitch.sae.Sae} holds the weights in SAELens orientation
 * ({@code W_enc [dIn, F]}, {@code b_enc [F]}, {@code W_dec [F, dIn]}, {@code b_dec [dIn]}) and the
 * sealed {@link io.github.saestitch.sae.Activation} (relu, jumprelu, topk, batchtopk at inference);
 * {@link io.github.saestitch.sae.SaeRunner} runs it over batches of tokens with a chosen
 * {@link io.github.saestitch.tensor.Kernels} backend, exactly as docs/definitions.md#sae defines
 * {@code pre = (x − b_dec)·W_enc + b_enc}, {@code f = activation(pre)}, {@code x̂ = f·W_dec + b_dec},
 * in blocks of tokens so memory stays bounded, with sparse (CSR) codes so decoding costs
 * {@code l0·dIn} per token. {@link io.github.saestitch.sae.Autoencoder} is the encode/decode seam that
 * evaluation uses, so models that are not one standard SAE get the same metrics.
 * {@link io.github.saestitch.sae.InputNorm} is an SAE's per-token input normalisation ({@code none} or
 * {@code layer_norm}: OpenAI's TopK SAEs, SAELens {@code normalize_activations}), which the runner
 * applies on encode and undoes on decode (docs/definitions.md#input-normalisation).
 *
 * <p><b>The multi-source model.</b> {@link io.github.saestitch.sae.MultiSourceSae} is a model whose
 * latents come from several source SAEs, each computing exactly its activation inside its source, with
 * one decoder: a stitched hybrid of S and L ({@code stitch}) is its two-source case, a Frankenstein
 * ({@code frankenstein}) the general one. It folds into one standard SAE when no source is topk (the one
 * b_dec-into-b_enc folding routine, {@link io.github.saestitch.sae.MultiSourceSae#foldedBias}), else runs
 * as a composite ({@link io.github.saestitch.sae.MultiSourceRunner}). {@link io.github.saestitch.sae.ErrorChange}
 * is the exact change of a token's squared error when latents are moved, which {@code compare} and the
 * greedy Frankenstein selection both sum. They live here, beside {@code Sae}, because both {@code stitch}
 * and {@code frankenstein} (and {@code io}, which writes the composite directory,
 * {@code io.CompositeManifest}) build on them and this package depends on {@code tensor} only: no
 * package above needs to import another to share them.
 */
package io.github.saestitch.sae;
