package io.flagramp.core;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps at whole seconds, as Kubernetes writes them. */
public final class Timestamps {

  private Timestamps() {}

  public static Instant truncate(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS);
  }

  public static String format(Instant instant) {
    return truncate(instant).toString();
  }

  public static Instant parse(String text) {
    return Instant.parse(text);
  }
}
