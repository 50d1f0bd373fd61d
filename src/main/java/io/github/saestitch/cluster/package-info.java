/**
 * Running the token passes of {@code eval} and {@code compare} as tasks over ranges of an activation store,
 * on this machine or on a cluster (the {@code saestitch-spark} module implements {@link
 * io.github.saestitch.cluster.RangeRunner} with Apache Spark), with results bit-identical to one process:
 * every task returns the complete nodes of the fixed merge tree ({@link io.github.saestitch.tensor.MergeTree})
 * over its blocks, and the driver pushes them in range order.
 */
package io.github.saestitch.cluster;
