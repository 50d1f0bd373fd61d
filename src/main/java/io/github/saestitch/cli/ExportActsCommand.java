package io.github.saestitch.cli;

import io.github.saestitch.activations.ActivationStore;
import io.github.saestitch.activations.StoreNpy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch export-acts}: an activation store as {@code .npy} files numpy loads. */
@Command(
        name = "export-acts",
        mixinStandardHelpOptions = true,
        description = {
            "Export an activation store's activations as a float32 .npy [tokens, d_in] (what numpy.save",
            "writes, byte for byte) and, with --token-ids, its token ids as an int32 .npy [tokens]."
        },
        footer = {
            "",
            "Example:  saestitch export-acts --acts runs/demo/acts --out acts.npy --token-ids ids.npy",
            "          python -c \"import numpy as np; print(np.load('acts.npy').shape, np.load('ids.npy')[:10])\""
        })
final class ExportActsCommand implements Callable<Integer> {
    @Option(names = "--acts", required = true, paramLabel = "STORE", description = "Activation store directory.")
    Path acts;

    @Option(names = "--out", required = true, paramLabel = "ACTS.npy", description = "Activations file to write.")
    Path out;

    @Option(names = "--token-ids", paramLabel = "IDS.npy", description = "Also write the token ids here.")
    Path tokenIds;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> tokenIds == null ? List.of(out) : List.of(out, tokenIds));

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        try (ActivationStore store = ActivationStore.open(acts)) {
            if (tokenIds != null && !store.hasTokenIds()) {
                throw new BadInputException(acts + " holds no token ids; leave out --token-ids");
            }
            StoreNpy.exportActivations(store, out, overwrite.on);
            if (tokenIds != null) {
                StoreNpy.exportTokenIds(store, tokenIds, overwrite.on);
            }
            System.out.printf(
                    "%s: %d tokens of d_in %d%s in %.1f s%n",
                    out,
                    store.numTokens(),
                    store.dIn(),
                    tokenIds == null ? "" : " (+ token ids in " + tokenIds + ")",
                    (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }
}
