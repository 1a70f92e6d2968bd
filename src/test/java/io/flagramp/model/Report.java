package io.flagramp.model;

import io.flagramp.demo.InMemoryApi;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** What the generated histories covered, printed by the test. */
final class Report {

  int runs;
  long reconciles;
  long writesChecked;
  long statusChecks;
  final Map<InMemoryApi.Fault, Long> faults = new EnumMap<>(InMemoryApi.Fault.class);
  final Map<String, Long> actions = new TreeMap<>();
  final Map<String, Long> outcomes = new TreeMap<>();
  long interrupted;
  long rewound;

  void count(Map<String, Long> map, String key) {
    map.merge(key, 1L, Long::sum);
  }

  @Override
  public String toString() {
    long totalFaults = faults.values().stream().mapToLong(Long::longValue).sum();
    return "generated histories: " + runs + " runs, " + reconciles + " reconciles, " + totalFaults + " faults "
        + faults + "; invariants checked after every reconcile (" + statusChecks + " times) and at every"
        + " ConfigMap write (" + writesChecked + " writes); interrupted writes finished: " + interrupted
        + ", rewound: " + rewound + "; actions " + actions + "; final states " + outcomes;
  }
}
