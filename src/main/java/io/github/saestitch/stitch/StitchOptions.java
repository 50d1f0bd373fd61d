package io.github.saestitch.stitch;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code saestitch stitch} builds: which latents of L to add to S and which swap groups to apply
 * ({@code --add novel|all|none|LIST --swap all|none|LIST}), with the threshold τ that defines novel
 * latents and groups (the same τ as the {@code compare} whose group ids a LIST refers to).
 *
 * <p>The hybrid's latents of L are {@code added ∪ children(swapped groups)} (a latent named by both is
 * taken once); its latents of S are S's minus {@code parents(swapped groups)}.
 *
 * @param add       which latents of L to add
 * @param swap      which swap groups to swap in
 * @param threshold τ in (0, 1]
 */
public record StitchOptions(Add add, Swap swap, double threshold) {

    public StitchOptions {
        Objects.requireNonNull(add, "add");
        Objects.requireNonNull(swap, "swap");
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
    }

    /** Add the novel latents, swap nothing, τ = 0.7: the stitching post's "adding all novel latents". */
    public static StitchOptions novelOnly() {
        return new StitchOptions(new Add.Novel(), new Swap.None(), CompareOptions.DEFAULT_THRESHOLD);
    }

    /** Which latents of L to add. */
    public sealed interface Add {
        /** None. */
        record None() implements Add {}

        /** Every novel latent (max_cos ≤ τ). */
        record Novel() implements Add {}

        /** Every latent of L (reconstruction latents are then added beside their parents). */
        record All() implements Add {}

        /** These latents of L. @param latents indices, distinct */
        record Listed(int[] latents) implements Add {
            public Listed {
                latents = distinct(latents, "latent");
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Listed l && Arrays.equals(latents, l.latents);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(latents);
            }

            @Override
            public String toString() {
                return "Listed" + Arrays.toString(latents);
            }
        }

        /**
         * Parses {@code novel}, {@code all}, {@code none} or a list of latent indices separated by
         * commas and/or spaces (e.g. {@code 12,40,41}).
         */
        static Add parse(String text) {
            String t = Objects.requireNonNull(text, "text").strip().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "novel" -> new Novel();
                case "all" -> new All();
                case "none", "" -> new None();
                default -> new Listed(parseList(t, "--add", "novel, all, none"));
            };
        }
    }

    /** Which swap groups to apply. */
    public sealed interface Swap {
        /** None. */
        record None() implements Swap {}

        /** Every group. */
        record All() implements Swap {}

        /** These groups (ids as in {@code groups.csv}). @param groups ids, distinct */
        record Listed(int[] groups) implements Swap {
            public Listed {
                groups = distinct(groups, "group");
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Listed l && Arrays.equals(groups, l.groups);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(groups);
            }

            @Override
            public String toString() {
                return "Listed" + Arrays.toString(groups);
            }
        }

        /** Parses {@code all}, {@code none} or a list of group ids separated by commas and/or spaces. */
        static Swap parse(String text) {
            String t = Objects.requireNonNull(text, "text").strip().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "all" -> new All();
                case "none", "" -> new None();
                default -> new Listed(parseList(t, "--swap", "all, none"));
            };
        }
    }

    private static int[] parseList(String t, String option, String words) {
        String[] parts = t.split("[,\\s]+");
        int[] out = new int[parts.length];
        for (int k = 0; k < parts.length; k++) {
            try {
                out[k] = Integer.parseInt(parts[k]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes " + words + " or a list of indices like 3,17,42; '"
                        + parts[k] + "' is none of them");
            }
        }
        return out;
    }

    private static int[] distinct(int[] v, String what) {
        int[] s = Objects.requireNonNull(v, what + "s").clone();
        Arrays.sort(s);
        for (int k = 0; k < s.length; k++) {
            if (s[k] < 0) {
                throw new IllegalArgumentException(what + " index " + s[k] + " is negative");
            }
            if (k > 0 && s[k] == s[k - 1]) {
                throw new IllegalArgumentException(what + " " + s[k] + " is listed twice");
            }
        }
        return s;
    }
}
