package io.github.saestitch.cli;

import io.github.saestitch.train.Architecture;
import io.github.saestitch.train.TrainOptions;
import picocli.CommandLine.Option;

/** The hyper-parameter options shared by {@code train} and {@code train-family}. */
final class TrainSettings {
    @Option(
            names = "--arch",
            defaultValue = "relu",
            paramLabel = "ARCH",
            description = "relu (L1 on activations × decoder norm, the stitching write-up's setup), topk (+AuxK), "
                    + "batchtopk (saved with its inference threshold), matryoshka (nested BatchTopK), expander "
                    + "(TopK with an expander-masked decoder). Default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(
            names = "--k",
            defaultValue = "" + TrainOptions.DEFAULT_K,
            description = "Active latents per token for topk/batchtopk/matryoshka/expander. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(
            names = "--l1",
            defaultValue = "" + TrainOptions.DEFAULT_L1_COEFFICIENT,
            paramLabel = "λ",
            description = "L1 coefficient for relu (on inputs scaled to mean norm √d_in). Default: ${DEFAULT-VALUE}.")
    double l1;

    @Option(
            names = "--lr",
            defaultValue = "" + TrainOptions.DEFAULT_LEARNING_RATE,
            description =
                    "Adam learning rate (warm-up 1%%, linear decay over the last 20%%). Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(
            names = "--tokens",
            defaultValue = "" + TrainOptions.DEFAULT_TRAINING_TOKENS,
            paramLabel = "N",
            description = "Training tokens (several epochs if the set is smaller). Default: ${DEFAULT-VALUE}.")
    long tokens;

    @Option(
            names = "--batch",
            defaultValue = "" + TrainOptions.DEFAULT_BATCH_SIZE,
            description = "Tokens per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(
            names = "--seed",
            defaultValue = "" + TrainOptions.DEFAULT_SEED,
            description = "Seed of initialisation and batch order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--expander-degree",
            defaultValue = "" + TrainOptions.DEFAULT_EXPANDER_DEGREE,
            paramLabel = "D",
            description = "Decoder entries per latent for --arch expander. Default: ${DEFAULT-VALUE}.")
    int expanderDegree;

    @Option(
            names = "--eval-tokens",
            defaultValue = "" + TrainOptions.DEFAULT_EVAL_TOKENS,
            paramLabel = "N",
            description =
                    "Tokens held out for the periodic evaluation: the last ones of the set, whole documents on a store that"
                            + " records them. Default: ${DEFAULT-VALUE}.")
    int evalTokens;

    TrainOptions options(int width) {
        return TrainOptions.builder(Architecture.parse(arch), width)
                .k(k)
                .l1Coefficient(l1)
                .learningRate(lr)
                .trainingTokens(tokens)
                .batchSize(batch)
                .seed(seed)
                .expanderDegree(expanderDegree)
                .evalTokens(evalTokens)
                .build();
    }
}
