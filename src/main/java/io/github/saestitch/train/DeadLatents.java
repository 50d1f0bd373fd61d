package io.github.saestitch.train;

import java.util.Arrays;

/**
 * The dead-latent tracker: a latent is dead once it has not fired on {@link TrainOptions#deadTokens}
 * training tokens ({@link TrainingState#lastFired} holds the token count at each latent's last firing).
 */
final class DeadLatents {
    private DeadLatents() {}

    /** Ascending indices of the dead latents for AuxK; empty when AuxK does not apply. */
    static int[] forAuxK(TrainOptions options, TrainingState state) {
        if (!options.architecture().usesTopK() || options.auxKCoefficient() == 0) {
            return new int[0];
        }
        int n = 0;
        int[] idx = new int[state.lastFired.length];
        for (int i = 0; i < idx.length; i++) {
            if (state.tokens - state.lastFired[i] >= options.deadTokens()) {
                idx[n++] = i;
            }
        }
        return Arrays.copyOf(idx, n);
    }

    /** The number of dead latents. */
    static int count(TrainOptions options, TrainingState state) {
        int n = 0;
        for (long lf : state.lastFired) {
            if (state.tokens - lf >= options.deadTokens()) {
                n++;
            }
        }
        return n;
    }

    /** Records that the latents marked in {@code fired} fired at the state's current token count. */
    static void markFired(TrainingState state, boolean[] fired) {
        for (int i = 0; i < fired.length; i++) {
            if (fired[i]) {
                state.lastFired[i] = state.tokens;
            }
        }
    }
}
