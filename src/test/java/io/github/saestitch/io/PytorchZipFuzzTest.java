package io.github.saestitch.io;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The {@code pytorchZip} reader under Jazzer ({@link ReaderFuzzing} says what is allowed). One fuzz test per
 * class because Jazzer fuzzes one per JVM: the build's {@code fuzz} Surefire execution runs each class
 * in its own JVM with {@code JAZZER_FUZZ=1}; seeds and crash inputs are in
 * {@code src/test/resources/io/github/saestitch/io/PytorchZipFuzzTestInputs/pytorchZip/}.
 */
class PytorchZipFuzzTest {
    @FuzzTest(maxDuration = ReaderFuzzing.BUDGET)
    void pytorchZip(byte[] data) throws Exception {
        ReaderFuzzing.pytorchZip(data);
    }
}
