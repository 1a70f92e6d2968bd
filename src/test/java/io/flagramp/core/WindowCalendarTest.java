package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.Weekday;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * spec.windows on an injected instant. Europe/Berlin jumps from 02:00 to 03:00 on 2027-03-28 and goes
 * back from 03:00 to 02:00 on 2026-10-25; America/New_York does the same on 2027-03-14 and 2026-11-01.
 */
class WindowCalendarTest {

  record Row(String name, DeployWindows windows, String now, boolean open, String nextOpening) {
    @Override
    public String toString() {
      return name;
    }
  }

  static DeployWindows berlin(AllowedWindow... allowed) {
    return new DeployWindows("Europe/Berlin", List.of(allowed), null);
  }

  static AllowedWindow on(Weekday day, String from, String to) {
    return new AllowedWindow(List.of(day), from, to);
  }

  static Row row(String name, DeployWindows windows, String now, boolean open, String nextOpening) {
    return new Row(name, windows, now, open, nextOpening);
  }

  static Stream<Row> rows() {
    DeployWindows weekdays = new DeployWindows("Europe/Berlin", List.of(new AllowedWindow(
        List.of(Weekday.Mon, Weekday.Tue, Weekday.Wed, Weekday.Thu), "02:00", "05:00")), null);
    return Stream.of(
        row("inside a weekday window (Thu 03:00 CET)", weekdays, "2026-11-26T02:00:00Z", true,
            "2026-11-26T02:00:00Z"),
        row("the end is not included (Thu 05:00 CET)", weekdays, "2026-11-26T04:00:00Z", false,
            "2026-11-30T01:00:00Z"),
        row("never on a Friday: waits for Monday 02:00 CET", weekdays, "2026-11-27T01:30:00Z", false,
            "2026-11-30T01:00:00Z"),
        row("DST gap night: 02:00-03:00 does not exist, the window does not open", berlin(on(Weekday.Sun, "02:00",
            "03:00")), "2027-03-28T00:30:00Z", false, "2027-04-04T00:00:00Z"),
        row("DST gap night: 01:30-02:30 runs 01:30 CET to 03:30 CEST, one real hour (open at 03:15 CEST)",
            berlin(on(Weekday.Sun, "01:30", "02:30")), "2027-03-28T01:15:00Z", true, "2027-03-28T01:15:00Z"),
        row("DST gap night: 01:30-02:30 has closed at 03:30 CEST", berlin(on(Weekday.Sun, "01:30", "02:30")),
            "2027-03-28T01:30:00Z", false, "2027-04-03T23:30:00Z"),
        row("DST overlap night: 02:00-03:00 opens at the first 02:00 (CEST)", berlin(on(Weekday.Sun, "02:00",
            "03:00")), "2026-10-24T23:59:00Z", false, "2026-10-25T00:00:00Z"),
        row("DST overlap night: 02:00-03:00 is still open in the repeated 02:30 (CET)", berlin(on(Weekday.Sun,
            "02:00", "03:00")), "2026-10-25T01:30:00Z", true, "2026-10-25T01:30:00Z"),
        row("DST overlap night: 02:00-03:00 closes at the only 03:00 (CET), two real hours after it opened",
            berlin(on(Weekday.Sun, "02:00", "03:00")), "2026-10-25T02:00:00Z", false, "2026-11-01T01:00:00Z"),
        row("DST overlap night: 02:00-02:30 runs in the first occurrence only", berlin(on(Weekday.Sun, "02:00",
            "02:30")), "2026-10-25T01:15:00Z", false, "2026-11-01T01:00:00Z"),
        row("New York gap night: 02:00-03:00 does not open", new DeployWindows("America/New_York", List.of(
            on(Weekday.Sun, "02:00", "03:00")), null), "2027-03-14T06:30:00Z", false, "2027-03-21T06:00:00Z"),
        row("New York overlap night: 01:00-02:00 lasts two real hours", new DeployWindows("America/New_York",
            List.of(on(Weekday.Sun, "01:00", "02:00")), null), "2026-11-01T06:30:00Z", true,
            "2026-11-01T06:30:00Z"),
        row("an overnight range belongs to the day it starts on (Fri 22:00-02:00, Sat 01:00)",
            berlin(on(Weekday.Fri, "22:00", "02:00")), "2026-11-28T00:00:00Z", true, "2026-11-28T00:00:00Z"),
        row("24:00 is the end of the day", berlin(on(Weekday.Thu, "20:00", "24:00")), "2026-11-26T22:59:00Z",
            true, "2026-11-26T22:59:00Z"),
        row("a freeze given as dates covers its last day; the next opening is after it",
            new DeployWindows("Europe/Berlin", List.of(new AllowedWindow(null, "09:00", "17:00")),
                List.of(new BlockedWindow("2026-12-21", "2027-01-04", "year-end freeze"))),
            "2026-12-22T10:00:00Z", false, "2027-01-05T08:00:00Z"),
        row("a freeze that ends inside an allowed range opens at its end",
            new DeployWindows("Europe/Berlin", List.of(new AllowedWindow(null, "09:00", "17:00")),
                List.of(new BlockedWindow("2026-12-21T09:00", "2026-12-21T12:30", null))),
            "2026-12-21T08:30:00Z", false, "2026-12-21T11:30:00Z"),
        row("only blocked ranges: any time outside them", new DeployWindows("UTC", null,
            List.of(new BlockedWindow("2026-11-26T00:00", "2026-11-26T06:00", null))), "2026-11-26T02:00:00Z",
            false, "2026-11-26T06:00:00Z"),
        row("a window that never opens within the horizon", new DeployWindows("UTC", List.of(on(Weekday.Mon,
            "02:00", "03:00")), List.of(new BlockedWindow("2026-01-01", "2028-12-31", "frozen"))),
            "2026-11-26T02:00:00Z", false, null));
  }

