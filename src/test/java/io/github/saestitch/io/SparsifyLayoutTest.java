package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.saestitch.sae.Sae;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** convert --to sparsify writes a run folder with one hookpoint folder, as sparsify's trainer does. */
class SparsifyLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void writesAHookpointFolderAndTheRunConfig() throws IOException {
        Sae sae = SaeFormats.load(Fixtures.path("sae/saelens_v6_topk")).sae();
        Path out = tmp.resolve("run");
        SaeFormats.save(sae, out, SaeFormat.SPARSIFY, false);
        String hp = SparsifyFormat.hookpoint(sae.metadata().hookName());
        assertThat(Files.isRegularFile(out.resolve(hp).resolve("cfg.json"))).isTrue();
        assertThat(Files.isRegularFile(out.resolve(hp).resolve("sae.safetensors")))
                .isTrue();
        JsonNode run = new JsonMapper().readTree(Files.readString(out.resolve("config.json")));
        assertThat(run.get("model").asText()).isEqualTo(sae.metadata().modelName());
        assertThat(run.get("hookpoints").get(0).asText()).isEqualTo(hp);
        // Both the run folder and the hookpoint folder load, bit-exact.
        SaeFormatsTest.assertSameWeights(SaeFormats.load(out).sae(), sae);
        LoadedSae layer = SaeFormats.load(out.resolve(hp));
        SaeFormatsTest.assertSameWeights(layer.sae(), sae);
        assertThat(layer.sae().metadata().hookName()).isEqualTo(sae.metadata().hookName());
        assertThat(layer.sae().metadata().modelName()).isEqualTo(sae.metadata().modelName());
    }

    @Test
    void hookpointNames() {
        assertThat(SparsifyFormat.hookpoint("blocks.3.hook_resid_post")).isEqualTo("layers.3");
        assertThat(SparsifyFormat.hookpoint("layers.7")).isEqualTo("layers.7");
        assertThat(SparsifyFormat.hookpoint("layers.7.mlp")).isEqualTo("layers.7.mlp");
        assertThat(SparsifyFormat.hookpoint("")).isEqualTo("sae");
        assertThat(SparsifyFormat.hookpoint("../evil")).isEqualTo("sae");
    }
}
