package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.FlagTarget;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whether a first step would lower a flag left higher, as the approval gate and lint both read it. */
class LoweringTest {

  private static final FlagTarget FLAG = new FlagTarget("app-features", "PCT", "ON");

  @Test
  void aFirstStepBelowTheWeightTheFlagHoldsNowLowersIt() {
    assertThat(Lowering.of(FLAG, Map.of("PCT", "100", "ON", "true"), 30)).contains("the first step (weight 30) would"
        + " lower PCT from 100 to 30, taking the flag away from 70% of users");
  }

  @Test
  void aFlagThatIsOffOrAtOrBelowTheFirstStepOrUnreadableIsNotLowered() {
    assertThat(Lowering.of(FLAG, Map.of("PCT", "100", "ON", "false"), 30)).as("off: nobody has it").isEmpty();
    assertThat(Lowering.of(FLAG, Map.of("PCT", "30", "ON", "true"), 30)).isEmpty();
    assertThat(Lowering.of(FLAG, Map.of("ON", "true"), 30)).as("no percentage").isEmpty();
    assertThat(Lowering.of(FLAG, Map.of("PCT", "lots", "ON", "true"), 30)).as("not a number").isEmpty();
    assertThat(Lowering.of(new FlagTarget("app-features", "PCT", null), Map.of("PCT", "50"), 10))
        .as("without an enabled key the percentage alone says").isPresent();
  }
}
