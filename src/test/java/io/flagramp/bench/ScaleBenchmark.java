package io.flagramp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.core.Durations;
import io.flagramp.it.ScaleBed;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator at scale: hundreds to a thousand ScalingChanges whose steps come due in bursts, run by
 * the packaged jar in its own JVM ({@code -Xmx256m}) against the real kube-apiserver and Prometheus.
 * Every run's first steps all come due in one millisecond (a deploy window opening on a whole
 * minute); later steps come due as fast as the operator wrote the ones before. Prints step lag, API
 * writes per step, status writes while soaking, Prometheus queries, heap and threads as Markdown
 * tables for the README (also written to {@code target/bench/}); asserts only that every change of
 * every run Succeeded. See {@link ScaleBed} for where each figure comes from.
 *
 * <p>{@code -Dflagramp.bench.scale=smoke} runs a few dozen changes in a few minutes; the default,
 * {@code full}, is the README's configuration and wants a quiet machine. Each knob can be set on its
 * own, see {@link Settings}.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class ScaleBenchmark {

  private static final Logger log = LoggerFactory.getLogger(ScaleBenchmark.class);
  private static final Settings SETTINGS = Settings.fromSystemProperties();

  /**
   * The burst the issue is about, against the API server's own floor measured in the same run: 1,000
   * first steps due in the same millisecond, written by the operator, and the same writes made by a
   * lean client with no operator running, before and after it (the lower floor counts).
   */
  @Test
  void firstStepsAgainstTheFloor(KubeTestCluster cluster, TestPrometheus prometheus) {
    int n = SETTINGS.floorBurst();
    List<ScaleBed.Floor> floors = new ArrayList<>();
    List<ScaleBed.Figures> runs = new ArrayList<>();
    try (ScaleBed bed = ScaleBed.start(cluster, prometheus, SETTINGS.setupPerChange())) {
      for (int inFlight : SETTINGS.floorInFlight()) {
        floors.add(bed.floor("floor-" + n + "-" + inFlight, n, SETTINGS.namespaces(), inFlight));
        // The operator's own shape: two writes on the step's path, the Event after.
        floors.add(bed.floor("floor-" + n + "-" + inFlight + "-events-after", n, SETTINGS.namespaces(), inFlight,
            true));
      }
      runs.add(bed.run(ScaleBed.Run.withoutAnalysis("bursts-" + n, n, SETTINGS.namespaces(), SETTINGS.pause())));
      floors.add(bed.floor("floor-" + n + "-" + SETTINGS.floorInFlight().get(0) + "-after", n, SETTINGS.namespaces(),
          SETTINGS.floorInFlight().get(0)));
    }
    report("floor", n + " first steps due at once against the API server's own floor, " + SETTINGS.namespaces()
        + " namespaces", List.of(ScaleTables.floor(floors, runs), ScaleTables.lag(runs), ScaleTables.writes(runs), ScaleTables.cost(runs)));
    assertEverySucceeded(runs);
  }

  /**
   * Reverts first: while {@code stepping} first steps fall due at once, {@code breaching} changes
   * soaking with analysis see their shared query turn bad and revert. Every revert must land within one
   * analysis interval plus 1 s of its breaching answer.
   */
  @Test
  void revertsDuringABurstOfSteps(KubeTestCluster cluster, TestPrometheus prometheus) {
    ScaleBed.Reverts reverts;
    try (ScaleBed bed = ScaleBed.start(cluster, prometheus, SETTINGS.setupPerChange())) {
      reverts = bed.revertsDuringABurst("reverts-" + SETTINGS.revertsBreaching() + "-in-" + SETTINGS.floorBurst(),
          SETTINGS.floorBurst() - SETTINGS.revertsBreaching(), SETTINGS.revertsBreaching(), SETTINGS.namespaces(),
          SETTINGS.revertsInterval(), Duration.ofSeconds(1));
    }
    report("reverts", SETTINGS.revertsBreaching() + " changes reverting while " + (SETTINGS.floorBurst()
        - SETTINGS.revertsBreaching()) + " first steps fall due at once", List.of(ScaleTables.reverts(reverts)));
    long bound = reverts.interval().plusSeconds(1).toMillis();
    assertThat(reverts.fromAnswer().max()).as("every revert within one interval + 1 s of its breaching answer")
        .isLessThanOrEqualTo(bound);
  }

  /**
   * Ten thousand changes on one replica, steps spread over the schedule: 1,000 then 10,000 in 10
   * namespaces, then 10,000 in one, created at the same rate, each with two steps (see
   * {@link ScaleBed#spread}). The cost per reconcile and per change at 10,000 is reported against 1,000's.
   */
  @Test
  void tenThousandChangesOnOneReplica(KubeTestCluster cluster, TestPrometheus prometheus) {
    List<ScaleBed.Spreading> runs = new ArrayList<>();
    try (ScaleBed bed = ScaleBed.start(cluster, prometheus, SETTINGS.setupPerChange())) {
      for (String shape : SETTINGS.spread()) {
        String[] parts = shape.split("x");
        int n = Integer.parseInt(parts[0].trim());
        int namespaces = Integer.parseInt(parts[1].trim());
        runs.add(bed.spread("spread-" + n + "-in-" + namespaces, n, namespaces, SETTINGS.spreadRate(),
            SETTINGS.spreadPause()));
      }
    }
    report("spread", "Steps spread over the schedule: changes created " + SETTINGS.spreadRate() + " a second, two"
        + " steps each", List.of(ScaleTables.spread(runs)));
    assertThat(runs).allSatisfy(r -> assertThat(r.succeeded()).as(r.label()).isEqualTo(r.changes()));
  }

  @Test
  void stepsDueInBurstsWithoutAnalysis(KubeTestCluster cluster, TestPrometheus prometheus) {
    List<ScaleBed.Figures> runs = new ArrayList<>();
    try (ScaleBed bed = ScaleBed.start(cluster, prometheus, SETTINGS.setupPerChange())) {
      for (int n : SETTINGS.bursts()) {
        runs.add(bed.run(ScaleBed.Run.withoutAnalysis("bursts-" + n, n, SETTINGS.namespaces(), SETTINGS.pause())));
      }
    }
    report("bursts", "Steps due in bursts, no analysis, " + SETTINGS.namespaces() + " namespaces, pauses of "
        + Durations.format(SETTINGS.pause()), List.of(ScaleTables.lag(runs), ScaleTables.writes(runs)));
    assertEverySucceeded(runs);
  }

  @Test
  void stepsDueInBurstsWithAnalysisAndASoak(KubeTestCluster cluster, TestPrometheus prometheus) {
    List<ScaleBed.Figures> runs = new ArrayList<>();
    try (ScaleBed bed = ScaleBed.start(cluster, prometheus, SETTINGS.setupPerChange())) {
      List<Integer> sizes = SETTINGS.analysed();
      for (int i = 0; i < sizes.size(); i++) {
        // The largest run soaks its third step, long enough to count status writes per hour.
        Optional<Duration> soak = i == sizes.size() - 1 ? Optional.of(SETTINGS.soak()) : Optional.empty();
        runs.add(bed.run(ScaleBed.Run.withAnalysis("analysis-" + sizes.get(i), sizes.get(i), SETTINGS.namespaces(),
            SETTINGS.interval(), soak)));
      }
    }
    report("analysis", "Steps due in bursts with analysis every " + Durations.format(SETTINGS.interval())
            + " on the real Prometheus, " + SETTINGS.namespaces() + " namespaces; the largest run soaks step 3 for "
            + Durations.format(SETTINGS.soak()),
        List.of(ScaleTables.lag(runs), ScaleTables.writes(runs), ScaleTables.analysis(runs)));
    assertEverySucceeded(runs);
  }

  @Test
  void oneNamespaceCostPerReconcile(KubeTestCluster cluster, TestPrometheus prometheus) {
    List<ScaleBed.Figures> runs = new ArrayList<>();
    try (ScaleBed bed = ScaleBed.start(cluster, prometheus, SETTINGS.setupPerChange())) {
      for (int n : SETTINGS.oneNamespace()) {
        runs.add(bed.run(ScaleBed.Run.withoutAnalysis("one-namespace-" + n, n, 1, SETTINGS.pause())));
      }
    }
    report("one-namespace", "All changes in one namespace, no analysis, pauses of "
            + Durations.format(SETTINGS.pause()),
        List.of(ScaleTables.cost(runs), ScaleTables.lag(runs), ScaleTables.writes(runs)));
    assertEverySucceeded(runs);
  }

  private static void report(String name, String title, List<String> tables) {
    String text = "#### " + title + " (" + SETTINGS + ")\n\n" + String.join("\n", tables);
    log.info("scale benchmark, {}:\n\n{}", name, text);
    try {
      Path file = Files.createDirectories(Path.of("target", "bench")).resolve("scale-" + name + ".md");
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertEverySucceeded(List<ScaleBed.Figures> runs) {
    assertThat(runs).allSatisfy(f -> assertThat(f.succeeded()).as(f.run().label()).isEqualTo(f.run().changes()));
  }

  /**
   * Run lengths, from system properties. {@code flagramp.bench.scale} picks the defaults, {@code full}
   * (the README's figures, under an hour on a quiet 2-core machine) or {@code smoke}; then each of
   * {@code flagramp.bench.scale.}{@code bursts}, {@code analysed}, {@code oneNamespace} (comma-separated
   * numbers of changes, empty for none), {@code namespaces}, {@code pause}, {@code interval}, {@code soak}
   * and {@code setupPerChange} (durations such as 20s or 1m) overrides its default.
   */
  record Settings(int floorBurst, List<Integer> floorInFlight, int revertsBreaching, Duration revertsInterval,
      List<String> spread, double spreadRate, Duration spreadPause, List<Integer> bursts, List<Integer> analysed, List<Integer> oneNamespace, int namespaces,
      Duration pause, Duration interval, Duration soak, Duration setupPerChange) {

    static Settings fromSystemProperties() {
      boolean smoke = System.getProperty("flagramp.bench.scale", "full").equals("smoke");
      return new Settings(Integer.parseInt(property("floorBurst", smoke ? "100" : "1000")),
          sizes("floorInFlight", "8,32"), Integer.parseInt(property("revertsBreaching", smoke ? "10" : "100")),
          duration("revertsInterval", "5s"),
          List.of(property("spread", smoke ? "100x10,500x10,500x1" : "1000x10,10000x10,10000x1").split(",")),
          Double.parseDouble(property("spreadRate", "30")), duration("spreadPause", smoke ? "20s" : "60s"),
          sizes("bursts", smoke ? "10,50" : "10,100,300,1000"),
          sizes("analysed", smoke ? "50" : "100,300,1000"), sizes("oneNamespace", smoke ? "10,50" : "100,1000"),
          Integer.parseInt(property("namespaces", "10")), duration("pause", smoke ? "5s" : "20s"),
          duration("interval", smoke ? "5s" : "1m"), duration("soak", smoke ? "30s" : "10m"),
          duration("setupPerChange", "100ms"));
    }

    private static String property(String name, String otherwise) {
      return System.getProperty("flagramp.bench.scale." + name, otherwise).trim();
    }

    private static List<Integer> sizes(String name, String otherwise) {
      String value = property(name, otherwise);
      return value.isEmpty() ? List.of() : Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf)
          .toList();
    }

    private static Duration duration(String name, String otherwise) {
      return Durations.parse(property(name, otherwise));
    }

    @Override
    public String toString() {
      return "bursts " + bursts + ", analysed " + analysed + ", one namespace " + oneNamespace + ", pause "
          + Durations.format(pause) + ", interval " + Durations.format(interval) + ", soak " + Durations.format(soak);
    }
  }
}
