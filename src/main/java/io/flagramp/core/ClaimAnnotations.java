package io.flagramp.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A ScalingChange's claim on a ConfigMap as an annotation: {@code claim.flagramp.io/<uid>} with
 * {@code {"name":"use-redis","keys":["USE_REDIS_PERCENTAGE","USE_REDIS"],"applied":"1.5","attempt":1,
 * "configMap":"<the ConfigMap's uid>"}}. One annotation per change, so changes on different keys of one
 * ConfigMap never touch each other's.
 */
public final class ClaimAnnotations {

  public static final String PREFIX = "claim.flagramp.io/";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private record Value(String name, List<String> keys, String applied, Integer attempt, String configMap) {}

  private ClaimAnnotations() {}

  public static String key(String uid) {
    return PREFIX + uid;
  }

  public static String value(FlagClaim claim) {
    try {
      return JSON.writeValueAsString(new Value(claim.name(), claim.keys(), claim.applied(), claim.attempt(),
          claim.configMapUid()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a claim always serializes", e);
    }
  }

  /** Every readable claim among these annotations; one that is not readable claims nothing. */
  public static List<FlagClaim> read(Map<String, String> annotations) {
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
      int attempt = v.attempt() == null ? FlagClaim.attemptOf(v.applied()) : v.attempt();
      return Optional.of(new FlagClaim(uid, v.name(), List.copyOf(v.keys()), v.applied(), attempt, v.configMap()));
    } catch (JsonProcessingException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
