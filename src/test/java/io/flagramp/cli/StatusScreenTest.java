package io.flagramp.cli;

import static io.flagramp.testbed.ControlText.HOSTILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Annotations;
import io.flagramp.core.Measurement;
import io.flagramp.testbed.CapturedLog;
import io.flagramp.testbed.ControlText;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The watch screen as text, for statuses the operator's own planner wrote. */
class StatusScreenTest {

  private static final Logger log = LoggerFactory.getLogger(StatusScreenTest.class);

  private static final ZoneId UTC = ZoneId.of("UTC");

  private static String plain(Rollouts r) {
    return new StatusScreen(r.now(), UTC, Style.PLAIN, 80).render(r.change());
  }

  /** Mid-soak at weight 10: 2h47m30s after the restart target rolled out at Tue 03:00:18. */
  private static Rollouts soakingAtTen() {
    return Rollouts.of(Rollouts.USE_REDIS)
        .until(s -> Integer.valueOf(10).equals(s.getCurrentWeight()) && s.getReason() == Reason.RolledOut)
        .advance(Duration.ofHours(2).plusMinutes(47).plusSeconds(30)).until(s -> true);
  }

  @Test
  void aSoakingStepShowsItsCountdownEachMetricAgainstItsBoundAndTheRestartTarget() {
    assertThat(plain(soakingAtTen())).isEqualTo("""
        use-redis  namespace social                              attempt 1  05:47:48 UTC
        Phase     Progressing  RolledOut
        Flag      app-features: USE_REDIS_PERCENTAGE=10 USE_REDIS=true

        Weight    [#####-------------------------------------------]  10%  step 3/6

            STEP  WEIGHT  PAUSE  STATE        DETAIL
            1/6     1%    1h     passed       Mon 02:00 - 03:00
            2/6     5%    24h    passed       Mon 03:00 - Tue 03:00
          > 3/6    10%    24h    soaking      21h12m left, until Wed 03:00
            4/6    25%    24h    next         due Wed 03:00, once the analysis passes
            5/6    50%    24h                 approval: Manual
            6/6   100%    -
            bake          1h

          METRIC          VALUE     BOUND                       RESULT
          error-rate      0.0012    max 0.01                    Pass
          p99-latency     0.21      max 0.5, +50% of 0.21       Pass
          minSamples      5000      min 1000                    Pass
          every 1m; last measured 05:47:48 (0s ago)

        Restart   Deployment/api: rolled out
                  all rolled out at Tue 03:00 (weight 10)
        Decision  step 3/6 at weight 10: Deployment api rolled out 6s after the write;
                  soaking 24h until 2026-11-25T03:00:18Z
        """);
  }

  @Test
  void aFlagdFlagShowsItsDocumentFlagAndTheOnVariantsShare() {
    Rollouts r = Rollouts.of("""
        apiVersion: flagramp.io/v1alpha1
        kind: ScalingChange
        metadata: {name: new-checkout, namespace: social}
        spec:
          flag: {configMapName: app-features, flagd: {key: flags.flagd.json, flag: new-checkout}}
          steps: [{weight: 5, pause: 1h}, {weight: 100}]
        """);
    r.sim.externalWrite("flags.flagd.json", "{\"flags\": {\"new-checkout\": {\"state\": \"ENABLED\","
        + " \"variants\": {\"on\": true, \"off\": false}, \"defaultVariant\": \"off\"}}}", "kubectl");

    String screen = plain(r.until(s -> Integer.valueOf(5).equals(s.getCurrentWeight())));

    assertThat(screen).contains("Flag      app-features: flags.flagd.json#new-checkout on=5%\n");
  }

  @Test
  void aChangeAwaitingApprovalMarksTheStepThatWaitsAndSaysHowToApprove() {
    Rollouts r = Rollouts.of(Rollouts.USE_REDIS).until(s -> s.getPhase() == Phase.AwaitingApproval);
    assertThat(plain(r)).isEqualTo("""
        use-redis  namespace social                              attempt 1  03:00:24 UTC
        Phase     AwaitingApproval  AwaitingApproval
        Flag      app-features: USE_REDIS_PERCENTAGE=25 USE_REDIS=true

        Weight    [############------------------------------------]  25%  step 4/6

            STEP  WEIGHT  PAUSE  STATE        DETAIL
            1/6     1%    1h     passed       Mon 02:00 - 03:00
            2/6     5%    24h    passed       Mon 03:00 - Tue 03:00
            3/6    10%    24h    passed       Tue 03:00 - Wed 03:00
          > 4/6    25%    24h    soaked       the next step awaits approval
            5/6    50%    24h    approval     awaits approval: kubectl flagramp approve
                                              use-redis
            6/6   100%    -
            bake          1h

          METRIC          VALUE     BOUND                       RESULT
          error-rate      0.0012    max 0.01                    Pass
          p99-latency     0.21      max 0.5, +50% of 0.21       Pass
          minSamples      5000      min 1000                    Pass
          every 1m; last measured 03:00:24 (0s ago)

        Restart   Deployment/api: rolled out
                  all rolled out at Wed 03:00 (weight 25)
        Decision  step 5/6 (weight 50) awaits approval; holding at weight 25: kubectl
                  annotate scalingchange use-redis flagramp.io/approve=<a new value>
                  --overwrite
        Do        kubectl flagramp approve use-redis (or: kubectl flagramp abort
                  use-redis "why")
        """);
  }

