package io.github.saestitch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.ScalarKernels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code saestitch info SAE_DIR}: what an SAE directory holds. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = {
            "Show an SAE directory's format (detected), architecture, sizes and decoder-norm statistics.",
            "Reads SAELens v6 and pre-6.0, sparsify and dictionary_learning (safetensors) directories."
        },
        footer = {
            "",
            "Example:  saestitch info runs/sae-768",
            "          saestitch info runs/sae-768 --json | jq .d_sae"
        })
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SAE_DIR", description = "SAE directory (or its cfg.json / weights file).")
    Path dir;

    @Mixin
    JsonOption json = new JsonOption();

    @Override
    public Integer call() throws Exception {
        if (CompositeManifest.isComposite(dir)) {
            return composite(CompositeManifest.read(dir));
        }
        LoadedSae loaded = Inputs.sae(dir);
        Sae sae = loaded.sae();
        float[] norms = new float[sae.numLatents()];
        new ScalarKernels().rowNorms(sae.wDec(), norms); // F·d flops: the reference is fast enough here
        ObjectNode o = Json.object();
        o.put("path", loaded.directory().toString());
        o.put("format", loaded.format().id());
        o.put("format_description", loaded.format().description());
        o.put("weights_file", loaded.weightsFile().toString());
        o.put("architecture", sae.activation().name());
        o.put("d_in", sae.dIn());
        o.put("d_sae", sae.numLatents());
        o.put("apply_b_dec_to_input", sae.applyBDecToInput());
        o.put("normalize_activations", sae.inputNorm().id());
        switch (sae.activation()) {
            case Activation.TopK t -> o.put("k", t.k());
            case Activation.BatchTopK b -> {
                o.put("k", b.k());
                o.put("threshold", b.threshold());
            }
            case Activation.JumpRelu j -> {
                ObjectNode th = o.putObject("threshold");
                putStats(th, j.threshold());
            }
            case Activation.Relu r -> {}
        }
        o.put("hook_name", sae.metadata().hookName());
        o.put("model_name", sae.metadata().modelName());
        putStats(o.putObject("decoder_norm"), norms);
        o.put("decoder_norm_not_unit", (int) countNotUnit(norms));
        o.putPOJO("notes", loaded.notes());
        if (json.print(o)) {
            return 0;
        }
        System.out.printf("%s%n", loaded.directory());
        System.out.printf(
                "  format        %s — %s%n",
                loaded.format().id(), loaded.format().description());
        System.out.printf("  architecture  %s%s%n", sae.activation().name(), archDetail(sae.activation()));
        System.out.printf("  d_in          %d%n", sae.dIn());
        System.out.printf("  d_sae         %d%n", sae.numLatents());
        System.out.printf("  apply_b_dec_to_input  %s%n", sae.applyBDecToInput());
        if (sae.inputNorm() != io.github.saestitch.sae.InputNorm.NONE) {
            System.out.printf(
                    "  normalize_activations  %s (each input token normalised, the output scaled back)%n",
                    sae.inputNorm().id());
        }
        if (!sae.metadata().hookName().isEmpty() || !sae.metadata().modelName().isEmpty()) {
            System.out.printf(
                    "  site          %s %s%n",
                    sae.metadata().modelName(), sae.metadata().hookName());
        }
        System.out.printf(
                "  decoder norms min %.4g  mean %.4g  max %.4g  (%d of %d differ from 1 by > 1e-3)%n",
                o.get("decoder_norm").get("min").asDouble(),
                o.get("decoder_norm").get("mean").asDouble(),
                o.get("decoder_norm").get("max").asDouble(),
                countNotUnit(norms),
                norms.length);
        for (String note : loaded.notes()) {
            System.out.println("  note: " + note);
        }
        return 0;
    }

    /** A composite written by {@code stitch} or {@code frankenstein}: source SAEs and the latents taken from each. */
    /** Why a composite is saestitch-only (issue 13, item 7). */
    static final String COMPOSITE_NOTE = "only saestitch reads a composite: each latent keeps its own source's encoder"
            + " (a topk source selects its k latents among its own pre-activations), which no single standard SAE"
            + " computes, so SAELens and sparsify cannot load it and 'convert' cannot turn it into one";

    private int composite(CompositeManifest m) throws Exception {
        int[] used = m.model().usedSources();
        ObjectNode o = Json.object();
        o.put("path", dir.toString());
        o.put("format", "saestitch-composite");
        o.put("format_version", m.formatVersion());
        o.put("built_by", m.builtBy());
        o.put("description", m.description());
        o.put("d_in", m.model().dIn());
        o.put("d_sae", m.model().numLatents());
        var sources = o.putArray("sources");
        for (int s : used) {
            sources.addObject()
                    .put("index", s)
                    .put("latents", m.model().countFrom(s))
                    .put("original", s < m.origins().size() ? m.origins().get(s) : "");
        }
        o.put("ecosystem_loadable", false);
        o.put("ecosystem_note", COMPOSITE_NOTE);
        if ("stitch".equals(m.builtBy())) { // the keys a stitched composite had before the shared manifest
            o.put("kept_small", m.model().countFrom(0));
            o.put("added_large", m.model().countFrom(1));
            o.put("small_source", m.origins().size() > 0 ? m.origins().get(0) : "");
            o.put("large_source", m.origins().size() > 1 ? m.origins().get(1) : "");
        }
        if (json.print(o)) {
            return 0;
        }
        System.out.printf("%s%n", dir);
        System.out.printf(
                "  format        saestitch composite (%s, format_version %d)%n",
                m.file().getFileName(), m.formatVersion());
        System.out.printf("  description   %s%n", m.description());
        StringBuilder from = new StringBuilder();
        for (int s : used) {
            from.append(from.isEmpty() ? "" : ", ")
                    .append(m.model().countFrom(s))
                    .append(" from source ")
                    .append(s);
        }
        System.out.printf("  d_sae         %d (%s)%n", m.model().numLatents(), from);
        System.out.printf("  note: %s%n", COMPOSITE_NOTE);
        return 0;
    }

    private static String archDetail(Activation a) {
        return switch (a) {
            case Activation.TopK t -> " (k = " + t.k() + ")";
            case Activation.BatchTopK b -> " (k = " + b.k() + ", inference threshold " + b.threshold() + ")";
            case Activation.JumpRelu j -> {
                float[] t = j.threshold();
                yield String.format(" (thresholds %.4g … %.4g)", min(t), max(t));
            }
            case Activation.Relu r -> "";
        };
    }

    private static long countNotUnit(float[] norms) {
        long n = 0;
        for (float v : norms) {
            if (Math.abs(v - 1f) > 1e-3f) {
                n++;
            }
        }
        return n;
    }

    private static void putStats(ObjectNode o, float[] v) {
        o.put("min", v.length == 0 ? Double.NaN : min(v));
        o.put("mean", Arrays.stream(toDouble(v)).average().orElse(Double.NaN));
        o.put("max", v.length == 0 ? Double.NaN : max(v));
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
