package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class EventRecorderTest {

  @Test
  void eventTimesStrictlyIncreaseEvenWhenTheClockDoesNot() {
    Instant t = Instant.parse("2026-11-26T02:00:00.123456789Z");
    EventRecorder recorder = new EventRecorder(null, Clock.fixed(t, ZoneOffset.UTC), "it");

    Instant first = recorder.next();
    Instant second = recorder.next();
    Instant third = recorder.next();

    assertThat(first).isEqualTo(t.truncatedTo(ChronoUnit.MICROS));
    assertThat(second).isEqualTo(first.plus(1, ChronoUnit.MICROS));
    assertThat(third).isEqualTo(second.plus(1, ChronoUnit.MICROS));
  }
}