  @ParameterizedTest
  @MethodSource("rows")
  void aStepMayBeEnteredOnlyInsideAnAllowedRangeAndOutsideEveryBlockedOne(Row row) {
    WindowCalendar calendar = WindowCalendar.of(row.windows()).orElseThrow();
    Instant now = Instant.parse(row.now());

    assertThat(calendar.open(now)).as("open at " + row.now()).isEqualTo(row.open());
    assertThat(calendar.nextOpening(now)).isEqualTo(Optional.ofNullable(row.nextOpening()).map(Instant::parse));
  }

  @org.junit.jupiter.api.Test
  void theOverlapNightWindowLastsTwoRealHoursAndTheGapNightWindowNone() {
    WindowCalendar overlap = WindowCalendar.of(berlin(on(Weekday.Sun, "02:00", "03:00"))).orElseThrow();
    WindowCalendar gap = overlap;

    assertThat(openMinutes(overlap, Instant.parse("2026-10-24T22:00:00Z"), Duration.ofHours(6))).isEqualTo(120);
    assertThat(openMinutes(gap, Instant.parse("2027-03-27T22:00:00Z"), Duration.ofHours(6))).isZero();
    assertThat(openMinutes(overlap, Instant.parse("2026-11-07T22:00:00Z"), Duration.ofHours(6)))
        .as("an ordinary Sunday").isEqualTo(60);
  }

  @org.junit.jupiter.api.Test
  void theMessageNamesTheRangesAndTheOpeningInLocalTime() {
    WindowCalendar c = WindowCalendar.of(new DeployWindows("Europe/Berlin", List.of(new AllowedWindow(
        List.of(Weekday.Tue, Weekday.Mon), "02:00", "05:00")), null)).orElseThrow();

    assertThat(c.describe()).isEqualTo("Mon,Tue 02:00-05:00 (Europe/Berlin)");
    assertThat(c.human(Instant.parse("2026-11-30T01:00:00Z"))).isEqualTo("Mon 2026-11-30 02:00 CET");
  }

  private static long openMinutes(WindowCalendar c, Instant from, Duration span) {
    long open = 0;
    for (Instant t = from; t.isBefore(from.plus(span)); t = t.plus(Duration.ofMinutes(1))) {
      if (c.open(t)) {
        open++;
      }
    }
    return open;
  }
}
