package io.github.saestitch.stitch;

/**
 * One point on the path from S towards L (docs/definitions.md#interpolation): one row of
 * {@code interpolation.csv}. Row 0 is S; each later row applies one more action to the previous row's
 * model.
 *
 * @param step       row number, 0 = S itself
 * @param action     start, add (a novel latent) or swap (a group)
 * @param target     the latent of L added, or the group swapped; −1 for the start
 * @param cosine     the added latent's max_cos, or the swapped group's cosine; NaN for the start
 * @param numLatents latents of the model after this step
 * @param mse        its mse on the tokens
 * @param fvu        its fvu
 * @param l0         its l0
 * @param deltaMse   mse change of this step along the path (mse − previous row's mse; 0 at the start)
 */
public record InterpolationStep(
        int step,
        Action action,
        int target,
        float cosine,
        int numLatents,
        double mse,
        double fvu,
        double l0,
        double deltaMse) {

    /** What a step does. */
    public enum Action {
        START("start"),
        ADD("add"),
        SWAP("swap");

        private final String label;

        Action(String label) {
            this.label = label;
        }

        /** The word written to {@code interpolation.csv}. */
        public String label() {
            return label;
        }
    }
}
