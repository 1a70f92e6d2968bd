package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packaged operator, as its own process, SIGKILLed again and again across rollouts that include
 * an automatic revert and an abort, while another client keeps editing the ScalingChanges' labels
 * (so the operator's status writes meet real 409s). A watch records every value each flag key takes,
 * and the invariants are checked on that record: only original values or a weight of the schedule,
 * the weight never lower except back to the originals, a revert stays, no soak cut short, and each
 * rollout ends where it must.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class ChaosIT {

  private static final Logger log = LoggerFactory.getLogger(ChaosIT.class);
  private static final int MIN_KILLS = 20;
  private static final String PCT = "USE_REDIS_PERCENTAGE";
  private static final String ON = "USE_REDIS";

  /** One rollout under chaos, and what it must end as. */
  private record Rollout(String ns, ScalingChange change, Map<String, String> originals, Phase ends,
      List<Map<String, String>> seen, List<Instant> at) {}

  @Test
  void sigkilledAtRandomMomentsTheOperatorKeepsEveryInvariant(KubeTestCluster cluster, TestPrometheus prometheus)
      throws IOException {
    OperatorHarness.installCrd(cluster.client());
    long seed = Long.getLong("flagramp.chaos.seed", System.nanoTime());
    Random rnd = new Random(seed);
    List<Rollout> rollouts = new ArrayList<>();
    List<AutoCloseable> resources = new ArrayList<>();
    AtomicLong activity = new AtomicLong();
    AtomicInteger touches = new AtomicInteger();
    ScheduledExecutorService toucher = Executors.newSingleThreadScheduledExecutor();
    Path logs = Files.createDirectories(Path.of("target", "chaos"));
    int kills = 0;
    try {
      TestApp healthy = new TestApp(prometheus.registry(), "chaos-healthy");
      TestApp breaking = new TestApp(prometheus.registry(), "chaos-breach");
      resources.add(healthy);
      resources.add(breaking);
      rollouts.add(rollout(cluster, "chaos-healthy", withAnalysis(change("", "use-redis", step(1, "3s"), step(10, "3s"),
          step(50, "3s"), step(100, "2s")), healthy, prometheus), Map.of(ON, "false"), Phase.Succeeded));
      rollouts.add(rollout(cluster, "chaos-breach", withAnalysis(change("", "use-redis", step(5, "3s"), step(25, "3s"),
          step(50, "6s"), step(100, null)), breaking, prometheus), Map.of(ON, "false", PCT, "0"), Phase.RolledBack));
      rollouts.add(rollout(cluster, "chaos-abort", change("", "use-redis", step(5, "3s"), step(25, "1h"),
          step(100, null)), Map.of(), Phase.RolledBack));
      rollouts.add(rollout(cluster, "chaos-plain", change("", "use-redis", step(1, "2s"), step(20, "3s"),
          step(60, "3s"), step(100, "2s")), Map.of(ON, "true"), Phase.Succeeded));
      for (Rollout r : rollouts) {
        resources.add(record(cluster, r, activity, value -> {
          if (r.ns().startsWith("chaos-breach")) {
            breaking.errorRate(value >= 50 ? 0.5 : 0);  // the app breaks once half the users get the flag
          }
          if (r.ns().startsWith("chaos-abort") && value == 25) {
            toucher.execute(() -> annotate(cluster, r.ns(), Annotations.ABORT, "chaos"));
          }
        }));
        resources.add(cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).watch(new Watcher<>() {
          private Object lastStatus;

          @Override
          public void eventReceived(Action action, ScalingChange sc) {
            // Only the operator's own writes count as its activity, not the label edits.
            if (!Objects.equals(sc.getStatus(), lastStatus)) {
              lastStatus = sc.getStatus();
              activity.incrementAndGet();
            }
          }

          @Override
          public void onClose(WatcherException cause) {}
        }));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> scraped(prometheus, healthy) && scraped(prometheus, breaking));

      toucher.scheduleAtFixedRate(() -> rollouts.forEach(r -> {
        try {
          cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis")
              .patch(PatchContext.of(PatchType.JSON_MERGE),
                  "{\"metadata\":{\"labels\":{\"chaos-touch\":\"" + touches.incrementAndGet() + "\"}}}");
        } catch (KubernetesClientException e) {
          // the object may be gone
        }
      }), 0, 200, TimeUnit.MILLISECONDS);

      Map<String, String> settings = Map.of(
          "FLAGRAMP_NAMESPACES", String.join(",", rollouts.stream().map(Rollout::ns).toList()),
          "FLAGRAMP_RESYNC_INTERVAL", "2s", "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "chaos");
      try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings, logs)) {
        resources.add(operator);
        rollouts.forEach(r -> cluster.client().resources(ScalingChange.class).resource(r.change()).create());
        while (kills < MIN_KILLS || !allEnded(cluster, rollouts)) {
          operator.start();
          // Killed after a random number of writes it made (seen by the watches), or a random time.
          long target = activity.get() + 1 + rnd.nextInt(6);
          try {
            await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofMillis(2000 + rnd.nextInt(5000)))
                .until(() -> activity.get() >= target);
          } catch (ConditionTimeoutException e) {
            // the random time came first
          }
          operator.kill();
          kills++;
          if (kills > 200) {
            throw new AssertionError("the rollouts did not end after " + kills + " kills: " + phases(cluster, rollouts));
          }
        }
        operator.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> allSettled(cluster, rollouts));
        toucher.shutdownNow();
        long conflicts = operator.logLines().stream().filter(l -> l.contains("HTTP 409")).count();
        List<String> violations = new ArrayList<>();
        rollouts.forEach(r -> violations.addAll(check(cluster, r)));
        log.info("chaos (seed {}): {} SIGKILLs over {} operator runs, {} label edits, {} HTTP 409s met by the"
            + " operator, {} invariant violations; values seen: {}", seed, kills, operator.runs(), touches.get(),
            conflicts, violations.size(), rollouts.stream().map(r -> r.ns() + "=" + r.seen()).toList());
        assertThat(violations).as("seed " + seed).isEmpty();
        assertThat(kills).isGreaterThanOrEqualTo(MIN_KILLS);
        assertThat(conflicts).as("the concurrent writer caused real conflicts").isPositive();
        assertThat(operator.logLines()).as("never a stack trace for an expected fault")
            .noneMatch(l -> l.startsWith("\tat ") && l.contains("io.flagramp"));
      }
    } finally {
      toucher.shutdownNow();
      for (AutoCloseable c : resources) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("closing {}: {}", c, e.toString());
        }
      }
    }
  }

  private static Rollout rollout(KubeTestCluster cluster, String prefix, ScalingChange change,
      Map<String, String> originals, Phase ends) {
    String ns = cluster.createNamespace(prefix);
    change.getMetadata().setNamespace(ns);
    Map<String, String> data = new LinkedHashMap<>(originals);
    data.put("OTHER", "untouched");
    cluster.client().configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("app-features").withNamespace(ns)
        .addToLabels(io.flagramp.core.OptIn.FLAGS, io.flagramp.core.OptIn.VALUE).endMetadata().withData(data)
        .build()).create();
    return new Rollout(ns, change, originals, ends, new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
  }

  private static ScalingChange withAnalysis(ScalingChange sc, TestApp app, TestPrometheus prometheus) {
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    source.setTimeout("1s");
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    MetricCheck errors = new MetricCheck("error-rate", app.errorRateQuery());
    errors.setMax(0.05);
    errors.setFailureLimit(2);
    analysis.setMetrics(new ArrayList<>(List.of(errors)));
    sc.getSpec().setAnalysis(analysis);
    return sc;
  }

  /** Records every value of the flag's keys, with when the watch saw it. */
  private static Watch record(KubeTestCluster cluster, Rollout r, AtomicLong activity,
      java.util.function.IntConsumer onWeight) {
    return cluster.client().configMaps().inNamespace(r.ns()).withName("app-features").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        activity.incrementAndGet();
        Map<String, String> keys = new LinkedHashMap<>();
        for (String k : List.of(PCT, ON)) {
          if (cm.getData() != null && cm.getData().containsKey(k)) {
            keys.put(k, cm.getData().get(k));
          }
        }
        if (r.seen().isEmpty() || !r.seen().get(r.seen().size() - 1).equals(keys)) {
          r.seen().add(keys);
          r.at().add(Instant.now());
          String pct = keys.get(PCT);
          onWeight.accept(pct == null ? 0 : Integer.parseInt(pct));
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  /** The invariants on the recorded values, and the end state. */
  private static List<String> check(KubeTestCluster cluster, Rollout r) {
    List<String> violations = new ArrayList<>();
    List<Step> steps = r.change().getSpec().getSteps();
    Integer last = null;
    boolean reverted = false;
    for (int i = 0; i < r.seen().size(); i++) {
      Map<String, String> v = r.seen().get(i);
      if (v.equals(r.originals())) {
        reverted = last != null;
        continue;
      }
      Integer weight = weight(steps, v);
      if (weight == null) {
        violations.add(r.ns() + ": the flag held " + v + ", neither the originals nor a weight of the schedule");
        continue;
      }
      if (reverted) {
        violations.add(r.ns() + ": weight " + weight + " written after the revert");
      }
      if (last != null && weight < last) {
        violations.add(r.ns() + ": the weight went down from " + last + " to " + weight);
      }
      if (last != null && !weight.equals(last)) {
        Duration soaked = Duration.between(r.at().get(indexOf(r, last)), r.at().get(i));
        Duration pause = pause(steps, last);
        if (soaked.plusMillis(250).compareTo(pause) < 0) {
          violations.add(r.ns() + ": weight " + weight + " entered after " + soaked.toMillis() + "ms at " + last
              + ", before its pause " + pause);
        }
      }
      last = weight;
    }
    ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis").get();
    if (sc.getStatus().getPhase() != r.ends()) {
      violations.add(r.ns() + ": ended " + sc.getStatus().getPhase() + ", not " + r.ends() + ": "
          + sc.getStatus().getLastDecision());
    }
    Map<String, String> data = cluster.client().configMaps().inNamespace(r.ns()).withName("app-features").get().getData();
    Map<String, String> now = new LinkedHashMap<>();
    for (String k : List.of(PCT, ON)) {
      if (data.containsKey(k)) {
        now.put(k, data.get(k));
      }
    }
    Map<String, String> expected = r.ends() == Phase.RolledBack ? r.originals() : Map.of(PCT, "100", ON, "true");
    if (!now.equals(expected) || !"untouched".equals(data.get("OTHER"))) {
      violations.add(r.ns() + ": the ConfigMap ended as " + data + ", expected " + expected);
    }
    List<Integer> entered = sc.getStatus().getHistory().stream().map(HistoryEntry::getWeight).toList();
    if (entered.size() != entered.stream().distinct().count()) {
      violations.add(r.ns() + ": a step was entered twice: " + entered);
    }
    return violations;
  }

  private static int indexOf(Rollout r, int weight) {
    for (int i = 0; i < r.seen().size(); i++) {
      if (Integer.toString(weight).equals(r.seen().get(i).get(PCT))) {
        return i;
      }
    }
    throw new IllegalStateException("weight " + weight + " never seen");
  }

  private static Integer weight(List<Step> steps, Map<String, String> v) {
    for (Step s : steps) {
      if (v.equals(Map.of(PCT, Integer.toString(s.getWeight()), ON, "true"))) {
        return s.getWeight();
      }
    }
    return null;
  }

  private static Duration pause(List<Step> steps, int weight) {
    return steps.stream().filter(s -> s.getWeight() == weight).findFirst()
        .map(s -> s.getPause() == null ? Duration.ZERO : io.flagramp.core.Durations.parse(s.getPause()))
        .orElse(Duration.ZERO);
  }

  private static boolean allEnded(KubeTestCluster cluster, List<Rollout> rollouts) {
    return rollouts.stream().allMatch(r -> {
      ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis").get();
      return sc.getStatus() != null && sc.getStatus().getPhase() != null && sc.getStatus().getPhase().isTerminal();
    });
  }

  /** Ended, with no write left unfinished. */
  private static boolean allSettled(KubeTestCluster cluster, List<Rollout> rollouts) {
    return allEnded(cluster, rollouts) && rollouts.stream().allMatch(r -> cluster.client()
        .resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis").get().getStatus().getIntent() == null);
  }

  private static String phases(KubeTestCluster cluster, List<Rollout> rollouts) {
    return rollouts.stream().map(r -> {
      ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis").get();
      return r.ns() + " " + (sc.getStatus() == null ? "-" : sc.getStatus().getPhase() + ": "
          + sc.getStatus().getLastDecision());
    }).toList().toString();
  }

  private static void annotate(KubeTestCluster cluster, String ns, String key, String value) {
    cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis")
        .patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + key + "\":\"" + value + "\"}}}");
  }

  private static boolean scraped(TestPrometheus prometheus, TestApp app) {
    return !prometheus.server().instantQuery("count_over_time((" + app.errorRateQuery() + ")[4s:1s]) > 3",
        Instant.now()).isEmpty();
  }
}
