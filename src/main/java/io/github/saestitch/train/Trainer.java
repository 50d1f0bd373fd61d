package io.github.saestitch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.activations.ActivationRange;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.eval.EvalResult;
import io.github.saestitch.eval.Evaluator;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.FloatMatrix;
import io.github.saestitch.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains one SAE ({@link TrainOptions}) on a stream of activation batches ({@link BatchSource}); the
 * entry point of {@code saestitch train}. The trainer never sees a language model.
 *
 * <h2>One step</h2>
 * Read B tokens, multiply by the input scale s, compute the loss and gradients ({@link SaeObjective}),
 * remove from each decoder row's gradient its component along the row (top-k architectures, whose
 * decoder rows are kept at unit norm: Gao et al. 2024, Bricken et al. 2023), take an Adam step
 * ({@link Adam}) at the scheduled learning rate ({@link Schedule}), renormalise the decoder rows, and
 * update the dead-latent tracker and BatchTopK's running threshold.
 *
 * <h2>Initialisation</h2>
 * The first {@link TrainOptions#initSampleTokens} tokens of the stream give the input scale
 * {@code s = sqrt(d / mean‖x‖²)} and b_dec ({@link BDecInit}); decoder rows are random Gaussian
 * directions (unit norm; relu: {@link TrainOptions#decoderInitNorm}), the encoder starts as the
 * decoder's transpose (Gao et al.; Anthropic's April 2024 update) and b_enc at 0.
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
     * Trains on an activation set ({@code .npy}, store): its last {@link TrainOptions#evalTokens} tokens are
     * held out for evaluation and never trained on; the rest is read in seeded shuffled batches
     * ({@link ShuffledBatchSource}). Writes {@code outDir} as described in the class comment.
     *
     * @param resume continue from {@code outDir/checkpoint}; when false, {@code outDir} must not hold a run
     * @throws IllegalArgumentException for an empty set, too few tokens, non-finite activations, a
     *                                  resume without checkpoint or with other options
     * @throws IllegalStateException    when the loss or a weight becomes non-finite (the last checkpoint is intact)
     */
    public TrainResult train(ActivationSet acts, Path outDir, boolean resume, TrainListener listener) throws IOException {
        Objects.requireNonNull(acts, "acts");
        long n = acts.numTokens();
        if (n <= 0) {
            throw new IllegalArgumentException("activation set " + acts.describe() + " is empty: nothing to train on");
        }
        long held = options.evalTokens();
        if (n - held < 1) {
            throw new IllegalArgumentException("activation set " + acts.describe() + " has " + n + " tokens; holding out "
                    + held + " for evaluation leaves none to train on (lower evalTokens)");
        }
        BatchSource source = new ShuffledBatchSource(acts, 0, n - held, options.seed());
        ActivationSet heldOut = held > 0 ? new ActivationRange(acts, n - held, held) : null;
        return train(source, heldOut, Objects.requireNonNull(outDir, "outDir"), resume, listener);
    }

    /**
     * Trains on any batch source, evaluating on {@code heldOut} (may be null), writing {@code outDir}.
     *
     * @see #train(ActivationSet, Path, boolean, TrainListener)
     */
    public TrainResult train(BatchSource source, ActivationSet heldOut, Path outDir, boolean resume,
            TrainListener listener) throws IOException {
        Objects.requireNonNull(outDir, "outDir");
        Path ckpt = outDir.resolve(TrainResult.CHECKPOINT_DIR);
        if (resume) {
            if (!TrainingState.exists(ckpt)) {
                throw new IllegalArgumentException("cannot resume: " + ckpt + " holds no checkpoint");
            }
        } else if (Files.exists(ckpt) || Files.exists(outDir.resolve(TrainResult.SAE_DIR))) {
            throw new IllegalArgumentException(outDir + " already holds a training run; resume it or choose another "
                    + "output directory");
        }
        return new Run(source, heldOut, outDir, listener).execute(resume);
    }

    /** Trains without writing any file (toy experiments, tests, benchmarks). */
    public TrainResult trainInMemory(BatchSource source, ActivationSet heldOut, TrainListener listener) {
        try {
            return new Run(source, heldOut, null, listener).execute(false);
        } catch (IOException e) {
            throw new IllegalStateException("an in-memory run wrote no file, yet: " + e.getMessage(), e);
        }
    }

    /** One execution of a run (fresh or resumed). */
    private final class Run {
        private final BatchSource source;
        private final ActivationSet heldOut;
        private final Path outDir;
        private final TrainListener listener;
        private final int d;
        private final int steps;
        private final Schedule schedule;
        private TrainingState state;
        private SaeObjective objective;

        Run(BatchSource source, ActivationSet heldOut, Path outDir, TrainListener listener) {
            this.source = Objects.requireNonNull(source, "source");
            this.heldOut = heldOut;
            this.outDir = outDir;
            this.listener = listener == null ? TrainListener.NONE : listener;
            this.d = source.dIn();
            this.steps = options.steps();
            this.schedule = new Schedule(options);
            if (d < 1) {
                throw new IllegalArgumentException("source " + source.describe() + " has dIn = " + d);
            }
            if (heldOut != null && heldOut.dIn() != d) {
                throw new IllegalArgumentException("held-out set " + heldOut.describe() + " has dIn = " + heldOut.dIn()
                        + ", the training source has " + d);
            }
            if (heldOut != null && heldOut.numTokens() == 0) {
                throw new IllegalArgumentException("held-out set " + heldOut.describe() + " is empty");
            }
            if (options.architecture() == Architecture.EXPANDER && options.expanderDegree() > d) {
                throw new IllegalArgumentException("expander degree " + options.expanderDegree() + " exceeds d_in = " + d);
            }
        }

        TrainResult execute(boolean resume) throws IOException {
            Path ckpt = outDir == null ? null : outDir.resolve(TrainResult.CHECKPOINT_DIR);
            if (resume) {
                state = TrainingState.load(ckpt, options, d);
            } else {
                state = initialise();
            }
            objective = new SaeObjective(options.architecture(), kernels, d, options.numLatents(), options.batchSize(),
                    options.k(), options.auxK(), options.auxKCoefficient());
            source.seek(state.sourcePosition);
            listener.onStart(options, state.step + 1, source.describe());
            loop(ckpt);
            return finish();
        }

        private TrainingState initialise() {
            ExpanderMask mask = options.architecture() == Architecture.EXPANDER
                    ? ExpanderMask.random(options.numLatents(), d, options.expanderDegree(), options.seed()) : null;
            SaeParams p = new SaeParams(d, options.numLatents(), mask);
            TrainingState s = new TrainingState(options, p, new TrainingLog());
            source.seek(0);
            FloatMatrix sample = FloatMatrix.zeros(options.initSampleTokens(), d);
            source.next(sample);
            source.seek(0);
            float[] x = sample.heapArrayOrNull();
            int n = sample.rows();
            double sumSq = 0;
            for (int i = 0; i < x.length; i++) {
                if (!Float.isFinite(x[i])) {
                    throw new IllegalArgumentException("training activations from " + source.describe()
                            + " contain a non-finite value (" + x[i] + ") at stream token " + i / d + ", dim " + i % d);
                }
                sumSq += (double) x[i] * x[i];
            }
            if (!(sumSq > 0)) {
                throw new IllegalArgumentException("the first " + n + " training activations from " + source.describe()
                        + " are all zero: nothing to learn");
            }
            s.inputScale = options.normalizeInputs() ? (float) Math.sqrt(d / (sumSq / n)) : 1f;
            for (int i = 0; i < x.length; i++) {
                x[i] *= s.inputScale;
            }
            double[] b = switch (options.bDecInit()) {
                case GEOMETRIC_MEDIAN -> geometricMedian(x, n, d);
                case MEAN -> mean(x, n, d);
                case ZEROS -> new double[d];
            };
            for (int j = 0; j < d; j++) {
                p.bDec[j] = (float) b[j];
            }
            SplitMix64 rng = SplitMix64.stream(options.seed(), 1);
            float norm = options.architecture() == Architecture.RELU ? (float) options.decoderInitNorm() : 1f;
            for (int i = 0; i < p.numLatents; i++) {
                int o = i * p.decCols;
                double ss = 0;
                for (int j = 0; j < p.decCols; j++) {
                    float v = (float) rng.nextGaussian();
                    p.wDec[o + j] = v;
                    ss += (double) v * v;
                }
                float scale = (float) (norm / Math.sqrt(ss));
                for (int j = 0; j < p.decCols; j++) {
                    p.wDec[o + j] *= scale;
                }
                System.arraycopy(p.denseDecoderRow(i), 0, p.wEnc, i * d, d);
            }
            return s;
        }

        private void loop(Path ckpt) throws IOException {
            int B = options.batchSize();
            int F = options.numLatents();
            float[] xb = new float[B * d];
            FloatMatrix xm = FloatMatrix.wrap(xb, B, d);
            SaeParams grad = state.params.zerosLike();
            boolean[] fired = new boolean[F];
            float s = state.inputScale;
            float invS2 = 1f / (s * s);
            boolean unitNorm = options.architecture().unitNormDecoder();
            int[] fixedPrefixes = options.architecture() == Architecture.MATRYOSHKA && !options.matryoshkaRandomPrefixes()
                    ? options.resolvedMatryoshkaPrefixes() : new int[] {F};
            int logEvery = options.logInterval();
            int evalEvery = options.evalInterval();
            int ckptEvery = options.checkpointInterval();
            double accLoss = 0;
            double accMse = 0;
            double accL0 = 0;
            double accAux = 0;
            int accN = 0;
            long t0 = System.nanoTime();
            double elapsedBefore = state.elapsedSeconds;
            long tokensAtStart = state.tokens;
            while (state.step < steps) {
                int step = state.step + 1;
                long pos = source.position();
                source.next(xm);
                for (int i = 0; i < xb.length; i++) {
                    float v = xb[i];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException("training activations from " + source.describe()
                                + " contain a non-finite value (" + v + ") at stream token " + (pos + i / d) + ", dim "
                                + i % d + " (step " + step + ")" + lastCheckpointNote(ckpt));
                    }
                    xb[i] = v * s;
                }
                double lr = schedule.learningRate(step);
                float l1 = options.architecture() == Architecture.RELU ? (float) schedule.l1Coefficient(step) : 0f;
                int[] prefixes = options.architecture() == Architecture.MATRYOSHKA && options.matryoshkaRandomPrefixes()
                        ? randomPrefixes(step) : fixedPrefixes;
                int[] deadIdx = deadLatents();
                Arrays.fill(fired, false);
                SaeObjective.Stats st = objective.compute(state.params, xb, l1, deadIdx, prefixes, state.thresholdEma,
                        grad, fired);
                if (!Double.isFinite(st.loss())) {
                    throw new IllegalStateException("the training loss became non-finite (" + st.loss() + ") at step "
                            + step + " (mse " + st.mse() + ", l0 " + st.l0() + "); the learning rate ("
                            + options.learningRate() + ") or l1 coefficient may be too high" + lastCheckpointNote(ckpt));
                }
                if (unitNorm) {
                    removeParallelComponent(state.params, grad);
                }
                if (!state.adam.step(state.params, grad, lr)) {
                    throw new IllegalStateException("a weight became non-finite at step " + step + " (loss " + st.loss()
                            + "); the learning rate (" + options.learningRate() + ") may be too high"
                            + lastCheckpointNote(ckpt));
                }
                if (unitNorm) {
                    normalizeDecoderRows(state.params);
                }
                state.step = step;
                state.tokens += B;
                state.sourcePosition = source.position();
                for (int i = 0; i < F; i++) {
                    if (fired[i]) {
                        state.lastFired[i] = state.tokens;
                    }
                }
                if (options.architecture().usesBatchTopK() && st.minKept() > 0f) {
                    state.thresholdEma = state.thresholdEma == 0f ? st.minKept()
                            : 0.99f * state.thresholdEma + 0.01f * st.minKept();
                }
                double mseRaw = st.mse() * invS2;
                accLoss += st.loss();
                accMse += mseRaw;
                accL0 += st.l0();
                accAux += st.auxLoss();
                accN++;
                state.elapsedSeconds = elapsedBefore + (System.nanoTime() - t0) * 1e-9;
                int dead = countDead();
                boolean doEval = heldOut != null && (step % evalEvery == 0 || step == steps);
                if (step % logEvery == 0 || doEval || step == steps) {
                    EvalPoint ep = null;
                    if (doEval) {
                        EvalResult er = new Evaluator(kernels).evaluate(toSae(state.thresholdEma), heldOut);
                        ep = new EvalPoint(step, state.tokens, er.mse(), er.fvu(), er.l0(), er.dead());
                    }
                    state.log.add(new TrainingLog.Row(step, state.tokens, lr, l1, accLoss / accN, accMse / accN,
                            accL0 / accN, accAux / accN, dead, ep, state.elapsedSeconds));
                    accLoss = accMse = accL0 = accAux = 0;
                    accN = 0;
                    if (ep != null) {
                        listener.onEval(ep);
                    }
                }
                if (ckpt != null && (step % ckptEvery == 0 || step == steps)) {
                    state.save(ckpt);
                    state.log.write(outDir.resolve(TrainingLog.FILE));
                    listener.onCheckpoint(step, ckpt);
                }
                double secs = (System.nanoTime() - t0) * 1e-9;
                listener.onStep(new TrainProgress(step, steps, state.tokens, lr, st.loss(), mseRaw, st.l0(), dead,
                        secs > 0 ? (state.tokens - tokensAtStart) / secs : 0));
            }
        }

        private String lastCheckpointNote(Path ckpt) {
            if (ckpt == null) {
                return "";
            }
            return TrainingState.exists(ckpt) ? "; the last checkpoint in " + ckpt + " is intact"
                    : "; no checkpoint was written yet";
        }

        private int[] deadLatents() {
            if (!options.architecture().usesTopK() || options.auxKCoefficient() == 0) {
                return new int[0];
            }
            int n = 0;
            int[] idx = new int[state.lastFired.length];
            for (int i = 0; i < idx.length; i++) {
                if (state.tokens - state.lastFired[i] >= options.deadTokens()) {
                    idx[n++] = i;
                }
            }
            return Arrays.copyOf(idx, n);
        }

        private int countDead() {
            int n = 0;
            for (long lf : state.lastFired) {
                if (state.tokens - lf >= options.deadTokens()) {
                    n++;
                }
            }
            return n;
        }

        /**
         * Seed 004's random prefixes: {@code numPrefixes − 1} lengths from a Pareto distribution truncated
         * to [1, F] ({@code P(L ≥ l) ∝ l^−α}, inverse-CDF sampling), plus F, sorted without repeats.
         */
        private int[] randomPrefixes(int step) {
            int F = options.numLatents();
            double a = options.matryoshkaParetoAlpha();
            SplitMix64 rng = SplitMix64.stream(options.seed(), 0x1_0000_0000L + step);
            int[] out = new int[options.matryoshkaNumPrefixes()];
            double tail = Math.pow(F, -a);
            for (int i = 0; i < out.length - 1; i++) {
                double u = rng.nextDouble();
                double l = Math.pow(1 - u * (1 - tail), -1 / a);
                out[i] = (int) Math.max(1, Math.min(F, Math.floor(l)));
            }
            out[out.length - 1] = F;
            return Arrays.stream(out).sorted().distinct().toArray();
        }

        private TrainResult finish() throws IOException {
            float theta = state.thresholdEma;
            if (options.architecture().usesBatchTopK()) {
                theta = calibrateThreshold();
            }
            Sae sae = toSae(theta);
            EvalResult finalEval = heldOut == null ? null : new Evaluator(kernels).evaluate(sae, heldOut);
            double ratio = storedParameterRatio();
            TrainResult result = new TrainResult(options, sae, finalEval, state.log.evalPoints(), state.log.rows(),
                    state.step, state.tokens, state.elapsedSeconds, state.inputScale, ratio, outDir);
            if (outDir != null) {
                SaeFormats.save(sae, outDir.resolve(TrainResult.SAE_DIR), SaeFormat.SAELENS, true);
                state.log.write(outDir.resolve(TrainingLog.FILE));
                writeSummary(result, theta, outDir.resolve(TrainResult.SUMMARY_FILE));
            }
            return result;
        }

        /**
         * BatchTopK's inference threshold: over {@link TrainOptions#thresholdCalibrationTokens} fresh
         * tokens (drawn after the last step), the θ at which the mean number of pre-activations above
         * θ per token is k, i.e. the (k·N)-th largest of all N·F pre-activations. Each block of B keeps its
         * 2k·B largest values as candidates; θ is the (k·N)-th largest candidate, exact unless some block
         * holds more than twice its share of the top values, in which case the mean of the per-block
         * thresholds (what the running estimate approximates; Bussmann et al.) is used.
         */
        private float calibrateThreshold() {
            int B = options.batchSize();
            int F = options.numLatents();
            long K = (long) options.k() * B;
            int blocks = Math.max(1, (options.thresholdCalibrationTokens() + B - 1) / B);
            float[] xb = new float[B * d];
            FloatMatrix xm = FloatMatrix.wrap(xb, B, d);
            List<float[]> cands = new ArrayList<>();
            float[] blockFloor = new float[blocks];
            double blockThetaSum = 0;
            int total = 0;
            for (int bIdx = 0; bIdx < blocks; bIdx++) {
                source.next(xm);
                for (int i = 0; i < xb.length; i++) {
                    if (!Float.isFinite(xb[i])) {
                        throw new IllegalArgumentException("calibration activations contain a non-finite value at dim "
                                + i % d);
                    }
                    xb[i] *= state.inputScale;
                }
                float[] pre = objective.preActivations(state.params, xb);
                float[] kept = new float[1];
                float[] top = SaeObjective.largest(pre, B * F, 2 * K, kept);
                blockFloor[bIdx] = kept[0];
                float[] one = new float[1];
                SaeObjective.largest(Arrays.copyOf(top, top.length), top.length, K, one);
                blockThetaSum += one[0];
                cands.add(top);
                total += top.length;
            }
            long want = K * blocks;
            if (total <= want) {
                return 0f; // fewer positive pre-activations than k per token: keep every positive one
            }
            float[] all = new float[total];
            int at = 0;
            for (float[] c : cands) {
                System.arraycopy(c, 0, all, at, c.length);
                at += c.length;
            }
            float theta = SaeObjective.select(all, total, (int) (total - want));
            for (int bIdx = 0; bIdx < blocks; bIdx++) {
                if (blockFloor[bIdx] >= theta && cands.get(bIdx).length == 2 * K) {
                    return (float) (blockThetaSum / blocks);
                }
            }
            return theta;
        }

        private double storedParameterRatio() {
            double dense = 2.0 * d * options.numLatents() + options.numLatents() + d;
            double stored = (double) d * options.numLatents() + options.numLatents() + d
                    + (double) state.params.decCols * options.numLatents();
            return stored / dense;
        }

        /** The SAE in raw units: W_enc = rowsᵀ, b_enc/s, W_dec (dense), b_dec/s, θ/s (see the package doc). */
        private Sae toSae(float thetaNormalised) {
            SaeParams p = state.params;
            int F = p.numLatents;
            float s = state.inputScale;
            float[] wEnc = new float[d * F];
            for (int i = 0; i < F; i++) {
                for (int j = 0; j < d; j++) {
                    wEnc[j * F + i] = p.wEnc[i * d + j];
                }
            }
            float[] wDec = new float[F * d];
            for (int i = 0; i < F; i++) {
                System.arraycopy(p.denseDecoderRow(i), 0, wDec, i * d, d);
            }
            float[] bEnc = new float[F];
            for (int i = 0; i < F; i++) {
                bEnc[i] = p.bEnc[i] / s;
            }
            float[] bDec = new float[d];
            for (int j = 0; j < d; j++) {
                bDec[j] = p.bDec[j] / s;
            }
            Activation act = switch (options.architecture()) {
                case RELU -> new Activation.Relu();
                case TOPK, EXPANDER -> new Activation.TopK(options.k());
                case BATCHTOPK, MATRYOSHKA -> new Activation.BatchTopK(options.k(), Math.max(0f, thetaNormalised / s));
            };
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("format_version", TrainOptions.FORMAT_VERSION);
            training.put("architecture", options.architecture().id());
            training.put("steps", state.step);
            training.put("tokens", state.tokens);
            training.put("seed", options.seed());
            training.put("input_scale", (double) s);
            if (options.architecture() == Architecture.RELU) {
                training.put("l1_coefficient", options.l1Coefficient());
            } else {
                training.put("k", options.k());
            }
            if (p.mask != null) {
                training.put("expander_degree", p.mask.degree());
                training.put("expander_stored_decoder_values", p.mask.storedDecoderValues());
            }
            if (options.architecture() == Architecture.MATRYOSHKA) {
                training.put("matryoshka_prefixes", options.matryoshkaRandomPrefixes() ? "random"
                        : Arrays.toString(options.resolvedMatryoshkaPrefixes()));
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("saestitch_training", training);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("metadata", meta);
            return new Sae(act, true, FloatMatrix.wrap(wEnc, d, F), bEnc, FloatMatrix.wrap(wDec, F, d), bDec,
                    new Sae.SaeMetadata("", "", extra));
        }

        private void writeSummary(TrainResult r, float thetaNormalised, Path file) throws IOException {
            ObjectMapper om = TrainingState.mapper();
            ObjectNode root = om.createObjectNode();
            root.put("format_version", 1);
            root.put("kind", "saestitch-train-summary");
            root.put("architecture", options.architecture().id());
            root.put("num_latents", options.numLatents());
            root.put("d_in", d);
            root.put("steps", r.steps());
            root.put("tokens", r.tokens());
            root.put("train_seconds", r.trainSeconds());
            root.put("tokens_per_second", r.tokensPerSecond());
            root.put("kernels", kernels.name());
            root.put("source", source.describe());
            root.put("held_out", heldOut == null ? null : heldOut.describe());
            root.put("input_scale", r.inputScale());
            root.put("stored_parameter_ratio", r.storedParameterRatio());
            if (options.architecture().usesBatchTopK()) {
                root.put("batchtopk_threshold", thetaNormalised / r.inputScale());
            }
            if (r.finalEval() != null) {
                ObjectNode e = root.putObject("final_eval");
                e.put("tokens", r.finalEval().tokens());
                e.put("mse", r.finalEval().mse());
                e.put("fvu", r.finalEval().fvu());
                e.put("l0", r.finalEval().l0());
                e.put("dead", r.finalEval().dead());
            }
            root.set("options", om.valueToTree(options));
            byte[] bytes = om.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
            AtomicOutput.writeFile(file, tmp -> Files.write(tmp, bytes));
        }
    }

    /** {@code g_i −= (g_i · w_i) w_i} for each decoder row (w_i has unit norm). Writes g. */
    static void removeParallelComponent(SaeParams p, SaeParams g) {
        int c = p.decCols;
        Parallel.forRange(p.numLatents, 2L * c, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float dot = VecOps.dot(g.wDec, i * c, p.wDec, i * c, c);
                if (dot != 0f) {
                    VecOps.axpy(-dot, p.wDec, i * c, g.wDec, i * c, c);
                }
            }
        });
    }

    /** {@code w_i ← w_i / ‖w_i‖} for each decoder row (zero rows stay zero). Writes p. */
    static void normalizeDecoderRows(SaeParams p) {
        int c = p.decCols;
        Parallel.forRange(p.numLatents, 2L * c, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float n = (float) Math.sqrt(VecOps.sumSquares(p.wDec, i * c, c));
                if (n > 0f) {
                    float inv = 1f / n;
                    for (int j = 0; j < c; j++) {
                        p.wDec[i * c + j] *= inv;
                    }
                }
            }
        });
    }

    /** Mean of the {@code [n, d]} rows, in double. */
    static double[] mean(float[] x, int n, int d) {
        double[] m = new double[d];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                m[j] += x[t * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= n;
        }
        return m;
    }

    /**
     * The geometric median {@code argmin_b Σ_t ‖x_t − b‖} of the {@code [n, d]} rows by Weiszfeld's
     * iteration from the mean ({@code b ← Σ w_t x_t / Σ w_t}, {@code w_t = 1/‖x_t − b‖}, distances floored
     * at 1e-12), at most 200 iterations, stopping when b moves less than 1e-7 of the data's RMS norm.
     */
    static double[] geometricMedian(float[] x, int n, int d) {
        double[] b = mean(x, n, d);
        double rms = 0;
        for (float v : x) {
            rms += (double) v * v;
        }
        rms = Math.sqrt(rms / n);
        double[] next = new double[d];
        for (int it = 0; it < 200; it++) {
            Arrays.fill(next, 0);
            double wSum = 0;
            for (int t = 0; t < n; t++) {
                double dist = 0;
                for (int j = 0; j < d; j++) {
                    double e = x[t * d + j] - b[j];
                    dist += e * e;
                }
                double w = 1 / Math.max(Math.sqrt(dist), 1e-12);
                wSum += w;
                for (int j = 0; j < d; j++) {
                    next[j] += w * x[t * d + j];
                }
            }
            double move = 0;
            for (int j = 0; j < d; j++) {
                next[j] /= wSum;
                move += (next[j] - b[j]) * (next[j] - b[j]);
                b[j] = next[j];
            }
            if (Math.sqrt(move) < 1e-7 * Math.max(rms, 1e-30)) {
                break;
            }
        }
        return b;
    }
}
