package io.flagramp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.chart.HelmChart;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What lint judges a change by when it cannot read the operator's settings: a default Helm install's. */
class OperatorsInClusterTest {

  @TempDir
  Path dir;

  @Test
  void theAssumedSettingsAreWhatTheChartsDefaultValuesGiveTheOperator() {
    Map<String, String> env = HelmChart.render("flagramp", "").env(Map.of("metadata.namespace", "flagramp",
        "metadata.name", "flagramp-0"));

    OperatorsInCluster.DEFAULT_INSTALL.forEach((key, value) -> assertThat(env).containsEntry(key, value));
  }

  @Test
  void localLintSaysWhatItAssumedAndRefusesAnAddressADefaultInstallDoesNotAllow() throws IOException {
    String example = Files.readString(Path.of("examples", "use-redis.yaml"))
        .replace("http://prometheus-operated.monitoring.svc:9090", "http://prometheus.monitoring.svc:9090");
    Path file = Files.writeString(dir.resolve("use-redis.yaml"), example);
    StringWriter out = new StringWriter();

    int exit = lint(out, "lint", "--local", file.toString());

    assertThat(exit).isEqualTo(ExitCodes.LINT_REJECTED);
    String said = out.toString().replaceAll("\\s+", " ");
    assertThat(said).contains("operator the cluster was not asked (--local); assumed a default Helm install's"
        + " settings: Prometheus allowlist http://prometheus-operated.monitoring.svc:9090 (default"
        + " http://prometheus-operated.monitoring.svc:9090); ConfigMaps opt in with flagramp.io/flags=true");
    assertThat(said).contains("planner rejected: spec.analysis.prometheus.address: \"http://prometheus.monitoring.svc:9090\""
        + " is not among the addresses the operator may query");
  }

  @Test
  void localLintAcceptsTheExamplesAsADefaultInstallWouldRunThem() {
    for (String example : new String[] {"use-redis.yaml", "use-redis-cohorts.yaml", "new-checkout.yaml"}) {
      StringWriter out = new StringWriter();

      assertThat(lint(out, "lint", "--local", "examples/" + example)).as(example + ":\n" + out).isEqualTo(ExitCodes.OK);
    }
  }

  private static int lint(StringWriter out, String... args) {
    FlagrampCli cli = new FlagrampCli();
    cli.clock = Clock.fixed(Instant.parse("2026-11-23T02:00:00Z"), ZoneId.of("UTC"));
    cli.zone = ZoneId.of("UTC");
    CommandLine cmd = FlagrampCli.commandLine(cli);
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(new StringWriter()));
    return cmd.execute(args);
  }
}
