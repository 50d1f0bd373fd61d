package io.github.saestitch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The machine a benchmark ran on, for its report: machines of one kind differ (an "AMD EPYC" may or
 * may not have AVX-512, which changes the sgemm kernel OpenBLAS picks), so every benchmark prints the
 * CPU model, the flags that matter to the kernels, the core count and the process's peak memory.
 * Reads {@code /proc} on Linux; elsewhere the fields say "unknown".
 */
public final class Machine {
    /** The CPU flags that decide which kernels run. */
    static final Set<String> KERNEL_FLAGS = Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16");

    private Machine() {}

    /** One line: {@code cpu: MODEL, N cores, flags: avx2 fma ...}. */
    public static String describe() {
        String model = "unknown";
        List<String> flags = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).strip();
                if (key.equals("model name") && model.equals("unknown")) {
                    model = line.substring(colon + 1).strip();
                } else if (key.equals("flags") && flags.isEmpty()) {
                    for (String f : line.substring(colon + 1).strip().split("\\s+")) {
                        if (KERNEL_FLAGS.contains(f)) {
                            flags.add(f);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave "unknown"
        }
        return String.format(
                Locale.ROOT,
                "cpu: %s, %d cores, flags: %s",
                model,
                Runtime.getRuntime().availableProcessors(),
                flags.isEmpty() ? "unknown" : String.join(" ", flags));
    }

    /** The process's peak resident memory so far (VmHWM), in bytes, or −1 when unknown. */
    public static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).strip().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
