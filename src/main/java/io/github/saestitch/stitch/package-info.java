/**
 * Comparing and stitching SAEs of different sizes (docs/definitions.md#stitching; Bussmann, Leask et al.
 * 2024, "Stitching SAEs of different sizes").
 *
 * <p><b>Compare.</b> {@link io.github.saestitch.stitch.StitchComparator} takes S, L and an activation
 * set and returns a {@link io.github.saestitch.stitch.CompareResult}: per latent of L its max decoder
 * cosine to S, its kind (novel if ≤ τ, else reconstruction), the exact mse change of adding it to S,
 * its frequency and its activation correlation with S's latents; per swap group (connected component
 * of the parent/child graph, cosine &gt; τ) the mse and l0 change of replacing its parents by its
 * children; and the interpolation path (add the novel latents by ascending max_cos, then swap the
 * groups by descending group cosine). Everything comes from one streaming pass over the tokens:
 * S's residual and the two SAEs' sparse codes determine every Δmse exactly, so no hybrid is ever run
 * ({@link io.github.saestitch.stitch.ComparePass}); similarities are computed in tiles, never as an
 * F_L × F_S matrix. {@link io.github.saestitch.stitch.CompareWriter} writes {@code latents.csv},
 * {@code groups.csv}, {@code interpolation.csv} and {@code summary.json} atomically (with whatever
 * else the caller adds to the same directory, e.g. {@code compare --contexts}'s top contexts). The
 * Δmse formulas themselves are in {@link io.github.saestitch.sae.ErrorChange}; the pass's sums are an
 * immutable {@code ComparePass.Sums} whose {@code merge} combines shards in a
 * fixed order.
 *
 * <p><b>Stitch.</b> {@link io.github.saestitch.stitch.Stitcher} turns a
 * {@link io.github.saestitch.stitch.StitchPlan} (from {@link io.github.saestitch.stitch.StitchOptions}
 * or from a compare's rows) into a real model: one standard SAE when no source is topk (L's b_dec is
 * folded into the moved latents' b_enc, mixed activations become a per-latent jumprelu), else a
 * composite; either way it is the two-source case of {@link io.github.saestitch.sae.MultiSourceSae}
 * ({@link io.github.saestitch.stitch.Stitcher#hybrid}), and a composite is written as
 * {@code io.CompositeManifest}, as Frankensteins are. Evaluating it reproduces the mse the compare
 * predicted; {@link io.github.saestitch.stitch.StitchManifest} records what a standard hybrid was built from.
 *
 * <p><b>Benchmark.</b> {@link io.github.saestitch.bench.CompareBenchmark} times a compare on realistic
 * synthetic SAEs ({@link io.github.saestitch.bench.SyntheticPair}) against the two encoder GEMMs
 * alone, and against a straightforward numpy peer ({@code scripts/bench_compare_numpy.py}).
 *
 * <p>Nothing here prints or exits; progress goes to a {@link io.github.saestitch.stitch.CompareProgress}.
 */
package io.github.saestitch.stitch;
