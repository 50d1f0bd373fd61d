/**
 * Real activations: corpora, the models' own tokenizers, ONNX transformers with residual-stream hooks,
 * and the on-disk activation store that the rest of saestitch trains and evaluates on.
 *
 * <p>Extraction ({@link io.github.saestitch.activations.ActivationExtractor}, configured by
 * {@link io.github.saestitch.activations.ExtractionOptions}, reporting to an
 * {@link io.github.saestitch.activations.ExtractionListener} and returning an
 * {@link io.github.saestitch.activations.ExtractionSummary}) runs one of the
 * {@link io.github.saestitch.activations.TransformerModel}s shipped as fp32 ONNX inside Maven jars in
 * ONNX Runtime, over the Brown corpus (fetched once with npm) or the user's {@code .txt}/JSONL text, cut into
 * fixed-length windows framed by {@code [CLS]}/{@code [SEP]} (which are run through the model but, by
 * default, not stored: they are outliers that distort SAEs). The residual stream at a
 * {@link io.github.saestitch.activations.HookPoint} is exposed by rewriting the graph's outputs
 * ({@link io.github.saestitch.activations.OnnxGraph}); the same editor makes a hook tensor a graph input, so
 * {@link io.github.saestitch.activations.SplicedTransformer} runs the layers after a hook on anything fed
 * there (the downstream score).
 *
 * <p>The store ({@link io.github.saestitch.activations.ActivationStore}) is a directory of memory-mapped
 * shards (activations in float32 or bfloat16, token ids, document ids, positions) plus a
 * {@link io.github.saestitch.activations.StoreManifest}; extraction is resumable after a kill at any
 * moment. It is read in ordered blocks (the {@link io.github.saestitch.activations.ActivationSet} every
 * {@code --acts} option takes, opened by {@link io.github.saestitch.activations.ActivationSets#open}),
 * in seeded shuffled batches for training, and token by token with decoded context for the explorer.
 * {@link io.github.saestitch.activations.HeldOutSplit} is the trainer's held-out tail: whole documents when the
 * store records them.
 *
 * <p>Nothing here prints or exits; bad input raises {@link io.github.saestitch.activations.ActivationsException}.
 * Depends on {@code tensor} and {@code io} (the .npy reader); {@code io} does not depend on this package.
 */
package io.github.saestitch.activations;
