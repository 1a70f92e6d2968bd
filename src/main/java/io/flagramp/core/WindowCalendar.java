package io.flagramp.core;

import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.Weekday;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * spec.windows as instants. Times are local wall-clock times of the time zone, turned into instants
 * the way {@link ZonedDateTime#of} does it, which fixes what the two DST nights mean:
 *
 * <ul>
 *   <li>a local time the clock skips (02:30 on the night it jumps from 02:00 to 03:00) is read as the
 *       same time after the jump (03:30). A window 02:00–03:00 on that night runs from 03:00 to 03:00: it
 *       does not open; 01:30–02:30 runs from 01:30 to 03:30 local, one real hour;
 *   <li>a local time the clock repeats (02:30 on the night it goes back from 03:00 to 02:00) is its first
 *       occurrence. A window 02:00–03:00 on that night runs from the first 02:00 to the only 03:00: two
 *       real hours; 02:00–02:30 runs in the first 02:00–02:30 only.
 * </ul>
 *
 * An allowed range belongs to the day it starts on; one whose end is at or before its start ends on the
 * next day. A blocked range given as dates covers whole days, its end date included.
 */
final class WindowCalendar {

  /** How far ahead an opening is looked for. */
  static final int HORIZON_DAYS = 400;

  private static final DateTimeFormatter HUMAN =
      DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm zzz", Locale.ENGLISH);

  private final ZoneId zone;
  private final List<Weekly> allowed;
  private final List<Blocked> blocked;

  private record Weekly(Set<DayOfWeek> days, LocalTime from, LocalTime to, boolean toMidnight) {}

  /** A blocked range as instants, with what on-call reads about it. */
  record Blocked(Instant from, Instant to, String describe) {}

  private record Range(Instant from, Instant to) {}

  private WindowCalendar(ZoneId zone, List<Weekly> allowed, List<Blocked> blocked) {
    this.zone = zone;
    this.allowed = allowed;
    this.blocked = blocked;
  }

  /**
   * The calendar of a spec's windows; empty without windows.
   *
   * @throws IllegalArgumentException naming what cannot be read (the validator reports it as a field)
   */
  static Optional<WindowCalendar> of(DeployWindows windows) {
    if (windows == null) {
      return Optional.empty();
    }
    ZoneId zone = ZoneId.of(windows.getTimeZone());
    List<Weekly> weekly = new ArrayList<>();
    if (windows.getAllowed() != null) {
      for (AllowedWindow w : windows.getAllowed()) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        if (w.getDays() == null || w.getDays().isEmpty()) {
          days = EnumSet.allOf(DayOfWeek.class);
        } else {
          w.getDays().stream().map(Weekday::day).forEach(days::add);
        }
        boolean midnight = "24:00".equals(w.getTo());
        weekly.add(new Weekly(days, LocalTime.parse(w.getFrom()), midnight ? LocalTime.MIDNIGHT
            : LocalTime.parse(w.getTo()), midnight));
      }
    }
    List<Blocked> blocks = new ArrayList<>();
    if (windows.getBlocked() != null) {
      for (BlockedWindow b : windows.getBlocked()) {
        Instant from = local(b.getFrom(), false, zone);
        Instant to = local(b.getTo(), true, zone);
        String reason = b.getReason() == null || b.getReason().isBlank() ? "" : " (" + b.getReason() + ")";
        blocks.add(new Blocked(from, to, "blocked " + b.getFrom() + " to " + b.getTo() + reason));
      }
    }
    return Optional.of(new WindowCalendar(zone, weekly, blocks));
  }

  /** A blocked range's bound: a date is its start (or, as an end, the start of the next day). */
  static Instant local(String value, boolean end, ZoneId zone) {
    if (value.length() == 10) {
      LocalDate date = LocalDate.parse(value);
      return ZonedDateTime.of(end ? date.plusDays(1) : date, LocalTime.MIDNIGHT, zone).toInstant();
    }
    return ZonedDateTime.of(LocalDateTime.parse(value), zone).toInstant();
  }

  /** A step may be entered at {@code t}. */
  boolean open(Instant t) {
    return blockedAt(t).isEmpty() && allowedAt(t);
  }

  /** The blocked range {@code t} is in, if any. */
  Optional<Blocked> blockedAt(Instant t) {
    return blocked.stream().filter(b -> !t.isBefore(b.from()) && t.isBefore(b.to())).findFirst();
  }

  private boolean allowedAt(Instant t) {
    LocalDate today = t.atZone(zone).toLocalDate();
    for (LocalDate date : List.of(today.minusDays(1), today)) {
      for (Range r : ranges(date)) {
        if (!t.isBefore(r.from()) && t.isBefore(r.to())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The earliest instant at or after {@code t} at which a step may be entered, within the horizon. */
  Optional<Instant> nextOpening(Instant t) {
    if (open(t)) {
      return Optional.of(t);
    }
    LocalDate first = t.atZone(zone).toLocalDate().minusDays(1);
    Optional<Instant> best = Optional.empty();
    for (int i = 0; i <= HORIZON_DAYS; i++) {
      LocalDate date = first.plusDays(i);
      if (best.isPresent() && start(date).isAfter(best.get())) {
        break;  // every range of this day and later starts after the best found
      }
      for (Range r : ranges(date)) {
        Optional<Instant> found = firstUnblocked(r, t);
        if (found.isPresent() && (best.isEmpty() || found.get().isBefore(best.get()))) {
          best = found;
        }
      }
    }
    return best;
  }

  /** The first instant of {@code r}, at or after {@code t}, outside every blocked range. */
  private Optional<Instant> firstUnblocked(Range r, Instant t) {
    Instant candidate = r.from().isBefore(t) ? t : r.from();
    while (candidate.isBefore(r.to())) {
      Optional<Blocked> b = blockedAt(candidate);
      if (b.isEmpty()) {
        return Optional.of(candidate);
      }
      candidate = b.get().to();
    }
    return Optional.empty();
  }

  /** The allowed ranges that start on {@code date}, in order; the whole day when none are given. */
  private List<Range> ranges(LocalDate date) {
    if (allowed.isEmpty()) {
      return List.of(new Range(start(date), start(date.plusDays(1))));
    }
    List<Range> ranges = new ArrayList<>();
    for (Weekly w : allowed) {
      if (!w.days().contains(date.getDayOfWeek())) {
        continue;
      }
      Instant from = ZonedDateTime.of(date, w.from(), zone).toInstant();
      boolean nextDay = w.toMidnight() || !w.to().isAfter(w.from());
      Instant to = ZonedDateTime.of(nextDay ? date.plusDays(1) : date, w.to(), zone).toInstant();
      if (from.isBefore(to)) {
        ranges.add(new Range(from, to));
      }
    }
    ranges.sort(Comparator.comparing(Range::from));
    return ranges;
  }

  private Instant start(LocalDate date) {
    return date.atStartOfDay(zone).toInstant();
  }

  /** An instant as on-call reads it in this time zone: "Tue 2026-11-24 02:00 CET". */
  String human(Instant t) {
    return HUMAN.format(t.atZone(zone));
  }

  /** The allowed ranges in one line: "Mon,Tue 02:00-05:00; Sat 10:00-12:00 (Europe/Berlin)". */
  String describe() {
    String ranges = allowed.isEmpty() ? "any time" : allowed.stream()
        .map(w -> (w.days().size() == 7 ? "daily" : w.days().stream().sorted()
            .map(d -> Weekday.values()[d.getValue() - 1].name()).collect(Collectors.joining(",")))
            + " " + w.from() + "-" + (w.toMidnight() ? "24:00" : w.to().toString()))
        .collect(Collectors.joining("; "));
    return ranges + " (" + zone.getId() + ")";
  }
}
