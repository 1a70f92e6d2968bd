package io.flagramp.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Someone else changed the flag: a key that no longer holds what flagramp wrote. Every write of
 * flagramp's own is recorded before it is made and finished first, so any difference found here is
 * another writer's.
 */
final class Drift {

  private Drift() {}

  /** One line per key that differs, naming who changed it when the ConfigMap says. */
  static List<String> of(Draft d, ObservedFlag observed) {
    List<String> drift = new ArrayList<>();
    d.valuesFor(d.weight()).forEach((key, expected) -> {
      String actual = observed.values().get(key);
      if (!expected.equals(actual)) {
        List<String> writers = observed.otherWriters().getOrDefault(key, List.of());
        String by = writers.isEmpty() ? "" : " (changed by " + String.join(", ", writers) + ")";
        drift.add(key + " in ConfigMap " + d.flag().getConfigMapName() + " is "
            + (actual == null ? "gone" + observed.stepProblem().map(p -> " (" + p + ")").orElse("")
            : OnCall.quoteShort(actual)) + " but flagramp wrote " + OnCall.quoteShort(expected) + by);
      }
    });
    return drift;
  }
}
