package io.github.saestitch.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.Json;
import io.github.saestitch.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped: weights, Adam moments and step, the
 * data position, the dead-latent tracker, BatchTopK's running threshold, the input scale and the log.
 * The run's randomness after initialisation is drawn from SplitMix64 streams keyed by (seed, step)
 * (matryoshka's random prefixes) or by (seed, epoch, window) (shuffling), so the seed and these
 * counters are the whole RNG state.
 *
 * <h2>Checkpoint directory ({@value #JSON} + {@value #TENSORS}), written atomically as a whole</h2>
 * <ul>
 *   <li>{@value #JSON}: {@code format_version}, {@code kind}, {@code step}, {@code tokens},
 *       {@code source_position}, {@code adam_step}, {@code input_scale}, {@code threshold_ema},
 *       {@code elapsed_seconds}, {@code d_in}, {@code rng} (algorithm, seed, what derives from it),
 *       {@code options} (the {@link TrainOptions}), {@code data} (the activations trained on,
 *       {@link TrainingData}: {@code tokens}, {@code d_in}, {@code sha256}, {@code source}; absent for a
 *       run on a plain batch source and in checkpoints written before it), {@code last_fired} ([F] token count at each latent's
 *       last firing) and {@code log} (the {@link TrainingLog} rows so far);</li>
 *   <li>{@value #TENSORS}: float32 tensors {@code W_enc_rows} [F·d] (W_enc transposed), {@code b_enc}
 *       [F], {@code W_dec_values} [F·d, or F·degree for expander], {@code b_dec} [d] in normalised units,
 *       and {@code adam_m.NAME}, {@code adam_v.NAME} for each.</li>
 * </ul>
 */
final class TrainingState {
    static final String JSON = "checkpoint.json";
    static final String TENSORS = "state.safetensors";
    static final int FORMAT_VERSION = 1;
    static final String KIND = "saestitch-train-checkpoint";

    final TrainOptions options;
    final SaeParams params;
    final Adam adam;
    final long[] lastFired; // [F] tokens seen when each latent last fired
    int step;
    long tokens;
    long sourcePosition;
    float inputScale = 1f;
    float thresholdEma; // BatchTopK: running mean of the batch's smallest kept activation (normalised units)
    double elapsedSeconds;
    TrainingData data; // the activations trained on, or null (a batch source without identity; old checkpoints)
    final TrainingLog log;

    TrainingState(TrainOptions options, SaeParams params, TrainingLog log) {
        this.options = options;
        this.params = params;
        this.adam = new Adam(params, options.adamBeta1(), options.adamBeta2(), options.adamEpsilon());
        this.lastFired = new long[params.numLatents];
        this.log = log;
    }

    static ObjectMapper mapper() {
        return Json.MAPPER;
    }

    /** Writes the checkpoint directory atomically (the previous one stays until the new one is complete). */
    void save(Path dir) throws IOException {
        ObjectMapper om = mapper();
        ObjectNode root = om.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        root.put("kind", KIND);
        root.put("step", step);
        root.put("tokens", tokens);
        root.put("source_position", sourcePosition);
        root.put("adam_step", adam.t);
        root.put("input_scale", inputScale);
        root.put("threshold_ema", thresholdEma);
        root.put("elapsed_seconds", elapsedSeconds);
        root.put("d_in", params.dIn);
        ObjectNode rng = root.putObject("rng");
        rng.put("algorithm", "splitmix64");
        rng.put("seed", options.seed());
        rng.put(
                "streams",
                "init=(seed,1); matryoshka prefixes=(seed,step); shuffling=(seed,epoch[,window]); "
                        + "expander mask=(seed)");
        root.set("options", om.valueToTree(options));
        if (data != null) {
            data.write(root.putObject("data"));
        }
        ArrayNode lf = root.putArray("last_fired");
        for (long v : lastFired) {
            lf.add(v);
        }
        root.set("log", om.valueToTree(log.rows()));
        byte[] json = om.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);

        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        List<float[]> p = params.arrays();
        List<float[]> m = adam.m.arrays();
        List<float[]> v = adam.v.arrays();
        for (int i = 0; i < p.size(); i++) {
            String name = SaeParams.NAMES.get(i);
            tensors.add(SafeTensors.Tensor.f32(name, p.get(i)));
            tensors.add(SafeTensors.Tensor.f32("adam_m." + name, m.get(i)));
            tensors.add(SafeTensors.Tensor.f32("adam_v." + name, v.get(i)));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format_version", Integer.toString(FORMAT_VERSION));
        meta.put("kind", KIND);
        AtomicOutput.writeDirectory(dir, tmp -> {
            SafeTensors.write(tmp.resolve(TENSORS), meta, tensors);
            Files.write(tmp.resolve(JSON), json);
        });
    }

    /**
     * The activations the checkpoint in {@code dir} was trained on, or null when it does not record them
     * (a checkpoint written before the {@code data} field, or by a run on a plain batch source).
     */
    static TrainingData data(Path dir) throws IOException {
        return TrainingData.read(mapper().readTree(dir.resolve(JSON).toFile()).get("data"));
    }

    /** Whether {@code dir} holds a checkpoint. */
    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(JSON)) && Files.isRegularFile(dir.resolve(TENSORS));
    }

    /**
     * Reads a checkpoint written by {@link #save} for a run with {@code options}.
     *
     * @throws IllegalArgumentException if the checkpoint belongs to a run with other options or another d
     */
    static TrainingState load(Path dir, TrainOptions options, int dIn) throws IOException {
        ObjectMapper om = mapper();
        JsonNode root = om.readTree(dir.resolve(JSON).toFile());
        int version = root.path("format_version").asInt(-1);
        if (version != FORMAT_VERSION || !KIND.equals(root.path("kind").asText())) {
            throw new IOException(dir + ": not a saestitch training checkpoint of format_version " + FORMAT_VERSION
                    + " (found kind '" + root.path("kind").asText() + "', format_version " + version + ")");
        }
        TrainOptions saved = om.treeToValue(root.get("options"), TrainOptions.class);
        if (!saved.equals(options)) {
            throw new IllegalArgumentException("cannot resume from " + dir + ": it was written with other options ("
                    + difference(saved, options) + "); resume with the same options or start a new output directory");
        }
        int savedD = root.path("d_in").asInt();
        if (savedD != dIn) {
            throw new IllegalArgumentException("cannot resume from " + dir + ": it was trained on d_in = " + savedD
                    + " activations, these have d_in = " + dIn);
        }
        ExpanderMask mask = options.architecture() == Architecture.EXPANDER
                ? ExpanderMask.random(options.numLatents(), dIn, options.expanderDegree(), options.seed())
                : null;
        SaeParams params = new SaeParams(dIn, options.numLatents(), mask);
        List<TrainingLog.Row> rows = new ArrayList<>();
        for (JsonNode r : root.withArray("log")) {
            rows.add(om.treeToValue(r, TrainingLog.Row.class));
        }
        TrainingState s = new TrainingState(options, params, new TrainingLog(rows));
        s.step = root.path("step").asInt();
        s.tokens = root.path("tokens").asLong();
        s.sourcePosition = root.path("source_position").asLong();
        s.adam.t = root.path("adam_step").asLong();
        s.inputScale = (float) root.path("input_scale").asDouble();
        s.thresholdEma = (float) root.path("threshold_ema").asDouble();
        s.elapsedSeconds = root.path("elapsed_seconds").asDouble();
        s.data = TrainingData.read(root.get("data"));
        JsonNode lf = root.withArray("last_fired");
        if (lf.size() != s.lastFired.length) {
            throw new IOException(dir + ": last_fired has " + lf.size() + " entries, expected " + s.lastFired.length);
        }
        for (int i = 0; i < s.lastFired.length; i++) {
            s.lastFired[i] = lf.get(i).asLong();
        }
        try (SafeTensors st = SafeTensors.open(dir.resolve(TENSORS))) {
            List<float[]> p = params.arrays();
            List<float[]> m = s.adam.m.arrays();
            List<float[]> v = s.adam.v.arrays();
            for (int i = 0; i < p.size(); i++) {
                String name = SaeParams.NAMES.get(i);
                copyExact(st, name, p.get(i), dir);
                copyExact(st, "adam_m." + name, m.get(i), dir);
                copyExact(st, "adam_v." + name, v.get(i), dir);
            }
        }
        return s;
    }

    private static void copyExact(SafeTensors st, String name, float[] dst, Path dir) throws IOException {
        float[] src = st.floats(name);
        if (src.length != dst.length) {
            throw new IOException(dir + ": tensor " + name + " has " + src.length + " values, expected " + dst.length);
        }
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    /** The first few option fields that differ, for the message. */
    private static String difference(TrainOptions a, TrainOptions b) {
        ObjectMapper om = mapper();
        JsonNode ja = om.valueToTree(a);
        JsonNode jb = om.valueToTree(b);
        List<String> diffs = new ArrayList<>();
        ja.fieldNames().forEachRemaining(f -> {
            if (!ja.get(f).equals(jb.get(f))) {
                diffs.add(f + ": checkpoint " + ja.get(f) + " vs now " + jb.get(f));
            }
        });
        return String.join("; ", diffs);
    }
}
