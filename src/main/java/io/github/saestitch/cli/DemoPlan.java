package io.github.saestitch.cli;

import io.github.saestitch.train.ToyComparison;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the demo runs: the sizes its options ask for (or the defaults, smaller with {@code --quick}) and
 * where each stage writes.
 *
 * @param out           the demo's directory
 * @param quick         the small trial run
 * @param tokens        activation tokens to extract
 * @param widths        family widths, at least two
 * @param trainTokens   training tokens per SAE
 * @param compareTokens tokens each compare (and the Frankenstein selection) uses
 */
record DemoPlan(Path out, boolean quick, long tokens, List<Integer> widths, long trainTokens, long compareTokens) {
    DemoPlan {
        widths = List.copyOf(widths);
        if (widths.size() < 2) {
            throw new BadInputException("--widths needs at least two widths to compare, got " + widths);
        }
    }

    /** The plan for the options given (null: not given). */
    static DemoPlan of(
            Path out, boolean quick, Long tokens, List<Integer> widths, Long trainTokens, Long compareTokens) {
        return new DemoPlan(
                out != null ? out : Path.of(quick ? "runs/quick" : "runs/demo"),
                quick,
                tokens != null ? tokens : quick ? 60_000 : 400_000,
                widths != null ? widths : quick ? List.of(384, 768) : List.of(768, 1536, 3072, 6144),
                trainTokens != null ? trainTokens : quick ? 150_000 : 1_024_000,
                compareTokens != null ? compareTokens : quick ? 30_000 : 100_000);
    }

    /** Whether {@code dir} holds an earlier demo to continue: its stages' directories and nothing else. */
    static boolean isDemo(Path dir) {
        Set<String> stages = Set.of("acts", "family", "compare", "frankenstein", "meta-sae", "nmf", "study", "report");
        try (Stream<Path> entries = Files.list(dir)) {
            List<String> names = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .toList();
            return !names.isEmpty() && stages.containsAll(names);
        } catch (IOException e) {
            return false;
        }
    }

    Path acts() {
        return out.resolve("acts");
    }

    Path family() {
        return out.resolve("family");
    }

    /** The compare output directory of the pair of widths {@code s} and {@code l}. */
    Path compare(int s, int l) {
        return out.resolve("compare").resolve(s + "-" + l);
    }

    Path frankenstein() {
        return out.resolve("frankenstein");
    }

    Path metaSae() {
        return out.resolve("meta-sae");
    }

    Path nmf() {
        return out.resolve("nmf");
    }

    /** The training-length study's pairs. */
    Path study() {
        return out.resolve("study");
    }

    Path report() {
        return out.resolve("report");
    }

    /** The toy comparison's options: the measured defaults, fewer steps with --quick. */
    ToyComparison.Options toyOptions() {
        ToyComparison.Options o = ToyComparison.Options.defaults();
        return quick
                ? new ToyComparison.Options(
                        o.arms(),
                        o.numLatents(),
                        o.k(),
                        o.l1Coefficient(),
                        1500,
                        o.batchSize(),
                        o.learningRate(),
                        o.seed(),
                        o.heldOutTokens())
                : o;
    }

    /**
     * NMF factors of the documents. Pooled per document (the latents' mean activation over each Brown
     * document): per token the factors are word classes; per document they follow genres (measured,
     * README "nmf"). --quick has few documents, hence fewer factors.
     */
    int nmfFactors() {
        return quick ? 4 : 10;
    }
}
