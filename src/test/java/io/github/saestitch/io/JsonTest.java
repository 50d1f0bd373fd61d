package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    /** What every writer used before the shared mapper: a plain mapper with indented output. */
    private static final ObjectMapper OLD = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static ObjectNode sample() {
        ObjectNode o = Json.object();
        o.put("format_version", 1);
        o.put("x", 0.1f);
        o.put("y", 1.5e-5);
        o.put("nan", Double.NaN);
        o.putNull("none");
        o.put("text", "a \"quoted\" <b> & é");
        o.putArray("list").add(1).add(2.5).addObject().put("k", -1L);
        o.putObject("empty");
        return o;
    }

    record Row(int step, double lossValue, List<String> names) {}

    @Test
    void writesTheSameBytesAsThePlainMappers() throws Exception {
        ObjectNode o = sample();
        assertThat(Json.pretty(o)).isEqualTo(OLD.writeValueAsString(o));
        assertThat(Json.line(o))
                .isEqualTo(new ObjectMapper().writeValueAsString(o))
                .doesNotContain("\n");
        Row r = new Row(3, 0.25, List.of("a", "b"));
        assertThat(Json.pretty(r)).isEqualTo(OLD.writeValueAsString(r));
        assertThat((Object) Json.MAPPER.valueToTree(r)).isEqualTo(new ObjectMapper().valueToTree(r));
    }

    @Test
    void readsLeniently() throws Exception {
        assertThat(Json.read("{\"a\": NaN}").get("a").asDouble()).isNaN();
        Row r = Json.MAPPER.readValue(
                "{\"step\": 2, \"lossValue\": 1.0, \"names\": [], \"added_later\": true}", Row.class);
        assertThat(r.step()).isEqualTo(2);
    }
}
