package io.flagramp.core.flagd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openfeature.contrib.providers.flagd.Config;
import dev.openfeature.contrib.providers.flagd.FlagdOptions;
import dev.openfeature.contrib.providers.flagd.FlagdProvider;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documents flagramp writes, evaluated by the real OpenFeature Java SDK and flagd provider (in-process,
 * reading the document from a file, as an app with the ConfigMap mounted does) over 100,000 targeting keys:
 * the share of "on" at each step, no user losing "on" from one step to the next, and the way back.
 */
class FlagdEvaluatorTest {

  static final int KEYS = 100_000;
  static final int[] WEIGHTS = {1, 5, 10, 25, 50, 100};
  static final String FLAG = "new-checkout";

  @TempDir
  static Path dir;
  private static final OpenFeatureAPI API = OpenFeatureAPI.getInstance();
  private static List<String> keys;

  @BeforeAll
  static void keys() {
    keys = new ArrayList<>(KEYS);
    java.util.Random random = new java.util.Random(20);
    for (int i = 0; i < KEYS; i++) {
      keys.add(new UUID(random.nextLong(), random.nextLong()).toString());
    }
  }

  @AfterAll
  static void shutdown() {
    API.shutdown();
  }

  /** Every key's variant of {@code flag} in {@code document}, as the flagd provider evaluates it from a file. */
  static List<String> evaluate(String document, String flag) throws IOException {
    Path file = Files.writeString(dir.resolve(UUID.randomUUID() + ".json"), document, StandardCharsets.UTF_8);
    String domain = file.getFileName().toString();
    FlagdProvider provider = new FlagdProvider(FlagdOptions.builder().resolverType(Config.Resolver.IN_PROCESS)
        .offlineFlagSourcePath(file.toString())
        .deadline(60_000)  // a bound on the first read, not a wait: the default 1 s is too short on a busy machine
        .build());
    API.setProviderAndWait(domain, provider);  // returns once the provider has read and accepted the document
    try {
      Client client = API.getClient(domain);
      List<String> variants = new ArrayList<>(keys.size());
      for (String key : keys) {
        var details = client.getBooleanDetails(flag, false, new ImmutableContext(key));
        assertThat(details.getErrorCode()).as("evaluation error for %s: %s", key, details.getErrorMessage()).isNull();
        variants.add(details.getVariant());
      }
      return variants;
    } finally {
      provider.shutdown();
    }
  }

  static double shareOn(List<String> variants) {
    return 100.0 * variants.stream().filter("on"::equals).count() / variants.size();
  }

  /** Keys that had "on" in {@code before} and not in {@code after}. */
  static long lost(List<String> before, List<String> after) {
    long lost = 0;
    for (int i = 0; i < before.size(); i++) {
      if ("on".equals(before.get(i)) && !"on".equals(after.get(i))) {
        lost++;
      }
    }
    return lost;
  }

  /**
   * Ramps {@code original} through {@link #WEIGHTS} with {@code documentAt} and back, evaluating each
   * document: the share of "on" within ±0.5 points of each weight, no key losing "on", and after the revert
   * every key as before the first step and the document byte for byte the original.
   */
  static Map<Integer, Double> rampAndRevert(String original, IntFunction<String> documentAt, String reverted)
      throws IOException {
    List<String> before = evaluate(original, FLAG);
    assertThat(shareOn(before)).isZero();
    Map<Integer, Double> errors = new LinkedHashMap<>();
    List<String> previous = before;
    for (int weight : WEIGHTS) {
      List<String> now = evaluate(documentAt.apply(weight), FLAG);
      errors.put(weight, shareOn(now) - weight);
      assertThat(shareOn(now)).as("share of on at weight %d", weight).isCloseTo(weight,
          org.assertj.core.data.Offset.offset(0.5));
      assertThat(lost(previous, now)).as("keys that lost on at weight %d", weight).isZero();
      previous = now;
    }
    assertThat(reverted).isEqualTo(original);
    assertThat(evaluate(reverted, FLAG)).isEqualTo(before);
    return errors;
  }

  @Test
  void rampedFromOneToOneHundredTheShareOnIsEachWeightNobodyLosesOnAndTheRevertIsExact() throws IOException {
    String original = FlagdRampTest.DOCUMENT;
    FlagdDocument doc = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(original, "flags.json")).document();
    String definition = doc.flagText(FLAG).orElseThrow();
    IntFunction<String> at = w -> doc.withFlag(FLAG, FlagdRamp.definitionAt(definition, FLAG, "on", "off", w));
    String last = at.apply(100);
    FlagdDocument atHundred = ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(last, "flags.json")).document();

    Map<Integer, Double> errors = rampAndRevert(original, at, atHundred.withFlag(FLAG, definition));

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

    Map<Integer, Double> errors = rampAndRevert(original, at, ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(
        at.apply(50), "flags.json")).document().withFlag(FLAG, definition));

    System.out.println("share-on error per weight, off first (points): " + errors);
  }
}
