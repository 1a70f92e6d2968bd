package io.flagramp.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON merge patch of a flag's ConfigMap, as every store makes it: data keys and annotations to set
 * (a null value removes one), under a field manager, on the condition of the ConfigMap's uid and, when
 * {@code conditional}, of the resourceVersion the write was decided on (for the first patch of a write)
 * or the one the patch before it left.
 */
public record ConfigMapPatch(String manager, Map<String, String> data, Map<String, String> annotations,
    boolean conditional) {

  public ConfigMapPatch {
    data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
  }

  /** {@code before} with this patch's data merged in: set where it names a value, removed where null. */
  public Map<String, String> appliedTo(Map<String, String> before) {
    Map<String, String> after = new LinkedHashMap<>(before);
    data.forEach((key, value) -> {
      if (value == null) {
        after.remove(key);
      } else {
        after.put(key, value);
      }
    });
    return after;
  }
}
