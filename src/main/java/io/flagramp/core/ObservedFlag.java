package io.flagramp.core;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The flag's keys as read from the ConfigMap just now, and the claims flagramp keeps on it.
 *
 * @param uid the ConfigMap's uid: which ConfigMap of that name this is
 * @param values the flag's keys that exist, with their values (keys not present are absent here)
 * @param otherWriters for each flag key, the field managers other than flagramp that own it
 * @param claims the ScalingChanges' claims on keys of this ConfigMap, each with whether its owner
 *     still holds it
 * @param optedIn the ConfigMap carries the {@link OptIn#FLAGS} label
 * @param immutable the ConfigMap is {@code immutable: true}: nothing can be written to it
 */
public record ObservedFlag(String uid, Map<String, String> values, Map<String, List<String>> otherWriters,
    List<ObservedClaim> claims, boolean optedIn, boolean immutable) {

  public ObservedFlag withClaims(List<ObservedClaim> judged) {
    return new ObservedFlag(uid, values, otherWriters, judged, optedIn, immutable);
  }

  /** The claim of the ScalingChange with this uid, if it has one here. */
  public Optional<ObservedClaim> claimOf(String uid) {
    return claims.stream().filter(c -> c.claim().uid().equals(uid)).findFirst();
  }

  /**
   * A claim on the ConfigMap as read, and whether its owner still holds it.
   *
   * @param live the owner exists with this uid and has written the flag without ending (or is still
   *     restoring it); a claim whose owner ended or is gone is stale, and the next claimant removes it
   */
  public record ObservedClaim(FlagClaim claim, boolean live) {}
}
