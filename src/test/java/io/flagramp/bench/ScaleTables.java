package io.flagramp.bench;

import io.flagramp.core.Durations;
import io.flagramp.it.ScaleBed;
import io.flagramp.it.ScaleBed.Figures;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link ScaleBenchmark}'s figures as Markdown tables in the README's layout. Ratios are against the
 * first (smallest) run of the same table, which stands for the operator without load.
 */
final class ScaleTables {

  private ScaleTables() {}

  static String lag(List<Figures> runs) {
    StringBuilder t = header("run", "changes", "namespaces", "most due in one second", "step lag p50", "p99",
        "max", "p99 ÷ first run's", "first steps (all due at once) p99", "decided p99", "heap after GC",
        "threads (end / peak)");
    double reference = runs.isEmpty() ? 0 : runs.get(0).lag().p99();
    for (Figures f : runs) {
      row(t, f.run().label(), f.run().changes(), f.run().namespaces(), f.mostDueInOneSecond(), seconds(f.lag().p50()),
          seconds(f.lag().p99()), seconds(f.lag().max()), ratio(f.lag().p99(), reference),
          seconds(f.openingLag().p99()), seconds(f.decidedLag().p99()),
          format("%.1f MiB", f.heapAfterGcBytes() / 1048576.0), f.threads() + " / " + f.peakThreads());
    }
    return t.append("\nStep lag: from the exact due time (the window's opening, then the previous step's"
        + " `history[].startedAt` + pause, which is `status.nextStepAt`) to the ConfigMap write arriving at a watch"
        + " in the benchmark's JVM. Decided: to the operator's own `startedAt` of the step (before its writes).\n")
        .toString();
  }

  /**
   * The operator's first steps against the floor: each floor run, then each operator run, as a ratio to
   * the lowest floor measured, whatever its in-flight bound.
   */
  static String floor(List<ScaleBed.Floor> floors, List<Figures> runs) {
    StringBuilder t = header("run", "steps due at once", "steps in flight", "lag p50", "p99", "max", "steps/s",
        "writes per step", "p99 ÷ floor");
    int paced = Integer.parseInt(System.getProperty("flagramp.bench.scale.maxConcurrentSteps", "8").trim());
    long floor = floors.stream().mapToLong(f -> f.lag().p99()).min().orElse(0);
    for (ScaleBed.Floor f : floors) {
      row(t, f.label() + (f.eventsAfter() ? " (lean client, Events after the ConfigMap)" : " (lean client)"),
          f.changes(), f.inFlight(), seconds(f.lag().p50()),
          seconds(f.lag().p99()), seconds(f.lag().max()), format("%.0f", f.stepsPerSecond()),
          format("%.2f", f.writesPerStep().values().stream().mapToDouble(Double::doubleValue).sum()),
          ratio(f.lag().p99(), floor));
    }
    for (Figures f : runs) {
      row(t, f.run().label() + " (operator, first steps)", f.run().changes(), paced, seconds(f.openingLag().p50()),
          seconds(f.openingLag().p99()), seconds(f.openingLag().max()),
          format("%.0f", f.openingLag().count() * 1000.0 / Math.max(1, f.openingLag().max())), "—",
          ratio(f.openingLag().p99(), floor));
    }
    return t.append("\nFloor: the same first steps written by a lean client in the benchmark's JVM with no operator"
        + " running: each step planned ahead by the operator's own planner, then its three writes (status merge"
        + " patch, ConfigMap merge patch of the flag's key and claim, events.k8s.io Event) made with the operator's"
        + " write code, in its order, that many steps at a time; \"Events after\": each step's Event handed to two"
        + " threads of their own once its ConfigMap is written, as the operator does. Lag for both: from the moment the steps are due to"
        + " the ConfigMap write arriving at a watch. The ratio is to the lowest floor measured in the same run,"
        + " whatever its steps in flight.\n").toString();
  }

