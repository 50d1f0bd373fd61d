package io.github.saestitch.report;

import io.github.saestitch.io.LatentContext;
import io.github.saestitch.io.LatentContexts;
import java.util.List;
import java.util.Map;

/**
 * Where the latents of one SAE open in the latent explorer, and the contexts that label them.
 *
 * <p>The explorer shows each pair's larger SAE at {@code #explore-PAIR-LATENT} and, for a pair whose
 * smaller SAE is no pair's larger one (the smallest SAE of a chain), that smaller SAE at
 * {@code #explore-sPAIR-LATENT}; so every SAE of a chain of pairs has exactly one place.
 *
 * @param pair     0-based pair index
 * @param small    whether the pair's smaller SAE is meant (else its larger one)
 * @param contexts the SAE's top contexts per latent (labels), possibly empty
 */
record ExplorerTarget(int pair, boolean small, Map<Integer, List<LatentContext>> contexts) {

    /** The explorer address of latent {@code j}. */
    String href(int j) {
        return "#explore-" + (small ? "s" : "") + (pair + 1) + "-" + j;
    }

    /**
     * HTML for latent {@code j}: {@code text} and the latent's label (its top token, in quotes), as a link
     * into the explorer when {@code target} is not null; the label alone carries no link when it is.
     */
    static String link(ExplorerTarget target, int j, String text) {
        String label =
                target == null ? "" : LatentContexts.label(target.contexts().get(j));
        String inner = Fmt.xml(text)
                + (label.isEmpty() ? "" : " <span class=\"lbl\">\u201c" + Fmt.xml(label) + "\u201d</span>");
        if (target == null) {
            return inner;
        }
        return "<a class=\"lat\" href=\"" + target.href(j) + "\">" + inner + "</a>";
    }
}
