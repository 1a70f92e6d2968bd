package io.flagramp.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Times and durations as the plugin shows them: short, in one time zone, for people. */
final class Times {

  private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("EEE HH:mm", Locale.ENGLISH);
  private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ENGLISH);
  private static final DateTimeFormatter DAY_DATE_TIME = DateTimeFormatter.ofPattern("EEE MM-dd HH:mm", Locale.ENGLISH);
  private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ENGLISH);
  private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm", Locale.ENGLISH);

  private Times() {}

  /** "Tue 03:00" within six days of {@code now}, "2026-12-21 03:00" further away. */
  static String at(Instant t, Instant now, ZoneId zone) {
    boolean near = Duration.between(now, t).abs().compareTo(Duration.ofDays(6)) < 0;
    return (near ? DAY_TIME : DATE_TIME).format(t.atZone(zone));
  }

  /** "Tue 03:00". */
  static String dayTime(Instant t, ZoneId zone) {
    return DAY_TIME.format(t.atZone(zone));
  }

  /** "Mon 12-21 03:00". */
  static String dayDateTime(Instant t, ZoneId zone) {
    return DAY_DATE_TIME.format(t.atZone(zone));
  }

  /** "14:05". */
  static String clockMinutes(Instant t, ZoneId zone) {
    return MINUTES.format(t.atZone(zone));
  }

  /** "14:05:07". */
  static String clock(Instant t, ZoneId zone) {
    return CLOCK.format(t.atZone(zone));
  }

  /** "Mon 2026-11-23 02:00 CET". */
  static String full(Instant t, ZoneId zone) {
    return FULL.format(t.atZone(zone)) + " " + zoneName(t, zone);
  }

  /** The zone's short name now, "UTC", "CET". */
  static String zoneName(Instant t, ZoneId zone) {
    String name = DateTimeFormatter.ofPattern("zzz", Locale.ENGLISH).format(t.atZone(zone));
    return name.equals("Z") ? "UTC" : name;
  }

  /**
   * A duration as a countdown reads: seconds only under an hour ("42s", "5m07s"), then "21h13m",
   * then "3d4h". Rounded down, never below zero.
   */
  static String left(Duration d) {
    if (d.isNegative()) {
      return "0s";
    }
    long s = d.getSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
    return String.format(Locale.ROOT, "%dd%dh", s / 86_400, s % 86_400 / 3600);
  }

  /** An offset from a start, exact to the second: "+0", "+1h", "+1d1h", "+4d2h1m", "+5s". */
  static String offset(Duration d) {
    long s = d.getSeconds();
    if (s <= 0) {
      return "+0";
    }
    StringBuilder out = new StringBuilder("+");
    long days = s / 86_400;
    long hours = s % 86_400 / 3600;
    long minutes = s % 3600 / 60;
    long seconds = s % 60;
    if (days > 0) {
      out.append(days).append('d');
    }
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (minutes > 0) {
      out.append(minutes).append('m');
    }
    if (seconds > 0) {
      out.append(seconds).append('s');
    }
    return out.toString();
  }

  /** An RFC 3339 timestamp from status, or null when absent or unreadable (status is written by hand at times). */
  static Instant parse(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
