package io.github.saestitch.io;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The {@code storeManifest} reader under Jazzer ({@link ReaderFuzzing} says what is allowed). One fuzz test per
 * class because Jazzer fuzzes one per JVM: the build's {@code fuzz} Surefire execution runs each class
 * in its own JVM with {@code JAZZER_FUZZ=1}; seeds and crash inputs are in
 * {@code src/test/resources/io/github/saestitch/io/StoreManifestFuzzTestInputs/storeManifest/}.
 */
class StoreManifestFuzzTest {
    @FuzzTest(maxDuration = ReaderFuzzing.BUDGET)
    void storeManifest(byte[] data) throws Exception {
        ReaderFuzzing.storeManifest(data);
    }
}
