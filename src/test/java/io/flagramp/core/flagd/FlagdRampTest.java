package io.flagramp.core.flagd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The flagd document transform: a flag's definition at each weight, and what is refused before any write. */
class FlagdRampTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A document as people write it: indented by hand, other flags and shared evaluators around the one ramped. */
  static final String DOCUMENT = """
      {
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "metadata": {"team": "checkout"},
        "flags": {
          "dark-mode": {
            "state": "ENABLED",
            "variants": {"on": true, "off": false},
            "defaultVariant": "off",
            "targeting": {"if": [{"$ref": "beta-users"}, "on", "off"]}
          },
          "new-checkout": {
            "state": "ENABLED",
            "variants": { "on": true,   "off": false },
            "defaultVariant": "off",
            "metadata": {"owner": "payments"}
          },
          "banner": {"state": "ENABLED", "variants": {"a": "A", "b": "B"}, "defaultVariant": "a"}
        },
        "$evaluators": {"beta-users": {"in": ["@beta.example", {"var": "email"}]}}
      }
      """;

  private static FlagdDocument doc(String text) {
    return ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(text, "data key flags.json")).document();
  }

  private static String original(String flag) {
    return doc(DOCUMENT).flagText(flag).orElseThrow();
  }

  private static JsonNode tree(String json) throws Exception {
    return JSON.readTree(json);
  }

  private static Optional<String> problemOf(String definition) throws Exception {
    return FlagdRamp.problem(tree(definition), "f", "on", "off");
  }

  @Test
  void aFlagWithoutTargetingGetsASplitWithOnFirstAndTheRestOfItsDefinitionKept() throws Exception {
    String at5 = FlagdRamp.definitionAt(original("new-checkout"), "new-checkout", "on", "off", 5);

    assertThat(tree(at5)).isEqualTo(tree("""
        {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
         "metadata": {"owner": "payments"}, "targeting": {"fractional": [["on", 5], ["off", 95]]}}"""));
  }

  @Test
  void everyStepIsComputedFromTheOriginalSoTheTotalAndTheOrderNeverMove() throws Exception {
    for (int w : new int[] {1, 5, 10, 25, 50, 99}) {
      JsonNode split = tree(FlagdRamp.definitionAt(original("new-checkout"), "new-checkout", "on", "off", w))
          .at("/targeting/fractional");
      assertThat(split.get(0).get(0).asText()).isEqualTo("on");
      assertThat(split.get(0).get(1).asInt()).isEqualTo(w);
      assertThat(split.get(1).get(0).asText()).isEqualTo("off");
      assertThat(split.get(0).get(1).asInt() + split.get(1).get(1).asInt()).isEqualTo(100);
    }
  }

  @Test
  void weightOneHundredIsTheOnVariantItselfNotASplit() throws Exception {
    JsonNode at100 = tree(FlagdRamp.definitionAt(original("new-checkout"), "new-checkout", "on", "off", 100));

    assertThat(at100.has("targeting")).isFalse();
    assertThat(at100.get("defaultVariant").asText()).isEqualTo("on");
    assertThat(at100.get("metadata")).isEqualTo(tree("{\"owner\": \"payments\"}"));
  }

  @Test
  void anExistingSplitKeepsItsVariantOrderAndItsBucketingExpression() throws Exception {
    String original = """
        {"state": "ENABLED", "variants": {"on": 1, "off": 0}, "defaultVariant": "off",
         "targeting": {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "email"}]}, ["off", 1], ["on", 1]]}}""";

    JsonNode at25 = tree(FlagdRamp.definitionAt(original, "f", "on", "off", 25));

    assertThat(at25.get("targeting")).isEqualTo(tree("""
        {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "email"}]}, ["off", 75], ["on", 25]]}"""));
  }

  @Test
  void aSplitInTheLastElseOfAnIfChainIsRampedAndTheEarlierBranchesAreKept() throws Exception {
    String original = """
        {"state": "ENABLED", "variants": {"on": 1, "off": 0}, "defaultVariant": "off",
         "targeting": {"if": [{"==": [{"var": "tier"}, "staff"]}, "on",
                              {"if": [{"==": [{"var": "tier"}, "banned"]}, "off", {"fractional": [["on", 0], ["off", 100]]}]}]}}""";

    JsonNode at10 = tree(FlagdRamp.definitionAt(original, "f", "on", "off", 10));
    JsonNode at100 = tree(FlagdRamp.definitionAt(original, "f", "on", "off", 100));

    assertThat(at10.at("/targeting/if/2/if/2")).isEqualTo(tree("{\"fractional\": [[\"on\", 10], [\"off\", 90]]}"));
    assertThat(at10.at("/targeting/if/0")).isEqualTo(tree("{\"==\": [{\"var\": \"tier\"}, \"staff\"]}"));
    assertThat(at10.at("/targeting/if/2/if/1").asText()).isEqualTo("off");
    assertThat(at100.at("/targeting/if/2/if/2").asText()).isEqualTo("on");
    assertThat(at100.get("defaultVariant").asText()).isEqualTo("off");
  }

  @Test
  void targetingThatDoesNotEndInASplitIsRefusedNamingWhatItEndsIn() throws Exception {
    assertThat(problemOf("""
        {"state": "ENABLED", "variants": {"on": 1, "off": 0}, "defaultVariant": "off",
         "targeting": {"if": [{"in": ["@x", {"var": "email"}]}, "on", "off"]}}""")).hasValueSatisfying(p ->
        assertThat(p).contains("last else is \"off\"").contains("not a fractional split"));
    assertThat(problemOf("""
        {"state": "ENABLED", "variants": {"on": 1, "off": 0}, "defaultVariant": "off",
         "targeting": {"$ref": "shared"}}""")).hasValueSatisfying(p -> assertThat(p).contains("{\"$ref\":\"shared\"}"));
    assertThat(problemOf("""
        {"state": "ENABLED", "variants": {"on": 1, "off": 0}, "defaultVariant": "off",
         "targeting": {"if": [{"var": "x"}, "on"]}}""")).hasValueSatisfying(p -> assertThat(p).contains("without a final else"));
  }

  @Test
  void aSplitOverOtherVariantsOrMoreThanTwoIsRefused() throws Exception {
    assertThat(problemOf("""
        {"state": "ENABLED", "variants": {"on": 1, "off": 0, "mid": 2}, "defaultVariant": "off",
         "targeting": {"fractional": [["on", 10], ["mid", 10], ["off", 80]]}}""")).hasValueSatisfying(p ->
        assertThat(p).contains("is over [on, mid, off], not exactly \"on\" and \"off\""));
    assertThat(problemOf("""
        {"state": "ENABLED", "variants": {"on": 1, "off": 0}, "defaultVariant": "off",
         "targeting": {"fractional": [["on", 1.5], ["off", 80]]}}""")).hasValueSatisfying(p ->
        assertThat(p).contains("whole-number weight"));
  }

  @Test
  void missingVariantsAndAnUnknownDefaultAreRefusedNamingThem() throws Exception {
    assertThat(problemOf("{\"state\": \"ENABLED\", \"variants\": {\"yes\": 1, \"off\": 0}, \"defaultVariant\": \"off\"}"))
        .hasValue("flag \"f\" has no variant \"on\" (it has \"yes\", \"off\")");
    assertThat(problemOf("{\"state\": \"ENABLED\", \"variants\": {\"on\": 1, \"off\": 0}, \"defaultVariant\": \"gone\"}"))
        .hasValueSatisfying(p -> assertThat(p).contains("defaultVariant \"gone\", which is not one of its variants"));
    assertThat(problemOf("{\"state\": \"ENABLED\", \"defaultVariant\": \"off\"}")).hasValueSatisfying(p ->
        assertThat(p).contains("no \"variants\" object"));
  }

  @Test
  void aFlagWithoutTargetingWhoseDefaultIsAThirdVariantOrThatIsDisabledIsRefused() throws Exception {
    assertThat(problemOf("{\"state\": \"ENABLED\", \"variants\": {\"on\": 1, \"off\": 0, \"x\": 2},"
        + " \"defaultVariant\": \"x\"}")).hasValueSatisfying(p -> assertThat(p).contains("would change what everyone"
        + " gets now"));
    assertThat(problemOf("{\"state\": \"ENABLED\", \"variants\": {\"on\": 1, \"off\": 0}, \"defaultVariant\": \"on\"}"))
        .as("on for everyone: a first step lowers it, which the approval gate asks a person for").isEmpty();
    assertThat(FlagdRamp.exposure("{\"variants\": {\"on\": 1, \"off\": 0}, \"defaultVariant\": \"on\"}", "on", "off"))
        .hasValue(100);
    assertThat(problemOf("{\"state\": \"DISABLED\", \"variants\": {\"on\": 1, \"off\": 0}, \"defaultVariant\": \"off\"}"))
        .hasValueSatisfying(p -> assertThat(p).contains("state \"DISABLED\""));
  }

  @Test
  void aWeightOutsideOneToOneHundredIsNotAStep() {
    assertThatThrownBy(() -> FlagdRamp.definitionAt(original("new-checkout"), "new-checkout", "on", "off", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
