package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import java.util.List;
import java.util.Optional;

/**
 * The claim on the ConfigMap decides every write. A change writes a flag only on the object its attempt
 * holds a claim on, and never a key another live change's claim holds:
 *
 * <ul>
 *   <li>a step (and a step's intent finished later) is made only with this attempt's claim on the very
 *       object the attempt started on ({@code status.configMapUid}), and no foreign live claim on its keys;
 *   <li>a restore puts this attempt's claim on the object first when it is not there (a ConfigMap created
 *       again) and never writes keys another live change holds; after the change succeeded it is made only
 *       while its claim is still there, since a change that took the keys since removed it;
 *   <li>a claim written by a later attempt than a reconcile's copy knows means that copy is stale.
 * </ul>
 */
final class Claims {

  private Claims() {}

  /** This attempt's claim on the ConfigMap as observed, written to this very object. */
  static Optional<FlagClaim> own(Draft d) {
    return d.o.flag().flatMap(f -> f.claimOf(d.uid()).map(ObservedFlag.ObservedClaim::claim)
        .filter(c -> c.attempt() == d.attempt() && c.on(f.uid())));
  }

  /**
   * This attempt's claim, unrestored, on the ConfigMap as observed, or on the object it was copied from
   * (a ConfigMap created again from a backup carries it): proof that no other change took the keys
   * before the copy was taken, since one that did would have removed it.
   */
  static Optional<FlagClaim> ownOrCopied(Draft d) {
    return d.o.flag().flatMap(f -> f.claimOf(d.uid()).map(ObservedFlag.ObservedClaim::claim)
        .filter(c -> c.attempt() == d.attempt() && !c.restored()));
  }

  /**
   * Why a restore may not be written on {@code flag}, or empty when it may: it may where this attempt's
   * claim (or a copy of it) is still on the ConfigMap, since a change that took the keys since would have
   * removed it; without one, only where every key of the flag still holds exactly what the attempt last
   * wrote (at {@code weight}) and no other change's claim (on this object, or copied with it) shows that it
   * wrote them. After the
   * attempt succeeded ({@code needsClaim}) only with the claim.
   */
  static Optional<String> restoreRefusal(Draft d, ObservedFlag flag, FlagWrite.Restore restore, Integer weight,
      boolean needsClaim) {
    if (ownOrCopied(d).isPresent()) {
      return Optional.empty();
    }
    String cm = d.flag().getConfigMapName();
    if (needsClaim || weight == null) {
      return Optional.of("this change's claim is gone from ConfigMap " + cm + ", so another writer has taken the"
          + " keys since it succeeded");
    }
    // Any other change's claim on the keys, even one copied from the object before: it wrote them.
    Optional<FlagClaim> wrote = flag.claims().stream().map(ObservedFlag.ObservedClaim::claim)
        .filter(c -> !c.uid().equals(d.uid()) && c.overlaps(restore.keys())).findFirst();
    if (wrote.isPresent()) {
      return Optional.of("ScalingChange " + wrote.get().name() + " has written " + String.join(", ",
          restore.keys().stream().filter(wrote.get()::holds).toList()) + " in ConfigMap " + cm + " since"
          + " this change's claim was there");
    }
    // Every key of the flag, not only those the restore may write: the enabled key reads "true" at any weight,
    // so it alone shows nothing of whose values these are.
    java.util.Map<String, String> ours = d.valuesFor(weight);
    boolean still = d.flag().keys().stream().allMatch(k -> java.util.Objects.equals(ours.get(k), flag.values().get(k)));
    return still ? Optional.empty() : Optional.of("this change's claim is not on ConfigMap " + cm + " and the keys no"
        + " longer hold what it wrote (weight " + weight + "), so they are someone else's now");
  }

