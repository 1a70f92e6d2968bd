package io.flagramp.api.v1alpha1;

import java.time.DayOfWeek;

/** A day of the week, as spec.windows names it. */
public enum Weekday {
  Mon(DayOfWeek.MONDAY),
  Tue(DayOfWeek.TUESDAY),
  Wed(DayOfWeek.WEDNESDAY),
  Thu(DayOfWeek.THURSDAY),
  Fri(DayOfWeek.FRIDAY),
  Sat(DayOfWeek.SATURDAY),
  Sun(DayOfWeek.SUNDAY);

  private final DayOfWeek day;

  Weekday(DayOfWeek day) {
    this.day = day;
  }

  public DayOfWeek day() {
    return day;
  }
}
