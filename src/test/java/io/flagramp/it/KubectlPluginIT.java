package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MinSamples;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.core.Annotations;
import io.flagramp.core.Printable;
import io.flagramp.testbed.CapturedLog;
import io.flagramp.testbed.ControlText;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import io.flagramp.testbed.TestBed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kubectl flagramp} as a user runs it: the real kubectl finds the packaged single file
 * (target/kubectl-flagramp, copied alone into a folder on the PATH it is given) through its plugin
 * mechanism, with KUBECONFIG pointing at the test cluster, while the operator runs in this JVM.
 */
@ExtendWith(KubeApiServerExtension.class)
class KubectlPluginIT {

  private static final Logger log = LoggerFactory.getLogger(KubectlPluginIT.class);
  private static final String PCT = "USE_REDIS_PERCENTAGE";

  @TempDir
  static Path bin;

  private static KubectlPlugin plugin;
  /** The environment kubectl runs in: the plugin on its PATH, and the Java this build runs on. */
  private static Map<String, String> env;

  @BeforeAll
  static void installThePlugin() throws IOException {
    plugin = KubectlPlugin.installIn(bin);
    env = plugin.env;
  }

  private static KubectlResult flagramp(KubeTestCluster cluster, String... args) {
    return plugin.run(cluster, args);
  }

  @Test
  void versionRunsFromTheSingleInstalledFileAndNamesTheBuildsVersion(KubeTestCluster cluster) throws IOException {
    KubectlResult version = flagramp(cluster, "version");

    assertThat(version.exitCode()).as(version.output()).isZero();
    assertThat(version.output().strip())
        .matches("kubectl-flagramp " + System.getProperty("flagramp.version", "[^ ]+") + " \\(Java 17.*\\)");
    try (var files = Files.list(bin)) {
      assertThat(files.map(f -> f.getFileName().toString())).as("one file installed, and the cache")
          .containsExactlyInAnyOrder("kubectl-flagramp", ".cache");
    }
    try (var unpacked = Files.list(plugin.cache().resolve("flagramp"))) {
      assertThat(unpacked.map(f -> f.getFileName().toString()))
          .singleElement().asString().matches("kubectl-flagramp-[0-9a-f]{16}");
    }
  }

