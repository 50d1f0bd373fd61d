package io.github.saestitch.train;

import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.activations.HeldOutSplit;
import io.github.saestitch.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Trains one SAE ({@link TrainOptions}) on a stream of activation batches ({@link BatchSource}); the
 * entry point of {@code saestitch train}. The trainer never sees a language model.
 *
 * <h2>How a run is built</h2>
 * {@link TrainingRun} executes one run: {@link TrainingInit} starts the state (input scale, b_dec,
 * weights) or a checkpoint resumes it; each {@link TrainingStep} reads a batch, computes the loss and
 * gradients ({@link SaeObjective}) and takes an Adam step at the {@link Schedule}'s rate;
 * {@link PeriodicLog} writes the log and evaluates on the held-out set; {@link Checkpoints} saves the
 * state; {@link TrainOutput} calibrates BatchTopK's threshold ({@link ThresholdCalibration}), exports
 * the SAE ({@link SaeExport}) and writes the files below.
 *
 * <h2>Output directory</h2>
 * <pre>
 *   sae/                 the trained SAE, SAELens v6 (cfg.json + sae_weights.safetensors), raw units
 *   train_log.csv        {@link TrainingLog} (columns documented there)
 *   train_summary.json   options, final held-out metrics, throughput (format_version 1)
 *   checkpoint/          the latest checkpoint ({@link TrainingState}), written atomically
 * </pre>
 *
 * <h2>Stopping cleanly</h2>
 * Bad options are {@link IllegalArgumentException}s from {@link TrainOptions}; empty or non-finite
 * inputs are {@link IllegalArgumentException}s naming the token; a non-finite loss or weight is an
 * {@link IllegalStateException} raised <em>before</em> anything is written, so the last checkpoint
 * stays intact and the run can be resumed (e.g. with a lower learning rate in a new directory).
 *
 * <p>Resuming ({@code resume = true}) continues from {@code checkpoint/} to a result bit-identical with
 * an uninterrupted run: every random choice is keyed by the seed and the step or data position.
 */
public final class Trainer {
    private final TrainOptions options;
    private final Kernels kernels;

