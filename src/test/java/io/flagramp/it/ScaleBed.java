package io.flagramp.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Durations;
import io.flagramp.operator.LeanWrites;
import io.flagramp.core.OptIn;
import io.flagramp.core.Timestamps;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many ScalingChanges at once against the packaged operator in its own JVM ({@code -Xmx256m}), the
 * real kube-apiserver and the real Prometheus, for {@code io.flagramp.bench.ScaleBenchmark}. Each
 * {@link Run} starts a fresh operator, creates its changes Pending behind a deploy window that opens on
 * a whole minute, so that every first step comes due in the same millisecond, and measures until every
 * change has Succeeded. Its figures come from outside the operator wherever they can:
 *
 * <ul>
 *   <li>the time each ConfigMap write arrives, from a watch in this JVM (the API server's commit plus
 *       its watch delivery: an upper bound on the operator's write, by milliseconds);
 *   <li>when each step was due, from the operator's own record: the window's opening for the first
 *       step, then the previous step's {@code history[].startedAt} plus its pause, which is exactly the
 *       {@code status.nextStepAt} it wrote, at millisecond precision;
 *   <li>API requests by resource and verb from the kube-apiserver's {@code apiserver_request_total},
 *       and the operator's Lease renewals from a watch on it;
 *   <li>Prometheus queries from Prometheus' own {@code prometheus_http_requests_total};
 *   <li>reconciles, CPU, heap (after a full GC forced with {@code jcmd GC.run}) and threads from the
 *       operator's {@code /metrics}.
 * </ul>
 */
public final class ScaleBed implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ScaleBed.class);

  /** Every run's five steps; with a soak, the third soaks that long. */
  static final int[] WEIGHTS = {1, 5, 25, 50, 100};
  static final int SOAK_STEP = 2;
  /** The fewest API writes a step can take: the ConfigMap, the status that records it, its Event. */
  public static final int MINIMUM_WRITES_PER_STEP = 3;
  /** Apps with a latency query each; the error rate is one query every change shares. */
  static final int TEAMS = 4;
  static final String PERCENTAGE_KEY = "FEATURE_PERCENTAGE";
  static final String ENABLED_KEY = "FEATURE";
  static final String INSTANCE = "scale-bench";
  /** In {@link #written}: when the percentage key was removed again (restored to absent). */
  static final String RESTORED = "<restored>";
  /** What the operator is counted on in apiserver_request_total: it writes these, and reads the first two. */
  static final Set<String> RESOURCES = Set.of("configmaps", "scalingchanges", "scalingchanges/status", "events");
  static final Set<String> WRITE_VERBS = Set.of("POST", "PUT", "PATCH", "APPLY", "DELETE");
  static final List<String> JVM = List.of("-Xmx256m");
  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

  /**
   * One run: {@code changes} spread over {@code namespaces}, five steps {@code pause} apart; with an
   * analysis {@code interval} (then the pause is the interval), and a {@code soak} of the third step.
   */
  public record Run(String label, int changes, int namespaces, Duration pause, Optional<Duration> interval,
      Optional<Duration> soak) {

    public static Run withoutAnalysis(String label, int changes, int namespaces, Duration pause) {
      return new Run(label, changes, namespaces, pause, Optional.empty(), Optional.empty());
    }

    public static Run withAnalysis(String label, int changes, int namespaces, Duration interval,
        Optional<Duration> soak) {
      return new Run(label, changes, namespaces, interval, Optional.of(interval), soak);
    }

    int steps() {
      return changes * WEIGHTS.length;
    }

    /** The pause of step {@code index}; the last has none. */
    Duration pause(int index) {
      if (index == WEIGHTS.length - 1) {
        return Duration.ZERO;
      }
      return index == SOAK_STEP && soak.isPresent() ? soak.get() : pause;
    }

    /**
     * Rounds of measurement each change makes: one per interval of each pause, and one at the last
     * step, which must pass once before the change succeeds.
     */
    int rounds() {
      Duration interval = this.interval.orElseThrow();
      int rounds = 1;
      for (int i = 0; i < WEIGHTS.length - 1; i++) {
        rounds += (int) (pause(i).toMillis() / interval.toMillis());
      }
      return rounds;
    }

    /** Until the last change is due to succeed, from the opening. */
    Duration schedule() {
      Duration total = interval.orElse(Duration.ZERO);  // with analysis, the last step is measured once
      for (int i = 0; i < WEIGHTS.length; i++) {
        total = total.plus(pause(i));
      }
      return total;
    }
  }

  /** Milliseconds: the median, the 99th percentile (nearest rank) and the largest. */
  public record Spread(long p50, long p99, long max, int count) {

    static Spread of(List<Long> values) {
      if (values.isEmpty()) {
        return new Spread(0, 0, 0, 0);
      }
      List<Long> sorted = values.stream().sorted().toList();
      return new Spread(rank(sorted, 0.50), rank(sorted, 0.99), sorted.get(sorted.size() - 1), sorted.size());
    }

    private static long rank(List<Long> sorted, double q) {
      return sorted.get((int) Math.ceil(q * sorted.size()) - 1);
    }
  }

  /** What a reconcile costs: operator CPU and wall time, and API requests (GETs and writes). */
  public record Cost(long reconciles, double cpuMillisPerReconcile, double meanReconcileMillis,
      double apiRequestsPerReconcile) {}

  /**
   * Prometheus queries per round of measurement (every change measures once an interval, at about the
   * same time as the others) against the distinct queries of the changes: over the whole run and, with
   * a soak, over whole rounds of the soak.
   */
  public record Queries(int distinct, double perRoundRun, OptionalDouble perRoundSoak) {}

  /** A run's figures. Lags in milliseconds; writes per step by "resource VERB". */
  public record Figures(Run run, int succeeded, int mostDueInOneSecond, Spread lag,
      Spread openingLag, Spread decidedLag, Map<String, Double> writesPerStep,
      Map<String, Double> writesPerChangeBeforeOpening, double configMapGetsPerReconcile,
      double leaseWritesPerMinute, Cost cost, OptionalDouble statusWritesPerChangePerHour,
      Optional<Queries> queries, long heapAfterGcBytes, int threads, int peakThreads) {

    public double writesPerStepTotal() {
      return writesPerStep.values().stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  private final KubeTestCluster cluster;
  private final KubernetesClient client;
  private final TestPrometheus prometheus;
  private final Duration setupPerChange;
  private final String leaseNamespace;
  private final Path logs;
  private final HttpClient http = HttpClient.newHttpClient();
  private final SharedIndexInformer<ScalingChange> changes;
  private final SharedIndexInformer<ConfigMap> configMaps;
  private final SharedIndexInformer<Lease> leases;
  /** Per ConfigMap (namespace/name), when each value of the percentage key was first seen. */
  private final Map<String, Map<String, Instant>> written = new ConcurrentHashMap<>();
  /** Per Lease name, the writes seen. */
  private final Map<String, AtomicInteger> leaseWrites = new ConcurrentHashMap<>();
  private final List<TestApp> apps = new ArrayList<>();
  private int runs;

  private ScaleBed(KubeTestCluster cluster, TestPrometheus prometheus, Duration setupPerChange) {
    this.cluster = cluster;
    this.client = cluster.client();
    this.prometheus = prometheus;
    this.setupPerChange = setupPerChange;
    OperatorHarness.installCrd(client);
    this.leaseNamespace = cluster.createNamespace("scale-leases");
    this.logs = directory(Path.of("target", "bench", "scale"));
    this.changes = client.resources(ScalingChange.class).inAnyNamespace().inform();
    this.configMaps = client.configMaps().inAnyNamespace().withLabel(OptIn.FLAGS, OptIn.VALUE)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(ConfigMap cm) {
            seen(cm);
          }

          @Override
          public void onUpdate(ConfigMap old, ConfigMap cm) {
            seen(cm);
          }

          @Override
          public void onDelete(ConfigMap cm, boolean unknownFinalState) {}
        });
    this.leases = client.leases().inNamespace(leaseNamespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Lease lease) {
        written(lease);
      }

      @Override
      public void onUpdate(Lease old, Lease lease) {
        if (!Objects.equals(old.getMetadata().getResourceVersion(), lease.getMetadata().getResourceVersion())) {
          written(lease);
        }
      }

      @Override
      public void onDelete(Lease lease, boolean unknownFinalState) {}
    });
  }

  /**
   * @param setupPerChange how long creating a change and its first reconcile may take, on this machine,
   *     when choosing the minute the window opens
   */
  public static ScaleBed start(KubeTestCluster cluster, TestPrometheus prometheus, Duration setupPerChange) {
    return new ScaleBed(cluster, prometheus, setupPerChange);
  }

  /** Runs {@code run} with a fresh operator and returns its figures once every change has Succeeded. */
  public Figures run(Run run) {
    List<String> namespaces = namespaces("scale-" + run.label(), run.namespaces());
    int port = freePort();
    String lease = nextLease();
    List<TestApp> teams = run.interval().isPresent() ? apps() : List.of();
    try (OperatorProcess operator = startOperator(run, port, lease)) {
      Instant opening = opening(run);
      log.info("{}: {} changes in {} namespaces, steps due from {} (the window opens then)", run.label(),
          run.changes(), run.namespaces(), opening);
      Scrape start = scrape(port, lease);
      setUp(run, namespaces, opening, teams);
      Scrape before = scrape(port, lease);
      if (!before.at().isBefore(opening)) {
        throw new IllegalStateException(run.label() + ": setup ran past the opening at " + opening + "; on a slower"
            + " machine raise -Dflagramp.bench.scale.setupPerChange (now " + setupPerChange + ")");
      }
      SoakCounts soak = run.soak().map(s -> soak(run, namespaces, port, lease)).orElse(null);
      awaitSucceeded(run, namespaces, opening);
      awaitQuiet(Instant.MAX);
      Scrape after = scrape(port, lease);
      fullGc(operator.pid());
      Figures figures = figures(run, namespaces, opening, start, before, after, soak, operatorMetrics(port),
          teams.isEmpty() ? 0 : 1 + Math.min(TEAMS, run.changes()));
      tearDown(namespaces, run.changes());
      return figures;
    }
  }

  /**
   * The API server's own floor for a burst of first steps, on the same servers and with no operator
   * running: {@code changes} created exactly as {@link #run} creates them, each brought Pending by the
   * operator's own reconcile (untimed), each first step planned ahead by the operator's planner, then
   * all of them written at once by a lean client, {@code inFlight} steps at a time, each step's three
   * writes in the operator's order with the operator's write code ({@link LeanWrites}). Lag is measured
   * as for the operator: from the moment the burst starts to the ConfigMap write arriving at the watch.
   */
  public Floor floor(String label, int changes, int namespaces, int inFlight) {
    return floor(label, changes, namespaces, inFlight, false);
  }

  /**
   * As {@link #floor(String, int, int, int)}; with {@code eventsAfter}, each step's Event is handed to two
   * threads of their own once its ConfigMap write is made, as the operator's queued recorder does, so the
   * step's path is two writes.
   */
  public Floor floor(String label, int changes, int namespaces, int inFlight, boolean eventsAfter) {
    List<String> names = namespaces("floor-" + label, namespaces);
    Run run = Run.withoutAnalysis(label, changes, namespaces, Duration.ofSeconds(20));
    Instant opening = opening(run);
    create(run, names, opening, List.of());
    KubernetesClient lean = leanClient();
    LeanWrites writes = new LeanWrites(lean, INSTANCE + "-floor");
    ExecutorService pool = Executors.newFixedThreadPool(inFlight);
    try {
      await().atMost(Duration.ofMinutes(2)).until(() -> changesIn(names).size() == changes);
      Instant now = Instant.now();
      all(pool, changesIn(names).stream().map(sc -> (Runnable) () -> writes.settle(sc, now)).toList());
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).alias("all Pending")
          .until(() -> changesIn(names).stream().filter(ScaleBed::waitingForTheWindow).count() == changes);
      List<LeanWrites.Step> steps = changesIn(names).stream().map(sc -> writes.plan(lean.resource(sc).get(), opening)
          .orElseThrow(() -> new IllegalStateException(sc.getMetadata().getName() + ": no step at the opening")))
          .toList();
      awaitQuiet(Instant.MAX);
      Map<String, Double> before = apiRequests();
      ExecutorService events = Executors.newFixedThreadPool(2);
      Instant start = Instant.now();
      List<Future<?>> sent = new ArrayList<>();
      all(pool, steps.stream().map(step -> (Runnable) () -> {
        if (eventsAfter) {
          writes.writeFlag(step);
          synchronized (sent) {
            sent.add(events.submit(() -> writes.writeEvents(step)));
          }
        } else {
          writes.write(step);
        }
      }).toList());
      awaitAll(sent, "an Event of the floor");
      Instant end = Instant.now();
      events.shutdown();
      await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100)).alias("every write seen")
          .until(() -> steps.stream().allMatch(s -> seenAt(s, "1") != null));
      Map<String, Double> perStep = new TreeMap<>();
      writes(delta(apiRequests(), before)).forEach((k, v) -> {
        if (v > 0) {
          perStep.put(k, v / changes);
        }
      });
      List<Long> lags = steps.stream().map(s -> Duration.between(start, seenAt(s, "1")).toMillis()).toList();
      Floor floor = new Floor(label, changes, namespaces, inFlight, eventsAfter, Spread.of(lags),
          changes * 1000.0 / Math.max(1, Duration.between(start, end).toMillis()), perStep);
      log.info("{}", floor);
      return floor;
    } finally {
      pool.shutdownNow();
      lean.close();
      tearDown(names, changes);
    }
  }

  /** The floor of one burst: lag as for {@link Figures#openingLag}, the steps a second the lean client made. */
  public record Floor(String label, int changes, int namespaces, int inFlight, boolean eventsAfter, Spread lag,
      double stepsPerSecond,
      Map<String, Double> writesPerStep) {}

  private Instant seenAt(LeanWrites.Step step, String value) {
    return written.getOrDefault(step.observed().getMetadata().getNamespace() + "/" + step.configMap(), Map.of())
        .get(value);
  }

  /** A client of its own, made as the operator makes its client, from the same kubeconfig. */
  private KubernetesClient leanClient() {
    try {
      return io.flagramp.operator.Clients.client(
          io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(cluster.kubeconfig())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs every one of {@code tasks} on {@code pool} and waits for them all. */
  private static void all(ExecutorService pool, List<Runnable> tasks) {
    List<Future<?>> done = new ArrayList<>();
    for (Runnable task : tasks) {
      done.add(pool.submit(task));
    }
    awaitAll(done, "a task of the benchmark");
  }

  /** Waits for every one of {@code futures}; the first that failed fails the run, saying {@code what} failed. */
  private static void awaitAll(List<Future<?>> futures, String what) {
    try {
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed", e.getCause());
    }
  }

  /**
   * Reverts during a burst: {@code breaching} changes soak their first step with analysis every
   * {@code interval} on one query every one of them shares (a dependency's error rate, {@code
   * vector(time() > bool T)}), which turns bad at T, {@code breakAfter} after the moment {@code
   * stepping} other changes' first steps all fall due. Each breaching change is measured on its own
   * cadence, sees the breach at its next round and reverts while the burst is being written. Measured
   * from outside: the ConfigMap restored (the key removed again, at the watch) against the breaching
   * round's {@code measuredAt} in the change's status, and against T.
   */
  public Reverts revertsDuringABurst(String label, int stepping, int breaching, int namespaces, Duration interval,
      Duration breakAfter) {
    List<String> names = namespaces("reverts-" + label, namespaces);
    int port = freePort();
    String lease = nextLease();
    Run run = Run.withoutAnalysis(label, stepping, namespaces, Duration.ofSeconds(20));
    try (OperatorProcess operator = startOperator(run, port, lease)) {
      Instant opening = opening(new Run(label, stepping + breaching, namespaces, run.pause(), Optional.empty(),
          Optional.empty()));
      Instant turnsBad = opening.plus(breakAfter);
      List<ScalingChange> bad = new ArrayList<>();
      for (int i = 0; i < breaching; i++) {
        bad.add(breachingChange(names.get(i % namespaces), String.format("b-%04d", i), interval, turnsBad));
      }
      List<ScalingChange> steps = new ArrayList<>();
      for (int i = 0; i < stepping; i++) {
        String ns = names.get(i % namespaces);
        steps.add(change(run, ns, String.format("c-%04d", i), opening, null));
      }
      create(bad);
      create(steps);
      await().atMost(positive(Duration.between(Instant.now(), opening))).pollInterval(Duration.ofMillis(500))
          .alias("every stepping change Pending for the window, every breaching one measured once at weight 1")
          .until(() -> changesIn(names).stream().filter(ScaleBed::waitingForTheWindow).count() == stepping
              && changesIn(names).stream().filter(ScaleBed::passedARound).count() == breaching);
      log.info("{}: {} changes soaking with analysis every {}, {} stepping from {}; the shared query turns bad at {}",
          label, breaching, Durations.format(interval), stepping, opening, turnsBad);
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
          .alias("every breaching change RolledBack, every first step written")
          .until(() -> changesIn(names).stream().filter(sc -> sc.getMetadata().getName().startsWith("b-"))
              .allMatch(sc -> sc.getStatus() != null && sc.getStatus().getPhase() == Phase.RolledBack
                  && seen(sc, RESTORED) != null)
              && changesIn(names).stream().filter(sc -> sc.getMetadata().getName().startsWith("c-"))
                  .allMatch(sc -> seen(sc, "1") != null));
      List<Long> fromAnswer = new ArrayList<>();
      List<Long> fromBreach = new ArrayList<>();
      List<Instant> restores = new ArrayList<>();
      for (ScalingChange sc : changesIn(names)) {
        if (!sc.getMetadata().getName().startsWith("b-")) {
          continue;
        }
        Instant restored = seen(sc, RESTORED);
        Instant answer = sc.getStatus().getMetrics().stream().filter(m -> m.getMeasuredAt() != null)
            .map(m -> Timestamps.parse(m.getMeasuredAt())).max(Comparator.naturalOrder()).orElseThrow();
        fromAnswer.add(Duration.between(answer, restored).toMillis());
        fromBreach.add(Duration.between(turnsBad, restored).toMillis());
        restores.add(restored);
      }
      List<Long> firstSteps = new ArrayList<>();
      List<Instant> landed = new ArrayList<>();
      for (ScalingChange sc : changesIn(names)) {
        if (sc.getMetadata().getName().startsWith("c-")) {
          Instant at = seen(sc, "1");
          firstSteps.add(Duration.between(opening, at).toMillis());
          landed.add(at);
        }
      }
      Instant lastRevert = restores.stream().max(Comparator.naturalOrder()).orElseThrow();
      Instant lastStep = landed.stream().max(Comparator.naturalOrder()).orElseThrow();
      long stepsAfterLastRevert = landed.stream().filter(a -> a.isAfter(lastRevert)).count();
      Reverts reverts = new Reverts(label, stepping, breaching, interval, Spread.of(fromAnswer), Spread.of(fromBreach),
          Spread.of(firstSteps), Duration.between(opening, lastStep).toMillis(),
          Duration.between(opening, lastRevert).toMillis(), (int) stepsAfterLastRevert);
      log.info("{}", reverts);
      tearDown(names, stepping + breaching);
      return reverts;
    }
  }

  /**
   * Reverts measured during a burst. Milliseconds: from each breaching round's {@code measuredAt}, and
   * from the moment the query turned bad, to the ConfigMap restored; the burst's first steps from the
   * moment they fell due; when the burst's last first step and the last revert landed, after the
   * opening; how many first steps landed after the last revert (so reverts did not wait for the burst).
   */
  public record Reverts(String label, int stepping, int breaching, Duration interval, Spread fromAnswer,
      Spread fromBreach, Spread firstSteps, long burstEndMillis, long lastRevertMillis, int stepsAfterLastRevert) {}

  private Instant seen(ScalingChange sc, String value) {
    return written.getOrDefault(sc.getMetadata().getNamespace() + "/" + sc.getSpec().getFlag().getConfigMapName(),
        Map.of()).get(value);
  }

  private static boolean passedARound(ScalingChange sc) {
    return sc.getStatus() != null && Integer.valueOf(WEIGHTS[0]).equals(sc.getStatus().getCurrentWeight())
        && sc.getStatus().getMetrics() != null && !sc.getStatus().getMetrics().isEmpty()
        && sc.getStatus().getMetrics().stream().allMatch(m -> m.getMeasuredAt() != null);
  }

  /** A change soaking 1% for half an hour, judged every {@code interval} on a query that turns bad at {@code at}. */
  private ScalingChange breachingChange(String ns, String name, Duration interval, Instant at) {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName(name);
    sc.getMetadata().setNamespace(ns);
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget(name, PERCENTAGE_KEY, ENABLED_KEY));
    spec.setSteps(new ArrayList<>(List.of(new Step(WEIGHTS[0], "30m"), new Step(100, null))));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    source.setTimeout(Durations.format(Durations.min(interval, Duration.ofSeconds(5))));
    analysis.setPrometheus(source);
    analysis.setInterval(Durations.format(interval));
    MetricCheck errors = new MetricCheck("dependency-errors", "vector(time() > bool " + at.getEpochSecond() + ")");
    errors.setMax(0.5);
    errors.setFailureLimit(1);
    analysis.setMetrics(new ArrayList<>(List.of(errors)));
    spec.setAnalysis(analysis);
    sc.setSpec(spec);
    return sc;
  }

  /**
   * Many changes whose steps are spread over the schedule rather than due at once: {@code changes}
   * created at {@code perSecond}, each starting at once (no window) with two steps, the first soaking
   * {@code pause} or, if longer, until every change was created and 30 s more, so the second steps fall
   * due at the rate the changes were created and not on top of the creations (with five steps a minute
   * apart, 10,000 changes made up to five waves of steps at once, each at the creation rate, on top of the
   * creations: more than this API server takes). Measures the lag of the second steps (due exactly at the
   * first's {@code startedAt} + soak), what the operator spent per reconcile and per change while they ran
   * (CPU, reconciles, API requests), and its heap after a full GC with every change still there, Succeeded.
   */
  public Spreading spread(String label, int changes, int namespaces, double perSecond, Duration pause) {
    List<String> names = namespaces("spread-" + label, namespaces);
    int port = freePort();
    String lease = nextLease();
    // The second steps come due as the first came, at the creation rate, and never on top of creations.
    Duration creating = Duration.ofMillis((long) (changes * 1000 / perSecond));
    Duration soak = pause.compareTo(creating.plusSeconds(30)) >= 0 ? pause : creating.plusSeconds(30);
    Run run = Run.withoutAnalysis(label, changes, namespaces, soak);
    try (OperatorProcess operator = startOperator(run, port, lease)) {
      Scrape before = scrape(port, lease);
      Instant started = Instant.now();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> created = new ArrayList<>();
        long periodNanos = (long) (1e9 / perSecond);
        long t0 = System.nanoTime();
        for (int i = 0; i < changes; i++) {
          ScalingChange sc = change(run, names.get(i % namespaces), String.format("s-%05d", i), null, null);
          sc.getSpec().setSteps(new ArrayList<>(List.of(new Step(WEIGHTS[0], Durations.format(soak)),
              new Step(100, null))));
          long due = t0 + i * periodNanos;
          await().atMost(Duration.ofMinutes(1)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
              .until(() -> System.nanoTime() - due >= 0);
          created.add(pool.submit(() -> create(List.of(sc))));
        }
        awaitAll(created, "creating the changes");
      } finally {
        pool.shutdownNow();
      }
      log.info("{}: {} changes created in {} ms", label, changes, Duration.between(started, Instant.now()).toMillis());
      await().atMost(soak.plus(Duration.ofMinutes(5)))
          .pollInterval(Duration.ofSeconds(2))
          .failFast("a change ended other than Succeeded", () -> anyFailed(names))
          .alias("all " + changes + " changes Succeeded")
          .until(() -> changesIn(names).stream().filter(ScaleBed::succeeded).count() == changes);
      awaitQuiet(Instant.MAX);
      Scrape after = scrape(port, lease);
      fullGc(operator.pid());
      MetricsText afterGc = operatorMetrics(port);
      List<Long> lags = new ArrayList<>();
      for (ScalingChange sc : changesIn(names)) {
        Map<String, Instant> seen = written.getOrDefault(sc.getMetadata().getNamespace() + "/"
            + sc.getMetadata().getName(), Map.of());
        List<HistoryEntry> rows = sc.getStatus().getHistory().stream()
            .sorted(Comparator.comparing(HistoryEntry::getStep)).toList();
        for (int i = 1; i < rows.size(); i++) {
          Instant due = Timestamps.parse(rows.get(i - 1).getStartedAt()).plus(soak);
          Instant write = seen.get(String.valueOf(rows.get(i).getWeight()));
          if (write != null) {
            lags.add(Duration.between(due, write).toMillis());
          }
        }
      }
      double reconciles = counter(after, before, "flagramp_reconcile_duration_seconds_count");
      double cpu = counter(after, before, "process_cpu_seconds_total");
      Map<String, Double> requests = delta(after.apiRequests(), before.apiRequests());
      double apiCalls = requests.entrySet().stream().filter(e -> verb(e.getKey()).equals("GET")
          || WRITE_VERBS.contains(verb(e.getKey()))).mapToDouble(Map.Entry::getValue).sum();
      double writes = writes(requests).entrySet().stream().filter(e -> !e.getKey().equals("configmaps POST")
          && !e.getKey().equals("scalingchanges POST")).mapToDouble(Map.Entry::getValue).sum();
      Spreading spreading = new Spreading(label, changes, namespaces, perSecond, soak,
          (int) changesIn(names).stream().filter(ScaleBed::succeeded).count(), Spread.of(lags),
          reconciles / changes, 1000 * cpu / reconciles, 1000 * cpu / changes, apiCalls / reconciles,
          writes / (changes * 2.0),
          (long) afterGc.sum("jvm_memory_used_bytes", l -> "heap".equals(l.get("area"))),
          (int) afterGc.sum("jvm_threads_current"), Duration.between(before.at(), after.at()).toMillis());
      log.info("{}", spreading);
      tearDown(names, changes);
      return spreading;
    }
  }

  /**
   * A {@link #spread} run's figures: lag of the second steps (ms); the first step's soak; reconciles per change; the
   * operator's CPU per reconcile and per change (ms, everything it did); API requests per reconcile; the
   * operator's API writes per step (the benchmark's creates left out); heap after a full GC (bytes).
   */
  public record Spreading(String label, int changes, int namespaces, double perSecond, Duration soak,
      int succeeded, Spread lag, double reconcilesPerChange, double cpuMillisPerReconcile, double cpuMillisPerChange,
      double apiRequestsPerReconcile, double writesPerStep, long heapAfterGcBytes, int threads, long millis) {}

  /** {@code count} fresh namespaces named after {@code prefix}. */
  private List<String> namespaces(String prefix, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(cluster.createNamespace(prefix));
    }
    return names;
  }

  /** A Lease of its own for the next operator: each run's operator leads afresh. */
  private String nextLease() {
    return "flagramp-" + ++runs;
  }

  /** The packaged operator, leading on its own Lease, the chart's settings otherwise. */
  private OperatorProcess startOperator(Run run, int port, String lease) {
    Map<String, String> settings = new HashMap<>(Map.of("FLAGRAMP_HTTP_PORT", Integer.toString(port),
        "FLAGRAMP_INSTANCE", INSTANCE, "FLAGRAMP_LEADER_ELECTION", "true", "FLAGRAMP_LEASE_NAME", lease,
        "FLAGRAMP_LEASE_NAMESPACE", leaseNamespace, "FLAGRAMP_PROMETHEUS_ALLOWLIST", prometheus.baseUrl()));
    // -Dflagramp.bench.scale.maxConcurrentSteps=N tries another pacing bound than the default.
    String paced = System.getProperty("flagramp.bench.scale.maxConcurrentSteps", "").trim();
    if (!paced.isEmpty()) {
      settings.put("FLAGRAMP_MAX_CONCURRENT_STEPS", paced);
    }
    // -Dflagramp.bench.scale.jvm="-XX:StartFlightRecording=..." profiles the operator (space-separated options).
    List<String> jvm = new ArrayList<>(JVM);
    String extra = System.getProperty("flagramp.bench.scale.jvm", "").trim();
    if (!extra.isEmpty()) {
      jvm.addAll(List.of(extra.replace("{run}", run.label()).split("\\s+")));
    }
    OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings, directory(logs.resolve(run.label())),
        jvm);
    operator.start();
    try {
      await().atMost(Duration.ofMinutes(2)).ignoreExceptions().alias("the operator leads and is ready")
          .until(() -> status(port, "/readyz") == 200 && INSTANCE.equals(holder(lease)));
    } catch (RuntimeException e) {
      operator.close();
      throw e;
    }
    return operator;
  }

  /** Creates the changes and waits until each is Pending for the window and the operator's writes stopped. */
  private void setUp(Run run, List<String> namespaces, Instant opening, List<TestApp> teams) {
    Instant creating = Instant.now();
    create(run, namespaces, opening, teams);
    await().atMost(positive(Duration.between(Instant.now(), opening))).pollInterval(Duration.ofMillis(500))
        .alias("all " + run.changes() + " changes Pending until the window opens at " + opening
            + "; on a slower machine raise -Dflagramp.bench.scale.setupPerChange (now " + setupPerChange + ")")
        .until(() -> changesIn(namespaces).stream().filter(ScaleBed::waitingForTheWindow).count() == run.changes());
    awaitQuiet(opening);
    Instant ready = Instant.now();
    log.info("{}: created, Pending and settled in {} ms, {} ms before the opening", run.label(),
        Duration.between(creating, ready).toMillis(), Duration.between(ready, opening).toMillis());
  }

  private void awaitSucceeded(Run run, List<String> namespaces, Instant opening) {
    await().atMost(run.schedule().plus(Duration.ofMinutes(3)).plus(setupPerChange.multipliedBy(run.changes())))
        .pollInterval(Duration.ofMillis(500))
        .failFast("a change ended other than Succeeded", () -> anyFailed(namespaces))
        .alias("all " + run.changes() + " changes Succeeded")
        .until(() -> changesIn(namespaces).stream().filter(ScaleBed::succeeded).count() == run.changes());
    log.info("{}: every change Succeeded {} ms after the opening", run.label(),
        Duration.between(opening, Instant.now()).toMillis());
  }

  // ---- the changes ----

  /** The next whole minute after the changes can all have been created and reconciled once. */
  private Instant opening(Run run) {
    Instant ready = Instant.now().plusSeconds(10).plus(setupPerChange.multipliedBy(run.changes()));
    return ready.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
  }

  private void create(Run run, List<String> namespaces, Instant opening, List<TestApp> teams) {
    List<ScalingChange> changes = new ArrayList<>();
    for (int i = 0; i < run.changes(); i++) {
      String ns = namespaces.get(i % namespaces.size());
      changes.add(change(run, ns, String.format("c-%04d", i), opening, teams.isEmpty() ? null : analysis(run, teams, i)));
    }
    create(changes);
  }

  /** Each change and its opted-in ConfigMap of the same name, eight at a time. */
  private void create(List<ScalingChange> changes) {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (ScalingChange sc : changes) {
        String ns = sc.getMetadata().getNamespace();
        String name = sc.getMetadata().getName();
        created.add(pool.submit(() -> {
          client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
              .addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData(ENABLED_KEY, "false").build()).create();
          client.resources(ScalingChange.class).resource(sc).create();
        }));
      }
      awaitAll(created, "creating the changes");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Five steps, allowed from the opening minute on (for three hours, UTC); without an opening, at once. */
  private static ScalingChange change(Run run, String ns, String name, Instant opening, Analysis analysis) {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName(name);
    sc.getMetadata().setNamespace(ns);
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget(name, PERCENTAGE_KEY, ENABLED_KEY));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < WEIGHTS.length; i++) {
      Duration pause = run.pause(i);
      steps.add(new Step(WEIGHTS[i], pause.isZero() ? null : Durations.format(pause)));
    }
    spec.setSteps(steps);
    if (opening != null) {
      spec.setWindows(new DeployWindows("UTC", List.of(new AllowedWindow(null, HH_MM.format(opening),
          HH_MM.format(opening.plus(Duration.ofHours(3))))), null));
    }
    spec.setAnalysis(analysis);
    sc.setSpec(spec);
    return sc;
  }

  /**
   * Two metrics: the error rate every change shares (one dashboard query), and the p99 latency of one
   * of {@link #TEAMS} apps. Windows of a minute, so a scrape late on a busy machine is no NoData.
   */
  private Analysis analysis(Run run, List<TestApp> teams, int index) {
    Duration interval = run.interval().orElseThrow();
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    source.setTimeout(Durations.format(Durations.min(interval, Duration.ofSeconds(5))));
    analysis.setPrometheus(source);
    analysis.setInterval(Durations.format(interval));
    MetricCheck errors = new MetricCheck("error-rate", teams.get(0).errorRateQuery("1m"));
    errors.setMax(0.05);
    MetricCheck latency = new MetricCheck("p99-latency", teams.get(1 + index % TEAMS).p99Query("1m"));
    latency.setMax(1.0);
    analysis.setMetrics(new ArrayList<>(List.of(errors, latency)));
    return analysis;
  }

  /** The shared app, then one per team, serving traffic and scraped once a second, started on first use. */
  private List<TestApp> apps() {
    if (apps.isEmpty()) {
      apps.add(new TestApp(prometheus.registry(), "scale-shared"));
      for (int t = 0; t < TEAMS; t++) {
        apps.add(new TestApp(prometheus.registry(), "scale-team-" + t));
      }
      await().atMost(Duration.ofSeconds(90)).alias("the apps' queries return data").until(() -> apps.stream()
          .allMatch(a -> !prometheus.server().instantQuery(a.p99Query("1m"), Instant.now()).isEmpty()
              && !prometheus.server().instantQuery(a.errorRateQuery("1m"), Instant.now()).isEmpty()));
    }
    return apps;
  }

  private List<ScalingChange> changesIn(Collection<String> namespaces) {
    return changes.getStore().list().stream().filter(sc -> namespaces.contains(sc.getMetadata().getNamespace()))
        .toList();
  }

  private static boolean waitingForTheWindow(ScalingChange sc) {
    return sc.getStatus() != null && sc.getStatus().getPhase() == Phase.Pending
        && sc.getStatus().getReason() == Reason.OutsideWindow;
  }

  private static boolean succeeded(ScalingChange sc) {
    return sc.getStatus() != null && sc.getStatus().getPhase() == Phase.Succeeded;
  }

  private boolean anyFailed(List<String> namespaces) {
    return changesIn(namespaces).stream().anyMatch(ScaleBed::failed);
  }

  private static boolean failed(ScalingChange sc) {
    Phase phase = sc.getStatus() == null ? null : sc.getStatus().getPhase();
    return phase == Phase.RolledBack || phase == Phase.Held || phase == Phase.Invalid;
  }

  private void seen(ConfigMap cm) {
    Instant at = Instant.now();
    String value = cm.getData() == null ? null : cm.getData().get(PERCENTAGE_KEY);
    String key = cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
    if (value != null) {
      written.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).putIfAbsent(value, at);
    } else if (written.containsKey(key)) {
      // The key removed after it had a value: a restore to its original absence.
      written.get(key).putIfAbsent(RESTORED, at);
    }
  }

  private void written(Lease lease) {
    leaseWrites.computeIfAbsent(lease.getMetadata().getName(), n -> new AtomicInteger()).incrementAndGet();
  }

  /** Deletes the run's changes (the operator removes their finalizers), stops nothing else. */
  private void tearDown(List<String> namespaces, int count) {
    // One by one, eight at a time: a delete of 10,000 at once outlasts a request's timeout.
    List<Runnable> deletes = changesIn(namespaces).stream().map(sc -> (Runnable) () -> client.resource(sc).delete())
        .toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      all(pool, deletes);
    } finally {
      pool.shutdownNow();
    }
    await().atMost(Duration.ofMinutes(2).plus(setupPerChange.multipliedBy(count))).pollInterval(Duration.ofSeconds(1))
        .alias("the run's changes deleted").until(() -> changesIn(namespaces).isEmpty());
    namespaces.forEach(ns -> cluster.kubectl("delete", "configmaps", "-n", ns, "-l", OptIn.FLAGS + "=" + OptIn.VALUE,
        "--wait=false", "--request-timeout=5m"));
  }

  // ---- the soak ----

  private record SoakCounts(Scrape from, Scrape to, int rounds) {}

  /**
   * While every change soaks at the third step, counts whole rounds of measurement: from the middle
   * of the gap before the first round after entering the step to the middle of the gap before the
   * round that ends the soak, so every change is measured exactly {@code rounds} times in between.
   */
  private SoakCounts soak(Run run, List<String> namespaces, int port, String lease) {
    Duration interval = run.interval().orElseThrow();
    Duration soak = run.soak().orElseThrow();
    await().atMost(Duration.ofMinutes(5).plus(interval.multipliedBy(SOAK_STEP + 1)))
        .pollInterval(Duration.ofMillis(200)).alias("every change soaking at step " + (SOAK_STEP + 1))
        .failFast("a change ended other than Succeeded", () -> anyFailed(namespaces))
        .until(() -> changesIn(namespaces).stream().filter(sc -> sc.getStatus() != null
            && Integer.valueOf(WEIGHTS[SOAK_STEP]).equals(sc.getStatus().getCurrentWeight())).count() == run.changes());
    List<Instant> entered = changesIn(namespaces).stream()
        .map(sc -> Timestamps.parse(sc.getStatus().getStepStartedAt())).sorted().toList();
    Instant first = entered.get(0);
    Duration spread = Duration.between(first, entered.get(entered.size() - 1));
    int rounds = (int) (soak.toMillis() / interval.toMillis()) - 1;
    if (rounds < 1 || spread.compareTo(interval.dividedBy(2)) > 0) {
      log.warn("{}: the soak of {} has {} whole rounds of {} and the changes entered it over {}: the status"
          + " writes per hour are approximate", run.label(), soak, rounds, interval, spread);
    }
    // The gap between round k's cluster [first + k*interval, first + spread + k*interval] and the next.
    Duration toGap = spread.plus(interval).dividedBy(2);
    Instant from = first.plus(toGap);
    Instant to = from.plus(interval.multipliedBy(Math.max(rounds, 1)));
    return new SoakCounts(scrapeAt(from, port, lease), scrapeAt(to, port, lease), Math.max(rounds, 1));
  }

  private Scrape scrapeAt(Instant at, int port, String lease) {
    await().atMost(positive(Duration.between(Instant.now(), at)).plusSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> !Instant.now().isBefore(at));
    return scrape(port, lease);
  }

  // ---- scraping ----

  /** The servers' counters at one moment. */
  private record Scrape(Instant at, Map<String, Double> apiRequests, MetricsText operator, double queries,
      int leaseWrites) {}

  private Scrape scrape(int port, String lease) {
    Instant at = Instant.now();
    return new Scrape(at, apiRequests(), operatorMetrics(port), MetricsText.parse(prometheus.server()
        .get("/metrics"), "prometheus_http_requests_total").sum("prometheus_http_requests_total",
            l -> "/api/v1/query".equals(l.get("handler"))),
        leaseWrites.getOrDefault(lease, new AtomicInteger()).get());
  }

  /** The kube-apiserver's own count of requests, as "resource[/subresource] VERB", for {@link #RESOURCES}. */
  private Map<String, Double> apiRequests() {
    Map<String, Double> all = MetricsText.parse(client.raw("/metrics"), "apiserver_request_total")
        .sumBy("apiserver_request_total", l -> l.get("resource")
            + (l.getOrDefault("subresource", "").isEmpty() ? "" : "/" + l.get("subresource")) + " " + l.get("verb"));
    Map<String, Double> ours = new TreeMap<>();
    all.forEach((k, v) -> {
      if (RESOURCES.contains(k.substring(0, k.indexOf(' ')))) {
        ours.put(k, v);
      }
    });
    return ours;
  }

  private MetricsText operatorMetrics(int port) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return MetricsText.parse(response.body(), "flagramp_reconcile_duration_seconds", "process_cpu_seconds_total",
          "jvm_memory_used_bytes", "jvm_threads_current", "jvm_threads_peak");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits until the operator's writes stop (none in two seconds), unless {@code deadline} comes first. */
  private void awaitQuiet(Instant deadline) {
    AtomicReference<Map<String, Double>> last = new AtomicReference<>(Map.of());
    Duration limit = deadline.equals(Instant.MAX) ? Duration.ofMinutes(3)
        : positive(Duration.between(Instant.now(), deadline).minusMillis(500));
    await().atMost(limit).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(2))
        .alias("the operator's writes settle" + (deadline.equals(Instant.MAX) ? ""
            : " before the window opens at " + deadline + "; on a slower machine raise"
                + " -Dflagramp.bench.scale.setupPerChange (now " + setupPerChange + ")"))
        .until(() -> {
          Map<String, Double> writes = writes(apiRequests());
          return writes.equals(last.getAndSet(writes));
        });
  }

  private static Map<String, Double> writes(Map<String, Double> requests) {
    return requests.entrySet().stream().filter(e -> WRITE_VERBS.contains(verb(e.getKey())))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private static String verb(String key) {
    return key.substring(key.indexOf(' ') + 1);
  }

  private void fullGc(long pid) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + pid + " GC.run failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- the figures ----

  private Figures figures(Run run, List<String> namespaces, Instant opening, Scrape start,
      Scrape before, Scrape after, SoakCounts soak, MetricsText afterGc, int distinctQueries) {
    List<Long> lags = new ArrayList<>();
    List<Long> openingLags = new ArrayList<>();
    List<Long> decided = new ArrayList<>();
    Map<Long, Integer> duePerSecond = new HashMap<>();
    int missing = 0;
    List<ScalingChange> done = changesIn(namespaces);
    for (ScalingChange sc : done) {
      Map<String, Instant> seen = written.getOrDefault(sc.getMetadata().getNamespace() + "/"
          + sc.getMetadata().getName(), Map.of());
      List<HistoryEntry> rows = sc.getStatus().getHistory().stream()
          .sorted(Comparator.comparing(HistoryEntry::getStep)).toList();
      Instant due = opening;
      for (HistoryEntry row : rows) {
        Instant entered = Timestamps.parse(row.getStartedAt());
        duePerSecond.merge(due.getEpochSecond(), 1, Integer::sum);
        decided.add(Duration.between(due, entered).toMillis());
        Instant write = seen.get(String.valueOf(row.getWeight()));
        if (write == null) {
          missing++;
        } else {
          long lag = Duration.between(due, write).toMillis();
          lags.add(lag);
          if (row.getStep() == 0) {
            openingLags.add(lag);
          }
        }
        due = entered.plus(run.pause(row.getStep()));
      }
    }
    if (missing > 0) {
      log.warn("{}: {} ConfigMap writes were not seen by the watch; their lag is left out", run.label(), missing);
    }
    Map<String, Double> requests = delta(after.apiRequests(), before.apiRequests());
    Map<String, Double> perStep = new TreeMap<>();
    writes(requests).forEach((k, v) -> {
      if (v > 0) {
        perStep.put(k, v / run.steps());
      }
    });
    Map<String, Double> perChangeBefore = new TreeMap<>();
    writes(delta(before.apiRequests(), start.apiRequests())).forEach((k, v) -> {
      // The benchmark's own creates are not the operator's.
      if (v > 0 && !k.equals("configmaps POST") && !k.equals("scalingchanges POST")) {
        perChangeBefore.put(k, v / run.changes());
      }
    });
    double reconciles = counter(after, before, "flagramp_reconcile_duration_seconds_count");
    double apiCalls = requests.entrySet().stream().filter(e -> verb(e.getKey()).equals("GET")
        || WRITE_VERBS.contains(verb(e.getKey()))).mapToDouble(Map.Entry::getValue).sum();
    Cost cost = new Cost((long) reconciles,
        1000 * counter(after, before, "process_cpu_seconds_total") / reconciles,
        1000 * counter(after, before, "flagramp_reconcile_duration_seconds_sum") / reconciles,
        apiCalls / reconciles);
    double minutes = Duration.between(before.at(), after.at()).toMillis() / 60_000.0;
    OptionalDouble statusPerHour = OptionalDouble.empty();
    Optional<Queries> queries = Optional.empty();
    if (run.interval().isPresent()) {
      Duration interval = run.interval().orElseThrow();
      OptionalDouble soakQueries = OptionalDouble.empty();
      if (soak != null) {
        Map<String, Double> soaking = delta(soak.to().apiRequests(), soak.from().apiRequests());
        double status = soaking.entrySet().stream().filter(e -> e.getKey().startsWith("scalingchanges/status ")
            && WRITE_VERBS.contains(verb(e.getKey()))).mapToDouble(Map.Entry::getValue).sum();
        double hours = interval.multipliedBy(soak.rounds()).toMillis() / 3_600_000.0;
        statusPerHour = OptionalDouble.of(status / run.changes() / hours);
        soakQueries = OptionalDouble.of((soak.to().queries() - soak.from().queries()) / soak.rounds());
      }
      queries = Optional.of(new Queries(distinctQueries, (after.queries() - before.queries()) / run.rounds(),
          soakQueries));
    }
    return new Figures(run, (int) done.stream().filter(ScaleBed::succeeded).count(),
        duePerSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0), Spread.of(lags),
        Spread.of(openingLags), Spread.of(decided), perStep, perChangeBefore,
        requests.getOrDefault("configmaps GET", 0.0) / reconciles,
        (after.leaseWrites() - before.leaseWrites()) / minutes, cost, statusPerHour, queries,
        (long) afterGc.sum("jvm_memory_used_bytes", l -> "heap".equals(l.get("area"))),
        (int) afterGc.sum("jvm_threads_current"), (int) afterGc.sum("jvm_threads_peak"));
  }

  private static double counter(Scrape after, Scrape before, String name) {
    return after.operator().sum(name) - before.operator().sum(name);
  }

  private static Map<String, Double> delta(Map<String, Double> after, Map<String, Double> before) {
    Map<String, Double> delta = new TreeMap<>();
    after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0.0)));
    return delta;
  }

  // ---- small things ----

  private int status(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String holder(String lease) {
    Lease l = leases.getStore().getByKey(leaseNamespace + "/" + lease);
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  private static int freePort() {
    try {
      return OperatorMetricsIT.freePort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Duration positive(Duration d) {
    return d.isNegative() || d.isZero() ? Duration.ofMillis(1) : d;
  }

  private static Path directory(Path path) {
    try {
      return Files.createDirectories(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    apps.forEach(TestApp::close);
    changes.close();
    configMaps.close();
    leases.close();
  }
}
