/**
 * Files: reading and writing the formats SAE users have, exactly and without copying big data.
 *
 * <p>{@link io.github.saestitch.io.SafeTensors} and {@link io.github.saestitch.io.Npy} are small,
 * dependency-free implementations of the safetensors and {@code .npy} formats: memory-mapped reads that
 * validate every header field before touching data and hand out float32 data as zero-copy
 * {@link io.github.saestitch.tensor.FloatMatrix} views, other float encodings converted bit-exactly, and
 * writers whose output matches the reference Python libraries byte for byte.
 * {@link io.github.saestitch.io.NpyWriter} streams activation dumps larger than memory and
 * {@code activations.NpyActivationSet} reads them back block by block.
 *
 * <p>{@link io.github.saestitch.io.SaeFormats} loads and saves whole SAE directories (SAELens v6 and
 * pre-6.0, sparsify, dictionary_learning), detecting which one a directory is, mapping each format's JSON
 * keys and tensor names to the {@link io.github.saestitch.sae.Sae} model in one class per format, and
 * keeping config keys it does not interpret in {@code SaeMetadata.extraConfig} so they survive a save.
 *
 * <p>Every writer goes through {@link io.github.saestitch.io.AtomicOutput}: files and directories
 * appear complete or not at all. Every content problem is a
 * {@link io.github.saestitch.io.FileFormatException} (for SAE directories its subclass
 * {@link io.github.saestitch.io.SaeFormatException}) whose message starts with the file's path.
 */
package io.github.saestitch.io;
