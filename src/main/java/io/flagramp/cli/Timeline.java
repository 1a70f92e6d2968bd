package io.flagramp.cli;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.core.Durations;
import io.flagramp.core.Measurement;
import io.flagramp.core.Plan;
import io.flagramp.core.PlannerSettings;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.Clients;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/**
 * What a ScalingChange would do, step by step, with the times: the operator's own reconcile
 * ({@link Simulation}) on a simulated clock against an in-memory ConfigMap, with metrics that pass,
 * restart targets that roll out in 5 simulated seconds, and every approval given the moment it is
 * asked for. Deploy windows apply as they would: a step due outside them waits for the next opening.
 */
final class Timeline {

  /** Measurement rounds a simulation may take before the analysis interval is stretched to fit (~5 s). */
  static final long MAX_ROUNDS = 10_000;
  /** Reconciles before giving up on a change that does not finish. */
  private static final int MAX_RECONCILES = 200_000;
  private static final Duration HORIZON = Duration.ofDays(400);

  /** A line of the timeline: when, and what happened. */
  record Entry(Instant at, String what) {}

  /** The timeline, and what to know about how it was made. */
  record Result(Instant start, List<Entry> entries, List<String> notes) {}

  private Timeline() {}

  static Result simulate(ScalingChange change, Instant start) {
    return simulate(change, start, MAX_ROUNDS);
  }

  /** With at most {@code maxRounds} measurement rounds (see {@link #stretchInterval}). */
  static Result simulate(ScalingChange change, Instant start, long maxRounds) {
    List<String> notes = new ArrayList<>();
    ScalingChange copy = copy(change, start);
    ScalingChangeSpec spec = copy.getSpec();
    stretchInterval(spec, maxRounds, notes);
    // No other writer in memory: no resync is needed, and a long one saves reconciles.
    PlannerSettings settings = new PlannerSettings(Duration.ofDays(1), Duration.ofMinutes(1), 20, true);
    Simulation sim = new Simulation(settings, copy, start);
    spec.targets().forEach(t -> sim.workload(t.getKind(), t.getName()));
    if (!spec.targets().isEmpty()) {
      notes.add("restart targets are taken to roll out in 5s; in a cluster each step's soak starts once they have");
    }
    sim.metrics = (name, promql) -> passing(spec.getAnalysis(), name);

    List<Entry> entries = new ArrayList<>();
    String name = change.getMetadata().getName();
    for (int i = 0; i < MAX_RECONCILES; i++) {
      Plan plan = sim.reconcile();
      ScalingChangeStatus s = sim.change.getStatus();
      if (plan.notice().isPresent()) {
        describe(spec, s, name).ifPresent(what -> entries.add(new Entry(sim.now(), what)));
      }
      Phase phase = s == null ? null : s.getPhase();
      if (phase == Phase.AwaitingApproval) {
        sim.annotateAs(Annotations.APPROVE, "lint " + s.getCurrentWeight(), Kube.FIELD_MANAGER);
        continue;
      }
      if (phase != null && (phase.isTerminal() || phase == Phase.Held || phase == Phase.Invalid)) {
        return new Result(start, entries, notes);
      }
      if (plan.requeueAfter().isEmpty() || Duration.between(start, sim.now()).compareTo(HORIZON) > 0) {
        break;
      }
      sim.advance(plan.requeueAfter().get());
    }
    ScalingChangeStatus s = sim.change.getStatus();
    notes.add("not finished after " + Times.offset(Duration.between(start, sim.now())).substring(1)
        + " of simulated time: " + (s == null ? "no status" : s.getPhase() + " (" + s.getReason() + "): "
        + s.getLastDecision()));
    return new Result(start, entries, notes);
  }

  /** One line for a transition worth showing; the rest (each analysis round, a rollout's progress) is left out. */
  private static Optional<String> describe(ScalingChangeSpec spec, ScalingChangeStatus s, String name) {
    Reason reason = s.getReason();
    if (reason == null) {
      return Optional.empty();
    }
    // By phase where the phase says it all, so that a reason added later is shown by its phase.
    Phase phase = s.getPhase();
    if (reason == Reason.StepEntered) {
      int index = s.getCurrentStep();
      Step step = spec.getSteps().get(index);
      String soak = step.getPause() == null ? "" : ", soak " + step.getPause();
      String approved = step.manual() ? ", approved" : "";
      return Optional.of(String.format("weight %-4d step %d/%d%s%s", s.getCurrentWeight(), index + 1,
          spec.getSteps().size(), soak, approved));
    }
    if (reason == Reason.OutsideWindow) {
      Instant opening = Times.parse(s.getNextStepAt());
      ZoneId zone = ZoneId.of(spec.getWindows().getTimeZone());
      return Optional.of("next step due outside the deploy windows: waits until "
          + (opening == null ? "the next opening" : Times.full(opening, zone)));
    }
    return switch (phase) {
      // Once approved, it awaits nothing more: the acknowledgement is not a new wait.
      case AwaitingApproval -> s.getApproval() != null ? Optional.empty()
          : Optional.of("waits for approval (kubectl flagramp approve " + name + "); taken as given at once here");
      case Baking -> reason == Reason.Baking ? Optional.of("baking " + spec.getBake()) : Optional.empty();
      case Succeeded -> Optional.of("Succeeded");
      case Paused -> Optional.of("Paused: spec.suspend is true, nothing advances until it is false");
      case Held, RolledBack, Invalid -> Optional.of(phase + " (" + reason + "): " + s.getLastDecision());
      case Pending, Progressing -> Optional.empty();
    };
  }

