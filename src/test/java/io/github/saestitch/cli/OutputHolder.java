package io.github.saestitch.cli;

import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.OutputLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A child process for {@link OutputPolicyTest}: {@code lock OUT} holds OUT's lock (as 'compare'),
 * {@code write OUT} claims OUT through the policy and stops half-way through writing it; both print
 * {@code READY} and then wait to be killed.
 */
final class OutputHolder {
    private OutputHolder() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[1]);
        if (args[0].equals("lock")) {
            try (OutputLock lock = OutputLock.acquire(out, "compare")) {
                ready();
            }
            return;
        }
        OverwriteOption policy = OverwriteOption.whole(() -> List.of(out));
        policy.claim("compare");
        AtomicOutput.writeDirectory(out, false, tmp -> {
            Files.writeString(tmp.resolve("latents.csv"), "latent\n0\n");
            ready();
        });
    }

    private static void ready() {
        System.out.println("READY");
        System.out.flush();
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
