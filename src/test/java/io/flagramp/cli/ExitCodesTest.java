package io.flagramp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.HandledActions;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Annotations;
import io.flagramp.operator.Clients;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Each exit code, and that a failure is one line on stderr. Nothing here talks to a cluster. */
class ExitCodesTest {

  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    FlagrampCli cli = new FlagrampCli();
    cli.clock = Clock.fixed(Instant.parse("2026-11-23T02:00:00Z"), ZoneId.of("UTC"));
    cli.zone = ZoneId.of("UTC");
    CommandLine cmd = FlagrampCli.commandLine(cli);
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    return cmd.execute(args);
  }

  private Path file(String yaml) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "change", ".yaml"), yaml);
  }

  @Test
  void lintAcceptsTheCohortExample() {
    assertThat(run("lint", "--local", "examples/use-redis-cohorts.yaml")).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("scalingchange use-redis-cohorts (namespace social)")
        .contains("planner   no problem found");
  }

  @Test
  void lintAcceptsTheExampleAndShowsItsTimeline() {
    assertThat(run("lint", "--local", "examples/app-features.yaml")).isEqualTo(ExitCodes.ERROR);
    assertThat(err.toString()).isEqualTo("skipped Namespace social: not a ScalingChange\n"
        + "skipped ConfigMap app-features: not a ScalingChange\n"
        + "error: no ScalingChange (apiVersion flagramp.io/v1alpha1) in examples/app-features.yaml\n");

    assertThat(run("lint", "--local", "examples/use-redis.yaml")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).startsWith("""
        scalingchange use-redis (namespace social)
          operator  the cluster was not asked (--local); assumed a default Helm
                    install's settings: Prometheus allowlist
                    http://prometheus-operated.monitoring.svc:9090 (default
                    http://prometheus-operated.monitoring.svc:9090); ConfigMaps opt in
                    with flagramp.io/flags=true
          planner   no problem found
          timeline  if created Mon 2026-11-23 02:00 UTC, with metrics that pass:
            +0          Mon 02:00  weight 1    step 1/6, soak 1h
        """).endsWith("""
            +4d2h1m     Fri 04:01  Succeeded

        """);
  }

  @Test
  void lintRejectsWhatThePlannerCannotRunWithSevenAndNamesTheField() throws IOException {
    // The schema's pattern lets this through; no Duration holds it.
    Path bad = file(Rollouts.USE_REDIS.replace("pause: 1h", "pause: 99999999999999999999h"));
    assertThat(run("lint", "--local", bad.toString())).isEqualTo(ExitCodes.LINT_REJECTED);
    assertThat(out.toString()).isEqualTo("""
        scalingchange use-redis (namespace social)
          operator  the cluster was not asked (--local); assumed a default Helm
                    install's settings: Prometheus allowlist
                    http://prometheus-operated.monitoring.svc:9090 (default
                    http://prometheus-operated.monitoring.svc:9090); ConfigMaps opt in
                    with flagramp.io/flags=true
          planner   rejected: spec.steps[0].pause: "99999999999999999999h" is out of
                    range

        """);
  }

  @Test
  void aFileThatCannotBeReadIsOneLineAndExitOne() throws IOException {
    assertThat(run("lint", "--local", dir.resolve("nope.yaml").toString())).isEqualTo(ExitCodes.ERROR);
    assertThat(err.toString()).isEqualTo("error: no such file: " + dir.resolve("nope.yaml") + "\n");
    err.getBuffer().setLength(0);
    assertThat(run("lint", "--local", file("steps: [").toString())).isEqualTo(ExitCodes.ERROR);
    assertThat(err.toString()).startsWith("error: cannot read ").hasLineCount(1);
  }

  @Test
  void aWrongCommandLineIsExitTwo() throws IOException {
    assertThat(run("frobnicate")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("wait", "use-redis", "--timeout=soon")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--timeout");
    assertThat(run("lint", "--local", "examples/use-redis.yaml", "--start=yesterday")).isEqualTo(ExitCodes.USAGE);
    assertThat(run()).isEqualTo(ExitCodes.USAGE);
  }

  @ParameterizedTest
  @CsvSource({"Succeeded,Succeeded,0", "RolledBack,ThresholdBreached,3", "Held,NoData,4", "Invalid,InvalidSpec,5"})
  void waitEndsOnAPhaseTheChangeDoesNotLeaveByItself(Phase phase, Reason reason, int code) {
    ScalingChange sc = change(phase, reason);
    assertThat(Outcome.of(sc)).hasValueSatisfying(o -> {
      assertThat(o.exitCode()).isEqualTo(code);
      assertThat(o.line()).isEqualTo("use-redis " + phase + " (" + reason + "): the decision");
    });
  }

  @ParameterizedTest
  @CsvSource({"Pending,ConfigMapNotFound", "Progressing,StepEntered", "AwaitingApproval,AwaitingApproval",
      "Baking,Baking", "Paused,Suspended"})
  void waitGoesOnWhileTheChangeIsOnItsWay(Phase phase, Reason reason) {
    assertThat(Outcome.of(change(phase, reason))).isEmpty();
  }

  @Test
  void waitDoesNotJudgeAStatusTheOperatorHasNotBroughtUpToDate() {
    ScalingChange aborted = change(Phase.Succeeded, Reason.Succeeded);
    aborted.getMetadata().getAnnotations().put(Annotations.ABORT, "p99 doubled");
    assertThat(Outcome.of(aborted)).as("an abort not acted on yet").isEmpty();
    aborted.getStatus().getLastHandled().setAbort("p99 doubled");
    assertThat(Outcome.of(aborted)).isPresent();

    ScalingChange edited = change(Phase.RolledBack, Reason.Aborted);
    edited.getMetadata().setGeneration(3L);
    assertThat(Outcome.of(edited)).as("a spec generation not observed yet").isEmpty();
    assertThat(Unacted.of(edited)).containsExactly("spec generation 3");
    assertThat(Unacted.of(new ScalingChange())).containsExactly("the change itself (no status yet)");
  }

  private static ScalingChange change(Phase phase, Reason reason) {
    ScalingChange sc = Clients.serialization().unmarshal(Rollouts.USE_REDIS, ScalingChange.class);
    sc.getMetadata().setGeneration(2L);
    sc.getMetadata().setAnnotations(new HashMap<>());
    ScalingChangeStatus s = new ScalingChangeStatus();
    s.setObservedGeneration(2L);
    s.setPhase(phase);
    s.setReason(reason);
    s.setLastDecision("the decision");
    s.setLastHandled(new HandledActions());
    sc.setStatus(s);
    return sc;
  }
}
