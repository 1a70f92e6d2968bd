package io.flagramp.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The flag's keys as read from the ConfigMap just now, and the claims flagramp keeps on it.
 *
 * @param uid the ConfigMap's uid: which ConfigMap of that name this is
 * @param values the flag's keys that exist, with their values (keys not present are absent here)
 * @param owners for each flag key, the field managers that own it ({@value FlagWrite#FIELD_MANAGER}
 *     included), as managedFields say
 * @param claims the ScalingChanges' claims on keys of this ConfigMap, each with whether its owner
 *     still holds it
 * @param optedIn the ConfigMap carries the {@link OptIn#FLAGS} label
 * @param immutable the ConfigMap is {@code immutable: true}: nothing can be written to it
 * @param format how the flag's keys live in the data
 * @param data the data keys the flag lives in, as read (a write of a flagd flag is made on this document)
 * @param stepProblem why no step may be written on the data as read, if none may (see {@link FlagFormat.Reading})
 * @param writeProblem why nothing may be written on it, if nothing may
 */
public record ObservedFlag(String uid, Map<String, String> values, Map<String, List<String>> owners,
    List<ObservedClaim> claims, boolean optedIn, boolean immutable, FlagFormat format, Map<String, String> data,
    Optional<String> stepProblem, Optional<String> writeProblem) {

  /**
   * The flag as {@code format} reads it from the data keys it lives in ({@code data}), each data key owned
   * by the managers in {@code dataOwners}.
   */
  public static ObservedFlag of(FlagFormat format, String uid, Map<String, String> data,
      Map<String, List<String>> dataOwners, List<ObservedClaim> claims, boolean optedIn, boolean immutable) {
    Map<String, String> read = new LinkedHashMap<>();
    format.dataKeys().stream().filter(data::containsKey).forEach(k -> read.put(k, data.get(k)));
    FlagFormat.Reading reading = format.read(read);
    Map<String, List<String>> owners = new LinkedHashMap<>();
    for (String key : format.keys()) {
      List<String> managers = dataOwners.get(format.dataKeyOf(key));
      if (managers != null && reading.values().containsKey(key)) {
        owners.put(key, managers);
      }
    }
    return new ObservedFlag(uid, reading.values(), owners, claims, optedIn, immutable, format, read,
        reading.stepProblem(), reading.writeProblem());
  }

  public ObservedFlag withClaims(List<ObservedClaim> judged) {
    return new ObservedFlag(uid, values, owners, judged, optedIn, immutable, format, data, stepProblem, writeProblem);
  }

  /** The data patch that sets these keys' values (null removes one) on the data as read. */
  public Map<String, String> dataPatch(Map<String, String> keyValues) {
    return format.dataPatch(keyValues, data);
  }

  /** For each key, the field managers other than flagramp that own it: who else wrote it. */
  public Map<String, List<String>> otherWriters() {
    Map<String, List<String>> others = new LinkedHashMap<>();
    owners.forEach((key, managers) -> {
      List<String> other = managers.stream().filter(m -> !FlagWrite.FIELD_MANAGER.equals(m)).toList();
      if (!other.isEmpty()) {
        others.put(key, other);
      }
    });
    return others;
  }

  /**
   * The manager a key is handed back to: another manager that owns it if there is one (a GitOps tool,
   * kubectl), else flagramp itself when it owns it (an earlier change's last weight); empty when
   * managedFields name nobody.
   */
  public Optional<String> owner(String key) {
    List<String> managers = owners.getOrDefault(key, List.of());
    return managers.stream().filter(m -> !FlagWrite.FIELD_MANAGER.equals(m)).findFirst()
        .or(() -> managers.stream().findFirst());
  }

  /** The claim of the ScalingChange with this uid, if it has one here. */
  public Optional<ObservedClaim> claimOf(String uid) {
    return claims.stream().filter(c -> c.claim().uid().equals(uid)).findFirst();
  }

  /**
   * A claim on the ConfigMap as read, and whether its owner still holds it.
   *
   * @param live the owner exists with this uid and this attempt, and has written the flag without
   *     ending (or is still restoring it), whether the claim was written to this very object or copied
   *     onto it; a claim whose owner ended or is gone is stale, and the next claimant removes it
   */
  public record ObservedClaim(FlagClaim claim, boolean live) {}
}
