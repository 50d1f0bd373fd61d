package io.github.saestitch.stitch;

/**
 * The two kinds of latents of a larger SAE, by decoder cosine to the smaller one
 * (docs/definitions.md#novel-and-reconstruction-latents).
 */
public enum LatentKind {
    /** {@code max_cos ≤ τ}: information the small SAE does not reconstruct. */
    NOVEL("novel"),
    /** {@code max_cos > τ}: a sparser re-encoding (child) of latents the small SAE has. */
    RECONSTRUCTION("reconstruction");

    private final String label;

    LatentKind(String label) {
        this.label = label;
    }

    /** The word written to {@code latents.csv}. */
    public String label() {
        return label;
    }
}
