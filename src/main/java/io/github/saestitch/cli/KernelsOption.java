package io.github.saestitch.cli;

import io.github.saestitch.tensor.Kernels;
import io.github.saestitch.tensor.KernelsProvider;
import picocli.CommandLine.Option;

/** The {@code --kernels} option shared by every command that computes; chosen once per run. */
final class KernelsOption {
    @Option(
            names = "--kernels",
            paramLabel = "NAME",
            description = "Numeric backend: auto (native OpenBLAS if it loads, else vector), openblas, vector "
                    + "(pure-Java Vector API) or scalar (slow reference). Default: $SAESTITCH_KERNELS or auto.")
    String name;

    private Kernels chosen;

    Kernels kernels() {
        if (chosen == null) {
            chosen = KernelsProvider.choose(name, System.err::println);
        }
        return chosen;
    }
}