  @Test
  void completionBashCompletesTheSubcommandsAndOptionsInBash(KubeTestCluster cluster) throws Exception {
    KubectlResult script = flagramp(cluster, "completion", "bash");
    assertThat(script.exitCode()).as(script.output()).isZero();
    Path file = Files.writeString(bin.resolveSibling(bin.getFileName() + "-completion.bash"), script.output());

    // What bash offers after "kubectl-flagramp " and after "kubectl-flagramp wait --t".
    String complete = "source " + file + "; complete -p kubectl-flagramp;"
        + " COMP_WORDS=(kubectl-flagramp ''); COMP_CWORD=1; _complete_kubectl-flagramp 2>/dev/null;"
        + " echo \"subcommands: ${COMPREPLY[*]}\";"
        + " COMP_WORDS=(kubectl-flagramp wait --t); COMP_CWORD=2; _complete_kubectl-flagramp 2>/dev/null;"
        + " echo \"wait options: ${COMPREPLY[*]}\"";
    Process bash = new ProcessBuilder("bash", "-c", complete).redirectErrorStream(true).start();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor()).as(output).isZero();
    assertThat(output).containsPattern("complete .*-F _complete_kubectl-flagramp kubectl-flagramp\\n")
        .contains("subcommands: status get wait approve promote abort retry suspend resume lint version completion")
        .contains("wait options: --timeout");
    KubectlResult fish = flagramp(cluster, "completion", "fish");
    assertThat(fish.exitCode()).isEqualTo(2);
    assertThat(fish.output()).contains("unsupported shell \"fish\": bash only");
  }

  @Test
  void statusShowsAChangeAwaitingApprovalAndApproveThroughKubectlEntersTheStepAsKubectlFlagramp(
      KubeTestCluster cluster) {
    assertThat(cluster.kubectlWithEnvironment(env, "plugin", "list").output())
        .as("kubectl's plugin mechanism sees it").contains(bin.resolve("kubectl-flagramp").toString());
    String ns = cluster.createNamespace("plugin-approve");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      ScalingChange sc = change(ns, "use-redis", step(10, "1s"), step(50, "1s"), step(100, "1s"));
      sc.getSpec().getSteps().get(1).setApproval(Approval.Manual);
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.AwaitingApproval);

      KubectlResult status = flagramp(cluster, "status", "-n", ns, "use-redis");
      assertThat(status.exitCode()).isZero();
      assertThat(status.output())
          .contains("Phase     AwaitingApproval  AwaitingApproval\n")
          .contains("Weight    [#####-------------------------------------------]  10%  step 1/3\n")
          .contains("    2/3    50%    1s     approval     awaits approval: kubectl flagramp approve\n")
          .contains("Do        kubectl flagramp approve use-redis");
      assertThat(status.output().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));

      KubectlResult list = flagramp(cluster, "get", "-n", ns);
      assertThat(list.exitCode()).isZero();
      assertThat(list.output()).startsWith("NAME       PHASE             REASON            STEP  WEIGHT  NEXT\n"
          + "use-redis  AwaitingApproval  AwaitingApproval  1/3   10      -\n");

      KubectlResult promote = flagramp(cluster, "promote", "-n", ns, "use-redis");
      assertThat(promote.exitCode()).as("nothing soaks: the operator would ignore it").isEqualTo(8);
      assertThat(promote.output()).startsWith("use-redis: not set: it is AwaitingApproval (AwaitingApproval)");

      KubectlResult approve = flagramp(cluster, "approve", "-n", ns, "use-redis");
      assertThat(approve.exitCode()).isZero();
      assertThat(approve.output()).contains("the operator enters step 2/3 (weight 50)");
      // The name the API server gives this kubeconfig's credentials, as kubectl auth whoami asks it.
      String me = cluster.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").output().strip();
      assertThat(harness.get(ns, "use-redis").getMetadata().getAnnotations())
          .containsEntry(Annotations.APPROVED_BY, me);
      assertThat(approve.output()).contains("flagramp.io/approved-by=\"" + me + "\", the user the API server knows"
          + " you as");

      KubectlResult waited = flagramp(cluster, "wait", "-n", ns, "use-redis", "--timeout=60s");
      assertThat(waited.exitCode()).isZero();
      assertThat(waited.output()).startsWith("use-redis Succeeded (Succeeded): ");
      HistoryEntry fifty = harness.get(ns, "use-redis").getStatus().getHistory().stream()
          .filter(h -> h.getWeight() == 50).findFirst().orElseThrow();
      assertThat(fifty.getApproval().getBy()).as("read by the operator from managedFields")
          .isEqualTo("kubectl-flagramp");
    }
  }

  @Test
  void suspendResumePromoteAbortAndRetryThroughKubectlAndWaitEndsWithTheirExitCodes(KubeTestCluster cluster) {
    String ns = cluster.createNamespace("plugin-actions");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      harness.changes().resource(change(ns, "use-redis", step(10, "1h"), step(100, "1s"))).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> "10".equals(harness.configMapData(ns, "app-features")
          .get(PCT)));

      KubectlResult timedOut = flagramp(cluster, "wait", "-n", ns, "use-redis", "--timeout=2s");
      assertThat(timedOut.exitCode()).isEqualTo(6);
      assertThat(timedOut.output()).startsWith("timed out after 2s: use-redis Progressing (StepEntered): ");

      KubectlResult suspend = flagramp(cluster, "suspend", "-n", ns, "use-redis");
      assertThat(suspend.exitCode()).isZero();
      assertThat(suspend.output()).startsWith("use-redis: spec.suspend=true set: ")
          .contains("note: spec.suspend is part of the spec: a GitOps tool");
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Paused);
      assertThat(flagramp(cluster, "resume", "-n", ns, "use-redis").exitCode()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Progressing);

      KubectlResult promote = flagramp(cluster, "promote", "-n", ns, "use-redis");
      assertThat(promote.exitCode()).isZero();
      assertThat(promote.output()).contains("set: the soak at weight 10 ends now");
      KubectlResult succeeded = flagramp(cluster, "wait", "-n", ns, "use-redis", "--timeout=60s");
      assertThat(succeeded.exitCode()).as("the hour's soak was cut short").isZero();
      HistoryEntry ten = harness.get(ns, "use-redis").getStatus().getHistory().stream()
          .filter(h -> h.getWeight() == 10).findFirst().orElseThrow();
      assertThat(ten.getPromotion().getBy()).isEqualTo("kubectl-flagramp");

      KubectlResult abort = flagramp(cluster, "abort", "-n", ns, "use-redis", "p99 doubled");
      assertThat(abort.exitCode()).isZero();
      assertThat(abort.output()).startsWith("use-redis: flagramp.io/abort=\"p99 doubled\" set: ");
      // Straight after the abort: wait judges the operator's answer to it, not the phase before (Succeeded).
      KubectlResult rolledBack = flagramp(cluster, "wait", "-n", ns, "use-redis", "--timeout=60s");
      assertThat(rolledBack.exitCode()).isEqualTo(3);
      assertThat(rolledBack.output()).startsWith("use-redis RolledBack (Aborted): aborted by"
          + " flagramp.io/abort=\"p99 doubled\"");
      assertThat(harness.configMapData(ns, "app-features")).doesNotContainKey(PCT).containsEntry("USE_REDIS", "false");

      KubectlResult again = flagramp(cluster, "abort", "-n", ns, "use-redis");
      assertThat(again.exitCode()).isEqualTo(8);
      assertThat(again.output()).isEqualTo("use-redis: not set: it is RolledBack (Aborted): the original values are"
          + " back already (--force sets it anyway)\n");

      assertThat(flagramp(cluster, "retry", "-n", ns, "use-redis").exitCode()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        ScalingChange sc = harness.get(ns, "use-redis");
        return Integer.valueOf(2).equals(sc.getStatus().getAttempt()) && "10".equals(harness.configMapData(ns,
            "app-features").get(PCT));
      });
    }
  }

  /**
   * A blocked window's reason, a value someone else wrote into the flag and an abort's reason, all with
   * control characters, reach status, abort and wait (and the table) escaped: none acts on the terminal.
   */
  @Test
  void whatOthersWroteReachesTheTerminalWithItsControlCharactersEscaped(KubeTestCluster cluster) {
    String ns = cluster.createNamespace("plugin-escapes");
    // An argument cannot hold NUL.
    String reason = ControlText.HOSTILE.replace("\u0000", "");
    // The operator's decisions quote the control characters: kept off the console the tests write to.
    try (OperatorHarness harness = OperatorHarness.start(cluster);
        CapturedLog quiet = new CapturedLog("io.flagramp.operator")) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, "1s"));
      sc.getSpec().setWindows(new DeployWindows("UTC", null,
          List.of(new BlockedWindow("2030-01-01", "2030-01-02", ControlText.HOSTILE))));
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> "10".equals(harness.configMapData(ns, "app-features")
          .get(PCT)));
      cluster.client().configMaps().inNamespace(ns).withName("app-features").edit(cm -> {
        cm.getData().put(PCT, ControlText.HOSTILE);
        return cm;
      });
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Held);

      List<KubectlResult> shown = List.of(flagramp(cluster, "status", "-n", ns, "use-redis"),
          flagramp(cluster, "abort", "-n", ns, "use-redis", reason),
          flagramp(cluster, "wait", "-n", ns, "use-redis", "--timeout=60s"),
          flagramp(cluster, "status", "-n", ns, "use-redis"),
          flagramp(cluster, "get", "-n", ns));

      for (KubectlResult r : shown) {
        log.info("kubectl flagramp printed {}", ControlText.describe(r.output()));
        assertThat(ControlText.count(r.output())).as(r.output()).isZero();
        assertThat(r.output().lines()).noneMatch(line -> line.startsWith("FAKE"));
      }
      assertThat(shown.get(0).output()).contains("(x\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE")
          .contains("\"x\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE");
      assertThat(shown.get(1).output()).startsWith("use-redis: flagramp.io/abort=\"x\\e[2J\\e]0;owned\\a\\rFAKE\\nFAKE line");
      assertThat(shown.get(2).exitCode()).isEqualTo(3);
      assertThat(shown.get(2).output()).startsWith("use-redis RolledBack (Aborted): aborted by flagramp.io/abort=\"x\\e[2J");
    }
  }

  @Test
  void lintDryRunsOnTheServerAndShowsTheTimelineOfWhatIsAccepted(KubeTestCluster cluster) throws IOException {
    String ns = cluster.createNamespace("plugin-lint");
    OperatorHarness.installCrd(cluster.client());
    cluster.client().resource(change(ns, "existing", step(10, "1h"))).create();
    Path file = Files.writeString(bin.resolve("changes.yaml"), """
        apiVersion: flagramp.io/v1alpha1
        kind: ScalingChange
        metadata: {name: use-redis}
        spec:
          flag: {configMapName: app-features, percentageKey: USE_REDIS_PERCENTAGE}
          steps: [{weight: 10, pause: 1h}, {weight: 50, pause: 1h, approval: Manual}, {weight: 100}]
        ---
        apiVersion: flagramp.io/v1alpha1
        kind: ScalingChange
        metadata: {name: decreasing}
        spec:
          flag: {configMapName: app-features, percentageKey: USE_REDIS_PERCENTAGE}
          steps: [{weight: 50}, {weight: 10}]
        ---
        apiVersion: flagramp.io/v1alpha1
        kind: ScalingChange
        metadata: {name: existing}
        spec:
          flag: {configMapName: other-features, percentageKey: USE_REDIS_PERCENTAGE}
          steps: [{weight: 10, pause: 1h}]
        """);
    KubectlResult lint = flagramp(cluster, "lint", "-n", ns, file.toString(), "--start=2026-11-23T02:00:00Z");
    assertThat(lint.exitCode()).isEqualTo(7);
    String[] changes = lint.output().split("\n\n");
    // Which operator's settings it was judged by (ExamplesIT shows them read from a Deployment): here
    // whatever this shared server holds, so only that the line is there.
    assertThat(changes[0]).containsPattern("\n  operator  \\S");
    assertThat(changes[0].replaceAll("\n  operator  .*(\n {12}.*)*", "")).isEqualTo(
        "scalingchange use-redis (namespace " + ns + ")\n"
        + "  server    accepted (dry run)\n"
        + "  planner   no problem found\n"
        + "  timeline  if created Mon 2026-11-23 02:00 UTC:\n"
        + "    +0          Mon 02:00  weight 10   step 1/3, soak 1h\n"
        + "    +1h         Mon 03:00  waits for approval (kubectl flagramp approve use-redis); taken as given at once here\n"
        + "    +1h         Mon 03:00  weight 50   step 2/3, soak 1h, approved\n"
        + "    +2h         Mon 04:00  weight 100  step 3/3\n"
        + "    +2h         Mon 04:00  Succeeded");
    assertThat(changes[1].replaceAll("\\s+", " ")).startsWith("scalingchange decreasing (namespace " + ns + ") server"
        + " rejected: ").contains("weights must be strictly increasing").contains("planner rejected:"
        + " spec.steps[1].weight: 10 must be greater than the previous step's 50");
    assertThat(changes[2].replaceAll("\\s+", " ")).as("a dry-run update of the object that exists")
        .contains("spec.flag is immutable");
    assertThat(cluster.client().resources(ScalingChange.class).inNamespace(ns).list().getItems())
        .as("a dry run creates nothing").extracting(c -> c.getMetadata().getName()).containsExactly("existing");
  }

  @Test
  void aMissingChangeAndAClusterThatCannotBeReachedAreOneLineAndExitOne(KubeTestCluster cluster) throws IOException {
    String ns = cluster.createNamespace("plugin-errors");
    OperatorHarness.installCrd(cluster.client());
    KubectlResult missing = flagramp(cluster, "status", "-n", ns, "nosuch");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.output()).isEqualTo("error: scalingchange \"nosuch\" not found in namespace \"" + ns + "\"\n");

    Path nowhere = Files.writeString(bin.resolve("nowhere.kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: someone, user: {token: nothing}}]
        contexts: [{name: gone, context: {cluster: gone, user: someone, namespace: social}}]
        current-context: gone
        """);
    KubectlResult unreachable = flagramp(cluster, "wait", "--kubeconfig", nowhere.toString(), "use-redis");
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.output()).isEqualTo("error: cannot reach the cluster at https://127.0.0.1:1/ (context gone):"
        + " connection refused\n");
  }

  /**
   * The --watch screen on a real terminal (tmux, 100x40) during a real rollout with analysis, an
   * approval and a rollback: each stage shows on the screen as it happens. The screens are kept in
   * target/watch-screens.txt ({@code -Dflagramp.watchCapture=FILE} for another file), to look at or to
   * paste into the README.
   */
  @Test
  void theWatchScreenFollowsARolloutThroughApprovalAndRollbackOnARealTerminal(KubeTestCluster cluster)
      throws Exception {
    if (TestBed.onPath("tmux").isEmpty()) {
      TestBed.missing("tmux", "src/test/provision/testbed.sh installs it (apt-get install tmux)");
    }
    String ns = cluster.createNamespace("social");
    AtomicReference<Double> errors = new AtomicReference<>(0.0012);
    MetricsSource metrics = q -> q.promql().contains("errors") ? errors.get()
        : q.promql().contains("latency") ? 0.21 : 5000;
    try (OperatorHarness harness = OperatorHarness.start(cluster, OperatorHarness.FAST, metrics,
        UnaryOperator.identity())) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      ScalingChange sc = change(ns, "use-redis", step(1, "15s"), step(5, "15s"), step(25, "15s"), step(100, "10s"));
      sc.getSpec().getSteps().get(2).setApproval(Approval.Manual);
      sc.getSpec().setAnalysis(analysis());
      sc.getSpec().setBake("10s");
      sc.getSpec().setWindows(new DeployWindows("UTC", List.of(new AllowedWindow(null, "00:00", "24:00")), null));
      harness.changes().resource(sc).create();

      String session = "flagramp-" + ProcessHandle.current().pid();
      StringBuilder command = new StringBuilder("env");
      env.forEach((k, v) -> command.append(' ').append(k).append("='").append(v).append('\''));
      command.append(" KUBECONFIG='").append(cluster.kubeconfig()).append("' TERM=xterm-256color")
          .append(" kubectl flagramp status -n ").append(ns).append(" use-redis --watch");
      run("tmux", "new-session", "-d", "-x", "100", "-y", "40", "-s", session, command.toString());
      try {
        StringBuilder captured = new StringBuilder();
        capture(session, captured, "soaking at weight 5", s -> s.contains("> 2/4") && s.contains("soaking"));
        await().atMost(Duration.ofSeconds(120)).until(() -> harness.phase(ns, "use-redis") == Phase.AwaitingApproval);
        capture(session, captured, "awaiting approval", s -> s.contains("AwaitingApproval"));
        assertThat(flagramp(cluster, "approve", "-n", ns, "use-redis").exitCode()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> "25".equals(harness.configMapData(ns, "app-features")
            .get(PCT)));
        errors.set(0.031);
        capture(session, captured, "failing at weight 25", s -> s.contains("Fail 2/3"));
        capture(session, captured, "rolled back", s -> s.contains("RolledBack"));
        Files.writeString(Path.of(System.getProperty("flagramp.watchCapture", "target/watch-screens.txt")), captured);
        log.info("the watch screens:\n{}", captured);
      } finally {
        run("tmux", "kill-session", "-t", session);
      }
    }
  }

  private static void capture(String session, StringBuilder into, String title,
      java.util.function.Predicate<String> shows) {
    AtomicReference<String> screen = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
      screen.set(run("tmux", "capture-pane", "-p", "-t", session));
      return shows.test(screen.get());
    });
    into.append("=== ").append(title).append(" ===\n").append(screen.get().stripTrailing()).append("\n\n");
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  private static Analysis analysis() {
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress("http://prometheus.invalid:9090");  // the test's MetricsSource answers instead
    analysis.setPrometheus(source);
    analysis.setInterval("2s");
    Baseline baseline = new Baseline();
    baseline.setWindow("1m");
    analysis.setBaseline(baseline);
    MetricCheck errorRate = new MetricCheck("error-rate", "sum(rate(errors[1m]))");
    errorRate.setMax(0.01);
    errorRate.setFailureLimit(3);
    MetricCheck latency = new MetricCheck("p99-latency", "histogram_quantile(0.99, latency)");
    latency.setMax(0.5);
    latency.setMaxIncrease("50%");
    analysis.setMetrics(List.of(errorRate, latency));
    MinSamples samples = new MinSamples();
    samples.setQuery("sum(increase(requests[1m]))");
    samples.setMin(1000.0);
    analysis.setMinSamples(samples);
    return analysis;
  }
}