  static String reverts(ScaleBed.Reverts r) {
    long bound = r.interval().plusSeconds(1).toMillis();
    StringBuilder t = header("what", "count", "p50", "p99", "max", "p99 ÷ (interval + 1 s)");
    row(t, "revert: breaching answer → ConfigMap restored", r.fromAnswer().count(), seconds(r.fromAnswer().p50()),
        seconds(r.fromAnswer().p99()), seconds(r.fromAnswer().max()), ratio(r.fromAnswer().p99(), bound));
    row(t, "revert: query turned bad → ConfigMap restored", r.fromBreach().count(), seconds(r.fromBreach().p50()),
        seconds(r.fromBreach().p99()), seconds(r.fromBreach().max()), ratio(r.fromBreach().p99(), bound));
    row(t, "first steps of the burst: due → ConfigMap written", r.firstSteps().count(), seconds(r.firstSteps().p50()),
        seconds(r.firstSteps().p99()), seconds(r.firstSteps().max()), "—");
    return t.append("\nInterval " + seconds(r.interval().toMillis()) + "; the burst's last first step landed "
        + seconds(r.burstEndMillis()) + " after it fell due, the last revert " + seconds(r.lastRevertMillis())
        + "; " + r.stepsAfterLastRevert() + " first steps landed after the last revert. The breaching answer is the"
        + " round's `measuredAt` in status (when the round was asked, so the Prometheus query is counted too).\n")
        .toString();
  }

  /** Spread runs; cost ratios against the first run (1,000 changes). */
  static String spread(List<ScaleBed.Spreading> runs) {
    StringBuilder t = header("run", "changes", "namespaces", "Succeeded", "step lag p50", "p99", "max",
        "reconciles per change", "CPU per reconcile", "÷ first run's", "CPU per change", "÷ first run's",
        "API requests per reconcile", "API writes per step", "heap after GC", "threads", "run");
    ScaleBed.Spreading first = runs.isEmpty() ? null : runs.get(0);
    for (ScaleBed.Spreading r : runs) {
      row(t, r.label(), r.changes(), r.namespaces(), r.succeeded(), seconds(r.lag().p50()), seconds(r.lag().p99()),
          seconds(r.lag().max()), format("%.1f", r.reconcilesPerChange()), format("%.2f ms", r.cpuMillisPerReconcile()),
          ratio(r.cpuMillisPerReconcile(), first.cpuMillisPerReconcile()), format("%.1f ms", r.cpuMillisPerChange()),
          ratio(r.cpuMillisPerChange(), first.cpuMillisPerChange()), format("%.2f", r.apiRequestsPerReconcile()),
          format("%.2f", r.writesPerStep()), format("%.1f MiB", r.heapAfterGcBytes() / 1048576.0), r.threads(),
          seconds(r.millis()));
    }
    return t.append("\nTwo steps per change, the first soaking " + (runs.isEmpty() ? "" : runs.stream()
        .map(r -> Durations.format(r.soak())).distinct().collect(Collectors.joining(" / "))) + " (at least until"
        + " every change was created, so the second steps come due at the creation rate). Step lag: the second step,"
        + " from the first's `startedAt` + soak to the ConfigMap write at the watch. CPU: the operator's `process_cpu_seconds_total` over the whole run (creation"
        + " to the last Succeeded, everything it did); heap: after `jcmd GC.run` with every change still there.\n")
        .toString();
  }

  static String writes(List<Figures> runs) {
    StringBuilder t = header("run", "API writes per step", "÷ " + ScaleBed.MINIMUM_WRITES_PER_STEP,
        "per step, by resource and verb", "ConfigMap GETs per reconcile", "Lease writes per minute",
        "operator's writes per change before the opening");
    for (Figures f : runs) {
      row(t, f.run().label(), format("%.2f", f.writesPerStepTotal()),
          format("%.2f", f.writesPerStepTotal() / ScaleBed.MINIMUM_WRITES_PER_STEP), breakdown(f.writesPerStep()),
          format("%.2f", f.configMapGetsPerReconcile()), format("%.1f", f.leaseWritesPerMinute()),
          breakdown(f.writesPerChangeBeforeOpening()));
    }
    return t.append("\nCounted by the kube-apiserver (`apiserver_request_total`) from just before the opening"
        + " until every change Succeeded and the writes stopped, over 5 steps per change; before the opening:"
        + " the finalizer and the Pending (OutsideWindow) status and Event of the benchmark's window. Lease: the"
        + " operator's leader-election Lease, watched.\n").toString();
  }

