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
 * <p>{@link io.github.saestitch.io.CompositeManifest} reads and writes the one composite format (a
 * multi-source model with its own decoder: a stitched pair with a topk source, or a Frankenstein), and
 * still loads the two earlier manifests ({@code stitch.json} with {@code small/} and {@code large/},
 * {@code frankenstein.json}). The project's small shared file helpers live here too: {@link
 * io.github.saestitch.io.Json} (the one Jackson mapper; safetensors and {@code cfg.json} keep their own
 * strict ones), {@link io.github.saestitch.io.CsvWriter} (the one CSV number convention), {@link
 * io.github.saestitch.io.LatentContexts} (top contexts per latent, JSON lines) and {@link
 * io.github.saestitch.io.InputFingerprint} (the SHA-256 of a stage's inputs).
 *
 * <p>Every output is published through {@link io.github.saestitch.io.AtomicOutput}: files and
 * directories appear complete or not at all ({@code CsvWriter} and {@code CompositeManifest} write
 * into the temporary that their callers' {@code AtomicOutput} call hands them), without replacing an output
 * that appeared meanwhile unless asked to; {@link io.github.saestitch.io.OutputLock} keeps a second writer
 * off an output for a whole run, and stale temporaries of dead writers are swept. Every content problem is a
 * {@link io.github.saestitch.io.FileFormatException} (for SAE directories its subclass
 * {@link io.github.saestitch.io.SaeFormatException}) whose message starts with the file's path.
 */
package io.github.saestitch.io;
