package io.flagramp.demo;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Annotations;
import io.flagramp.core.Measurement;
import io.flagramp.core.Plan;
import io.flagramp.core.PlannerSettings;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.operator.Reconciliation;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * The operator's main job without a cluster: the planner drives a ScalingChange (the playbook's
 * use-redis example, or a YAML file given as the argument) against an in-memory ConfigMap on a
 * simulated clock, so days of soaks pass in a second. Metrics come from a simulated app instead of
 * Prometheus: a metric whose name contains "error" reads APP_ERROR_RATE, one with "latency" APP_LATENCY,
 * minSamples APP_SAMPLES. Five runs: a rollout to the end; on-call aborting at ABORT_AT; the error rate
 * climbing at BREACH_AT, which the analysis catches and reverts without a person; the cohort judge; and
 * the same schedule on a flagd flag. Every figure printed is either one of these inputs or counted.
 */
public final class Demo {

  /** examples/use-redis.yaml, packaged by the build. */
  static final String EMBEDDED = "/demo/use-redis.yaml";
  /** examples/use-redis-cohorts.yaml, packaged by the build: the cohort judge's run. */
  static final String COHORTS = "/demo/use-redis-cohorts.yaml";
  private static final Instant START = Instant.parse("2026-11-23T02:00:00Z");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("EEE HH:mm").withZone(ZoneOffset.UTC);

  /** The simulated app's healthy readings. */
  private static final double APP_ERROR_RATE = 0.002;
  private static final double APP_LATENCY = 0.2;
  private static final int APP_SAMPLES = 5000;
  /** Run 2: the weight at which on-call aborts. */
  private static final int ABORT_AT = 25;
  /** Runs 3 and 5: the error rate once the flag reaches BREACH_AT. */
  private static final double BREACH_RATE = 0.031;
  private static final int BREACH_AT = 10;
  /** Run 4: how often a request with the flag fails. */
  private static final double FLAG_ON_ERROR_RATE = 0.2;

  private final PrintStream out;

