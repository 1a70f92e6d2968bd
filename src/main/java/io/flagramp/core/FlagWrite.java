package io.flagramp.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A write to the flag's ConfigMap that the planner asks for. Only the flag's own keys and flagramp's
 * claim annotations are named; every other key stays as it is. Each is recorded in status first
 * (status.intent) and safe to repeat. What a write is on the wire is {@link #patches}: one function for
 * every store, so the in-memory API of the fault tests makes exactly the patches the real one receives.
 */
public sealed interface FlagWrite {

  /** The field manager of flagramp's own writes. */
  String FIELD_MANAGER = "flagramp";
  /** Restores a key whose owner before the first write is not known (an object without managedFields). */
  String RESTORE_MANAGER = "flagramp-restore";

  /**
   * The patches that make this write on the ConfigMap as {@code observed}, in order: the first on the
   * resourceVersion it was read at, each next one on the version the one before left. A write that is
   * interrupted part way is planned again from what it left.
   */
  List<ConfigMapPatch> patches(ObservedFlag observed);

  /**
   * Set these keys to these values, and put this change's claim on the ConfigMap (carrying the
   * intent's id), removing the stale claims of changes that ended.
   */
  record SetValues(Map<String, String> values, FlagClaim claim, List<String> staleClaims) implements FlagWrite {

    @Override
    public List<ConfigMapPatch> patches(ObservedFlag observed) {
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(ClaimAnnotations.key(claim.uid()), ClaimAnnotations.value(claim));
      staleClaims.forEach(uid -> annotations.put(ClaimAnnotations.key(uid), null));
      return List.of(new ConfigMapPatch(FIELD_MANAGER, observed.dataPatch(values), annotations, true));
    }
  }

  /**
   * Put the keys back as they were: each key in {@code originals} gets its value back, written under
   * the field manager in {@code managers} that owned it before (so it is handed back); each other key of
   * {@code keys} is removed, in the same patch as the first values. The claim ({@code claim}, this attempt's, on this object) is put there first
   * if it is missing, so no patch lands on an object the change holds no claim on, and is marked
   * restored last, so a claim that is not marked means the restore is unfinished.
   */
  record Restore(List<String> keys, Map<String, String> originals, Map<String, String> managers, FlagClaim claim)
      implements FlagWrite {

    /** One line: {@code restored USE_REDIS="false", removed USE_REDIS_PERCENTAGE (was absent)}. */
    public String describe() {
      return keys.stream()
          .map(k -> originals.containsKey(k) ? "restored " + k + "=" + OnCall.quoteShort(originals.get(k))
              : "removed " + k + " (was absent)")
          .collect(Collectors.joining(", "));
    }

    /** The keys hold their original values on {@code observed} (a key absent before is absent). */
    public boolean shownBy(ObservedFlag observed) {
      return keys.stream().allMatch(k -> java.util.Objects.equals(originals.get(k), observed.values().get(k)));
    }

    @Override
    public List<ConfigMapPatch> patches(ObservedFlag observed) {
      List<ConfigMapPatch> patches = new ArrayList<>();
      String annotation = ClaimAnnotations.key(claim.uid());
      boolean held = observed.claimOf(claim.uid()).map(ObservedFlag.ObservedClaim::claim)
          .filter(c -> c.attempt() == claim.attempt() && c.on(observed.uid()) && !c.restored()).isPresent();
      if (!held) {
        patches.add(new ConfigMapPatch(FIELD_MANAGER, Map.of(),
            Map.of(annotation, ClaimAnnotations.value(claim.applying(FlagClaim.restoreId(claim.attempt(), false)))),
            true));
      }
      Map<String, Map<String, String>> byManager = new LinkedHashMap<>();
      originals.forEach((key, original) -> {
        if (!original.equals(observed.values().get(key))) {
          byManager.computeIfAbsent(managers.getOrDefault(key, RESTORE_MANAGER), m -> new LinkedHashMap<>())
              .put(key, original);
        }
      });
      // A removal drops the key from every manager, so it rides on the first values patch: when the keys
      // had one owner, the flag goes from flagramp's values to the originals in one write, never through a
      // state that is neither. Keys of several owners take a patch per owner (an Update names one manager).
      Map<String, String> removals = new LinkedHashMap<>();
      keys.stream().filter(k -> !originals.containsKey(k) && observed.values().containsKey(k))
          .forEach(k -> removals.put(k, null));
      if (byManager.isEmpty() && !removals.isEmpty()) {
        byManager.put(FIELD_MANAGER, new LinkedHashMap<>());
      }
      boolean first = true;
      for (Map.Entry<String, Map<String, String>> group : byManager.entrySet()) {
        Map<String, String> data = new LinkedHashMap<>(group.getValue());
        if (first) {
          data.putAll(removals);
          first = false;
        }
        patches.add(new ConfigMapPatch(group.getKey(), observed.dataPatch(data), Map.of(), true));
      }
      // Marked restored last, on its own: the claim annotation stays flagramp's, whoever owns the keys.
      patches.add(new ConfigMapPatch(FIELD_MANAGER, Map.of(),
          Map.of(annotation, ClaimAnnotations.value(claim.applying(FlagClaim.restoreId(claim.attempt(), true)))),
          true));
      return patches;
    }
  }

  /** Remove this change's claim and nothing else (a change that ended and is deleted). */
  record ReleaseClaim(String claimUid) implements FlagWrite {

    @Override
    public List<ConfigMapPatch> patches(ObservedFlag observed) {
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(ClaimAnnotations.key(claimUid), null);
      return List.of(new ConfigMapPatch(FIELD_MANAGER, Map.of(), annotations, false));
    }
  }
}
