package io.github.saestitch.stitch;

import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.Sae;
import java.util.Optional;

/**
 * A hybrid built by {@link Stitcher#build}: either one standard {@link Sae} (relu, jumprelu and
 * batchtopk sources) or a {@link CompositeSae} (a topk source).
 *
 * @param model       the hybrid as an {@link Autoencoder} (evaluate it with {@code eval.Evaluator})
 * @param sae         the standard SAE, or null for a composite
 * @param composite   the composite, or null for a standard SAE
 * @param plan        which latents it has
 * @param description what it is, in words
 */
public record StitchedModel(Autoencoder model, Sae sae, CompositeSae composite, StitchPlan plan, String description) {

    /** The standard SAE, when the hybrid is one (write it with io's SAE writer). */
    public Optional<Sae> standardSae() {
        return Optional.ofNullable(sae);
    }

    /** Whether the hybrid is a composite (see {@link CompositeSae}). */
    public boolean isComposite() {
        return composite != null;
    }
}
