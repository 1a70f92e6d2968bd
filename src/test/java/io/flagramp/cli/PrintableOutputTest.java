package io.flagramp.cli;

import static io.flagramp.testbed.ControlText.HOSTILE;
import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.operator.Clients;
import io.flagramp.testbed.ControlText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * What the plugin prints of strings it did not write itself (a file's, the cluster's) holds no control
 * character: lint's lines, a failure's line, the table. The status screen's own test is in
 * {@link StatusScreenTest}; the commands that need a cluster are run in KubectlPluginIT.
 */
class PrintableOutputTest {

  private static final Logger log = LoggerFactory.getLogger(PrintableOutputTest.class);

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

  /** The use-redis playbook with {@link ControlText#HOSTILE} in its name and its first pause, as JSON. */
  private Path hostileChange() throws IOException {
    var json = Clients.serialization();
    ScalingChange sc = json.unmarshal(Rollouts.USE_REDIS, ScalingChange.class);
    sc.getMetadata().setName("use-redis" + HOSTILE);
    sc.getSpec().getSteps().get(0).setPause("1h" + HOSTILE);
    // JSON: YAML has no way to hold some of these characters.
    return Files.writeString(dir.resolve("change.json"), json.asJson(sc));
  }

  @Test
  void lintShowsTheStringsOfTheFileEscaped() throws IOException {
    assertThat(run("lint", "--local", hostileChange().toString())).isEqualTo(ExitCodes.LINT_REJECTED);
    Path configMap = Files.writeString(dir.resolve("cm.json"), Clients.serialization().asJson(Map.of(
        "apiVersion", "v1", "kind", "ConfigMap", "metadata", Map.of("name", "app" + HOSTILE))));
    assertThat(run("lint", "--local", configMap.toString())).isEqualTo(ExitCodes.ERROR);

    log.info("lint's output holds {}; its errors {}", ControlText.describe(out.toString()),
        ControlText.describe(err.toString()));
    assertThat(ControlText.count(out.toString())).as(out.toString()).isZero();
    assertThat(ControlText.count(err.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("scalingchange use-redisx\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE line\\x00\\b"
        + "\\x7f\\u009b31m\\u202etxt.exe\\u2066\\u2028end (namespace social)\n")
        .contains("rejected: spec.steps[0].pause: \"1hx\\e[2J");
    assertThat(err.toString()).startsWith("skipped ConfigMap appx\\e[2J");
    assertThat((out.toString() + err.toString()).lines()).noneMatch(line -> line.startsWith("FAKE"));
  }

  @Test
  void aFailureIsOneLineWithItsQuotedTextEscaped() {
    assertThat(run("lint", "--local", "missing" + HOSTILE + ".yaml")).isEqualTo(ExitCodes.ERROR);

    // Java refuses the NUL in the path, quoting it.
    assertThat(err.toString()).startsWith("error: cannot read missingx\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE line\\x00"
        + "\\b\\x7f\\u009b31m\\u202etxt.exe\\u2066\\u2028end.yaml: ");
    assertThat(err.toString().lines()).hasSize(1);
    assertThat(ControlText.count(err.toString())).isZero();
  }

  @Test
  void theTableShowsEveryCellEscaped() {
    ScalingChange sc = Clients.serialization().unmarshal(Rollouts.USE_REDIS, ScalingChange.class);
    sc.setStatus(new ScalingChangeStatus());
    sc.getStatus().setProgress("1/6" + HOSTILE);

    String table = ChangeTable.render(List.of(sc), true, "social", Rollouts.START);

    assertThat(ControlText.count(table)).as(table).isZero();
    assertThat(table).contains(" 1/6x\\e[2J");
    assertThat(ChangeTable.render(List.of(), false, "ns" + HOSTILE, Rollouts.START)).isEqualTo(
        "No ScalingChanges found in namespace nsx\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE line\\x00\\b\\x7f\\u009b31m"
            + "\\u202etxt.exe\\u2066\\u2028end.\n");
  }
}
