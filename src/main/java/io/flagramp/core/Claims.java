package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Turns the other ScalingChanges of a namespace into the claims {@link ConflictRule} weighs. */
public final class Claims {

  private Claims() {}

  public static List<Claim> of(Collection<ScalingChange> changes, String exceptName) {
    return changes.stream()
        .filter(c -> !Objects.equals(c.getMetadata().getName(), exceptName))
        .map(Claims::of)
        .flatMap(Optional::stream)
        .toList();
  }

  static Optional<Claim> of(ScalingChange change) {
    FlagTarget flag = change.getSpec() == null ? null : change.getSpec().getFlag();
    if (flag == null || flag.getConfigMapName() == null || flag.getPercentageKey() == null) {
      return Optional.empty();
    }
    ScalingChangeStatus status = change.getStatus();
    Phase phase = status == null ? null : status.getPhase();
    boolean ended = phase != null && phase.isTerminal();
    boolean holding = status != null && status.getOriginalValues() != null && !ended;
    boolean waiting = !holding && !ended && phase != Phase.Invalid && !change.isMarkedForDeletion();
    String ts = change.getMetadata().getCreationTimestamp();
    return Optional.of(new Claim(change.getMetadata().getName(), ts == null ? Instant.MAX : Instant.parse(ts),
        flag.getConfigMapName(), new HashSet<>(flag.keys()), holding, waiting));
  }
}