  Demo(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws IOException {
    ScalingChange change = args.length > 0 ? load(Files.newInputStream(Path.of(args[0])))
        : load(Demo.class.getResourceAsStream(EMBEDDED));
    try (Quiet quiet = quietOperatorLog()) {
      new Demo(System.out).run(change);
    }
  }

  /** Undoes {@link #quietOperatorLog()}. */
  interface Quiet extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * The operator logs each decision on the real clock, and the demo prints each one itself on the
   * simulated clock: the operator's log of them is off until closed, so a decision is one line.
   */
  static Quiet quietOperatorLog() {
    String name = Reconciliation.class.getName();
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    boolean configured = context.getConfiguration().getLoggers().containsKey(name);
    Level before = configured ? context.getConfiguration().getLoggerConfig(name).getLevel() : null;
    Configurator.setLevel(name, Level.OFF);
    return () -> {
      if (configured) {
        Configurator.setLevel(name, before);
      } else {
        context.getConfiguration().removeLogger(name);
        context.updateLoggers();
      }
    };
  }

  static ScalingChange load(InputStream in) throws IOException {
    try (in) {
      return new KubernetesSerialization().unmarshal(in, ScalingChange.class);
    }
  }

  void run(ScalingChange template) {
    String cm = template.getSpec().getFlag().getConfigMapName();
    out.println("flagramp demo: " + template.getMetadata().getName() + " on a simulated clock, no cluster needed");
    out.println("The operator's planner decides; the ConfigMap " + cm + " lives in memory.");

    out.println();
    out.println("1) The rollout");
    Simulation rollout = simulation(copy(template), START);
    show(rollout, Integer.MAX_VALUE, "");
    Duration took = Duration.between(START, rollout.now);
    out.printf("   %s after %dd %dh of simulated time: %,d measurement rounds, %,d ConfigMap writes, %,d status"
            + " writes.%n", rollout.change.getStatus().getPhase(), took.toDays(), took.toHoursPart(),
        rollout.measurementRounds(), rollout.flagWrites(), rollout.statusWrites());
    if (rollout.measurementRounds() > rollout.statusWrites()) {
      out.println("   Status is written when what on-call reads in it changes, not every round.");
    }

    out.println();
    out.println("2) The revert: on-call aborts at weight " + ABORT_AT);
    Simulation revert = simulation(copy(template), START);
    show(revert, ABORT_AT, "");
    revert.advance(Duration.ofHours(3));
    out.println("   $ kubectl annotate schg/" + template.getMetadata().getName() + " "
        + Annotations.ABORT + "=\"error rate up\"");
    revert.annotate(Annotations.ABORT, "error rate up");
    show(revert, Integer.MAX_VALUE, "");
    out.println("   " + revert.change.getStatus().getPhase() + ": " + cm + " holds exactly what it held before.");

    if (template.getSpec().getAnalysis() != null) {
      out.println();
      out.println("3) The automatic revert: the error rate climbs to " + percent(BREACH_RATE, 1)
          + " once the flag reaches " + BREACH_AT + "%");
      Simulation breach = simulation(copy(template), START);
      breach.metrics = (name, promql) -> name.contains("error") && weight(breach) >= BREACH_AT
          ? new Measurement.Value(BREACH_RATE) : app(name, promql);
      show(breach, Integer.MAX_VALUE, "");
      out.println("   " + breach.change.getStatus().getPhase() + " without a person: " + cm
          + " holds exactly what it held before.");
    }

    try {
      cohorts(load(Demo.class.getResourceAsStream(COHORTS)), errorRateBound(template));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("the packaged " + COHORTS + " cannot be read", e);
    }
    out.println();
    out.println("5) The same schedule on a flagd flag: " + FLAGD_KEY + "#" + FLAGD_FLAG + " in ConfigMap "
        + FLAGD_CONFIG_MAP + (template.getSpec().getAnalysis() == null ? ", aborted at weight " + ABORT_AT
        : ", the error rate climbing at " + BREACH_AT + "%"));
    ScalingChange flagd = copy(template);
    flagd.getSpec().setFlag(io.flagramp.api.v1alpha1.FlagTarget.flagd(FLAGD_CONFIG_MAP, FLAGD_KEY, FLAGD_FLAG));
    flagd.getMetadata().setName(FLAGD_FLAG);
    Simulation ramp = new Simulation(settings(flagd), flagd, START);
    ramp.deleteConfigMap();
    ramp.createConfigMap(Map.of(FLAGD_KEY, FLAGD_DOCUMENT));
    ramp.metrics = (name, promql) -> name.contains("error") && weight(ramp) >= BREACH_AT
        ? new Measurement.Value(BREACH_RATE) : app(name, promql);
    out.println("   " + FLAGD_FLAG + " before: " + flagText(ramp));
    show(ramp, template.getSpec().getAnalysis() == null ? ABORT_AT : Integer.MAX_VALUE, Demo::flagText);
    if (template.getSpec().getAnalysis() == null) {
      ramp.annotate(Annotations.ABORT, "demo");
      show(ramp, Integer.MAX_VALUE, Demo::flagText);
    }
    out.println("   " + ramp.change.getStatus().getPhase() + ": the document is the original byte for byte: "
        + FLAGD_DOCUMENT.equals(ramp.configMap().get(FLAGD_KEY)) + "; the other flag never changed.");
  }

  /**
   * The fourth run: a flag whose users see FLAG_ON_ERROR_RATE of their requests fail, judged by its
   * cohorts, on 50 requests a second of which APP_ERROR_RATE fail without it; then what the whole
   * service's error rate said, against {@code serviceBound}, the first run's error-rate max.
   */
  private void cohorts(ScalingChange template, Optional<Double> serviceBound) {
    out.println();
    out.println("4) The cohort judge (examples/use-redis-cohorts.yaml): with the flag, "
        + percent(FLAG_ON_ERROR_RATE, 0) + " of requests fail");
    Simulation sim = simulation(copy(template), START);
    CohortTraffic traffic = new CohortTraffic(50, APP_ERROR_RATE, FLAG_ON_ERROR_RATE, () -> weight(sim),
        () -> sim.now, 20261206L);
    sim.metrics = traffic::answer;
    int reached = show(sim, Integer.MAX_VALUE, s -> data(s.configMap()));
    Duration took = Duration.between(START, sim.now);
    double service = (traffic.onErrors() + traffic.offErrors())
        / (double) Math.max(1, traffic.onRequests() + traffic.offRequests());
    out.printf("   %s after %s at weight %d: %d of %d flag-on requests failed, %d of %d flag-off.%n",
        sim.change.getStatus().getPhase(), took.toMinutes() == 1 ? "1 minute" : took.toMinutes() + " minutes",
        reached, traffic.onErrors(), traffic.onRequests(), traffic.offErrors(), traffic.offRequests());
    Optional<Integer> next = template.getSpec().getSteps().stream().map(io.flagramp.api.v1alpha1.Step::getWeight)
        .filter(w -> w > reached).findFirst();
    if (serviceBound.isPresent() && service <= serviceBound.get() && next.isPresent()) {
      out.printf("   The whole service's error rate over the same requests was %s: under the %s bound of the"
          + " first example, that judge would have passed the step and gone on to %d%%, where %d%% of all users"
          + " would have met the failures.%n", percent(service, 2), percent(serviceBound.get(), 2), next.get(),
          next.get());
    } else {
      out.printf("   The whole service's error rate over the same requests was %s.%n", percent(service, 2));
    }
  }

  /** The bound on the first run's error-rate metric (the first metric named with "error" that has a max). */
  private static Optional<Double> errorRateBound(ScalingChange change) {
    return Optional.ofNullable(change.getSpec().getAnalysis()).map(Analysis::getMetrics).stream()
        .flatMap(java.util.List::stream).filter(m -> m.getName().contains("error") && m.getMax() != null)
        .map(m -> m.getMax()).findFirst();
  }

  private static String percent(double rate, int decimals) {
    return String.format(java.util.Locale.ROOT, "%." + decimals + "f%%", rate * 100);
  }

  private static final String FLAGD_CONFIG_MAP = "checkout-flags";
  private static final String FLAGD_KEY = "flags.flagd.json";
  private static final String FLAGD_FLAG = "new-checkout";
  /** examples/checkout-flags.yaml's document, shortened. */
  private static final String FLAGD_DOCUMENT = """
      {
        "flags": {
          "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"},
          "dark-mode": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"}
        }
      }
      """;

  /** The ramped flag's definition as the document holds it now. */
  private static String flagText(Simulation sim) {
    return io.flagramp.core.flagd.FlagdDocument.parse(sim.configMap().get(FLAGD_KEY), FLAGD_KEY)
        instanceof io.flagramp.core.flagd.FlagdDocument.Parsed.Ok ok
        ? ok.document().flagText(FLAGD_FLAG).orElse("(no flag)") : "(not a flagd document)";
  }

  /** The simulated app's healthy readings. */
  private static Measurement app(String name, String promql) {
    if (name.equals("minSamples")) {
      return new Measurement.Value(APP_SAMPLES);
    }
    return new Measurement.Value(name.contains("latency") ? APP_LATENCY : APP_ERROR_RATE);
  }

  /**
   * The operator's default settings, with the Prometheus the change names as the operator's own (which
   * a change may always name): the simulated app answers for it, and nothing is ever contacted.
   */
  private static PlannerSettings settings(ScalingChange change) {
    Optional<String> address = Optional.ofNullable(change.getSpec().getAnalysis()).map(Analysis::getPrometheus)
        .map(PrometheusSource::getAddress);
    try {
      return OperatorSettings.from(address.map(a -> Map.of(OperatorSettings.Setting.PROMETHEUS_ADDRESS.key, a))
          .orElse(Map.of())).planner();
    } catch (IllegalArgumentException unusable) {
      // The planner says what is wrong with it, as the operator would.
      return OperatorSettings.defaults().planner();
    }
  }

  private static int weight(Simulation sim) {
    Integer weight = sim.change.getStatus() == null ? null : sim.change.getStatus().getCurrentWeight();
    return weight == null ? 0 : weight;
  }

  private Simulation simulation(ScalingChange change, Instant start) {
    Simulation sim = new Simulation(settings(change), change, start);
    sim.metrics = Demo::app;
    sim.deleteConfigMap();
    sim.createConfigMap(Map.of("USE_REDIS", "false", "SOCKET_TIMEOUT_MS", "30000"));  // examples/app-features.yaml
    out.println("   " + change.getSpec().getFlag().getConfigMapName() + " before: " + data(sim.configMap()));
    return sim;
  }

  /** Reconciles until the change is quiet or has reached {@code stopAtWeight}, printing each transition. */
  private void show(Simulation sim, int stopAtWeight, String indent) {
    show(sim, stopAtWeight, s -> data(s.configMap()));
  }

  /**
   * As above, printing {@code written} of the ConfigMap after each write; returns the highest weight
   * written.
   */
  private int show(Simulation sim, int stopAtWeight, java.util.function.Function<Simulation, String> written) {
    int highest = 0;
    for (int i = 0; i < 100_000; i++) {
      Plan plan = sim.reconcile();
      plan.notice().ifPresent(n -> {
        ScalingChangeStatus s = sim.change.getStatus();
        out.printf("   %s  %-12s %-4s %4s  %s%n", TIME.format(sim.now), s.getPhase(), s.getProgress(),
            s.getCurrentWeight() == null ? "-" : s.getCurrentWeight(), n.message());
        if (plan.write().isPresent()) {
          out.printf("   %9s  %s%n", "", written.apply(sim));
        }
      });
      Integer weight = sim.change.getStatus().getCurrentWeight();
      highest = Math.max(highest, weight == null ? 0 : weight);
      if (plan.requeueAfter().isEmpty() || (weight != null && weight >= stopAtWeight)) {
        return highest;
      }
      sim.advance(plan.requeueAfter().get());
    }
    return highest;
  }

  private static String data(Map<String, String> configMap) {
    return configMap.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
  }

  private static ScalingChange copy(ScalingChange change) {
    KubernetesSerialization json = new KubernetesSerialization();
    ScalingChange copy = json.unmarshal(json.asJson(change), ScalingChange.class);
    copy.getMetadata().setGeneration(1L);
    copy.getMetadata().setCreationTimestamp(START.toString());
    if (copy.getMetadata().getAnnotations() == null) {
      copy.getMetadata().setAnnotations(new HashMap<>());
    }
    return copy;
  }
}
