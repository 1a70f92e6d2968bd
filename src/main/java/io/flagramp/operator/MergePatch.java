package io.flagramp.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON merge patch (RFC 7386) that turns one JSON value into another: changed and new fields as
 * they are now, removed fields as null, lists whole. Applying it to {@code from} gives {@code to}.
 */
final class MergePatch {

  private MergePatch() {}

  static JsonNode diff(JsonNode from, JsonNode to) {
    if (from == null || !from.isObject() || to == null || !to.isObject()) {
      return to == null ? JsonNodeFactory.instance.nullNode() : to;
    }
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode before = from.get(field.getKey());
      if (before == null || !before.equals(field.getValue())) {
        patch.set(field.getKey(), before != null && before.isObject() && field.getValue().isObject()
            ? diff(before, field.getValue()) : field.getValue());
      }
    }
    for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!to.has(name)) {
        patch.putNull(name);
      }
    }
    return patch;
  }
}
