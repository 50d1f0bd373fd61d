package io.github.saestitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every numeric option of every command refuses a negative value (and NaN) with exit 2 and one line
 * naming the option, before the command does any work: no output appears.
 */
class NumericOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void everyNumericOptionRefusesANegativeValueBeforeAnyWork() throws Exception {
        int checked = 0;
        for (String path : HelpTest.commandPaths()) {
            CommandLine cl = Main.commandLine();
            for (String word : path.split(" ")) {
                cl = cl.getSubcommands().get(word);
            }
            for (OptionSpec o : cl.getCommandSpec().options()) {
                if (!isNumeric(o) || o.longestName().contains("seed")) {
                    continue;
                }
                for (String bad : List.of("-5", "NaN")) {
                    if (bad.equals("NaN") && !isFloating(o)) {
                        continue;
                    }
                    Path out = tmp.resolve("out-" + checked);
                    List<String> args = new ArrayList<>(List.of(path.split(" ")));
                    args.addAll(requiredArguments(cl, o, out));
                    args.add(o.longestName() + "=" + bad);
                    CliRunner r = CliRunner.run(args.toArray(String[]::new));
                    String what = String.join(" ", args);
                    assertThat(r.exitCode()).as(what + "\n" + r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
                    assertThat(r.err()).as(what).contains(o.longestName()).contains("must be");
                    assertThat(r.err().strip().lines().count()).as(what).isEqualTo(1);
                    assertThat(Files.exists(out)).as(what).isFalse();
                    checked++;
                }
            }
        }
        assertThat(checked).as("options checked").isGreaterThan(40);
    }

    @Test
    void zeroAndSeedsStillParse() {
        // 0 means "all tokens" where the help says so; seeds may be negative.
        CliRunner r = CliRunner.run("eval", tmp.resolve("missing").toString(), "--acts", "x", "--tokens", "0");
        assertThat(r.err()).doesNotContain("must be");
        r = CliRunner.run(
                "nmf",
                "--sae",
                "x",
                "--acts",
                "x",
                "--factors",
                "2",
                "--seed",
                "-3",
                "--out",
                tmp.resolve("o").toString());
        assertThat(r.err()).doesNotContain("must be");
    }

    private static boolean isNumeric(OptionSpec o) {
        Class<?> t = o.type();
        if (List.class.isAssignableFrom(t)) {
            Class<?>[] aux = o.auxiliaryTypes();
            t = aux.length > 0 ? aux[0] : String.class;
        }
        return Number.class.isAssignableFrom(box(t));
    }

    private static boolean isFloating(OptionSpec o) {
        Class<?> t = box(o.type());
        return t == Double.class || t == Float.class;
    }

    private static Class<?> box(Class<?> t) {
        if (t == int.class) return Integer.class;
        if (t == long.class) return Long.class;
        if (t == double.class) return Double.class;
        if (t == float.class) return Float.class;
        return t;
    }

    /** Plausible values for the command's required parameters, so that only the option under test is wrong. */
    static List<String> requiredArguments(CommandLine cl, OptionSpec tested, Path out) {
        List<String> args = new ArrayList<>();
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (!o.required() || o == tested) {
                continue;
            }
            args.add(o.longestName());
            args.add(o.longestName().equals("--out") ? out.toString() : dummy(o.type(), o.auxiliaryTypes()));
        }
        for (PositionalParamSpec p : cl.getCommandSpec().positionalParameters()) {
            for (int i = 0; i < Math.max(1, p.arity().min()); i++) {
                args.add(p.paramLabel().equals("OUT") ? out.toString() : dummy(p.type(), p.auxiliaryTypes()));
            }
        }
        return args;
    }

    private static String dummy(Class<?> type, Class<?>[] aux) {
        Class<?> t = List.class.isAssignableFrom(type) && aux.length > 0 ? aux[0] : type;
        if (t.isEnum()) {
            return t.getEnumConstants()[0].toString();
        }
        return Number.class.isAssignableFrom(box(t)) ? "1" : "x";
    }
}