  /** Why a running attempt may write neither a step nor anything else now; empty when it may. */
  static Optional<Gate.Verdict.Hold> refusal(Draft d, ObservedFlag flag) {
    String cm = d.flag().getConfigMapName();
    String at = d.weight() == null ? "" : " at weight " + d.weight();
    String bound = d.next.getConfigMapUid();
    if (!d.boundTo(flag)) {
      return Optional.of(new Gate.Verdict.Hold(Phase.Held, Reason.ConfigMapReplaced, "ConfigMap " + cm
          + " was deleted and created again (uid " + shortUid(bound) + " → " + shortUid(flag.uid()) + ") while this"
          + " attempt held it" + at + ": nothing of the attempt is on the new one, and it is not ramped; abort ("
          + Annotations.ABORT + ") to put the original values on it, then retry to ramp it from the first step",
          Notice.Kind.Warning));
    }
    Optional<FlagClaim> own = own(d).filter(c -> !c.restored());
    if (own.isEmpty()) {
      return Optional.of(new Gate.Verdict.Hold(Phase.Held, Reason.ClaimLost, "the claim annotation "
          + ClaimAnnotations.key(d.uid()) + " is gone from ConfigMap " + cm + at + ": flagramp writes a flag only"
          + " while its claim is on it, so nothing is written; abort (" + Annotations.ABORT + ") to restore the"
          + " original values", Notice.Kind.Warning));
    }
    return foreign(d, flag).map(other -> new Gate.Verdict.Hold(Phase.Held, Reason.Conflict, "ScalingChange "
        + other.name() + " also claims " + String.join(", ", shared(d, other)) + " in ConfigMap " + cm + at
        + ": nothing is written while two changes claim one key; abort one of them", Notice.Kind.Warning));
  }

  /** A claim of another change that still holds one of these keys. */
  static Optional<FlagClaim> foreign(Draft d, ObservedFlag flag) {
    return flag.claims().stream()
        .filter(c -> c.live() && !c.claim().uid().equals(d.uid()) && c.claim().overlaps(d.flag().keys()))
        .map(ObservedFlag.ObservedClaim::claim)
        .findFirst();
  }

  /** Each key of this change that another change's live claim holds, with that claim. */
  static java.util.Map<String, FlagClaim> heldByOthers(Draft d, ObservedFlag flag) {
    java.util.Map<String, FlagClaim> held = new java.util.LinkedHashMap<>();
    for (ObservedFlag.ObservedClaim c : flag.claims()) {
      if (c.live() && !c.claim().uid().equals(d.uid())) {
        d.flag().keys().stream().filter(c.claim()::holds).forEach(k -> held.putIfAbsent(k, c.claim()));
      }
    }
    return held;
  }

  /** "; left K to ScalingChange B, which holds it now", for each key a restore may not write. */
  static String left(java.util.Map<String, FlagClaim> held) {
    if (held.isEmpty()) {
      return "";
    }
    java.util.Map<String, List<String>> byOwner = new java.util.LinkedHashMap<>();
    held.forEach((k, c) -> byOwner.computeIfAbsent(c.name(), n -> new java.util.ArrayList<>()).add(k));
    List<String> parts = new java.util.ArrayList<>();
    byOwner.forEach((name, keys) -> parts.add(String.join(", ", keys) + " to ScalingChange " + name));
    return "; left " + String.join(" and ", parts) + ", which holds " + (held.size() == 1 ? "it" : "them") + " now";
  }

  /** The keys of this change that {@code other} claims too. */
  static List<String> shared(Draft d, FlagClaim other) {
    return d.flag().keys().stream().filter(other::holds).toList();
  }

  /** This change's claim written by a later attempt than the one its status is at: the status is stale. */
  static boolean aheadOfStatus(Draft d) {
    return d.o.flag().flatMap(f -> f.claimOf(d.uid())).map(c -> c.claim().attempt() > d.attempt()).orElse(false);
  }

  /** The claim this attempt writes on {@code flag}, with {@code id} as its last write. */
  static FlagClaim claim(Draft d, ObservedFlag flag, String id) {
    return claim(d, flag, id, d.flag().keys());
  }

  /** The claim this attempt writes on {@code flag} for {@code keys} only (a restore of the keys it may write). */
  static FlagClaim claim(Draft d, ObservedFlag flag, String id, List<String> keys) {
    return new FlagClaim(d.uid(), d.change().getMetadata().getName(), keys, id, d.attempt(), flag.uid());
  }

  static String shortUid(String uid) {
    return uid == null ? "?" : uid.length() <= 8 ? uid : uid.substring(0, 8);
  }
}