  static String analysis(List<Figures> runs) {
    StringBuilder t = header("run", "changes", "distinct queries", "Prometheus queries per round",
        "÷ distinct", "per round while soaking", "÷ distinct", "status writes per change per hour while soaking");
    for (Figures f : runs) {
      if (f.queries().isEmpty()) {
        continue;
      }
      ScaleBed.Queries q = f.queries().get();
      row(t, f.run().label(), f.run().changes(), q.distinct(), format("%.2f", q.perRoundRun()),
          format("%.2f", q.perRoundRun() / q.distinct()), q.perRoundSoak().isPresent()
              ? format("%.2f", q.perRoundSoak().getAsDouble()) : "—",
          q.perRoundSoak().isPresent() ? format("%.2f", q.perRoundSoak().getAsDouble() / q.distinct()) : "—",
          f.statusWritesPerChangePerHour().isPresent()
              ? format("%.1f", f.statusWritesPerChangePerHour().getAsDouble()) : "—");
    }
    return t.append("\nQueries: Prometheus' own `prometheus_http_requests_total{handler=\"/api/v1/query\"}`, per"
        + " round of measurement (each change measures once an interval, all at about the same time): over the run"
        + " (from the opening until every change Succeeded) and over whole rounds while every change soaks step 3;"
        + " one query per distinct query and round is the goal. Status writes: `scalingchanges/status` writes"
        + " over those whole rounds of the soak (a heartbeat slower than about half the soak is not seen).\n")
        .toString();
  }

  static String cost(List<Figures> runs) {
    StringBuilder t = header("run", "changes", "namespaces", "reconciles", "per change", "operator CPU per reconcile",
        "mean reconcile (wall)", "API requests per reconcile", "CPU per reconcile ÷ first run's");
    double reference = runs.isEmpty() ? 0 : runs.get(0).cost().cpuMillisPerReconcile();
    for (Figures f : runs) {
      ScaleBed.Cost c = f.cost();
      row(t, f.run().label(), f.run().changes(), f.run().namespaces(), c.reconciles(),
          format("%.1f", c.reconciles() / (double) f.run().changes()), format("%.2f ms", c.cpuMillisPerReconcile()),
          format("%.2f ms", c.meanReconcileMillis()), format("%.2f", c.apiRequestsPerReconcile()),
          ratio(c.cpuMillisPerReconcile(), reference));
    }
    return t.append("\nCPU: the operator process's `process_cpu_seconds_total` (everything it did, informers and"
        + " Lease included) over its reconciles (`flagramp_reconcile_duration_seconds_count`); API requests: GETs and"
        + " writes of ConfigMaps, ScalingChanges and Events counted by the kube-apiserver.\n").toString();
  }

  private static String breakdown(Map<String, Double> perStep) {
    return perStep.entrySet().stream().map(e -> e.getKey() + " " + format("%.2f", e.getValue()))
        .collect(Collectors.joining(", "));
  }

  private static StringBuilder header(String... columns) {
    StringBuilder t = new StringBuilder("| " + String.join(" | ", columns) + " |\n|");
    t.append("---|".repeat(columns.length)).append('\n');
    return t;
  }

  private static void row(StringBuilder t, Object... cells) {
    t.append("| ").append(Arrays.stream(cells).map(String::valueOf).collect(Collectors.joining(" | ")))
        .append(" |\n");
  }

  private static String seconds(long millis) {
    return format("%.2f s", millis / 1000.0);
  }

  private static String ratio(double value, double reference) {
    return reference <= 0 ? "—" : format("%.2f", value / reference);
  }

  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
