package io.flagramp.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flagramp.core.FlagClaim;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A ScalingChange's claim on a ConfigMap as an annotation: {@code claim.flagramp.io/<uid>} with
 * {@code {"name":"use-redis","keys":["USE_REDIS_PERCENTAGE","USE_REDIS"],"applied":"1.5"}}. One
 * annotation per change, so changes on different keys of one ConfigMap never touch each other's.
 */
final class ClaimAnnotations {

  static final String PREFIX = "claim.flagramp.io/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Value(String name, List<String> keys, String applied) {}

  private ClaimAnnotations() {}

  static String key(String uid) {
    return PREFIX + uid;
  }

  static String value(FlagClaim claim) {
    try {
      return JSON.writeValueAsString(new Value(claim.name(), claim.keys(), claim.applied()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a claim always serializes", e);
    }
  }

  /** Every readable claim among these annotations; one that is not readable claims nothing. */
  static List<FlagClaim> read(Map<String, String> annotations) {
    List<FlagClaim> claims = new ArrayList<>();
    if (annotations != null) {
      annotations.forEach((k, v) -> {
        if (k.startsWith(PREFIX)) {
          parse(k.substring(PREFIX.length()), v).ifPresent(claims::add);
        }
      });
    }
    return claims;
  }

  private static Optional<FlagClaim> parse(String uid, String text) {
    try {
      Value v = JSON.readValue(text, Value.class);
      if (v.name() == null || v.keys() == null) {
        return Optional.empty();
      }
      return Optional.of(new FlagClaim(uid, v.name(), List.copyOf(v.keys()), v.applied()));
    } catch (JsonProcessingException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
