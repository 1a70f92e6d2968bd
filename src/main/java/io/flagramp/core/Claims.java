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

  /** The keys of this change that {@code other} claims too. */
  static List<String> shared(Draft d, FlagClaim other) {
    return d.flag().keys().stream().filter(other.keys()::contains).toList();
  }

  /** This change's claim written by a later attempt than the one its status is at: the status is stale. */
  static boolean aheadOfStatus(Draft d) {
    return d.o.flag().flatMap(f -> f.claimOf(d.uid())).map(c -> c.claim().attempt() > d.attempt()).orElse(false);
  }

  /** The claim this attempt writes on {@code flag}, with {@code id} as its last write. */
  static FlagClaim claim(Draft d, ObservedFlag flag, String id) {
    return new FlagClaim(d.uid(), d.change().getMetadata().getName(), d.flag().keys(), id, d.attempt(), flag.uid());
  }

  static String shortUid(String uid) {
    return uid == null ? "?" : uid.length() <= 8 ? uid : uid.substring(0, 8);
  }
}
