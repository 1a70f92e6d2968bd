package io.flagramp.core;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A write to the flag's ConfigMap that the planner asks for. Only the flag's own keys and flagramp's
 * claim annotations are named; every other key stays as it is. Each is recorded in status first
 * (status.intent) and safe to repeat.
 */
public sealed interface FlagWrite {

  /**
   * Set these keys to these values, and put this change's claim on the ConfigMap (carrying the
   * intent's id), removing the stale claims of changes that ended.
   */
  record SetValues(Map<String, String> values, FlagClaim claim, List<String> staleClaims) implements FlagWrite {}

  /**
   * Put the keys back as they were and release the claim: each key in {@code originals} gets its value
   * back, written under the field manager in {@code managers} that owned it before (so it is handed
   * back); each other key of {@code keys} is removed. The claim goes last, so a claim still there means
   * the restore is not finished.
   */
  record Restore(List<String> keys, Map<String, String> originals, Map<String, String> managers, String claimUid)
      implements FlagWrite {

    /** One line: {@code restored USE_REDIS="false", removed USE_REDIS_PERCENTAGE (was absent)}. */
    public String describe() {
      return keys.stream()
          .map(k -> originals.containsKey(k) ? "restored " + k + "=\"" + originals.get(k) + "\""
              : "removed " + k + " (was absent)")
          .collect(Collectors.joining(", "));
    }
  }

  /** Remove this change's claim and nothing else (a change that ended and is deleted). */
  record ReleaseClaim(String claimUid) implements FlagWrite {}
}
