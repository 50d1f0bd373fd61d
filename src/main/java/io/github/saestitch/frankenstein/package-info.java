/**
 * Frankenstein SAEs: latents taken from a whole family of SAEs of different widths into one model,
 * with the decoder refit exactly, measured against the family's own SAEs on held-out tokens
 * (docs/definitions.md#frankenstein; Bussmann, Leask et al. 2024 and its list of limitations; issue 6).
 *
 * <p><b>Selection.</b> {@link io.github.saestitch.frankenstein.CosineSelection} is the source's rule
 * (start from the smallest SAE; per wider SAE add every latent whose max decoder cosine to the
 * Frankenstein is below τ). {@link io.github.saestitch.frankenstein.GreedySelection} is the
 * marginal-aware rule the source lists as missing: repeatedly add the candidate with the most negative
 * exact Δmse given the latents already chosen, with every affected Δ updated exactly from the
 * co-activations (the gains are not submodular, so lazy evaluation would not be exact). Both return a
 * {@link io.github.saestitch.frankenstein.Selection}: an ordered list of (source SAE, latent) whose
 * prefixes are the intermediate Frankensteins.
 *
 * <p><b>Model.</b> {@link io.github.saestitch.frankenstein.FrankensteinModel}: a
 * {@link io.github.saestitch.sae.MultiSourceSae} over the family members it uses (each latent computes
 * exactly its activation inside its own source); relu, jumprelu and batchtopk sources fold into one
 * standard SAE (per-latent JumpReLU, each source's b_dec folded into b_enc, no b_dec applied to the
 * input, so the decoder bias is free), topk sources make a composite, written as
 * {@code io.CompositeManifest} like a stitched composite.
 *
 * <p><b>Refit.</b> {@link io.github.saestitch.frankenstein.DecoderRefit}: the least-squares decoder for
 * fixed codes, from normal equations accumulated in double from the sparse codes
 * ({@link io.github.saestitch.frankenstein.NormalEquations}) and solved by Cholesky (LAPACK through
 * {@link io.github.saestitch.tensor.Lapack}, with a plain-Java reference,
 * {@link io.github.saestitch.frankenstein.Cholesky}) or, when the Gram is too large, matrix-free
 * conjugate gradients ({@link io.github.saestitch.frankenstein.ConjugateGradients}); plus Adam on the
 * decoder for comparison.
 *
 * <p><b>Run.</b> {@link io.github.saestitch.frankenstein.Frankenstein} runs everything on a family and
 * an activation set and evaluates every model on the held-out tail;
 * {@link io.github.saestitch.frankenstein.FrankensteinWriter} writes the table the report reads
 * ({@code frankenstein.csv}), the selections, a summary and the models as SAE directories. Nothing here
 * prints or exits; progress goes to a {@link io.github.saestitch.frankenstein.FrankensteinListener}.
 */
package io.github.saestitch.frankenstein;
