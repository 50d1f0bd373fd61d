package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.bench.CompareBenchmark;
import io.github.saestitch.bench.ExtractionBenchmark;
import io.github.saestitch.bench.KernelBenchmark;
import io.github.saestitch.decomp.MetaSaeOptions;
import io.github.saestitch.decomp.NmfOptions;
import io.github.saestitch.frankenstein.DecoderRefit;
import io.github.saestitch.frankenstein.FrankensteinOptions;
import io.github.saestitch.stitch.CompareOptions;
import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.TrainOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/** Every command's {@code --help}: it renders cleanly, and the defaults it prints are the library's. */
class HelpTest {

    /** Every command and subcommand, as the words a user types ({@code "bench kernels"}). */
    static List<String> commandPaths() {
        List<String> paths = new ArrayList<>();
        collect(Main.commandLine(), "", paths);
        return paths;
    }

    private static void collect(CommandLine cl, String prefix, List<String> paths) {
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            String path = (prefix + " " + e.getKey()).strip();
            paths.add(path);
            collect(e.getValue(), path, paths);
        }
    }

    @Test
    void everyHelpRendersWithoutPicocliWarnings() {
        List<String> paths = commandPaths();
        assertThat(paths).contains("train", "compare", "bench kernels", "bench compare", "demo");
        paths.add(0, "");
        for (String path : paths) {
            List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
            args.add("--help");
            // picocli's tracer writes its warnings ("[picocli WARN] Could not format ...") to System.err;
            // CliRunner captures System.err as well as the command line's own streams.
            CliRunner r = CliRunner.run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(path + " --help").isZero();
            assertThat(r.out()).as(path + " --help").contains("Usage: saestitch" + (path.isEmpty() ? "" : " " + path));
            assertThat(r.err())
                    .as(path + " --help prints no warning")
                    .doesNotContain("picocli")
                    .doesNotContain("WARN");
            assertThat(r.out())
                    .as(path + " --help")
                    .doesNotContain("picocli WARN")
                    .doesNotContain("%n");
        }
    }

    @Test
    void aFormatErrorInAHelpTextIsCaught() {
        // The check above only means something if a broken description does produce the warning.
        @CommandLine.Command(name = "broken", mixinStandardHelpOptions = true)
        class Broken implements Runnable {
            @CommandLine.Option(names = "--rate", description = "warm-up 1%, decay over the last 20%.")
            double rate;

            @Override
            public void run() {}
        }
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(e);
            new CommandLine(new Broken()).getUsageMessage();
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("[picocli WARN]");
    }

    /** One option's default: the value the library defines, as picocli must show it. */
    record Expected(String command, String option, Object value) {}

    static List<Expected> libraryDefaults() {
        return List.of(
                new Expected("train", "--k", TrainOptions.DEFAULT_K),
                new Expected("train", "--l1", TrainOptions.DEFAULT_L1_COEFFICIENT),
                new Expected("train", "--lr", TrainOptions.DEFAULT_LEARNING_RATE),
                new Expected("train", "--tokens", TrainOptions.DEFAULT_TRAINING_TOKENS),
                new Expected("train", "--batch", TrainOptions.DEFAULT_BATCH_SIZE),
                new Expected("train", "--seed", TrainOptions.DEFAULT_SEED),
                new Expected("train", "--expander-degree", TrainOptions.DEFAULT_EXPANDER_DEGREE),
                new Expected("train", "--eval-tokens", TrainOptions.DEFAULT_EVAL_TOKENS),
                new Expected("train-family", "--k", TrainOptions.DEFAULT_K),
                new Expected("train-family", "--lr", TrainOptions.DEFAULT_LEARNING_RATE),
                new Expected("compare", "--threshold", CompareOptions.defaults().threshold()),
                new Expected("stitch", "--threshold", CompareOptions.defaults().threshold()),
                new Expected(
                        "frankenstein",
                        "--threshold",
                        FrankensteinOptions.defaults().threshold()),
                new Expected(
                        "frankenstein",
                        "--train-tokens",
                        FrankensteinOptions.defaults().trainTokens()),
                new Expected(
                        "frankenstein",
                        "--held-out",
                        FrankensteinOptions.defaults().heldOutTokens()),
                new Expected(
                        "frankenstein",
                        "--ridge",
                        DecoderRefit.Options.defaults().ridge()),
                new Expected(
                        "frankenstein",
                        "--adam-epochs",
                        DecoderRefit.AdamOptions.defaults().epochs()),
                new Expected(
                        "frankenstein",
                        "--adam-lr",
                        DecoderRefit.AdamOptions.defaults().lr()),
                new Expected("activations", "--tokens", ExtractionOptions.DEFAULT_TOKENS),
                new Expected("activations", "--context", ExtractionOptions.DEFAULT_CONTEXT),
                new Expected("activations", "--batch", ExtractionOptions.DEFAULT_BATCH),
                new Expected("meta-sae", "--k", MetaSaeOptions.DEFAULT_K),
                new Expected("meta-sae", "--epochs", MetaSaeOptions.DEFAULT_EPOCHS),
                new Expected("meta-sae", "--batch-size", MetaSaeOptions.DEFAULT_BATCH_SIZE),
                new Expected("meta-sae", "--lr", MetaSaeOptions.DEFAULT_LEARNING_RATE),
                new Expected("nmf", "--iterations", NmfOptions.DEFAULT_MAX_ITERATIONS),
                new Expected("nmf", "--tolerance", NmfOptions.DEFAULT_TOLERANCE),
                new Expected(
                        "bench kernels",
                        "--warmup",
                        KernelBenchmark.Options.defaults().warmup()),
                new Expected(
                        "bench kernels",
                        "--reps",
                        KernelBenchmark.Options.defaults().reps()),
                new Expected(
                        "bench kernels",
                        "--python",
                        KernelBenchmark.Options.defaults().python()),
                new Expected(
                        "bench compare",
                        "--small",
                        CompareBenchmark.Config.defaults().smallLatents()),
                new Expected(
                        "bench compare",
                        "--large",
                        CompareBenchmark.Config.defaults().largeLatents()),
                new Expected(
                        "bench compare",
                        "--d-in",
                        CompareBenchmark.Config.defaults().dIn()),
                new Expected(
                        "bench compare",
                        "--tokens",
                        CompareBenchmark.Config.defaults().tokens()),
                new Expected(
                        "bench compare",
                        "--repeats",
                        CompareBenchmark.Config.defaults().repeats()),
                new Expected("bench activations", "--tokens", ExtractionBenchmark.Options.DEFAULT_TOKENS),
                new Expected("bench activations", "--repeats", ExtractionBenchmark.Options.DEFAULT_REPEATS));
    }

    @Test
    void printedDefaultsAreTheLibrarysDefaults() {
        for (Expected e : libraryDefaults()) {
            CommandLine cl = Main.commandLine();
            for (String word : e.command().split(" ")) {
                cl = cl.getSubcommands().get(word);
            }
            String value = String.valueOf(e.value());
            CommandLine.Model.OptionSpec option = cl.getCommandSpec().findOption(e.option());
            assertThat(option).as(e.command() + " " + e.option()).isNotNull();
            assertThat(option.defaultValue()).as(e.command() + " " + e.option()).isEqualTo(value);
            String help = String.join(
                    " ", cl.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\\s+"));
            assertThat(help)
                    .as(e.command() + " --help")
                    .contains(e.option() + "=")
                    .contains("Default: " + value);
        }
    }

    /** Holds the train options alone, to parse an empty command line into them. */
    @CommandLine.Command(name = "settings")
    static final class SettingsOnly {
        @Mixin
        TrainSettings settings = new TrainSettings();
    }

    @Test
    void trainSettingsWithoutOptionsAreTrainOptionsDefaults() {
        SettingsOnly s = new SettingsOnly();
        new CommandLine(s).parseArgs();
        assertThat(s.settings.options(96))
                .isEqualTo(TrainOptions.builder(Architecture.RELU, 96).build());
    }
}
