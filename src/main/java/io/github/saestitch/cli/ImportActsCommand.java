package io.github.saestitch.cli;

import io.github.saestitch.activations.ExtractionOptions;
import io.github.saestitch.activations.StoreDtype;
import io.github.saestitch.activations.StoreManifest;
import io.github.saestitch.activations.StoreNpy;
import io.github.saestitch.activations.TransformerModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code saestitch import-acts}: activations from a {@code .npy} into an activation store. */
@Command(
        name = "import-acts",
        mixinStandardHelpOptions = true,
        description = {
            "Import activations computed elsewhere (a .npy [tokens, d_in] or [batch, seq, d_in]) into a store.",
            "Every --acts option also takes the .npy directly; a store adds token ids (so reports can show",
            "the text around each token when --model names the tokenizer), sharding and resumability.",
            "Token ids: an integer .npy (int8..int64, signed or unsigned, e.g. [batch, seq] from a tokenizer)",
            "or a float array of integral values, one id per activation row."
        },
        footer = {
            "",
            "Example:  saestitch import-acts --npy acts.npy --token-ids ids.npy --model minilm-l6 \\",
            "              --hook blocks.3.hook_resid_post --out acts/imported"
        })
final class ImportActsCommand implements Callable<Integer> {
    @Option(
            names = "--npy",
            required = true,
            paramLabel = "ACTS.npy",
            description = "Activations, float32/float16/float64.")
    Path npy;

    @Option(names = "--token-ids", paramLabel = "IDS.npy", description = "Token id of each row (any integer dtype).")
    Path tokenIds;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            description =
                    "Model whose tokenizer the ids belong to (minilm-l6, bge-small, e5-small), for decoding contexts.")
    String model;

    @Option(
            names = "--hook",
            paramLabel = "NAME",
            description = "Where the activations were read (recorded in the manifest).")
    String hook;

    @Option(
            names = "--dtype",
            defaultValue = "float32",
            paramLabel = "T",
            description = "On-disk dtype of the store: float32 or bfloat16. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "STORE",
            description = "Store directory to create (or continue).")
    Path out;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.store(() -> out);

    @Override
    public Integer call() {
        if (model != null && tokenIds == null) {
            throw new BadInputException("--model only decodes contexts from token ids; give --token-ids too");
        }
        TransformerModel m = model == null ? null : TransformerModel.byName(model);
        long t0 = System.nanoTime();
        StoreManifest s = StoreNpy.importNpy(new StoreNpy.ImportOptions(
                npy, tokenIds, m, hook, out, StoreDtype.byName(dtype), ExtractionOptions.DEFAULT_SHARD_TOKENS));
        System.out.printf(
                "%s: %d tokens of d_in %d%s in %.1f s%n",
                out, s.tokenCount(), s.d(), tokenIds == null ? "" : " with token ids", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
