package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.chart.HelmChart;
import io.flagramp.core.OptIn;
import io.flagramp.operator.LabelSelector;
import io.flagramp.operator.Shard;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two shards, each a separate operator process (the packaged jar) with the environment its own Helm
 * release gives its pod (leader election on, a Lease each), against the real kube-apiserver: they split
 * ScalingChanges by the label {@code flagramp.io/shard} with no change touched by both, and a change
 * relabelled mid-rollout is handed over with no step repeated or skipped.
 */
@ExtendWith(KubeApiServerExtension.class)
class ShardingIT {

  private static final Logger log = LoggerFactory.getLogger(ShardingIT.class);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern CHANGE_INFO = Pattern.compile("^flagramp_change_info\\{(.*)} ");
  private static final Pattern NAMESPACE = Pattern.compile("namespace=\"([^\"]*)\"");
  private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");

  @Test
  void twoShardsSplitTwoHundredChangesByLabelAndNoChangeIsReconciledByBoth(KubeTestCluster cluster)
      throws Exception {
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrd(client);
    List<String> namespaces = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      namespaces.add(cluster.createNamespace("split"));
    }
    // 25 ConfigMaps per namespace, each with two changes on different keys: x-i in shard a (unlabelled, labelled
    // a, or labelled for a shard that does not exist, which the default shard owns) and y-i in shard b.
    Map<String, String> owner = new LinkedHashMap<>();
    List<ScalingChange> changes = new ArrayList<>();
    for (String ns : namespaces) {
      for (int i = 0; i < 25; i++) {
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("features-" + i)
            .addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData("THEME", "dark").build()).create();
        String xLabel = switch (i % 3) {
          case 0 -> null;
          case 1 -> "a";
          default -> "retired";
        };
        changes.add(change(ns, "x-" + i, "features-" + i, "X_PERCENTAGE", xLabel,
            step(10, "1s"), step(50, "1s"), step(100, null)));
        owner.put(ns + "/x-" + i, "a");
        changes.add(change(ns, "y-" + i, "features-" + i, "Y_PERCENTAGE", "b",
            step(10, "1s"), step(50, "1s"), step(100, null)));
        owner.put(ns + "/y-" + i, "b");
      }
    }
    assertThat(changes).hasSize(200);
    assertThat(owner.values().stream().filter("b"::equals)).hasSize(100);

    String release = cluster.createNamespace("split-release");
    Path logs = Files.createDirectories(Path.of("target", "sharding", "split"));
    try (ShardProcess a = ShardProcess.start(cluster, release, "a", namespaces, logs);
        ShardProcess b = ShardProcess.start(cluster, release, "b", namespaces, logs)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> a.leads(client) && b.leads(client));
      assertThat(a.lease()).isNotEqualTo(b.lease());

      Instant started = Instant.now();
      // Created by 8 clients at once, as a GitOps sync would: one after the other, creating takes longer than the
      // rollouts.
      ExecutorService creators = Executors.newFixedThreadPool(8);
      try {
        for (Future<?> f : creators.invokeAll(changes.stream().<Callable<Object>>map(sc ->
            () -> client.resources(ScalingChange.class).resource(sc).create()).toList())) {
          f.get();
        }
      } finally {
        creators.shutdown();
      }
      Instant created = Instant.now();
      await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
          .until(() -> succeeded(client, namespaces) == changes.size());
      Instant done = Instant.now();

      // Evidence 1: every Event of a change was written by its own shard's instance, and each has some.
      Map<String, Set<String>> reporters = new HashMap<>();
      for (String ns : namespaces) {
        for (Event e : client.v1().events().inNamespace(ns).list().getItems()) {
          if (!"ScalingChange".equals(e.getInvolvedObject().getKind())) {
            continue;
          }
          reporters.computeIfAbsent(ns + "/" + e.getInvolvedObject().getName(), k -> new TreeSet<>())
              .add(e.getReportingInstance());
        }
      }
      Map<String, Set<String>> expectedReporters = owner.entrySet().stream().collect(Collectors.toMap(
          Map.Entry::getKey, e -> Set.of(e.getValue().equals("a") ? a.instance() : b.instance())));
      assertThat(reporters).as("the instances that wrote each change's Events").isEqualTo(expectedReporters);

      // Evidence 2: each operator's /metrics names the changes it reconciled: a partition by the label.
      Set<String> onA = a.changesOnMetrics();
      Set<String> onB = b.changesOnMetrics();
      assertThat(onA).as("reconciled by shard a").isEqualTo(owned(owner, "a"));
      assertThat(onB).as("reconciled by shard b").isEqualTo(owned(owner, "b"));

      // Evidence 3: neither operator logged a line about a change of the other's.
      assertThat(mentions(a.logLines(), owned(owner, "b"))).as("shard a's log on shard b's changes").isEmpty();
      assertThat(mentions(b.logLines(), owned(owner, "a"))).as("shard b's log on shard a's changes").isEmpty();

      for (String ns : namespaces) {
        for (int i = 0; i < 25; i++) {
          assertThat(client.configMaps().inNamespace(ns).withName("features-" + i).get().getData())
              .containsEntry("X_PERCENTAGE", "100").containsEntry("Y_PERCENTAGE", "100")
              .containsEntry("THEME", "dark");
        }
      }
      log.info("sharding: 200 changes (3 steps, 1s pauses) in {} namespaces split by label over two operator"
          + " processes; created in {} ms; all Succeeded {} ms after the first was created; shard a reconciled {},"
          + " shard b {}, none both; Leases {} and {}", namespaces.size(),
          Duration.between(started, created).toMillis(), Duration.between(started, done).toMillis(), onA.size(),
          onB.size(), a.lease(), b.lease());
    }
  }

  @Test
  void aChangeRelabelledMidRolloutIsHandedOverWithNoStepRepeatedOrSkipped(KubeTestCluster cluster)
      throws Exception {
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrd(client);
    String ns = cluster.createNamespace("relabel");
    // Each change has its ConfigMap; all start in shard a (labelled a, or unlabelled: the default shard's).
    List<Handover> plans = List.of(
        new Handover("h1", null, List.of(new Relabel(1, "b", false, true))),
        new Handover("h2", "a", List.of(new Relabel(10, "b", false, true))),
        new Handover("h3", "a", List.of(new Relabel(10, "b", true, false))),
        new Handover("h4", null, List.of(new Relabel(25, "b", true, false))),
        new Handover("h5", "a", List.of(new Relabel(10, "b", false, true), new Relabel(50, "a", false, true))),
        new Handover("h6", "a", List.of(new Relabel(0, "b", false, false))));
    for (Handover h : plans) {
      client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + h.name())
          .addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData("OTHER", "kept").build()).create();
    }
    Map<String, List<String>> seen = new ConcurrentHashMap<>();
    Map<String, List<Instant>> seenAt = new ConcurrentHashMap<>();
    String release = cluster.createNamespace("relabel-release");
    Path logs = Files.createDirectories(Path.of("target", "sharding", "relabel"));
    try (Watch watch = record(client, ns, seen, seenAt);
        ShardProcess a = ShardProcess.start(cluster, release, "a", List.of(ns), logs);
        ShardProcess b = ShardProcess.start(cluster, release, "b", List.of(ns), logs)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> a.leads(client) && b.leads(client));
      Map<String, ShardProcess> shards = Map.of("a", a, "b", b);

      Instant started = Instant.now();
      for (Handover h : plans) {
        client.resources(ScalingChange.class).resource(change(ns, h.name(), "cm-" + h.name(), "P", h.label(),
            step(1, "3s"), step(10, "3s"), step(25, "3s"), step(50, "3s"), step(100, null))).create();
      }
      List<String> figures = new CopyOnWriteArrayList<>();
      List<Thread> runs = new ArrayList<>();
      for (Handover h : plans) {
        Thread t = new Thread(() -> {
          ShardProcess from = h.label() == null || h.label().equals("a") ? a : b;
          for (Relabel r : h.relabels()) {
            figures.add(h.name() + ": " + handOver(cluster, ns, h.name(), r, from, shards.get(r.to()), seen));
            from = shards.get(r.to());
          }
        }, "handover-" + h.name());
        t.start();
        runs.add(t);
      }
      for (Thread t : runs) {
        t.join(Duration.ofSeconds(120).toMillis());
        assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> plans.stream()
          .allMatch(h -> phase(client, ns, h.name()) == Phase.Succeeded));
      Instant done = Instant.now();
      assertThat(figures).as("every planned hand-over happened").hasSize(7);

      for (Handover h : plans) {
        ScalingChange sc = client.resources(ScalingChange.class).inNamespace(ns).withName(h.name()).get();
        assertThat(seen.get("cm-" + h.name())).as(h.name() + ": each weight once, in order")
            .containsExactly("-", "1", "10", "25", "50", "100");
        assertThat(sc.getStatus().getHistory()).as(h.name() + ": one history row per step")
            .extracting(HistoryEntry::getWeight).containsExactly(1, 10, 25, 50, 100);
        assertThat(sc.getStatus().getHistory()).extracting(HistoryEntry::getAttempt).containsOnly(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(events(client, ns, h.name()).stream()
            .filter(e -> "StepEntered".equals(e.getReason())).toList())
            .as(h.name() + ": one StepEntered Event per step, from either shard").hasSize(5));
        String last = h.relabels().get(h.relabels().size() - 1).to();
        ShardProcess owner = shards.get(last);
        ShardProcess other = owner == a ? b : a;
        assertThat(owner.changesOnMetrics()).as(h.name() + " on its last shard's /metrics")
            .contains(ns + "/" + h.name());
        assertThat(other.changesOnMetrics()).as(h.name() + " let go of by the other")
            .doesNotContain(ns + "/" + h.name());
        assertThat(client.configMaps().inNamespace(ns).withName("cm-" + h.name()).get().getData())
            .containsEntry("OTHER", "kept");
      }
      assertThat(a.logLines()).as("shard a says when a change leaves it")
          .anyMatch(l -> l.contains(ns + "/h1: left this shard (flagramp.io/shard=b"));
      assertThat(b.logLines()).anyMatch(l -> l.contains(ns + "/h5: left this shard (flagramp.io/shard=a"));
      for (Handover h : plans) {
        log.info("relabel {}: ConfigMap values {}, at {}", h.name(), seen.get("cm-" + h.name()),
            seenAt.get("cm-" + h.name()));
      }
      log.info("relabel mid-rollout: {} changes, 7 hand-overs, all Succeeded {} ms after creation, each weight once"
          + " and in order:\n  {}", plans.size(), Duration.between(started, done).toMillis(),
          String.join("\n  ", figures));
    }
  }

  @Test
  void theApiServerSelectsExactlyWhatTheShardSelectorsMatch(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrd(client);
    String ns = cluster.createNamespace("selectors");
    Map<String, Map<String, String>> labels = new LinkedHashMap<>();
    labels.put("none", Map.of());
    labels.put("a", Map.of(Shard.LABEL, "a"));
    labels.put("b", Map.of(Shard.LABEL, "b"));
    labels.put("c", Map.of(Shard.LABEL, "c"));
    labels.put("empty", Map.of(Shard.LABEL, ""));
    labels.put("b-payments", Map.of(Shard.LABEL, "b", "team", "payments"));
    for (Map.Entry<String, Map<String, String>> e : labels.entrySet()) {
      ScalingChange sc = change(ns, e.getKey(), "cm", "P", null, step(100, null));
      sc.getMetadata().setLabels(new HashMap<>(e.getValue()));
      client.resources(ScalingChange.class).resource(sc).create();
    }
    List<String> selectors = List.of("flagramp.io/shard in (a)", "flagramp.io/shard notin (b,c)", "!flagramp.io/shard",
        "flagramp.io/shard", "flagramp.io/shard!=b", "flagramp.io/shard=", "flagramp.io/shard in (b),team=payments",
        "flagramp.io/shard in (b),!team");
    for (String s : selectors) {
      LabelSelector selector = LabelSelector.parse(s);
      Set<String> listed = client.resources(ScalingChange.class).inNamespace(ns).withLabelSelector(selector.toString())
          .list().getItems().stream().map(sc -> sc.getMetadata().getName()).collect(Collectors.toSet());
      Set<String> matched = labels.entrySet().stream().filter(e -> selector.matches(e.getValue()))
          .map(Map.Entry::getKey).collect(Collectors.toSet());
      assertThat(matched).as(s).isNotEmpty().isEqualTo(listed);
    }
  }

  /** A change's planned hand-overs; {@code label} is the shard label it is created with. */
  private record Handover(String name, String label, List<Relabel> relabels) {}

  /**
   * Relabel to {@code to} once the ConfigMap holds {@code atWeight} (0: right after creation); {@code atDue}: at
   * the moment the next step is due, racing the old shard's reconcile, through the API (kubectl's start-up
   * would miss the moment); {@code kubectl}: with {@code kubectl label --overwrite}, as on-call would.
   */
  private record Relabel(int atWeight, String to, boolean atDue, boolean kubectl) {}

  /** Carries out one relabel and measures the hand-over: returns the figures, one line. */
  private static String handOver(KubeTestCluster cluster, String ns, String name, Relabel r, ShardProcess from,
      ShardProcess to, Map<String, List<String>> seen) {
    KubernetesClient client = cluster.client();
    String cm = "cm-" + name;
    if (r.atWeight() > 0) {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> seen.getOrDefault(cm, List.of()).contains(String.valueOf(r.atWeight())));
    }
    Instant due = null;
    if (r.atDue()) {
      ScalingChange sc = client.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
      Instant next = Instant.parse(sc.getStatus().getNextStepAt());
      due = next;
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2)).until(() -> !Instant.now()
          .isBefore(next.minusMillis(5)));
    }
    Instant relabelled;
    if (r.kubectl()) {
      KubeTestCluster.KubectlResult result = cluster.kubectl("label", "-n", ns, "schg/" + name,
          Shard.LABEL + "=" + r.to(), "--overwrite");
      relabelled = Instant.now();
      assertThat(result.exitCode()).as(result.output()).isZero();
    } else {
      client.resources(ScalingChange.class).inNamespace(ns).withName(name).patch(
          PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"" + Shard.LABEL + "\":\"" + r.to()
              + "\"}}}");
      relabelled = Instant.now();
    }
    String id = ns + "/" + name;
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
        .until(() -> to.changesOnMetrics().contains(id));
    Instant taken = Instant.now();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
        .until(() -> !from.changesOnMetrics().contains(id));
    Instant dropped = Instant.now();
    String figures = "shard " + from.shard() + " → " + to.shard() + " at weight " + r.atWeight()
        + (r.atDue() ? " (at its due time)" : "") + " by " + (r.kubectl() ? "kubectl" : "the API")
        + ": on the new shard's /metrics " + Duration.between(relabelled, taken).toMillis()
        + " ms later, off the old one's " + Duration.between(relabelled, dropped).toMillis() + " ms later";
    if (due != null) {
      // The step due at the hand-over, and for comparison the one after it, which no hand-over delays.
      Duration handedOver = stepLag(name, due, next(r.atWeight()), seen);
      ScalingChange sc = client.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
      Duration plain = stepLag(name, Instant.parse(sc.getStatus().getNextStepAt()), next(next(r.atWeight())), seen);
      figures += "; the step due then written " + handedOver.toMillis() + " ms after its nextStepAt (the next"
          + " one, with no hand-over, " + plain.toMillis() + " ms after)";
    }
    return figures;
  }

  /** From a step's due time to the test seeing its weight in the ConfigMap. */
  private static Duration stepLag(String name, Instant due, int weight, Map<String, List<String>> seen) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
        .until(() -> seen.getOrDefault("cm-" + name, List.of()).contains(String.valueOf(weight)));
    return Duration.between(due, Instant.now());
  }

  private static int next(int weight) {
    List<Integer> weights = List.of(1, 10, 25, 50, 100);
    return weights.get(weights.indexOf(weight) + 1);
  }

  /** A change on one key of a ConfigMap, labelled for a shard (null: unlabelled). */
  private static ScalingChange change(String ns, String name, String configMap, String key, String shard,
      Step... steps) {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName(name);
    sc.getMetadata().setNamespace(ns);
    if (shard != null) {
      sc.getMetadata().setLabels(new HashMap<>(Map.of(Shard.LABEL, shard)));
    }
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget(configMap, key, null));
    spec.setSteps(new ArrayList<>(List.of(steps)));
    sc.setSpec(spec);
    return sc;
  }

  private static long succeeded(KubernetesClient client, List<String> namespaces) {
    return namespaces.stream().flatMap(ns -> client.resources(ScalingChange.class).inNamespace(ns).list().getItems()
        .stream()).filter(sc -> sc.getStatus() != null && sc.getStatus().getPhase() == Phase.Succeeded).count();
  }

  private static Phase phase(KubernetesClient client, String ns, String name) {
    ScalingChange sc = client.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }

  private static List<Event> events(KubernetesClient client, String ns, String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private static Set<String> owned(Map<String, String> owner, String shard) {
    return owner.entrySet().stream().filter(e -> e.getValue().equals(shard)).map(Map.Entry::getKey)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The log lines that name one of these changes as "namespace/name:", as every line about a change does. */
  private static List<String> mentions(List<String> lines, Set<String> changes) {
    return lines.stream().filter(l -> changes.stream().anyMatch(c -> l.contains(c + ":"))).toList();
  }

  /** Every distinct value of the key P (or X_/Y_PERCENTAGE) of each ConfigMap, in order, "-" for absent. */
  private static Watch record(KubernetesClient client, String ns, Map<String, List<String>> seen,
      Map<String, List<Instant>> seenAt) {
    return client.configMaps().inNamespace(ns).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        String value = cm.getData() == null ? "-" : cm.getData().getOrDefault("P", "-");
        List<String> values = seen.computeIfAbsent(cm.getMetadata().getName(), k -> new CopyOnWriteArrayList<>());
        if (values.isEmpty() || !Objects.equals(values.get(values.size() - 1), value)) {
          values.add(value);
          seenAt.computeIfAbsent(cm.getMetadata().getName(), k -> new CopyOnWriteArrayList<>()).add(Instant.now());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  /**
   * One shard: the packaged operator run with the environment the pod of its Helm release would get
   * ({@code helm template flagramp-<shard>} with the shared sharding values), one replica, leader
   * election on. Only what cannot be as in a pod differs: a free port for /metrics, no JAVA_TOOL_OPTIONS
   * (the process has its own -Xmx), and a 1s pending retry.
   */
  private record ShardProcess(String shard, String instance, String lease, int port, OperatorProcess process)
      implements AutoCloseable {

    static ShardProcess start(KubeTestCluster cluster, String releaseNamespace, String shard,
        List<String> namespaces, Path logs) throws IOException {
      String release = "flagramp-" + shard;
      String instance = release + "-0";
      Map<String, String> env = new LinkedHashMap<>(HelmChart.render(release, releaseNamespace, """
          watchNamespaces: [%s]
          pendingRetryInterval: 1s
          sharding:
            shard: %s
            shards: [a, b]
            defaultShard: a
          """.formatted(String.join(", ", namespaces), shard))
          .env(Map.of("metadata.namespace", releaseNamespace, "metadata.name", instance)));
      env.remove("JAVA_TOOL_OPTIONS");
      int port = freePort();
      env.put("FLAGRAMP_HTTP_PORT", String.valueOf(port));
      OperatorProcess process = new OperatorProcess(cluster.kubeconfig(), env,
          Files.createDirectories(logs.resolve(shard)));
      process.start();
      return new ShardProcess(shard, instance, releaseNamespace + "/" + env.get("FLAGRAMP_LEASE_NAME"), port, process);
    }

    boolean leads(KubernetesClient client) {
      String[] at = lease.split("/");
      Lease l = client.leases().inNamespace(at[0]).withName(at[1]).get();
      return l != null && l.getSpec() != null && instance.equals(l.getSpec().getHolderIdentity());
    }

    /** "namespace/name" of every change on this operator's /metrics, which it put there reconciling it. */
    Set<String> changesOnMetrics() {
      String body;
      try {
        body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      Set<String> changes = new TreeSet<>();
      for (String line : body.split("\n")) {
        Matcher m = CHANGE_INFO.matcher(line);
        if (m.find()) {
          Function<Pattern, String> label = p -> {
            Matcher l = p.matcher(m.group(1));
            return l.find() ? l.group(1) : "?";
          };
          changes.add(label.apply(NAMESPACE) + "/" + label.apply(NAME));
        }
      }
      return changes;
    }

    List<String> logLines() {
      return process.logLines();
    }

    @Override
    public void close() {
      process.close();
    }

    private static int freePort() throws IOException {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    }
  }
}
