package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

  static Stream<Arguments> problems() {
    return Stream.of(
        Arguments.of("valid", (Consumer<ScalingChangeSpec>) s -> {}, null),
        Arguments.of("no flag", (Consumer<ScalingChangeSpec>) s -> s.setFlag(null), "spec.flag: is required"),
        Arguments.of("bad ConfigMap name", (Consumer<ScalingChangeSpec>) s -> s.getFlag().setConfigMapName("App_Features"),
            "spec.flag.configMapName: \"App_Features\" is not a valid ConfigMap name"),
        Arguments.of("bad key", (Consumer<ScalingChangeSpec>) s -> s.getFlag().setPercentageKey("a/b"),
            "spec.flag.percentageKey: \"a/b\" is not a valid ConfigMap key"),
        Arguments.of("same key twice", (Consumer<ScalingChangeSpec>) s -> s.getFlag().setEnabledKey("USE_REDIS_PERCENTAGE"),
            "spec.flag.enabledKey: must differ from spec.flag.percentageKey"),
        Arguments.of("no steps", (Consumer<ScalingChangeSpec>) s -> s.getSteps().clear(), "spec.steps: needs at least one step"),
        Arguments.of("weight over 100", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(2).setWeight(101),
            "spec.steps[2].weight: 101 is outside 1..100"),
        Arguments.of("weights not increasing", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(1).setWeight(1),
            "spec.steps[1].weight: 1 must be greater than the previous step's 1"),
        Arguments.of("pause out of range", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(0).setPause("99999999999999999999h"),
            "spec.steps[0].pause: \"99999999999999999999h\" is out of range"),
        Arguments.of("pause not a duration", (Consumer<ScalingChangeSpec>) s -> s.getSteps().get(0).setPause("1d"),
            "spec.steps[0].pause: \"1d\" is not a duration like 30s, 5m, 1h30m or 24h"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("problems")
  void namesTheFirstFieldThatCannotWork(String name, Consumer<ScalingChangeSpec> breakIt, String expected) {
    ScalingChangeSpec spec = Changes.change("c").step(1, "1m").step(5, "1m").step(100, null).build().getSpec();
    breakIt.accept(spec);

    assertThat(SpecValidator.validate(spec).map(SpecProblem::toString).orElse(null)).isEqualTo(expected);
  }
}
