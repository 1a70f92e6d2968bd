package io.flagramp.core;

import java.time.Instant;
import java.util.Set;

/**
 * What another ScalingChange in the namespace wants to write, for the rule that two changes never
 * write the same ConfigMap key at once.
 *
 * @param holding it has recorded original values and not yet ended: it owns its keys now
 * @param waiting it has not started and has not ended either: it is in line for its keys
 */
public record Claim(String name, Instant created, String configMapName, Set<String> keys,
    boolean holding, boolean waiting) {

  boolean overlaps(String otherConfigMap, Set<String> otherKeys) {
    return configMapName.equals(otherConfigMap) && keys.stream().anyMatch(otherKeys::contains);
  }
}
