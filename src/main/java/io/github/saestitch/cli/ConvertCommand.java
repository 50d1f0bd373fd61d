package io.github.saestitch.cli;

import io.github.saestitch.io.CompositeManifest;
import io.github.saestitch.io.LoadedSae;
import io.github.saestitch.io.SaeFormat;
import io.github.saestitch.io.SaeFormats;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code saestitch convert IN OUT --to FORMAT}. */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Convert an SAE directory to another format, exactly (weights are copied bit for bit,"
                    + " transposed where the layout needs it).",
            "Reads every format 'info' reads; writes saelens (v6) and sparsify. OUT is written under a"
                    + " temporary name and appears only when complete."
        },
        footer = {"", "Example:  saestitch convert my-sparsify-sae sae-saelens --to saelens"})
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "SAE directory to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "New directory to write.")
    Path out;

    @Option(
            names = "--to",
            paramLabel = "FORMAT",
            defaultValue = "saelens",
            description = "Output format: saelens (v6, default) or sparsify.")
    String to;

    @Mixin
    OverwriteOption overwrite = OverwriteOption.whole(() -> List.of(out));

    @Override
    public Integer call() throws Exception {
        SaeFormat format = SaeFormat.byId(to);
        if (!format.writable()) {
            throw new BadInputException("cannot write format '" + to + "'; choose saelens or sparsify");
        }
        if (CompositeManifest.isComposite(in)) {
            throw new BadInputException(in + ": is a saestitch composite; " + InfoCommand.COMPOSITE_NOTE);
        }
        LoadedSae loaded = Inputs.sae(in);
        SaeFormats.save(loaded.sae(), out, format, overwrite.on);
        System.out.printf(
                "wrote %s (%s, %s, d_in %d, d_sae %d) from %s (%s)%n",
                out,
                format.id(),
                loaded.sae().activation().name(),
                loaded.sae().dIn(),
                loaded.sae().numLatents(),
                in,
                loaded.format().id());
        return 0;
    }
}
