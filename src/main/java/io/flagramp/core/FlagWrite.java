package io.flagramp.core;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A write to the flag's ConfigMap that the planner asks for. Only the flag's own keys are named. */
public sealed interface FlagWrite {

  /** Set these keys to these values. */
  record SetValues(Map<String, String> values) implements FlagWrite {}

  /**
   * Put the keys back as they were: each key in {@code originals} gets its value back, each other
   * key of {@code keys} is removed.
   */
  record Restore(List<String> keys, Map<String, String> originals) implements FlagWrite {

    /** One line: {@code restored USE_REDIS="false", removed USE_REDIS_PERCENTAGE (was absent)}. */
    public String describe() {
      return keys.stream()
          .map(k -> originals.containsKey(k) ? "restored " + k + "=\"" + originals.get(k) + "\""
              : "removed " + k + " (was absent)")
          .collect(Collectors.joining(", "));
    }
  }
}
