package io.flagramp.core;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Two changes never write the same ConfigMap key at once. A change that has not started waits for
 * any change that holds one of its keys, and for any older change that is also waiting for them
 * (oldest first, by creation time, then name). Since a waiting change only ever waits for holders or
 * for older changes, nobody waits in a circle.
 */
public final class ConflictRule {

  private ConflictRule() {}

  /** The change this one must wait for, if any. */
  public static Optional<Claim> blocker(String name, Instant created, String configMap, Set<String> keys,
      List<Claim> others) {
    Comparator<Claim> age = Comparator.comparing(Claim::created).thenComparing(Claim::name);
    List<Claim> overlapping = others.stream()
        .filter(c -> !c.name().equals(name) && c.overlaps(configMap, keys))
        .sorted(age)
        .toList();
    Optional<Claim> holder = overlapping.stream().filter(Claim::holding).findFirst();
    if (holder.isPresent()) {
      return holder;
    }
    Claim self = new Claim(name, created, configMap, keys, false, true);
    return overlapping.stream()
        .filter(c -> c.waiting() && age.compare(c, self) < 0)
        .findFirst();
  }
}
