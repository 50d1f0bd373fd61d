package io.github.saestitch.stitch;

import io.github.saestitch.sae.Autoencoder;
import io.github.saestitch.sae.MultiSourceSae;
import io.github.saestitch.sae.Sae;
import java.util.Optional;

/**
 * A hybrid built by {@link Stitcher#build}: either one standard {@link Sae} (relu, jumprelu and
 * batchtopk sources) or a composite {@link MultiSourceSae} (a topk source).
 *
 * @param model       the hybrid as an {@link Autoencoder} (evaluate it with {@code eval.Evaluator})
 * @param sae         the standard SAE, or null for a composite
 * @param composite   the composite (write it with {@code io.CompositeManifest}), or null for a standard SAE
 * @param plan        which latents it has
 * @param description what it is, in words
 */
public record StitchedModel(Autoencoder model, Sae sae, MultiSourceSae composite, StitchPlan plan, String description) {

    /** The standard SAE, when the hybrid is one (write it with io's SAE writer). */
    public Optional<Sae> standardSae() {
        return Optional.ofNullable(sae);
    }

    /** Whether the hybrid is a composite (see {@link MultiSourceSae}). */
    public boolean isComposite() {
        return composite != null;
    }
}
