/**
 * The SAE model: {@link io.github.saestitch.sae.Sae} holds the weights in SAELens orientation
 * ({@code W_enc [dIn, F]}, {@code b_enc [F]}, {@code W_dec [F, dIn]}, {@code b_dec [dIn]}) and the
 * sealed {@link io.github.saestitch.sae.Activation} (relu, jumprelu, topk, batchtopk at inference);
 * {@link io.github.saestitch.sae.SaeRunner} runs it over batches of tokens with a chosen
 * {@link io.github.saestitch.tensor.Kernels} backend, exactly as docs/definitions.md#sae defines
 * {@code pre = (x − b_dec)·W_enc + b_enc}, {@code f = activation(pre)}, {@code x̂ = f·W_dec + b_dec},
 * in blocks of tokens so memory stays bounded, with sparse (CSR) codes so decoding costs
 * {@code l0·dIn} per token. {@link io.github.saestitch.sae.Autoencoder} is the encode/decode seam that
 * evaluation uses, so models that are not one standard SAE (composite SAEs built by stitching) get the
 * same metrics.
 */
package io.github.saestitch.sae;
