package io.flagramp.core.flagd;

import static io.flagramp.core.flagd.FlagdEvaluator.FLAG;

import java.io.IOException;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The documents flagramp writes, evaluated by the real OpenFeature Java SDK and flagd provider (in-process,
 * reading the document from a file, as an app with the ConfigMap mounted does) over 100,000 targeting keys:
 * the share of "on" at each step, no user losing "on" from one step to the next, and the way back.
 */
class FlagdEvaluatorTest {

  @Test
  void rampedFromOneToOneHundredTheShareOnIsEachWeightNobodyLosesOnAndTheRevertIsExact() throws IOException {
    String original = FlagdRampTest.DOCUMENT;
    FlagdDocument doc = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(original, "flags.json")).document();
    String definition = doc.flagText(FLAG).orElseThrow();
    IntFunction<String> at = w -> doc.withFlag(FLAG, FlagdRamp.definitionAt(definition, FLAG, "on", "off", w));
    String last = at.apply(100);
    FlagdDocument atHundred = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(last, "flags.json")).document();

    Map<Integer, Double> errors = FlagdEvaluator.rampAndRevert(original, at, atHundred.withFlag(FLAG, definition));

    System.out.println("share-on error per weight (points): " + errors);
  }

  @Test
  void anExistingSplitWithOffFirstAndItsOwnBucketingExpressionStaysStickyToo() throws IOException {
    String original = """
        {"flags": {"new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false},
          "defaultVariant": "off",
          "targeting": {"if": [{"==": [{"var": "tier"}, "staff"]}, "on",
            {"fractional": [{"cat": ["checkout-", {"var": "targetingKey"}]}, ["off", 100], ["on", 0]]}]}}}}
        """;
    FlagdDocument doc = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(original, "flags.json")).document();
    String definition = doc.flagText(FLAG).orElseThrow();
    IntFunction<String> at = w -> doc.withFlag(FLAG, FlagdRamp.definitionAt(definition, FLAG, "on", "off", w));

    Map<Integer, Double> errors = FlagdEvaluator.rampAndRevert(original, at, ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(
        at.apply(50), "flags.json")).document().withFlag(FLAG, definition));

    System.out.println("share-on error per weight, off first (points): " + errors);
  }
}
