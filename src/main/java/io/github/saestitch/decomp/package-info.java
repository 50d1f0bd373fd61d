/**
 * Decompositions of one SAE into broader units (docs/definitions.md#related-decompositions).
 *
 * <ul>
 *   <li><b>Meta-SAE</b> ({@link io.github.saestitch.decomp.MetaSae}): a BatchTopK SAE (k = 4) trained on
 *       the unit-normalised decoder rows of another SAE, so each latent reads as a short, weighted list
 *       of meta-latents; each meta-latent is described by the latents nearest to its decoder direction,
 *       in the same or a smaller SAE (Bussmann et al. 2024, "Showing SAE latents are not atomic using
 *       meta-SAEs"). Files: {@link io.github.saestitch.decomp.MetaSaeWriter}.</li>
 *   <li><b>NMF factors</b> ({@link io.github.saestitch.decomp.Nmf}): the non-negative tokens × latents
 *       activation matrix V factorised as {@code V ≈ W·H} (as Goodfire 2025: latents grouped into a few
 *       high-level factors), sparse-aware, seeded, with {@link io.github.saestitch.decomp.DenseNmf} as
 *       the dense reference. The rows of V are tokens ({@link io.github.saestitch.decomp.CodeMatrix}) or,
 *       pooled per document of a store, documents ({@link io.github.saestitch.decomp.DocumentPooling}:
 *       then the factors follow genres, README "nmf"). Files: {@link io.github.saestitch.decomp.NmfWriter}.</li>
 * </ul>
 * Nothing here prints; the CLI ({@code saestitch meta-sae}, {@code saestitch nmf}) does.
 */
package io.github.saestitch.decomp;