  @Test
  void aRolledBackChangeShowsTheStepItWasRolledBackAtAndTheMetricThatBrokeItsBound() {
    Rollouts r = Rollouts.of(Rollouts.USE_REDIS);
    r.sim.metrics = breachAtTen(r);
    r.until(s -> s.getPhase() == Phase.RolledBack);
    assertThat(plain(r)).isEqualTo("""
        use-redis  namespace social                              attempt 1  03:03:18 UTC
        Phase     RolledBack  ThresholdBreached
        Flag      app-features: original values restored

        Weight    [------------------------------------------------]   0%  step 0/6

            STEP  WEIGHT  PAUSE  STATE        DETAIL
            1/6     1%    1h     passed       Mon 02:00 - 03:00
            2/6     5%    24h    passed       Mon 03:00 - Tue 03:00
            3/6    10%    24h    rolled back  at Tue 03:03
            4/6    25%    24h
            5/6    50%    24h                 approval: Manual
            6/6   100%    -
            bake          1h

          METRIC          VALUE     BOUND                       RESULT
          error-rate      0.031     max 0.01                    Fail 3/3
            error-rate 0.031 > max 0.01 (3/3) at weight 10
          p99-latency     0.21      max 0.5, +50% of 0.21       Pass
          minSamples      5000      min 1000                    Pass
          every 1m; last measured 03:03:18 (0s ago)

        Restart   Deployment/api: restart requested at Tue 03:03
        Decision  error-rate 0.031 > max 0.01 (3/3) at weight 10: reverted, removed
                  USE_REDIS_PERCENTAGE (was absent), removed USE_REDIS (was absent);
                  restarting Deployment api
        Do        fix the cause, then: kubectl flagramp retry use-redis
        """);
  }

  @Test
  void aStepDueOutsideTheWindowsShowsTheNextOpening() {
    // Berlin: the change starts Mon 03:00, inside; its second step falls due at 04:00, outside.
    Rollouts r = Rollouts.of(Rollouts.USE_REDIS.replace("  bake: 1h\n", "  bake: 1h\n"
        + "  windows:\n"
        + "    timeZone: Europe/Berlin\n"
        + "    allowed: [{days: [Mon, Tue, Wed, Thu], from: \"02:00\", to: \"03:30\"}]\n"
        + "    blocked: [{from: \"2026-12-21\", to: \"2027-01-04\", reason: year-end freeze}]\n"))
        .until(s -> s.getReason() == Reason.OutsideWindow);
    String screen = plain(r);
    assertThat(screen).isEqualTo("""
        use-redis  namespace social                              attempt 1  03:00:06 UTC
        Phase     Progressing  OutsideWindow
        Flag      app-features: USE_REDIS_PERCENTAGE=1 USE_REDIS=true

        Weight    [------------------------------------------------]   1%  step 1/6

            STEP  WEIGHT  PAUSE  STATE        DETAIL
          > 1/6     1%    1h     soaked       the next step waits for a deploy window
            2/6     5%    24h    window       waits for a deploy window: opens Tue 01:00
                                              (in 21h59m)
            3/6    10%    24h
            4/6    25%    24h
            5/6    50%    24h                 approval: Manual
            6/6   100%    -
            bake          1h

          METRIC          VALUE     BOUND                       RESULT
          error-rate      0.0012    max 0.01                    Pass
          p99-latency     0.21      max 0.5, +50% of 0.21       Pass
          minSamples      5000      min 1000                    Pass
          every 1m; last measured 03:00:06 (0s ago)

        Restart   Deployment/api: rolled out
                  all rolled out at Mon 02:00 (weight 1)
        Windows   Mon,Tue,Wed,Thu 02:00-03:30 Europe/Berlin; blocked 2026-12-21 to
                  2027-01-04 (year-end freeze)
                  next opening Tue 2026-11-24 02:00 CET (in 21h59m)
        Decision  step 2/6 (weight 5) is due, outside the deploy windows Mon,Tue,Wed,Thu
                  02:00-03:30 (Europe/Berlin); holding at weight 1; waiting until Tue
                  2026-11-24 02:00 CET
        """);
  }

