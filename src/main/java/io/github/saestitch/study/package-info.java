/**
 * Studies across training runs: the training-length study ({@link io.github.saestitch.study.TrainingLengthStudy})
 * trains the smallest pair of a family at several training lengths and compares each pair, so that a
 * finding can be told apart from how long the SAEs trained. Imports {@code train} and {@code stitch}.
 */
package io.github.saestitch.study;
