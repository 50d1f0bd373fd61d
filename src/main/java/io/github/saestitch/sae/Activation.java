package io.github.saestitch.sae;

import java.util.Arrays;

/**
 * How an SAE turns pre-activations into latent activations (docs/definitions.md#activations).
 *
 * <ul>
 *   <li>{@link Relu}: {@code f = max(pre, 0)} (SAELens "standard").</li>
 *   <li>{@link JumpRelu}: {@code f = relu(pre) · [pre > θ_i]}, one θ per latent (SAELens's form; equal to
 *       the JumpReLU paper's {@code pre·[pre > θ_i]} whenever θ_i ≥ 0).</li>
 *   <li>{@link TopK}: keep the k largest of {@code relu(pre)} per token.</li>
 *   <li>{@link BatchTopK}: k·B largest over a batch while training; at inference a JumpReLU with one
 *       global threshold, which is what this model computes.</li>
 * </ul>
 */
public sealed interface Activation {

    /** The architecture name written into {@code cfg.json}: relu, jumprelu, topk, batchtopk. */
    String name();

    /** Plain ReLU. */
    record Relu() implements Activation {
        @Override
        public String name() {
            return "relu";
        }
    }

    /** JumpReLU with a per-latent threshold. @param threshold [numLatents] */
    record JumpRelu(float[] threshold) implements Activation {
        @Override
        public String name() {
            return "jumprelu";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof JumpRelu j && Arrays.equals(threshold, j.threshold);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(threshold);
        }

        @Override
        public String toString() {
            return "JumpRelu[" + threshold.length + " thresholds]";
        }
    }

    /** Per-token top-k of the ReLU'd pre-activations. */
    record TopK(int k) implements Activation {
        public TopK {
            if (k <= 0) {
                throw new IllegalArgumentException("topk needs k >= 1, got " + k);
            }
        }

        @Override
        public String name() {
            return "topk";
        }
    }

    /**
     * BatchTopK: trained with a batch-level top-(k·B); evaluated as a JumpReLU whose threshold is the
     * same for every latent. @param k the training k (mean l0 target) @param threshold global θ
     */
    record BatchTopK(int k, float threshold) implements Activation {
        public BatchTopK {
            if (k <= 0) {
                throw new IllegalArgumentException("batchtopk needs k >= 1, got " + k);
            }
            if (!Float.isFinite(threshold) || threshold < 0f) {
                throw new IllegalArgumentException(
                        "batchtopk needs a finite inference threshold >= 0, got " + threshold);
            }
        }

        @Override
        public String name() {
            return "batchtopk";
        }
    }
}
