package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} = {1} ms, spelled {2}")
  @CsvSource({
      "30s, 30000, 30s",
      "5m, 300000, 5m",
      "1h30m, 5400000, 1h30m",
      "24h, 86400000, 24h",
      "500ms, 500, 500ms",
      "90s, 90000, 1m30s",
      "0s, 0, 0s"})
  void parsesGoStyleDurationsAndSpellsThemShortest(String text, long millis, String spelled) {
    Duration d = Durations.parse(text);
    assertThat(d.toMillis()).isEqualTo(millis);
    assertThat(Durations.format(d)).isEqualTo(spelled);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1d", "1.5h", "-5s", "5", "h", "5 s"})
  void rejectsWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a duration like 30s, 5m, 1h30m or 24h");
  }

  @ParameterizedTest
  @ValueSource(strings = {"99999999999999999999h", "9223372036854775807h", "3000000000000000h"})
  void rejectsDurationsTooLargeToRepresent(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).hasMessage("\"" + text + "\" is out of range");
  }
}
