/**
 * Metrics over a stated token set, as docs/definitions.md#metrics defines them: {@code mse} (mean over tokens
 * of the squared error summed over dims), {@code fvu}, {@code l0}, {@code dead} latents and per-latent
 * {@code freq}. {@link io.github.saestitch.eval.Evaluator} streams an
 * {@link io.github.saestitch.activations.ActivationSet} block by block (so the set can be larger than
 * memory), accumulates in double, computes the variance for fvu in the same pass with a numerically
 * stable merge, and returns an {@link io.github.saestitch.eval.EvalResult}. It runs any
 * {@link io.github.saestitch.sae.Autoencoder}: a standard SAE, or a composite multi-source model (a
 * stitched hybrid or a Frankenstein with a topk source, {@link io.github.saestitch.sae.MultiSourceRunner},
 * loaded from {@code io.CompositeManifest}). It reports progress through a callback and never prints.
 *
 * <p>{@link io.github.saestitch.eval.TopActivations} and {@link io.github.saestitch.eval.TopContexts}
 * find each latent's top-activating tokens and decode their text from a store, in one pass for any
 * number of SAEs; {@link io.github.saestitch.eval.PairContexts} is what {@code compare --contexts}
 * writes for a pair (its {@code Collector} takes the codes of the compare's own pass) ({@code contexts.jsonl}, {@code contexts_small.jsonl}).
 *
 * <p>{@link io.github.saestitch.eval.DownstreamEvaluator} measures what a reconstruction does to the model:
 * x̂ spliced in at the hook ({@link io.github.saestitch.activations.SplicedTransformer}), the sentence
 * embedding compared with the model's own, against mean ablation
 * ({@link io.github.saestitch.eval.DownstreamResult}, docs/definitions.md#downstream-embedding-recovered).
 */
package io.github.saestitch.eval;
