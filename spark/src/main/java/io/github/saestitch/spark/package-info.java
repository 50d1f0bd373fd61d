/**
 * saestitch on Apache Spark: {@link io.github.saestitch.spark.SparkRangeRunner} runs the token passes of
 * {@code eval} and {@code compare} as Spark tasks over ranges of an activation store (SAEs broadcast once,
 * each task returning the merge-tree nodes of its ranges, the driver merging them in the one fixed tree), so
 * the outputs are byte-identical to one process; {@link io.github.saestitch.spark.SubmitMain} is the
 * {@code spark-submit} entry point.
 */
package io.github.saestitch.spark;