  /** A value each metric passes with, the same every time (so also against its baseline). */
  private static Measurement passing(Analysis analysis, String name) {
    if (name.equals("minSamples")) {
      return new Measurement.Value(analysis.getMinSamples().getMin());
    }
    // A cohort metric's queries: plenty of requests and no errors in each cohort, the same value in both.
    if (name.endsWith("-requests")) {
      return new Measurement.Value(1_000_000);
    }
    if (name.endsWith("-errors")) {
      return new Measurement.Value(0);
    }
    if (name.endsWith("#on") || name.endsWith("#off")) {
      return new Measurement.Value(1.0);
    }
    MetricCheck check = analysis.getMetrics().stream().filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no metric " + name));
    if (check.getMin() != null && check.getMax() != null) {
      return new Measurement.Value((check.getMin() + check.getMax()) / 2);
    }
    if (check.getMax() != null) {
      return new Measurement.Value(check.getMax());
    }
    return new Measurement.Value(check.getMin() != null ? check.getMin() : 1.0);
  }

  /**
   * Each analysis round is a reconcile; a short interval under days of soaks would take minutes to
   * simulate. Past {@code maxRounds} rounds the interval is stretched, and the note says by how much
   * the times may be late.
   */
  private static void stretchInterval(ScalingChangeSpec spec, long maxRounds, List<String> notes) {
    Analysis analysis = spec.getAnalysis();
    if (analysis == null) {
      return;
    }
    Duration total = spec.getBake() == null ? Duration.ZERO : Durations.parse(spec.getBake());
    for (Step step : spec.getSteps()) {
      total = total.plus(step.getPause() == null ? Duration.ZERO : Durations.parse(step.getPause()));
    }
    Duration interval = analysis.getInterval() == null ? Duration.ofMinutes(1) : Durations.parse(analysis.getInterval());
    if (total.dividedBy(interval) <= maxRounds) {
      return;
    }
    long seconds = (total.toSeconds() + maxRounds - 1) / maxRounds;
    Duration stretched = Duration.ofSeconds(seconds > 60 ? (seconds + 59) / 60 * 60 : seconds);
    analysis.setInterval(Durations.format(stretched));
    notes.add("metrics are measured every " + Durations.format(stretched) + " here instead of every "
        + Durations.format(interval) + ", to keep the simulation short: each step may come up to "
        + Durations.format(stretched) + " earlier than shown");
  }

  /** A fresh object with the same spec, as if just created: no status, no on-call annotations. */
  private static ScalingChange copy(ScalingChange change, Instant start) {
    var json = Clients.serialization();
    ScalingChange copy = json.unmarshal(json.asJson(change), ScalingChange.class);
    copy.getSpec().unreadable(change.getSpec().unreadable());
    copy.setStatus(null);
    copy.getMetadata().setNamespace(Simulation.NAMESPACE);
    copy.getMetadata().setGeneration(1L);
    copy.getMetadata().setCreationTimestamp(start.toString());
    copy.getMetadata().setAnnotations(new HashMap<>());
    copy.getMetadata().setManagedFields(null);
    copy.getMetadata().setResourceVersion(null);
    copy.getMetadata().setUid(null);
    if (copy.getMetadata().getName() == null) {
      copy.getMetadata().setName("unnamed");
    }
    return copy;
  }

  /** The timeline as lines: offset from the start, the time in {@code zone}, what happens. */
  static List<String> render(Result result, ZoneId zone) {
    List<String> lines = new ArrayList<>();
    Instant end = result.entries().isEmpty() ? result.start() : result.entries().get(result.entries().size() - 1).at();
    boolean withinAWeek = Duration.between(result.start(), end).compareTo(Duration.ofDays(6)) < 0;
    for (Entry e : result.entries()) {
      String at = withinAWeek ? Times.dayTime(e.at(), zone) : Times.dayDateTime(e.at(), zone);
      lines.add(StatusScreen.pad(Times.offset(Duration.between(result.start(), e.at())), 12)
          + StatusScreen.pad(at, at.length() + 2) + e.what());
    }
    return lines;
  }
}
