package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MergePatchTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":[1,2]}|{\"a\":1,\"b\":{\"c\":5},\"e\":[1],\"f\":\"new\"}"
          + "|{\"b\":{\"c\":5,\"d\":null},\"e\":[1],\"f\":\"new\"}",
      "{\"phase\":\"Progressing\",\"intent\":{\"id\":\"1.5\"}}|{\"phase\":\"Progressing\"}|{\"intent\":null}",
      "{}|{\"phase\":\"Pending\"}|{\"phase\":\"Pending\"}",
      "{\"x\":{\"y\":1}}|{\"x\":{\"y\":1}}|{}"})
  void thePatchHoldsOnlyWhatChangedAndTurnsTheOldIntoTheNew(String from, String to, String expected)
      throws Exception {
    JsonNode a = JSON.readTree(from);
    JsonNode b = JSON.readTree(to);

    JsonNode patch = MergePatch.diff(a, b);

    assertThat(patch).isEqualTo(JSON.readTree(expected));
    assertThat(apply(a.deepCopy(), patch)).isEqualTo(b);
  }

  /** RFC 7386's apply, for checking. */
  private static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getValue().isNull()) {
        result.remove(f.getKey());
      } else {
        result.set(f.getKey(), apply(result.get(f.getKey()), f.getValue()));
      }
    }
    return result;
  }
}
