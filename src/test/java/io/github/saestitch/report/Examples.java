package io.github.saestitch.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Example inputs for the report tests: the hand-checked files under {@code src/test/resources/.../report}
 * (copies of the real writers' formats: {@code stitch.CompareWriter}, {@code train.TrainingLog},
 * {@code train.FamilyTrainer}), and a generator of large compare directories in the same format.
 */
final class Examples {
    private Examples() {}

    /** Copies the resource directory or file {@code name} into {@code dir} and returns the copy. */
    static Path copy(String name, Path dir) {
        try {
            Path src = Path.of(Examples.class.getResource(name).toURI());
            Path dst = dir.resolve(src.getFileName().toString());
            if (Files.isDirectory(src)) {
                try (Stream<Path> s = Files.walk(src)) {
                    for (Path p : s.toList()) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(p, t);
                        }
                    }
                }
            } else {
                Files.copy(src, dst);
            }
            return dst;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the first line matching {@code from} (a literal) in a text file. */
    static void edit(Path file, String from, String to) throws IOException {
        String s = Files.readString(file);
        if (!s.contains(from)) {
            throw new IllegalArgumentException(file + " does not contain " + from);
        }
        Files.writeString(
                file,
                s.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
    }

    /**
     * Writes a synthetic compare directory for a pair of {@code small} and {@code large} latents in
     * {@code stitch.CompareWriter}'s format: max_cos spread over [0, 1], novel latents mostly lowering
     * mse and reconstruction ones mostly raising it (the source's pattern), a few extreme Δmse outliers,
     * swap groups over the reconstruction latents and the interpolation path.
     */
    static Path syntheticPair(Path dir, int small, int large, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rnd = new SplittableRandom(seed);
        double tau = 0.7;
        double[] maxCos = new double[large];
        double[] delta = new double[large];
        int[] nearest = new int[large];
        int[] group = new int[large];
        int[] step = new int[large];
        List<Integer> novelOrder = new ArrayList<>();
        List<int[]> groups = new ArrayList<>(); // {parent, child...}
        for (int j = 0; j < large; j++) {
            maxCos[j] = rnd.nextDouble() < 0.4 ? 0.15 + 0.55 * rnd.nextDouble() : 0.7 + 0.3 * rnd.nextDouble();
            boolean novel = maxCos[j] <= tau;
            double sign = novel ? (rnd.nextDouble() < 0.95 ? -1 : 1) : (rnd.nextDouble() < 0.3 ? -1 : 1);
            delta[j] = sign * 1e-3 * rnd.nextDouble();
            if (j % 997 == 0) {
                delta[j] *= 400; // a few extreme latents, as real data has
            }
            nearest[j] = rnd.nextInt(small);
            group[j] = -1;
            step[j] = -1;
            if (novel) {
                novelOrder.add(j);
            }
        }
        novelOrder.sort((a, b) -> Double.compare(maxCos[a], maxCos[b]));
        for (int k = 0; k < novelOrder.size(); k++) {
            step[novelOrder.get(k)] = k + 1;
        }
        // Groups: reconstruction latents grouped by their nearest small latent.
        List<List<Integer>> byParent = new ArrayList<>();
        for (int i = 0; i < small; i++) {
            byParent.add(new ArrayList<>());
        }
        for (int j = 0; j < large; j++) {
            if (maxCos[j] > tau) {
                byParent.get(nearest[j]).add(j);
            }
        }
        StringBuilder gcsv = new StringBuilder("group,parents,children,delta_mse,delta_l0,cosine,num_edges,step\n");
        int g = 0;
        int s = novelOrder.size() + 1;
        for (int i = 0; i < small; i++) {
            List<Integer> ch = byParent.get(i);
            if (ch.isEmpty()) {
                continue;
            }
            StringBuilder children = new StringBuilder();
            for (int c : ch) {
                group[c] = g;
                step[c] = s;
                children.append(children.isEmpty() ? "" : " ").append(c);
            }
            gcsv.append(g)
                    .append(',')
                    .append(i)
                    .append(',')
                    .append(children)
                    .append(',')
                    .append(1e-3 * (rnd.nextDouble() - 0.3))
                    .append(',')
                    .append(-0.2 * rnd.nextDouble())
                    .append(',')
                    .append(0.7 + 0.3 * rnd.nextDouble())
                    .append(',')
                    .append(ch.size())
                    .append(',')
                    .append(s)
                    .append('\n');
            g++;
            s++;
        }
        StringBuilder lcsv = new StringBuilder(
                "latent,max_cos,nearest,kind,delta_mse,freq,max_act_corr,act_nearest,nearest_act_corr,group,step\n");
        for (int j = 0; j < large; j++) {
            lcsv.append(j)
                    .append(',')
                    .append((float) maxCos[j])
                    .append(',')
                    .append(nearest[j])
                    .append(',')
                    .append(maxCos[j] <= tau ? "novel" : "reconstruction")
                    .append(',')
                    .append(delta[j])
                    .append(',')
                    .append(0.2 * rnd.nextDouble())
                    .append(',')
                    .append(rnd.nextDouble())
                    .append(',')
                    .append(nearest[j])
                    .append(',')
                    .append(rnd.nextDouble())
                    .append(',')
                    .append(group[j])
                    .append(',')
                    .append(step[j])
                    .append('\n');
        }
        double mse = 10;
        double l0 = 30;
        int n = small;
        StringBuilder icsv = new StringBuilder("step,action,num_latents,mse,l0,target,cosine,delta_mse,fvu\n");
        icsv.append("0,start,")
                .append(n)
                .append(',')
                .append(mse)
                .append(',')
                .append(l0)
                .append(",-1,,,")
                .append(mse / 40)
                .append('\n');
        int st = 1;
        for (int j : novelOrder) {
            mse += delta[j] * 0.8;
            l0 += 0.01;
            n++;
            icsv.append(st++)
                    .append(",add,")
                    .append(n)
                    .append(',')
                    .append(mse)
                    .append(',')
                    .append(l0)
                    .append(',')
                    .append(j)
                    .append(',')
                    .append((float) maxCos[j])
                    .append(',')
                    .append(delta[j] * 0.8)
                    .append(',')
                    .append(mse / 40)
                    .append('\n');
        }
        double novelMse = mse;
        double novelL0 = l0;
        int novelN = n;
        for (int k = 0; k < g; k++) {
            mse += 1e-4;
            l0 -= 0.005;
            n += 1;
            icsv.append(st++)
                    .append(",swap,")
                    .append(n)
                    .append(',')
                    .append(mse)
                    .append(',')
                    .append(l0)
                    .append(',')
                    .append(k)
                    .append(",0.8,1.0E-4,")
                    .append(mse / 40)
                    .append('\n');
        }
        String summary = """
                {
                  "format_version" : 1,
                  "files" : { "latents.csv" : 1, "groups.csv" : 1, "interpolation.csv" : 1, "summary.json" : 1 },
                  "tokens" : 65536,
                  "kernels" : "vector",
                  "threshold" : 0.7,
                  "group_cosine" : "max_edge_cosine",
                  "hybrids" : "exact",
                  "composite" : false,
                  "small" : { "num_latents" : %d, "mse" : 10.0, "fvu" : 0.25, "l0" : 30.0, "dead" : 0, "activation" : "relu", "apply_b_dec_to_input" : true },
                  "large" : { "num_latents" : %d, "mse" : 9.0, "fvu" : 0.225, "l0" : 32.0, "dead" : 3, "activation" : "relu", "apply_b_dec_to_input" : true },
                  "num_novel" : %d,
                  "novel_added" : { "step" : %d, "num_latents" : %d, "mse" : %s, "l0" : %s, "fvu" : %s, "mse_change_fraction" : %s },
                  "all_applied" : { "step" : %d, "num_latents" : %d, "mse" : %s, "l0" : %s, "fvu" : %s, "mse_change_fraction" : %s },
                  "threshold_sweep" : [ ],
                  "activation_similarity" : { "computed" : false, "note" : "not asked for" }
                }
                """.formatted(
                        small,
                        large,
                        novelOrder.size(),
                        novelOrder.size(),
                        novelN,
                        novelMse,
                        novelL0,
                        novelMse / 40,
                        (novelMse - 10) / 10,
                        st - 1,
                        n,
                        mse,
                        l0,
                        mse / 40,
                        (mse - 10) / 10);
        Files.writeString(dir.resolve("latents.csv"), lcsv, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("groups.csv"), gcsv, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("interpolation.csv"), icsv, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("summary.json"), summary, StandardCharsets.UTF_8);
        return dir;
    }
}
