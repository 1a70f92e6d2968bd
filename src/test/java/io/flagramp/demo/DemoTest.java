package io.flagramp.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.CapturedLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's first command: the embedded example rolls out to the end, then reverts on abort. */
class DemoTest {

  @Test
  void theEmbeddedExampleRollsOutRevertsOnAbortAndRevertsByItselfWhenTheErrorRateClimbs() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    new Demo(new PrintStream(buffer, true, StandardCharsets.UTF_8))
        .run(Demo.load(Demo.class.getResourceAsStream(Demo.EMBEDDED)));
    String out = buffer.toString(StandardCharsets.UTF_8);

    assertThat(out).contains("baseline over 30m: error-rate 0.002, p99-latency 0.2; recorded original values"
            + " USE_REDIS_PERCENTAGE=<absent>, USE_REDIS=\"false\"; entered step 1/6 at weight 1; soaking 1h until"
            + " 2026-11-23T03:00:00Z")
        .contains("Baking       6/6   100  step 6/6 at weight 100 passed")
        .as("the bake counts from when the last step passed its analysis, at 03:01")
        .containsPattern("Fri 04:01  Succeeded    6/6   100  step 6/6 at weight 100 soaked 1h and passed analysis")
        .containsPattern("Succeeded after 4d 2h of simulated time: [0-9,]+ measurement rounds, 6 ConfigMap writes,"
            + " [0-9,]+ status writes\\.")
        .contains("aborted by flagramp.io/abort=\"error rate up\" at weight 25 (step 4/6): removed"
            + " USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"")
        .contains("RolledBack: app-features holds exactly what it held before.")
        .contains("Tue 03:03  RolledBack   0/6     -  error-rate 0.031 > max 0.01 (3/3) at weight 10: reverted,"
            + " removed USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"")
        .contains("RolledBack without a person: app-features holds exactly what it held before.");
    assertThat(out).contains("{\"state\":\"ENABLED\",\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":"
            + "\"off\",\"targeting\":{\"fractional\":[[\"on\",5],[\"off\",95]]}}")
        .contains("reverted, restored flags.flagd.json#new-checkout=")
        .contains("RolledBack: the document is the original byte for byte: true; the other flag never changed.");
    String third = out.substring(out.indexOf("3) The automatic revert"), out.indexOf("4) The cohort judge"));
    String afterRevert = third.substring(third.lastIndexOf("reverted, removed"));
    assertThat(afterRevert).contains("SOCKET_TIMEOUT_MS=30000 USE_REDIS=false\n").doesNotContain("USE_REDIS_PERCENTAGE=");

    String cohorts = out.substring(out.indexOf("4) The cohort judge"), out.indexOf("5) The same schedule"));
    assertThat(cohorts).as("reverted at 1% by the cohort judge, with the numbers").contains("RolledBack   0/4")
        .containsPattern("error-rate flag-on [0-9.]+% vs flag-off [0-9.]+% \\(\\+[0-9.]+ points, 95% interval"
            + " \\+[0-9.]+\\.\\.\\+[0-9.]+; allowed \\+0\\.20\\) fails at weight 1")
        .contains("RolledBack after 1 minute at weight 1")
        .containsPattern("The whole service's error rate over the same requests was 0\\.[0-9]+%: under the 1\\.00%"
            + " bound of the first example, that judge would have passed the step and gone on to 5%");
  }

  @Test
  void theRolloutsFiguresAreCountedSoHalvingTheIntervalDoublesTheRounds() throws Exception {
    Matcher everyMinute = figures(shortRollout("1m"));
    Matcher everyTwoMinutes = figures(shortRollout("2m"));

    int rounds = Integer.parseInt(everyMinute.group(1));
    int halfAsOften = Integer.parseInt(everyTwoMinutes.group(1));
    assertThat(rounds).as("a 1h soak measured every minute, and the 1h bake").isBetween(115, 125);
    assertThat(halfAsOften).isBetween(rounds / 2 - 3, rounds / 2 + 3);
    assertThat(everyMinute.group(2)).as("ConfigMap writes: two steps").isEqualTo("2");
    assertThat(Integer.parseInt(everyMinute.group(3))).as("status writes").isPositive().isLessThan(rounds);
  }

  @Test
  void theOperatorsOwnLogOfADecisionIsOffWhileQuietAndBackAfter() throws Exception {
    ScalingChange change = Demo.load(Demo.class.getResourceAsStream(Demo.EMBEDDED));
    try (CapturedLog log = new CapturedLog("io.flagramp.operator")) {
      Simulation quietly = new Simulation(OperatorSettings.defaults().planner(), copyOf(change), START);
      try (Demo.Quiet quiet = Demo.quietOperatorLog()) {
        quietly.reconcile();
      }
      assertThat(quietly.change.getStatus().getLastDecision()).as("a decision was made").isNotBlank();
      assertThat(log.lines()).as("logged while quiet").isEmpty();

      Simulation after = new Simulation(OperatorSettings.defaults().planner(), copyOf(change), START);
      after.reconcile();

      assertThat(log.lines()).as("logged once the demo is done").anySatisfy(l -> assertThat(l)
          .contains(after.change.getStatus().getLastDecision()));
    }
  }

  private static final Instant START = Instant.parse("2026-11-23T02:00:00Z");

  /** The demo on the embedded example cut to 1% for 1h, then 100% baked 1h, measured every {@code interval}. */
  private static String shortRollout(String interval) throws Exception {
    ScalingChange change = Demo.load(Demo.class.getResourceAsStream(Demo.EMBEDDED));
    change.getSpec().setSteps(new ArrayList<>(List.of(new Step(1, "1h"), new Step(100, null))));
    change.getSpec().getAnalysis().setInterval(interval);
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    new Demo(new PrintStream(buffer, true, StandardCharsets.UTF_8)).run(change);
    return buffer.toString(StandardCharsets.UTF_8);
  }

  private static Matcher figures(String out) {
    Matcher m = Pattern.compile("Succeeded after [0-9]+d [0-9]+h of simulated time: ([0-9,]+) measurement rounds,"
        + " ([0-9,]+) ConfigMap writes, ([0-9,]+) status writes\\.").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m;
  }

  /** A fresh copy with the metadata the demo gives its runs, and no analysis to wait on a baseline for. */
  private static ScalingChange copyOf(ScalingChange change) {
    KubernetesSerialization json = new KubernetesSerialization();
    ScalingChange copy = json.unmarshal(json.asJson(change), ScalingChange.class);
    copy.getSpec().setAnalysis(null);
    copy.getMetadata().setGeneration(1L);
    copy.getMetadata().setCreationTimestamp(START.toString());
    copy.getMetadata().setAnnotations(new HashMap<>());
    return copy;
  }
}
