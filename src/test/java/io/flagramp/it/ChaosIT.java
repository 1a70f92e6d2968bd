package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
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
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.FlagClaim;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packaged operator, as its own processes, SIGKILLed again and again across rollouts that include
 * an automatic revert and an abort, while another client keeps editing the ScalingChanges' labels
 * (so the operator's status writes meet real 409s). It runs as a Deployment in a rolling update would:
 * two pods overlap, leader election on one Lease, each pod under its own name. A pod's container
 * restarts in place (same name, so it leads again at once if it led), the pod that does not lead
 * crashes too, and now and then a rolling update completes: the old pod is SIGKILLed or stopped with
 * SIGTERM once the new one is ready, and the new one takes the Lease over when it expires.
 *
 * <p>In two namespaces the flag's ConfigMap is deleted mid-rollout and created again from a copy of
 * itself: once with the change's claim annotation (a backup), once without (as Git would create it).
 * Either copy is fresh (exactly the deleted object) or stale (taken one step earlier). The change must
 * go Held ConfigMapReplaced and write nothing to the new object; the test then aborts it, and the abort
 * restores the original values onto the new object where the rules say it may: the copy carries the
 * claim, or its keys still hold exactly what the change last wrote (so a fresh copy without the claim
 * is restored, a stale one is not: RolledBack "not restored: ...").
 *
 * <p>A watch records every value each flag key takes, per ConfigMap object (a DELETED, then a new
 * ADDED), and the invariants are checked on that record: only original values or a weight of the
 * schedule, the weight never lower except back to the originals, a revert stays, no soak cut short,
 * each rollout ends where it must; on a re-created object nothing is ever written but the restore
 * after the abort; no ConfigMap object appears that the test did not create.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class ChaosIT {

  private static final Logger log = LoggerFactory.getLogger(ChaosIT.class);
  private static final int MIN_KILLS = 20;
  /**
   * The rolling updates that complete, each ending the old pod by SIGKILL (false) or SIGTERM (true).
   * Each waits out the Lease the old pod held: 15 s with JOSDK's defaults, which flagramp does not
   * change; so only these few kills hand the lead to another pod, and the rest restart in place.
   */
  private static final List<Boolean> HANDOVERS = List.of(false, false, true, true);
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final String PCT = "USE_REDIS_PERCENTAGE";
  private static final String ON = "USE_REDIS";
  private static final String CM = "app-features";
  private static final String LEASE = "flagramp-chaos";
  /** Logged once a pod's operator has started: ready, in the rolling update's terms. */
  private static final String READY = "flagramp watching ScalingChanges";

  /** One event of a flag's ConfigMap, as the watch saw it. */
  private record Seen(Watcher.Action action, String uid, Map<String, String> keys, Map<String, String> claims,
      Instant at) {}

  /** How a rollout's ConfigMap is deleted and created again mid-rollout. */
  private enum Copy {
    /** With every annotation, the change's claim among them: restored by the abort. */
    WITH_CLAIM,
    /** Without flagramp's claim annotations, as Git would create it: restored only if the keys still hold
     *  what the change last wrote. */
    WITHOUT_CLAIM
  }

  /** A ConfigMap deleted and created again, and what the test saw of it. */
  private static final class Replacement {
    final Copy copy;
    /** The copy is taken at this weight; if stale, the old object is deleted only after the next step. */
    final int atWeight;
    final boolean stale;
    final AtomicBoolean triggered = new AtomicBoolean();
    final AtomicBoolean held = new AtomicBoolean();
    volatile String newUid;
    volatile Map<String, String> copied;
    volatile Map<String, String> lastOnOld;
    volatile boolean claimCopied;
    volatile ScalingChangeStatus heldStatus;
    volatile Instant abortAt;
    volatile String failure;

    Replacement(Copy copy, int atWeight, boolean stale) {
      this.copy = copy;
      this.atWeight = atWeight;
      this.stale = stale;
    }

    /** The rules: the copy carries the claim, or its keys hold exactly what the change last wrote. */
    boolean restoreExpected() {
      return claimCopied || copied.equals(lastOnOld);
    }

    @Override
    public String toString() {
      return copy + (stale ? " stale" : " fresh") + " at weight " + atWeight;
    }
  }

  /** One rollout under chaos, and what it must end as. */
  private record Rollout(String ns, ScalingChange change, Map<String, String> originals, Phase ends, String uid,
      Replacement replacement, List<Seen> events) {}

  /** A pod of the operator's Deployment: one name (its Lease identity), its container restarting in place. */
  private record Pod(String name, OperatorProcess process) {}

  @Test
  void sigkilledAtRandomMomentsTheOperatorKeepsEveryInvariant(KubeTestCluster cluster, TestPrometheus prometheus)
      throws IOException {
    OperatorHarness.installCrd(cluster.client());
    long seed = Long.getLong("flagramp.chaos.seed", System.nanoTime());
    Random rnd = new Random(seed);
    Random replacing = new Random(seed ^ 0x5eedL);
    Instant began = Instant.now();
    List<Rollout> rollouts = new ArrayList<>();
    List<AutoCloseable> resources = new ArrayList<>();
    AtomicLong activity = new AtomicLong();
    AtomicInteger touches = new AtomicInteger();
    ScheduledExecutorService toucher = Executors.newSingleThreadScheduledExecutor();
    ScheduledExecutorService replacer = Executors.newScheduledThreadPool(2);
    Path logs = Files.createDirectories(Path.of("target", "chaos"));
    try (Stream<Path> old = Files.list(logs)) {
      for (Path p : old.filter(p -> p.getFileName().toString().startsWith("pod-")).toList()) {
        try (Stream<Path> files = Files.walk(p)) {
          for (Path f : files.sorted(Collections.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
      }
    }
    List<Pod> pods = new ArrayList<>();
    int kills = 0;
    int leaderKills = 0;
    int stops = 0;
    int exits = 0;
    List<Long> takeovers = new ArrayList<>();
    try {
      TestApp healthy = new TestApp(prometheus.registry(), "chaos-healthy");
      TestApp breaking = new TestApp(prometheus.registry(), "chaos-breach");
      resources.add(healthy);
      resources.add(breaking);
      rollouts.add(rollout(cluster, "chaos-healthy", withAnalysis(change("", "use-redis", step(1, "3s"), step(10, "3s"),
          step(50, "3s"), step(100, "2s")), healthy, prometheus), Map.of(ON, "false"), Phase.Succeeded, null));
      rollouts.add(rollout(cluster, "chaos-breach", withAnalysis(change("", "use-redis", step(5, "3s"), step(25, "3s"),
          step(50, "6s"), step(100, null)), breaking, prometheus), Map.of(ON, "false", PCT, "0"), Phase.RolledBack,
          null));
      rollouts.add(rollout(cluster, "chaos-abort", change("", "use-redis", step(5, "3s"), step(25, "1h"),
          step(100, null)), Map.of(), Phase.RolledBack, null));
      rollouts.add(rollout(cluster, "chaos-plain", change("", "use-redis", step(1, "2s"), step(20, "3s"),
          step(60, "3s"), step(100, "2s")), Map.of(ON, "true"), Phase.Succeeded, null));
      // One copy fresh, the other stale, which is which by the seed; a stale one is taken before a step.
      boolean staleFirst = rnd.nextBoolean();
      int[] weights = {5, 20, 50};
      rollouts.add(rollout(cluster, "chaos-replace", change("", "use-redis", step(5, "2s"), step(20, "2s"),
          step(50, "1h"), step(100, null)), Map.of(ON, "false"), Phase.RolledBack,
          new Replacement(Copy.WITH_CLAIM, weights[rnd.nextInt(staleFirst ? 2 : 3)], staleFirst)));
      rollouts.add(rollout(cluster, "chaos-regit", change("", "use-redis", step(5, "2s"), step(20, "2s"),
          step(50, "1h"), step(100, null)), Map.of(ON, "false", PCT, "0"), Phase.RolledBack,
          new Replacement(Copy.WITHOUT_CLAIM, weights[rnd.nextInt(staleFirst ? 3 : 2)], !staleFirst)));
      for (Rollout r : rollouts) {
        resources.add(record(cluster, r, activity, (uid, value) -> {
          if (r.ns().startsWith("chaos-breach")) {
            breaking.errorRate(value >= 50 ? 0.5 : 0);  // the app breaks once half the users get the flag
          }
          if (r.ns().startsWith("chaos-abort") && value == 25) {
            toucher.execute(() -> annotate(cluster, r.ns(), Annotations.ABORT, "chaos"));
          }
          Replacement x = r.replacement();
          if (x != null && uid.equals(r.uid()) && value == x.atWeight && x.triggered.compareAndSet(false, true)) {
            replacer.execute(() -> replace(cluster, r));
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
            Replacement x = r.replacement();
            ScalingChangeStatus s = sc.getStatus();
            if (x != null && s != null && s.getPhase() == Phase.Held && s.getReason() == Reason.ConfigMapReplaced
                && x.held.compareAndSet(false, true)) {
              x.heldStatus = s;
              // Held as it must be: abort it, a moment later.
              replacer.schedule(() -> {
                x.abortAt = Instant.now();
                annotate(cluster, r.ns(), Annotations.ABORT, "after-replace");
              }, replacing.nextInt(2000), TimeUnit.MILLISECONDS);
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

      String leaseNs = cluster.createNamespace("chaos-lease");
      Map<String, String> settings = Map.of(
          "FLAGRAMP_NAMESPACES", String.join(",", rollouts.stream().map(Rollout::ns).toList()),
          "FLAGRAMP_RESYNC_INTERVAL", "2s", "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s",
          "FLAGRAMP_LEADER_ELECTION", "true", "FLAGRAMP_LEASE_NAME", LEASE, "FLAGRAMP_LEASE_NAMESPACE", leaseNs,
          "FLAGRAMP_HTTP_PORT", "0", "FLAGRAMP_PROMETHEUS_ALLOWLIST", OperatorHarness.TEST_PROMETHEUS);
      Pod first = pod(cluster, settings, logs, pods);
      List<Pod> alive = new ArrayList<>(List.of(first));  // oldest first; at most two overlap
      first.process().start();
      await().atMost(Duration.ofSeconds(60)).until(() -> first.name().equals(holder(cluster, leaseNs)));
      rollouts.forEach(r -> cluster.client().resources(ScalingChange.class).resource(r.change()).create());

      List<Boolean> order = new ArrayList<>(HANDOVERS);
      Collections.shuffle(order, rnd);
      Deque<Boolean> handovers = new ArrayDeque<>(order);
      // The iterations at which a rolling update completes, spread over the first MIN_KILLS.
      List<Integer> slots = new ArrayList<>();
      for (int i = 2; i <= MIN_KILLS; i++) {
        slots.add(i);
      }
      Collections.shuffle(slots, rnd);
      Set<Integer> handoverAt = new TreeSet<>(slots.subList(0, HANDOVERS.size()));
      int iteration = 0;
      while (kills < MIN_KILLS || !handovers.isEmpty() || !allEnded(cluster, rollouts)) {
        iteration++;
        exits += revive(alive);
        if (alive.size() == 1) {
          // A rolling update begins: the new pod starts while the old one runs.
          Pod next = pod(cluster, settings, logs, pods);
          next.process().start();
          alive.add(next);
        }
        // Killed after a random number of writes (seen by the watches), or a random time.
        long target = activity.get() + 1 + rnd.nextInt(6);
        try {
          await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofMillis(2000 + rnd.nextInt(5000)))
              .until(() -> activity.get() >= target);
        } catch (ConditionTimeoutException e) {
          // the random time came first
        }
        Pod older = alive.get(0);
        Pod newer = alive.get(1);
        String holder = holder(cluster, leaseNs);
        Pod leading = older.name().equals(holder) ? older : newer.name().equals(holder) ? newer : null;
        int choice = rnd.nextInt(10);
        if (handoverAt.contains(iteration) || (iteration > MIN_KILLS && !handovers.isEmpty())) {
          // The rolling update completes: the old pod ends once the new one is ready.
          boolean graceful = handovers.pop();
          await().atMost(Duration.ofSeconds(90)).until(() -> newer.process().logged(READY));
          boolean led = older.name().equals(holder(cluster, leaseNs));
          Instant ended = Instant.now();
          if (graceful) {
            boolean exited = older.process().stop(GRACE);
            stops++;
            log.info("chaos: rolling update, {} (leading: {}) stopped with SIGTERM{}", older.name(), led,
                exited ? "" : ", SIGKILLed after " + GRACE.toSeconds() + " s");
          } else {
            older.process().kill();
            kills++;
            leaderKills += led ? 1 : 0;
            log.info("chaos: rolling update, {} (leading: {}) SIGKILLed", older.name(), led);
          }
          alive.remove(older);
          exits += revive(alive);
          await().atMost(Duration.ofSeconds(90)).until(() -> newer.name().equals(holder(cluster, leaseNs)));
          if (led) {
            takeovers.add(Duration.between(ended, Instant.now()).toMillis());
            log.info("chaos: {} took the Lease over {} ms after {} ended", newer.name(),
                takeovers.get(takeovers.size() - 1), older.name());
          }
        } else if (choice < 4) {
          // The pod that does not lead crashes; its container restarts in place.
          Pod standby = leading == older ? newer : older;
          standby.process().kill();
          standby.process().start();
          kills++;
        } else {
          // The pod that leads crashes; its container restarts in place, under the same name, and leads again.
          Pod victim = leading == null ? older : leading;
          victim.process().kill();
          victim.process().start();
          kills++;
          leaderKills += leading == null ? 0 : 1;
        }
        if (kills > 200 || Duration.between(began, Instant.now()).toMinutes() >= 10) {
          throw new AssertionError("the rollouts did not end after " + kills + " kills: " + phases(cluster, rollouts));
        }
      }
      List<Pod> running = alive;
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        revive(running);
        return allSettled(cluster, rollouts);
      });
      toucher.shutdownNow();
      replacer.shutdownNow();
      List<String> lines = pods.stream().flatMap(p -> p.process().logLines().stream()).toList();
      long conflicts = lines.stream().filter(l -> l.contains("HTTP 409")).count();
      int runs = pods.stream().mapToInt(p -> p.process().runs()).sum();
      List<String> violations = new ArrayList<>();
      rollouts.forEach(r -> violations.addAll(check(cluster, r)));
      log.info("chaos (seed {}): {} SIGKILLs ({} of the leading pod) and {} SIGTERMs over {} operator runs in {} pods,"
          + " {} exits on their own, {} Lease takeovers after the leader ended (ms: {}), {} label edits, {} HTTP 409s"
          + " met by the operator, {} invariant violations in {} s; replacements: {}; values seen: {}", seed, kills,
          leaderKills, stops, runs, pods.size(), exits, takeovers.size(), takeovers, touches.get(), conflicts,
          violations.size(), Duration.between(began, Instant.now()).toSeconds(),
          rollouts.stream().filter(r -> r.replacement() != null).map(r -> r.ns() + " " + r.replacement() + " copied "
              + r.replacement().copied + (r.replacement().restoreExpected() ? " restored" : " not restored")).toList(),
          rollouts.stream().map(r -> r.ns() + "=" + values(r)).toList());
      assertThat(violations).as("seed " + seed).isEmpty();
      assertThat(kills).isGreaterThanOrEqualTo(MIN_KILLS);
      assertThat(conflicts).as("the concurrent writer caused real conflicts").isPositive();
      assertThat(lines).as("never a stack trace for an expected fault")
          .noneMatch(l -> l.startsWith("\tat ") && l.contains("io.flagramp"));
    } finally {
      toucher.shutdownNow();
      replacer.shutdownNow();
      for (Pod p : pods) {
        p.process().close();
      }
      for (AutoCloseable c : resources) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("closing {}: {}", c, e.toString());
        }
      }
    }
  }

  /** A new pod of the Deployment, its logs in a folder of its own. */
  private static Pod pod(KubeTestCluster cluster, Map<String, String> settings, Path logs, List<Pod> pods)
      throws IOException {
    String name = "pod-" + (pods.size() + 1);
    Map<String, String> env = new LinkedHashMap<>(settings);
    env.put("FLAGRAMP_INSTANCE", name);
    Pod pod = new Pod(name, new OperatorProcess(cluster.kubeconfig(), env, Files.createDirectories(logs.resolve(name))));
    pods.add(pod);
    return pod;
  }

  /** A container that exited by itself (it lost the Lease, say) is restarted in place, as the kubelet does. */
  private static int revive(List<Pod> alive) {
    int exited = 0;
    for (Pod p : alive) {
      if (!p.process().alive()) {
        log.warn("chaos: {} exited by itself; restarting it", p.name());
        p.process().start();
        exited++;
      }
    }
    return exited;
  }

  private static String holder(KubeTestCluster cluster, String ns) {
    Lease lease = cluster.client().leases().inNamespace(ns).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static Rollout rollout(KubeTestCluster cluster, String prefix, ScalingChange change,
      Map<String, String> originals, Phase ends, Replacement replacement) {
    String ns = cluster.createNamespace(prefix);
    change.getMetadata().setNamespace(ns);
    Map<String, String> data = new LinkedHashMap<>(originals);
    data.put("OTHER", "untouched");
    ConfigMap created = cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder()
        .withNewMetadata().withName(CM).withNamespace(ns)
        .addToLabels(io.flagramp.core.OptIn.FLAGS, io.flagramp.core.OptIn.VALUE).endMetadata().withData(data)
        .build()).create();
    return new Rollout(ns, change, originals, ends, created.getMetadata().getUid(), replacement,
        new CopyOnWriteArrayList<>());
  }

  /**
   * Deletes the rollout's ConfigMap and creates it again from a copy: of the very object deleted (the
   * delete is conditional on its resourceVersion), or, if stale, of the object as it was a step before.
   */
  private static void replace(KubeTestCluster cluster, Rollout r) {
    Replacement x = r.replacement();
    try {
      var configMaps = cluster.client().configMaps().inNamespace(r.ns());
      ConfigMap copy = configMaps.withName(CM).get();
      if (x.stale) {
        int next = r.change().getSpec().getSteps().stream().mapToInt(Step::getWeight).filter(w -> w > x.atWeight)
            .min().orElseThrow();
        await().atMost(Duration.ofSeconds(120)).until(() -> r.events().stream()
            .anyMatch(s -> s.uid().equals(r.uid()) && Integer.toString(next).equals(s.keys().get(PCT))));
      }
      while (true) {
        ConfigMap now = configMaps.withName(CM).get();
        if (!x.stale) {
          copy = now;
        }
        try {
          configMaps.resource(now).lockResourceVersion(now.getMetadata().getResourceVersion()).delete();
          x.lastOnOld = keys(now);
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          // The operator wrote in between: read it again.
        }
      }
      Map<String, String> annotations = new LinkedHashMap<>();
      Map<String, String> was = copy.getMetadata().getAnnotations() == null ? Map.of()
          : copy.getMetadata().getAnnotations();
      was.forEach((k, v) -> {
        if (x.copy == Copy.WITH_CLAIM || !k.startsWith(ClaimAnnotations.PREFIX)) {
          annotations.put(k, v);
        }
      });
      x.copied = keys(copy);
      String scUid = cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis").get()
          .getMetadata().getUid();
      x.claimCopied = ClaimAnnotations.read(annotations).stream().anyMatch(c -> c.uid().equals(scUid) && !c.restored());
      ConfigMap created = configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName(CM)
          .withNamespace(r.ns()).withLabels(copy.getMetadata().getLabels()).withAnnotations(annotations).endMetadata()
          .withData(copy.getData()).build()).create();
      x.newUid = created.getMetadata().getUid();
      log.info("chaos: {}: ConfigMap deleted at {} and created again ({}) from a {} copy holding {}", r.ns(),
          x.lastOnOld, x.newUid, x, x.copied);
    } catch (RuntimeException e) {
      x.failure = e.toString();
      log.warn("chaos: {}: replacing the ConfigMap failed", r.ns(), e);
    }
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

  /** Records every event of the flag's ConfigMap (any object of that name), with when the watch saw it. */
  private static Watch record(KubeTestCluster cluster, Rollout r, AtomicLong activity,
      BiConsumer<String, Integer> onWeight) {
    return cluster.client().configMaps().inNamespace(r.ns()).withName(CM).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        activity.incrementAndGet();
        Map<String, String> keys = keys(cm);
        Map<String, String> claims = new LinkedHashMap<>();
        if (cm.getMetadata().getAnnotations() != null) {
          cm.getMetadata().getAnnotations().forEach((k, v) -> {
            if (k.startsWith(ClaimAnnotations.PREFIX)) {
              claims.put(k, v);
            }
          });
        }
        String uid = cm.getMetadata().getUid();
        Seen last = r.events().isEmpty() ? null : r.events().get(r.events().size() - 1);
        r.events().add(new Seen(action, uid, keys, claims, Instant.now()));
        if (last == null || !last.uid().equals(uid) || !last.keys().equals(keys)) {
          String pct = keys.get(PCT);
          onWeight.accept(uid, pct == null ? 0 : Integer.parseInt(pct));
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  private static Map<String, String> keys(ConfigMap cm) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (String k : List.of(PCT, ON)) {
      if (cm.getData() != null && cm.getData().containsKey(k)) {
        keys.put(k, cm.getData().get(k));
      }
    }
    return keys;
  }

  /** Each object's values, for the log. */
  private static Map<String, List<Map<String, String>>> values(Rollout r) {
    Map<String, List<Map<String, String>>> byObject = new LinkedHashMap<>();
    for (Seen s : r.events()) {
      List<Map<String, String>> v = byObject.computeIfAbsent(s.uid().substring(0, 8), u -> new ArrayList<>());
      if (v.isEmpty() || !v.get(v.size() - 1).equals(s.keys())) {
        v.add(s.keys());
      }
    }
    return byObject;
  }

  /** The invariants on the recorded values, per ConfigMap object, and the end state. */
  private static List<String> check(KubeTestCluster cluster, Rollout r) {
    List<String> violations = new ArrayList<>();
    Replacement x = r.replacement();
    Map<String, List<Seen>> objects = new LinkedHashMap<>();
    r.events().forEach(s -> objects.computeIfAbsent(s.uid(), u -> new ArrayList<>()).add(s));
    objects.forEach((uid, events) -> {
      if (uid.equals(r.uid())) {
        violations.addAll(checkRamp(r, events));
      } else if (x != null && uid.equals(x.newUid)) {
        violations.addAll(checkReplaced(r, events));
      } else {
        violations.add(r.ns() + ": ConfigMap object " + uid + " was not created by the test: " + events);
      }
    });
    ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(r.ns()).withName("use-redis").get();
    if (sc.getStatus().getPhase() != r.ends()) {
      violations.add(r.ns() + ": ended " + sc.getStatus().getPhase() + ", not " + r.ends() + ": "
          + sc.getStatus().getLastDecision());
    }
    ConfigMap cm = cluster.client().configMaps().inNamespace(r.ns()).withName(CM).get();
    Map<String, String> data = cm.getData();
    Map<String, String> now = keys(cm);
    Map<String, String> expected = r.ends() == Phase.RolledBack ? r.originals() : Map.of(PCT, "100", ON, "true");
    boolean restored = r.ends() == Phase.RolledBack;
    if (x != null) {
      if (x.failure != null || x.newUid == null) {
        violations.add(r.ns() + ": the test could not replace the ConfigMap: " + x.failure);
        return violations;
      }
      if (!x.held.get()) {
        violations.add(r.ns() + ": never went Held " + Reason.ConfigMapReplaced + " after its ConfigMap was replaced");
      }
      if (!x.newUid.equals(cm.getMetadata().getUid())) {
        violations.add(r.ns() + ": the ConfigMap is not the object the test created again");
      }
      if (sc.getStatus().getReason() != Reason.Aborted) {
        violations.add(r.ns() + ": ended for " + sc.getStatus().getReason() + ", not " + Reason.Aborted);
      }
      restored = x.restoreExpected();
      expected = restored ? r.originals() : x.copied;
      String decision = String.valueOf(sc.getStatus().getLastDecision());
      if (restored == decision.contains("not restored")) {
        violations.add(r.ns() + ": the abort should " + (restored ? "" : "not ") + "have restored (" + x + ", claim"
            + " copied: " + x.claimCopied + ", the old object last held " + x.lastOnOld + ", the copy " + x.copied
            + ", held at weight " + (x.heldStatus == null ? "?" : x.heldStatus.getCurrentWeight()) + "): " + decision);
      }
    }
    if (!now.equals(expected) || !"untouched".equals(data.get("OTHER"))) {
      violations.add(r.ns() + ": the ConfigMap ended as " + data + ", expected " + expected);
    }
    if (restored) {
      // A restore done marks the claim restored, and leaves it there.
      String scUid = sc.getMetadata().getUid();
      boolean marked = ClaimAnnotations.read(cm.getMetadata().getAnnotations()).stream()
          .anyMatch(c -> c.uid().equals(scUid) && c.restored());
      if (!marked) {
        violations.add(r.ns() + ": restored, but its claim is not marked " + FlagClaim.RESTORED + ": "
            + cm.getMetadata().getAnnotations());
      }
    }
    List<Integer> entered = sc.getStatus().getHistory().stream().map(HistoryEntry::getWeight).toList();
    if (entered.size() != entered.stream().distinct().count()) {
      violations.add(r.ns() + ": a step was entered twice: " + entered);
    }
    return violations;
  }

  /** The object the rollout started on: originals, then weights of the schedule upwards, a revert for good. */
  private static List<String> checkRamp(Rollout r, List<Seen> events) {
    List<String> violations = new ArrayList<>();
    List<Seen> seen = new ArrayList<>();
    for (Seen s : events) {
      if (seen.isEmpty() || !seen.get(seen.size() - 1).keys().equals(s.keys())) {
        seen.add(s);
      }
    }
    List<Step> steps = r.change().getSpec().getSteps();
    Integer last = null;
    boolean reverted = false;
    for (int i = 0; i < seen.size(); i++) {
      Map<String, String> v = seen.get(i).keys();
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
        Duration soaked = Duration.between(seen.get(indexOf(seen, last)).at(), seen.get(i).at());
        Duration pause = pause(steps, last);
        if (soaked.plusMillis(250).compareTo(pause) < 0) {
          violations.add(r.ns() + ": weight " + weight + " entered after " + soaked.toMillis() + "ms at " + last
              + ", before its pause " + pause);
        }
      }
      last = weight;
    }
    return violations;
  }

  /**
   * An object created again from a copy: it starts as the copy, and nothing is written to it by the
   * change bound to the old object, but its restore after the abort (the claim first, then the original
   * values, then the claim marked restored); once restored it stays so.
   */
  private static List<String> checkReplaced(Rollout r, List<Seen> events) {
    List<String> violations = new ArrayList<>();
    Replacement x = r.replacement();
    Seen first = events.get(0);
    if (first.action() != Watcher.Action.ADDED || !first.keys().equals(x.copied)) {
      violations.add(r.ns() + ": the object created again was first seen as " + first + ", not the copy " + x.copied);
    }
    boolean restored = false;
    for (Seen s : events.subList(1, events.size())) {
      if (s.action() == Watcher.Action.DELETED) {
        violations.add(r.ns() + ": the object created again was deleted: " + s);
        continue;
      }
      Instant abortAt = x.abortAt;
      if (abortAt == null || s.at().isBefore(abortAt)) {
        violations.add(r.ns() + ": written while bound to the old object, before any abort: " + s);
        continue;
      }
      if (s.keys().equals(r.originals())) {
        if (!x.restoreExpected() && !r.originals().equals(x.copied)) {
          violations.add(r.ns() + ": restored though the rules forbid it (" + x + "): " + s);
        }
        restored = true;
      } else if (!s.keys().equals(x.copied)) {
        violations.add(r.ns() + ": the object created again held " + s.keys() + ", neither the copy nor the"
            + " originals");
      } else if (restored && !r.originals().equals(x.copied)) {
        violations.add(r.ns() + ": the copy's values came back after the restore: " + s);
      }
    }
    return violations;
  }

  private static int indexOf(List<Seen> seen, int weight) {
    for (int i = 0; i < seen.size(); i++) {
      if (Integer.toString(weight).equals(seen.get(i).keys().get(PCT))) {
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