  @Test
  void anAnnotationTheOperatorHasNotActedOnYetIsShownAsPending() {
    Rollouts r = soakingAtTen();
    ScalingChange change = r.change();
    change.getMetadata().getAnnotations().put(Annotations.ABORT, "p99 doubled");
    assertThat(plain(r)).contains("Note      not yet acted on by the operator: abort \"p99 doubled\"\n");
  }

  @Test
  void everyLineFitsEightyColumnsAndOnlyATerminalGetsColour() {
    Rollouts r = soakingAtTen();
    String plain = plain(r);
    String colour = new StatusScreen(r.now(), UTC, new Style(true), 80).render(r.change());
    assertThat(plain.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    assertThat(plain).doesNotContain("\u001b").matches("\\A[\\x20-\\x7e\\n]*\\z");
    assertThat(colour).contains("\u001b[32m").contains("\u001b[1m");
    assertThat(colour.replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(plain);
  }

  /**
   * Every string of a change that a user, a ConfigMap's writer or a Prometheus can put control characters
   * in: a blocked window's reason, a value someone else wrote into the flag, an abort's reason (pending,
   * then acted on), a metric's error message. None reaches the screen; each is shown as an escape.
   */
  @Test
  void noControlCharacterOfTheChangeReachesTheScreen() {
    String pending;
    String colour;
    String aborted;
    // The operator's decisions quote the control characters: kept off the console the tests write to.
    try (CapturedLog quiet = new CapturedLog("io.flagramp")) {
      Rollouts r = Rollouts.of(Rollouts.USE_REDIS.replace("  bake: 1h\n", "  bake: 1h\n"
          + "  windows:\n"
          + "    timeZone: UTC\n"
          + "    blocked: [{from: \"2027-06-01\", to: \"2027-06-02\"}]\n"));
      r.change().getSpec().getWindows().getBlocked().get(0).setReason(HOSTILE);
      r.until(s -> Integer.valueOf(10).equals(s.getCurrentWeight()) && s.getReason() == Reason.RolledOut);
      var healthy = r.sim.metrics;
      r.sim.metrics = (name, promql) -> name.equals("p99-latency") ? new Measurement.Failed(HOSTILE, false)
          : healthy.apply(name, promql);
      r.advance(Duration.ofMinutes(1)).until(s -> s.getMetrics().stream().anyMatch(m -> m.getMessage() != null
          && m.getMessage().contains(HOSTILE)));
      r.sim.externalWrite("USE_REDIS_PERCENTAGE", HOSTILE, "kubectl-edit");
      r.advance(Duration.ofMinutes(1)).until(s -> s.getLastDecision().contains(HOSTILE));
      r.change().getMetadata().getAnnotations().put(Annotations.ABORT, HOSTILE);
      pending = plain(r);
      colour = new StatusScreen(r.now(), UTC, new Style(true), 80).render(r.change());
      r.until(s -> s.getReason() == Reason.Aborted);
      aborted = plain(r);
    }

    log.info("a screen of a change with control characters in its strings shows {} (pending abort) and {}"
        + " (aborted)", ControlText.describe(pending), ControlText.describe(aborted));
    for (String screen : List.of(pending, aborted)) {
      assertThat(ControlText.count(screen)).as(screen).isZero();
      assertThat(screen.lines()).noneMatch(line -> line.startsWith("FAKE"));
    }
    // As escapes (wrapped at the space in it): the blocked window's reason, then the abort's.
    assertThat(pending).contains("(x\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE\n"
            + "          line\\x00\\b\\x7f\\u009b31m\\u202etxt.exe\\u2066\\u2028end)\n")
        .contains("abort\n          \"x\\e[2J");
    assertThat(aborted).contains("aborted by flagramp.io/abort=\"x\\e[2J");
    // The screen's own colours are all the escape sequences a terminal gets.
    assertThat(colour.replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(pending);
  }

  /** The new checkout at 1%: its error rate by cohort, and its median latency by cohort. */
  static final String NEW_CHECKOUT = """
      apiVersion: flagramp.io/v1alpha1
      kind: ScalingChange
      metadata: {name: new-checkout, namespace: shop}
      spec:
        flag: {configMapName: checkout-flags, percentageKey: NEW_CHECKOUT_PERCENTAGE}
        steps:
          - {weight: 1, pause: 1h}
          - {weight: 100}
        analysis:
          prometheus: {address: "http://prometheus.monitoring.svc:9090"}
          interval: 1m
          cohorts: {minSamples: 100}
          metrics:
            - name: error-rate
              cohort: {errors: "e{$cohort}[$range]", requests: "r{$cohort}[$range]", maxIncrease: "0.005"}
            - name: latency
              cohort: {value: "l{$cohort}", maxIncrease: "20%"}
      """;

  /**
   * Both cohorts' traffic at 200 requests a second, 1% of it flag-on, counted since the rollout began:
   * flag-on fails {@code onErrors} of its requests, flag-off 0.2%; both answer in 50 ms.
   */
  private static Rollouts checkout(double onErrors) {
    Rollouts r = Rollouts.of(NEW_CHECKOUT);
    r.sim.metrics = (name, promql) -> {
      double seconds = Duration.between(Rollouts.START, r.now()).toSeconds();
      return new Measurement.Value(switch (name) {
        case "error-rate#on-requests" -> 2 * seconds;
        case "error-rate#on-errors" -> Math.floor(2 * seconds * onErrors);
        case "error-rate#off-requests" -> 198 * seconds;
        case "error-rate#off-errors" -> Math.floor(198 * seconds * 0.002);
        default -> 0.05;
      });
    };
    return r;
  }

  @Test
  void aCohortMetricShowsFlagOnAgainstFlagOffTheirSamplesTheDifferenceWithItsIntervalAndTheAllowance() {
    Rollouts r = checkout(0.002).until(s -> s.getMetrics() != null && s.getMetrics().stream()
        .anyMatch(m -> m.getCohort() != null && m.getCohort().getOnSamples() != null && m.getCohort().getOnSamples() == 10));
    assertThat(plain(r)).contains("""
          METRIC          VALUE     BOUND                       RESULT
          error-rate      0.17%     flag-off +0.50 points       Undecided
            flag-on 0.17% of 1,200 requests, flag-off 0.20% of 118,800 (min 100 each)
            difference -0.03 points, 95% interval -0.23..+0.87; allowed +0.50
          latency         0.05      flag-off +20%               Pass
            flag-on median 0.05 of 10 values, flag-off 0.05 of 10 (min 10 each)
            change 0%, 95% interval 0%..0%; allowed +20%
          every 1m; last measured 02:10:00 (0s ago)
        """);
  }

  @Test
  void aCohortMetricThatFailedShowsTheNumbersThatFailedIt() {
    Rollouts r = checkout(0.2).until(s -> s.getPhase() == Phase.RolledBack);
    assertThat(plain(r)).isEqualTo("""
        new-checkout  namespace shop                             attempt 1  02:01:00 UTC
        Phase     RolledBack  CohortWorse
        Flag      checkout-flags: original values restored

        Weight    [------------------------------------------------]   0%  step 0/2

            STEP  WEIGHT  PAUSE  STATE        DETAIL
            1/2     1%    1h     rolled back  at Mon 02:01
            2/2   100%    -

          METRIC          VALUE     BOUND                       RESULT
          error-rate      20.00%    flag-off +0.50 points       Fail
            flag-on 20.00% of 120 requests, flag-off 0.19% of 11,880 (min 100 each)
            difference +19.81 points, 95% interval +11.03..+33.19; allowed +0.50
          latency         0.05      flag-off +20%               Undecided
            flag-on median 0.05 of 1 values, flag-off 0.05 of 1 (min 10 each)
            change 0%, 95% interval not bounded yet; allowed +20%
          every 1m; last measured 02:01:00 (0s ago)

        Decision  error-rate flag-on 20.00% vs flag-off 0.19% (+19.81 points, 95%
                  interval +11.03..+33.19; allowed +0.50) fails at weight 1: reverted,
                  removed NEW_CHECKOUT_PERCENTAGE (was absent)
        Do        fix the cause, then: kubectl flagramp retry new-checkout
        """);
  }

  /** The error rate climbs to 3.1% once the flag reaches 10%. */
  static java.util.function.BiFunction<String, String, Measurement> breachAtTen(Rollouts r) {
    var healthy = r.sim.metrics;
    return (name, promql) -> {
      Integer weight = r.sim.change.getStatus() == null ? null : r.sim.change.getStatus().getCurrentWeight();
      return name.equals("error-rate") && weight != null && weight >= 10 ? new Measurement.Value(0.031)
          : healthy.apply(name, promql);
    };
  }
}