    /**
     * @param options what to train
     * @param kernels the GEMM backend for the encoder and the dense relu path (pick the fastest once)
     */
    public Trainer(TrainOptions options, Kernels kernels) {
        this.options = Objects.requireNonNull(options, "options");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    public TrainOptions options() {
        return options;
    }

    /**
     * Trains on an activation set ({@code .npy}, store): its last {@link TrainOptions#evalTokens} tokens,
     * extended back to whole documents when the set records documents ({@link HeldOutSplit}), are held out
     * for evaluation and never trained on; the rest is read in seeded shuffled batches
     * ({@link ShuffledBatchSource}). Writes {@code outDir} as described in the class comment.
     *
     * <p>The checkpoints record the identity of the tokens used ({@link TrainingData}); a resume checks
     * that {@code acts} begins with the same tokens and trains on that range even if the set has grown.
     * A checkpoint that predates this record resumes unchecked, with a note to the listener.
     *
     * @param resume continue from {@code outDir/checkpoint}; when false, {@code outDir} must not hold a run
     * @throws IllegalArgumentException for an empty set, too few tokens, non-finite activations, a
     *                                  resume with other options or on other activations
     * @throws IllegalStateException    when the loss or a weight becomes non-finite (the last checkpoint is intact)
     */
    public TrainResult train(ActivationSet acts, Path outDir, boolean resume, TrainListener listener)
            throws IOException {
        Objects.requireNonNull(acts, "acts");
        Objects.requireNonNull(outDir, "outDir");
        long n = acts.numTokens();
        if (n <= 0) {
            throw new IllegalArgumentException("activation set " + acts.describe() + " is empty: nothing to train on");
        }
        Path ckpt = outDir.resolve(TrainResult.CHECKPOINT_DIR);
        TrainingData recorded = resume && TrainingState.exists(ckpt) ? TrainingState.data(ckpt) : null;
        if (recorded != null) {
            n = sameData(recorded, acts, ckpt, listener);
        }
        long held = options.evalTokens();
        if (n - held < 1) {
            throw new IllegalArgumentException("activation set " + acts.describe() + " has " + n
                    + " tokens; holding out " + held
                    + " for evaluation leaves none to train on (lower --eval-tokens)");
        }
        // The held-out tail is read only at the first evaluation: check it now, so a bad value fails before step 1.
        // Whole documents when the set records them (HeldOutSplit): never a document half trained on.
        HeldOutSplit split = HeldOutSplit.of(acts, n, held);
        ActivationSets.requireFinite(acts, split.start(), n - split.start(), "in the held-out tail");
        TrainingData data = recorded != null ? recorded : TrainingData.of(acts, n);
        BatchSource source = new ShuffledBatchSource(acts, 0, split.start(), options.seed());
        ActivationSet heldOut = held > 0 ? split.range(acts) : null;
        return train(source, heldOut, data, outDir, resume, listener);
    }

    /**
     * Checks that {@code acts} begins with the tokens the checkpoint was trained on and returns their
     * count (the run's range stays the same when the set has grown since).
     *
     * @throws IllegalArgumentException saying what differs
     */
    private static long sameData(TrainingData recorded, ActivationSet acts, Path ckpt, TrainListener listener) {
        String refuse = "cannot resume from " + ckpt + ": ";
        String fix = "; resume with the activations the run started on, or start a new output directory";
        if (acts.dIn() != recorded.dIn()) {
            throw new IllegalArgumentException(refuse + "it was trained on activations of width " + recorded.dIn()
                    + " (" + recorded.source() + "), " + acts.describe() + " has width " + acts.dIn() + fix);
        }
        if (acts.numTokens() < recorded.tokens()) {
            throw new IllegalArgumentException(refuse + "it was trained on " + recorded.tokens() + " tokens ("
                    + recorded.source() + "), " + acts.describe() + " has only " + acts.numTokens() + fix);
        }
        TrainingData now = TrainingData.of(acts, recorded.tokens());
        if (!now.sha256().equals(recorded.sha256())) {
            throw new IllegalArgumentException(refuse + "the first " + recorded.tokens() + " tokens of "
                    + acts.describe() + " are not the activations it was trained on (those came from "
                    + recorded.source()
                    + "; SHA-256 of the values " + abbrev(recorded) + ", now " + abbrev(now) + ")" + fix);
        }
        if (acts.numTokens() > recorded.tokens()) {
            listener.onNote("the activation set has grown to " + acts.numTokens() + " tokens since the run started;"
                    + " resuming on its first " + recorded.tokens() + ", as before");
        }
        return recorded.tokens();
    }

    private static String abbrev(TrainingData d) {
        return d.sha256().hex().substring(0, 12) + "…";
    }

    /**
     * Trains on any batch source, evaluating on {@code heldOut} (may be null), writing {@code outDir}.
     *
     * @see #train(ActivationSet, Path, boolean, TrainListener)
     */
    public TrainResult train(
            BatchSource source, ActivationSet heldOut, Path outDir, boolean resume, TrainListener listener)
            throws IOException {
        return train(source, heldOut, null, outDir, resume, listener);
    }

    /**
     * Trains on {@code source}, recording {@code data} (may be null) in the checkpoints. A resume with no
     * checkpoint and no finished SAE in {@code outDir} (a run stopped before its first checkpoint) starts
     * afresh and says so through {@link TrainListener#onNote}.
     */
    private TrainResult train(
            BatchSource source,
            ActivationSet heldOut,
            TrainingData data,
            Path outDir,
            boolean resume,
            TrainListener listener)
            throws IOException {
        Objects.requireNonNull(outDir, "outDir");
        TrainListener l = listener == null ? TrainListener.NONE : listener;
        Path ckpt = outDir.resolve(TrainResult.CHECKPOINT_DIR);
        boolean finished = Files.exists(outDir.resolve(TrainResult.SAE_DIR));
        if (resume && !TrainingState.exists(ckpt)) {
            if (finished) {
                throw new IllegalArgumentException("cannot resume: " + ckpt + " holds no checkpoint");
            }
            l.onNote("no checkpoint in " + outDir + " (the run stopped before its first one): starting from step 1");
            resume = false;
        } else if (!resume && (Files.exists(ckpt) || finished)) {
            throw new IllegalArgumentException(
                    outDir + " already holds a training run; resume it or choose another " + "output directory");
        }
        return new TrainingRun(options, kernels, source, heldOut, outDir, l).execute(resume, data);
    }

    /** Trains without writing any file (toy experiments, tests, benchmarks). */
    public TrainResult trainInMemory(BatchSource source, ActivationSet heldOut, TrainListener listener) {
        try {
            return new TrainingRun(options, kernels, source, heldOut, null, listener).execute(false, null);
        } catch (IOException e) {
            throw new IllegalStateException("an in-memory run wrote no file, yet: " + e.getMessage(), e);
        }
    }
}
