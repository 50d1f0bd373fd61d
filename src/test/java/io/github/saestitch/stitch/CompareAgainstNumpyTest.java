package io.github.saestitch.stitch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.saestitch.activations.ActivationSet;
import io.github.saestitch.activations.ActivationSets;
import io.github.saestitch.io.Fixtures;
import io.github.saestitch.io.SaeFormats;
import io.github.saestitch.sae.Sae;
import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.ScalarKernels;
import io.github.saestitch.tensor.VectorKernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "done when": on SAEs written by numpy in the SAELens v6 and sparsify layouts, the four files
 * {@code saestitch compare} writes agree with a literal numpy computation.
 *
 * <p>The fixtures under {@code fixtures/compare/} and their {@code expected.json} come from
 * {@code scripts/literal_compare_numpy.py}, which builds every hybrid (S + {j}, every swap, every point of
 * the interpolation path) explicitly in float64 and evaluates it from scratch (docs/definitions.md#stitching),
 * and keeps every discrete decision (active sets, edges vs τ and the sweep thresholds, argmaxes, step
 * orders) far enough from its boundary that float32 rounding cannot flip it (its {@code margins}). This
 * test loads the directories with {@link SaeFormats#load}, runs {@link StitchComparator} with the scalar
 * and the Vector API kernels, writes with {@link CompareWriter#write}, reads the four files back as text /
 * JSON and checks every value: indices, kinds, actions and group membership exactly, numbers to the named
 * tolerances below.
 */
class CompareAgainstNumpyTest {
    /** mse, fvu and Δmse: relative to the literal value (Java keeps residuals in float32, sums in double). */
    static final double REL_TOL = 1e-5;
    /**
     * Absolute floor for Δmse values (per latent, per group, per step) and mse_change_fraction, as a fraction
     * of mse(S). A Δ is computed from float32 residuals, so it carries an absolute error of order
     * 1e-8·mse(S) (measured on these fixtures: at most 2.5e-8·mse(S) over both kernels and block sizes), which
     * is more than 1e-5 of a Δ near 0 (e.g. 9e-4 relative on Δ = −2.4e-5). The floor allows 8× that.
     */
    static final double DELTA_FLOOR_REL_TO_MSE = 2e-7;
    /** Decoder cosines: Java's are float32 dot products of float32-normalized rows. */
    static final double COS_TOL = 1e-6;
    /** Activation correlations: one-pass moments from float32 activations against numpy's two-pass float64. */
    static final double CORR_TOL = 1e-6;
    /** freq, l0, Δl0 and ratios of counts (agreement, same_nearest_fraction): the same integer ratios. */
    static final double COUNT_TOL = 1e-12;

    private static final JsonMapper JSON = new JsonMapper();

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String pair : List.of("saelens_pair", "sparsify_pair")) {
            // The CLI's defaults (one block: 300 tokens < the automatic block size), and 64-token blocks so
            // that the per-block merge of sums and moments is exercised too.
            out.add(Arguments.of(pair, "scalar", (Supplier<Kernels>) ScalarKernels::new, 0));
            out.add(Arguments.of(pair, "vector", (Supplier<Kernels>) VectorKernels::new, 64));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} kernels, block {3}")
    @MethodSource("cases")
    void theFourFilesAgreeWithTheLiteralNumpyProcedure(
            String pair, String kernelsName, Supplier<Kernels> kernels, int block, @TempDir Path tmp)
            throws IOException {
        Path root = Fixtures.path("compare/" + pair);
        JsonNode expected = JSON.readTree(Files.readString(root.resolve("expected.json")));
        Sae small = SaeFormats.load(root.resolve(expected.get("small_dir").asText()))
                .sae();
        Sae large = SaeFormats.load(root.resolve(expected.get("large_dir").asText()))
                .sae();
        CompareOptions options = CompareOptions.defaults().withBlockTokens(block);
        CompareResult result;
        try (ActivationSet acts =
                ActivationSets.open(root.resolve(expected.get("activations").asText()))) {
            result = new StitchComparator(kernels.get()).compare(small, large, acts, options);
        }
        Path out = tmp.resolve("out");
        CompareWriter.write(result, out, false);

        Checker c = new Checker(expected.get("small").get("mse").asDouble());
        checkLatents(c, csv(out.resolve("latents.csv"), CompareWriter.LATENTS_HEADER), expected.get("latents"));
        checkGroups(c, csv(out.resolve("groups.csv"), CompareWriter.GROUPS_HEADER), expected.get("groups"));
        checkInterpolation(
                c,
                csv(out.resolve("interpolation.csv"), CompareWriter.INTERPOLATION_HEADER),
                expected.get("interpolation"));
        checkSummary(c, JSON.readTree(Files.readString(out.resolve("summary.json"))), expected);
        assertThat(c.failures)
                .as(
                        "%s with %s kernels: values that disagree with %s/expected.json (worst relative "
                                + "errors: %s)",
                        pair, kernelsName, pair, c.worst())
                .isEmpty();
    }

    // ------------------------------------------------------------------------------------- the files

    static void checkLatents(Checker c, List<Map<String, String>> rows, JsonNode exp) {
        c.equal("latents.csv rows", rows.size(), exp.size());
        for (int j = 0; j < Math.min(rows.size(), exp.size()); j++) {
            Map<String, String> r = rows.get(j);
            JsonNode e = exp.get(j);
            String at = "latents.csv latent " + j + " ";
            c.equal(at + "latent", r.get("latent"), e.get("latent").asText());
            c.equal(at + "nearest", r.get("nearest"), e.get("nearest").asText());
            c.equal(at + "kind", r.get("kind"), e.get("kind").asText());
            c.equal(at + "group", r.get("group"), e.get("group").asText());
            c.equal(at + "step", r.get("step"), e.get("step").asText());
            c.equal(
                    at + "act_nearest",
                    r.get("act_nearest"),
                    e.get("act_nearest").asText());
            c.close(at + "max_cos", r.get("max_cos"), e.get("max_cos"), 0, COS_TOL);
            c.delta(at + "delta_mse", r.get("delta_mse"), e.get("delta_mse"));
            c.close(at + "freq", r.get("freq"), e.get("freq"), 0, COUNT_TOL);
            c.close(at + "max_act_corr", r.get("max_act_corr"), e.get("max_act_corr"), 0, CORR_TOL);
            c.close(at + "nearest_act_corr", r.get("nearest_act_corr"), e.get("nearest_act_corr"), 0, CORR_TOL);
        }
    }

    static void checkGroups(Checker c, List<Map<String, String>> rows, JsonNode exp) {
        c.equal("groups.csv rows", rows.size(), exp.size());
        for (int g = 0; g < Math.min(rows.size(), exp.size()); g++) {
            Map<String, String> r = rows.get(g);
            JsonNode e = exp.get(g);
            String at = "groups.csv group " + g + " ";
            c.equal(at + "group", r.get("group"), e.get("group").asText());
            c.equal(at + "parents", ints(r.get("parents")), ints(e.get("parents")));
            c.equal(at + "children", ints(r.get("children")), ints(e.get("children")));
            c.equal(at + "num_edges", r.get("num_edges"), e.get("num_edges").asText());
            c.equal(at + "step", r.get("step"), e.get("step").asText());
            c.delta(at + "delta_mse", r.get("delta_mse"), e.get("delta_mse"));
            c.close(at + "delta_l0", r.get("delta_l0"), e.get("delta_l0"), 0, COUNT_TOL);
            c.close(at + "cosine", r.get("cosine"), e.get("cosine"), 0, COS_TOL);
        }
    }

    static void checkInterpolation(Checker c, List<Map<String, String>> rows, JsonNode exp) {
        c.equal("interpolation.csv rows", rows.size(), exp.size());
        for (int s = 0; s < Math.min(rows.size(), exp.size()); s++) {
            Map<String, String> r = rows.get(s);
            JsonNode e = exp.get(s);
            String at = "interpolation.csv step " + s + " ";
            c.equal(at + "step", r.get("step"), e.get("step").asText());
            c.equal(at + "action", r.get("action"), e.get("action").asText());
            c.equal(at + "target", r.get("target"), e.get("target").asText());
            c.equal(
                    at + "num_latents",
                    r.get("num_latents"),
                    e.get("num_latents").asText());
            c.close(at + "mse", r.get("mse"), e.get("mse"), REL_TOL, 0);
            c.close(at + "fvu", r.get("fvu"), e.get("fvu"), REL_TOL, 0);
            c.close(at + "l0", r.get("l0"), e.get("l0"), 0, COUNT_TOL);
            c.close(at + "cosine", r.get("cosine"), e.get("cosine"), 0, COS_TOL);
            c.delta(at + "delta_mse", r.get("delta_mse"), e.get("delta_mse"));
        }
    }

    static void checkSummary(Checker c, JsonNode a, JsonNode e) {
        c.equal("summary tokens", a.get("tokens").asLong(), e.get("tokens").asLong());
        c.close("summary threshold", a.get("threshold"), e.get("threshold"), 0, 0);
        c.equal(
                "summary composite",
                a.get("composite").asBoolean(),
                e.get("composite").asBoolean());
        for (String m : List.of("small", "large")) {
            JsonNode am = a.get(m);
            JsonNode em = e.get(m);
            for (String k : List.of("num_latents", "dead", "activation", "apply_b_dec_to_input")) {
                c.equal("summary " + m + "." + k, am.get(k).asText(), em.get(k).asText());
            }
            c.close("summary " + m + ".mse", am.get("mse"), em.get("mse"), REL_TOL, 0);
            c.close("summary " + m + ".fvu", am.get("fvu"), em.get("fvu"), REL_TOL, 0);
            c.close("summary " + m + ".l0", am.get("l0"), em.get("l0"), 0, COUNT_TOL);
        }
        for (String k : List.of("num_novel", "num_reconstruction", "num_groups")) {
            c.equal("summary " + k, a.get(k).asInt(), e.get(k).asInt());
        }
        checkContingency(c, "summary contingency", a.get("contingency"), e.get("contingency"));
        for (String p : List.of("novel_added", "all_applied")) {
            JsonNode ap = a.get(p);
            JsonNode ep = e.get(p);
            c.equal(
                    "summary " + p + ".step",
                    ap.get("step").asInt(),
                    ep.get("step").asInt());
            c.equal(
                    "summary " + p + ".num_latents",
                    ap.get("num_latents").asInt(),
                    ep.get("num_latents").asInt());
            c.close("summary " + p + ".mse", ap.get("mse"), ep.get("mse"), REL_TOL, 0);
            c.close("summary " + p + ".fvu", ap.get("fvu"), ep.get("fvu"), REL_TOL, 0);
            c.close("summary " + p + ".l0", ap.get("l0"), ep.get("l0"), 0, COUNT_TOL);
            // (mse − mse(S)) / mse(S): a Δ divided by mse(S), so its floor is the Δ floor divided by mse(S).
            c.close(
                    "summary " + p + ".mse_change_fraction",
                    ap.get("mse_change_fraction"),
                    ep.get("mse_change_fraction"),
                    REL_TOL,
                    DELTA_FLOOR_REL_TO_MSE);
        }
        JsonNode as = a.get("threshold_sweep");
        JsonNode es = e.get("threshold_sweep");
        c.equal("summary threshold_sweep rows", as.size(), es.size());
        for (int k = 0; k < Math.min(as.size(), es.size()); k++) {
            String at = "summary threshold_sweep[" + k + "]";
            c.close(at + ".threshold", as.get(k).get("threshold"), es.get(k).get("threshold"), 0, 0);
            c.equal(
                    at + ".num_novel",
                    as.get(k).get("num_novel").asInt(),
                    es.get(k).get("num_novel").asInt());
            c.equal(
                    at + ".num_reconstruction",
                    as.get(k).get("num_reconstruction").asInt(),
                    es.get(k).get("num_reconstruction").asInt());
            checkContingency(c, at, as.get(k), es.get(k));
        }
        JsonNode aa = a.get("activation_similarity");
        JsonNode ea = e.get("activation_similarity");
        c.equal(
                "summary activation_similarity.computed",
                aa.get("computed").asBoolean(),
                ea.get("computed").asBoolean());
        c.equal(
                "summary activation_similarity.passes",
                aa.get("passes").asInt(),
                ea.get("passes").asInt());
        c.close(
                "summary activation_similarity.same_nearest_fraction",
                aa.get("same_nearest_fraction"),
                ea.get("same_nearest_fraction"),
                0,
                COUNT_TOL);
        c.close(
                "summary activation_similarity.mean_nearest_act_corr",
                aa.get("mean_nearest_act_corr"),
                ea.get("mean_nearest_act_corr"),
                0,
                CORR_TOL);
    }

    static void checkContingency(Checker c, String at, JsonNode a, JsonNode e) {
        for (String k : List.of(
                "novel_improves",
                "novel_worsens",
                "novel_unchanged",
                "reconstruction_improves",
                "reconstruction_worsens",
                "reconstruction_unchanged")) {
            c.equal(at + "." + k, a.get(k).asInt(), e.get(k).asInt());
        }
        c.close(at + ".agreement", a.get("agreement"), e.get("agreement"), 0, COUNT_TOL);
    }

    // ------------------------------------------------------------------------------------- reading

    /** A CSV as written by {@link CompareWriter}: header (must be {@code header}), then plain comma rows. */
    static List<Map<String, String>> csv(Path file, String header) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).as(file.toString()).isNotEmpty();
        assertThat(lines.get(0)).as("header of " + file.getFileName()).isEqualTo(header);
        String[] cols = lines.get(0).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            assertThat(f).as(file.getFileName() + " row: " + line).hasSize(cols.length);
            Map<String, String> row = new HashMap<>();
            for (int k = 0; k < cols.length; k++) {
                row.put(cols[k], f[k]);
            }
            rows.add(row);
        }
        return rows;
    }

    static List<Integer> ints(String spaced) {
        return spaced.isEmpty()
                ? List.of()
                : Arrays.stream(spaced.split(" ")).map(Integer::valueOf).toList();
    }

    static List<Integer> ints(JsonNode arr) {
        List<Integer> out = new ArrayList<>();
        arr.forEach(v -> out.add(v.asInt()));
        return out;
    }

    /** Collects every disagreement (so that one failure shows all of them) and the worst relative errors. */
    static final class Checker {
        final double deltaFloor;
        final List<String> failures = new ArrayList<>();
        final Map<String, Double> worst = new HashMap<>(); // column / key -> max |a − e| / tolerance

        Checker(double mseSmall) {
            this.deltaFloor = DELTA_FLOOR_REL_TO_MSE * mseSmall;
        }

        void equal(String what, Object actual, Object expected) {
            if (!actual.equals(expected)) {
                failures.add(what + ": got " + actual + ", numpy " + expected);
            }
        }

        /** A Δmse: REL_TOL relative with the absolute floor. */
        void delta(String what, String actual, JsonNode expected) {
            close(what, actual, expected, REL_TOL, deltaFloor);
        }

        void close(String what, String actual, JsonNode expected, double rel, double abs) {
            close(what, actual.isEmpty() ? null : Double.valueOf(actual), expected, rel, abs);
        }

        void close(String what, JsonNode actual, JsonNode expected, double rel, double abs) {
            close(what, actual == null || actual.isNull() ? null : actual.asDouble(), expected, rel, abs);
        }

        private void close(String what, Double a, JsonNode expected, double rel, double abs) {
            Double e = expected == null || expected.isNull() ? null : expected.asDouble();
            if (a == null || e == null) {
                if (a != e) {
                    failures.add(what + ": got " + a + ", numpy " + e);
                }
                return;
            }
            double err = Math.abs(a - e);
            double tol = abs + rel * Math.abs(e);
            if (!(err <= tol)) {
                failures.add(String.format(
                        Locale.ROOT, "%s: got %s, numpy %s (|diff| %.3g > tolerance %.3g)", what, a, e, err, tol));
            }
            if (tol > 0) {
                String column = what.substring(Math.max(what.lastIndexOf(' '), what.lastIndexOf('.')) + 1);
                worst.merge(column, err / tol, Math::max);
            }
        }

        String worst() {
            return worst.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(x -> String.format(Locale.ROOT, "%s %.2g", x.getKey(), x.getValue()))
                    .toList()
                    .toString();
        }
    }
}
