package io.flagramp.core;

import java.util.Collection;
import java.util.List;

/**
 * What a ScalingChange keeps on its ConfigMap while it writes it: which keys it owns, and which of its
 * writes was the last to land. Written with every step under the ConfigMap's resourceVersion, so the
 * API server, not a cache, decides which of two changes owns a key.
 *
 * @param uid the ScalingChange's uid (the annotation's name)
 * @param name the ScalingChange's name, for messages and to look its owner up
 * @param keys the flag keys it writes
 * @param applied the id of the last intent written together with it
 */
public record FlagClaim(String uid, String name, List<String> keys, String applied) {

  public boolean overlaps(Collection<String> otherKeys) {
    return keys.stream().anyMatch(otherKeys::contains);
  }
}
