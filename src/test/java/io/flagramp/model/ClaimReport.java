package io.flagramp.model;

import io.flagramp.demo.InMemoryApi;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** What the generated claim histories covered, printed by the test. */
final class ClaimReport {

  int runs;
  long reconciles;
  long statusChecks;
  long patchesChecked;
  long stepWrites;
  long restorePatches;
  long restoresDone;
  long restoreFaults;
  long rewound;
  long staleReads;
  long racing;
  long asked;
  long lateAnswers;
  long answersJudged;
  final Map<InMemoryApi.Fault, Long> faults = new EnumMap<>(InMemoryApi.Fault.class);
  final Map<String, Long> actions = new TreeMap<>();
  final Map<String, Long> outcomes = new TreeMap<>();

  void count(Map<String, Long> map, String key) {
    map.merge(key, 1L, Long::sum);
  }

  long faultsInjected() {
    return faults.values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public String toString() {
    return "claim histories: " + runs + " runs, " + reconciles + " reconciles (" + staleReads + " of a stale copy, "
        + racing + " races: another process acting just before a write), " + faultsInjected() + " faults " + faults
        + "; ConfigMap patches checked: " + patchesChecked + " (" + stepWrites + " steps, " + restorePatches
        + " restore patches, " + restoresDone + " restores done, " + restoreFaults + " faults met by a restore's patches);"
        + " status checks: " + statusChecks + "; rewound: "
        + rewound + "; queries asked: " + asked + ", answers delivered late or out of order: " + lateAnswers + ", judged: " + answersJudged
        + "; actions " + actions + "; final states " + outcomes;
  }
}
