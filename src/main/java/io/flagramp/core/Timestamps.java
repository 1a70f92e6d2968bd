package io.flagramp.core;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * RFC 3339 timestamps. Status keeps them at millisecond precision, so a soak ends when it is due and
 * not up to a second early or late; decision lines show whole seconds, for people.
 */
public final class Timestamps {

  private Timestamps() {}

  /** Millisecond precision: {@code 2026-11-26T02:00:30.250Z}, or {@code 2026-11-26T02:00:30Z} on a whole second. */
  public static String format(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** Whole seconds, rounded up so that "until" never names a moment before the real one. */
  public static String human(Instant instant) {
    Instant seconds = instant.truncatedTo(ChronoUnit.SECONDS);
    return (seconds.equals(instant) ? seconds : seconds.plusSeconds(1)).toString();
  }

  public static Instant parse(String text) {
    return Instant.parse(text);
  }
}
