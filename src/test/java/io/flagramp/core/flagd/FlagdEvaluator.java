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

/**
 * Evaluates flagd documents the way an app with the ConfigMap mounted does: the real OpenFeature Java SDK
 * and flagd provider, in-process, reading the document from a file, over {@value #KEYS} targeting keys.
 */
public final class FlagdEvaluator {

  public static final int KEYS = 100_000;
  public static final int[] WEIGHTS = {1, 5, 10, 25, 50, 100};
  public static final String FLAG = "new-checkout";

  private static final OpenFeatureAPI API = OpenFeatureAPI.getInstance();
  private static final Path DIR;
  private static final List<String> TARGETING_KEYS = new ArrayList<>(KEYS);

  static {
    try {
      DIR = Files.createTempDirectory("flagd-documents");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    java.util.Random random = new java.util.Random(20);
    for (int i = 0; i < KEYS; i++) {
      TARGETING_KEYS.add(new UUID(random.nextLong(), random.nextLong()).toString());
    }
  }

  private FlagdEvaluator() {}
  /** Every key's variant of {@code flag} in {@code document}, as the flagd provider evaluates it from a file. */
  public static List<String> evaluate(String document, String flag) throws IOException {
    Path file = Files.writeString(DIR.resolve(UUID.randomUUID() + ".json"), document, StandardCharsets.UTF_8);
    String domain = file.getFileName().toString();
    FlagdProvider provider = new FlagdProvider(FlagdOptions.builder().resolverType(Config.Resolver.IN_PROCESS)
        .offlineFlagSourcePath(file.toString())
        .deadline(60_000)  // a bound on the first read, not a wait: the default 1 s is too short on a busy machine
        .build());
    API.setProviderAndWait(domain, provider);  // returns once the provider has read and accepted the document
    try {
      Client client = API.getClient(domain);
      List<String> variants = new ArrayList<>(TARGETING_KEYS.size());
      for (String key : TARGETING_KEYS) {
        var details = client.getBooleanDetails(flag, false, new ImmutableContext(key));
        assertThat(details.getErrorCode()).as("evaluation error for %s: %s", key, details.getErrorMessage()).isNull();
        variants.add(details.getVariant());
      }
      return variants;
    } finally {
      provider.shutdown();
      Files.delete(file);
    }
  }

  public static double shareOn(List<String> variants) {
    return 100.0 * variants.stream().filter("on"::equals).count() / variants.size();
  }

  /** Keys that had "on" in {@code before} and not in {@code after}. */
  public static long lost(List<String> before, List<String> after) {
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
  public static Map<Integer, Double> rampAndRevert(String original, IntFunction<String> documentAt, String reverted)
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

}
