package io.flagramp.core;

import io.flagramp.analysis.CohortJudge;
import io.flagramp.analysis.MetricJudge;
import io.flagramp.analysis.Round;
import io.flagramp.analysis.ThresholdJudge;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.api.v1alpha1.ProviderErrorAction;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.UndecidedAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The analysis side of the planner, pure: what to measure and when, how a round of measurements
 * changes status.metrics, and whether a step may pass. The {@link Planner} decides what follows.
 */
final class Analyzer {

  /** The samples gate's entry in status.metrics; metric names are lower case, so it cannot clash. */
  static final String SAMPLES = "minSamples";

  private final Analysis analysis;
  private final Duration interval;
  private final int errorLimit;
  private final ProviderErrorAction onProviderError;
  private final OnNoData onNoData;
  /** One judge per metric, in the spec's order. */
  private final List<MetricJudge> judges;

  private Analyzer(Analysis analysis) {
    this.analysis = analysis;
    this.interval = analysis.getInterval() == null ? Duration.ofMinutes(1) : Durations.parse(analysis.getInterval());
    this.errorLimit = analysis.getOnProviderError() == null || analysis.getOnProviderError().getConsecutiveErrorLimit() == null
        ? 5 : analysis.getOnProviderError().getConsecutiveErrorLimit();
    this.onProviderError = analysis.getOnProviderError() == null || analysis.getOnProviderError().getAction() == null
        ? ProviderErrorAction.Hold : analysis.getOnProviderError().getAction();
    this.onNoData = analysis.getOnNoData() == null ? OnNoData.Hold : analysis.getOnNoData();
    this.judges = analysis.getMetrics().stream().map(m -> m.getCohort() != null
        ? (MetricJudge) new CohortJudge(m, analysis.cohortsOrDefault()) : new ThresholdJudge(m)).toList();
  }

  /** The metrics judged against bounds (and a baseline), not by cohort. */
  private List<MetricCheck> thresholds() {
    return analysis.getMetrics().stream().filter(m -> m.getCohort() == null).toList();
  }

  /** Whether a metric is judged by its cohorts. */
  boolean hasCohorts() {
    return analysis.getMetrics().stream().anyMatch(m -> m.getCohort() != null);
  }

  /**
   * The round of a step at {@code at}: the stage it judges, and the most it can last ({@code planned}:
   * its pause and the longest extension an undecided cohort metric may have).
   */
  Round round(ScalingChangeStatus status, Instant at, int weight, Duration planned) {
    return new Round(stageStart(status), at, interval, weight, Optional.empty(), onNoData, errorLimit, planned);
  }

  static Optional<Analyzer> of(Analysis analysis) {
    return Optional.ofNullable(analysis).map(Analyzer::new);
  }

  Duration interval() {
    return interval;
  }

  /**
   * How long past its pause (or bake) a stage may soak while a cohort metric is undecided: extendBy,
   * or the stage's own length, with action Extend; none otherwise, or without cohort metrics.
   */
  Duration extension(Duration stage) {
    if (!hasCohorts()) {
      return Duration.ZERO;
    }
    var undecided = analysis.cohortsOrDefault().getUndecided();
    if (undecided != null && undecided.actionOrDefault() != UndecidedAction.Extend) {
      return Duration.ZERO;
    }
    return undecided == null || undecided.getExtendBy() == null ? stage : Durations.parse(undecided.getExtendBy());
  }

  /** What an undecided step does once its extension (if any) is over. */
  UndecidedAction onUndecided() {
    var undecided = analysis.cohortsOrDefault().getUndecided();
    return undecided == null ? UndecidedAction.Extend : undecided.actionOrDefault();
  }

  ProviderErrorAction onProviderError() {
    return onProviderError;
  }

  // ---- baseline ----

  /** Before the first step of an attempt: the baseline has not been taken yet. */
  boolean needsBaseline(ScalingChangeStatus status) {
    return analysis.getBaseline() != null && status.getBaselineAt() == null;
  }

  /**
   * Mid-rollout: the maxIncrease metrics whose baseline is missing or was measured with another query
   * or window (the spec was edited). They are measured again at {@code status.baselineAt}.
   */
  List<MetricCheck> staleBaselines(ScalingChangeStatus status) {
    if (analysis.getBaseline() == null || status.getBaselineAt() == null) {
      return List.of();
    }
    Map<String, String> basis = status.getBaselineBasis() == null ? Map.of() : status.getBaselineBasis();
    return thresholds().stream()
        .filter(m -> m.getMaxIncrease() != null && !basis(m).equals(basis.get(m.getName())))
        .toList();
  }

  /** The query and window a baseline was measured with, as a short fingerprint. */
  String basis(MetricCheck m) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(
          (analysis.getBaseline().getWindow() + "\u0000" + m.getQuery()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Each metric averaged over the baseline window ending at {@code at} (now, when empty):
   * avg_over_time((q)[window:resolution]).
   */
  MeasurementRequest baselineRequest(List<MetricCheck> metrics, Optional<Instant> at) {
    Duration window = Durations.parse(analysis.getBaseline().getWindow());
    Duration resolution = window.dividedBy(10).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
        : window.dividedBy(10).withNanos(0);
    Map<String, String> queries = new LinkedHashMap<>();
    for (MetricCheck m : metrics) {
      queries.put(m.getName(), "avg_over_time((" + m.getQuery() + ")[" + Durations.format(window) + ":"
          + Durations.format(resolution) + "])");
    }
    return new MeasurementRequest(MeasurementRequest.Kind.BASELINE, queries, Optional.empty(), interval, at,
        Optional.empty());
  }

  MeasurementRequest baselineRequest() {
    return baselineRequest(thresholds(), Optional.empty());
  }

  /**
   * Records a baseline round before the first step. Values are kept. A metric without data is left
   * out, unless it needs a baseline for maxIncrease: then nothing is recorded and the baseline is
   * measured again next interval (with onNoData: Fail the change fails, before any write). A provider
   * failure likewise keeps the whole baseline from being recorded, counted toward the breaker.
   */
  Outcome recordBaseline(ScalingChangeStatus status, Measurements answers) {
    Instant now = answers.at();
    List<MetricStatus> metrics = new ArrayList<>();
    Map<String, String> baseline = new LinkedHashMap<>();
    Map<String, String> basis = new LinkedHashMap<>();
    Optional<MetricStatus> down = Optional.empty();
    Optional<MetricStatus> failing = Optional.empty();
    Optional<String> missing = Optional.empty();
    for (MetricCheck m : thresholds()) {
      Measurement answer = answers.byMetric().get(m.getName());
      MetricStatus previous = metric(status, m.getName());
      if (answer instanceof Measurement.NoData n && m.getMaxIncrease() != null) {
        missing = missing.or(() -> Optional.of("baseline " + m.getName() + ": no data (" + n.why() + "), needed for"
            + " maxIncrease"));
      }
      if (answer instanceof Measurement.Failed) {
        MetricStatus next = ThresholdJudge.judge(m, Optional.empty(), previous, answer, onNoData, errorLimit, 0, now);
        next.setMessage("baseline " + next.getMessage().replace(" at weight 0", ""));
        metrics.add(next);
        failing = failing.or(() -> Optional.of(next));
        if (next.getConsecutiveErrors() >= errorLimit) {
          down = down.or(() -> Optional.of(next));
        }
      } else {
        if (answer instanceof Measurement.Value v) {
          baseline.put(m.getName(), Numbers.format(v.value()));
          basis.put(m.getName(), basis(m));
        }
        if (previous != null) {
          metrics.add(previous);
        }
      }
    }
    status.setMetrics(metrics.isEmpty() ? null : metrics);
    if (down.isPresent()) {
      return new Outcome(Outcome.Kind.PROVIDER_DOWN, down.get().getMessage(), cause(answers, down.get().getName()));
    }
    if (failing.isPresent()) {
      return new Outcome(Outcome.Kind.WAIT, failing.get().getMessage(), cause(answers, failing.get().getName()));
    }
    if (missing.isPresent()) {
      return new Outcome(onNoData == OnNoData.Fail ? Outcome.Kind.FAILED : Outcome.Kind.WAIT, missing.get());
    }
    status.setBaseline(baseline);
    status.setBaselineBasis(basis);
    status.setBaselineAt(Timestamps.format(now));
    String recorded = thresholds().stream()
        .map(m -> m.getName() + " " + baseline.getOrDefault(m.getName(), "no data"))
        .collect(Collectors.joining(", "));
    return new Outcome(Outcome.Kind.OK, "baseline over " + analysis.getBaseline().getWindow() + ": " + recorded);
  }

  /**
   * Records a baseline measured again mid-rollout (at status.baselineAt) for metrics whose query or
   * window changed. A metric with no data there has none (it judges as no data, "no baseline to
   * compare with", until its query changes again); a failed query is asked again next round.
   */
  void recordRebaseline(ScalingChangeStatus status, Measurements answers) {
    Map<String, String> baseline = status.getBaseline() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(status.getBaseline());
    Map<String, String> basis = status.getBaselineBasis() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(status.getBaselineBasis());
    for (MetricCheck m : thresholds()) {
      Measurement answer = answers.byMetric().get(m.getName());
      if (answer instanceof Measurement.Value v) {
        baseline.put(m.getName(), Numbers.format(v.value()));
        basis.put(m.getName(), basis(m));
      } else if (answer instanceof Measurement.NoData) {
        baseline.remove(m.getName());
        basis.put(m.getName(), basis(m));
      }
    }
    status.setBaseline(baseline);
    status.setBaselineBasis(basis);
  }

  /** The metric's baseline, if it was measured with the metric's current query and window. */
  Optional<Double> baselineOf(ScalingChangeStatus status, MetricCheck m) {
    if (status.getBaseline() == null || !status.getBaseline().containsKey(m.getName())) {
      return Optional.empty();
    }
    String recorded = status.getBaselineBasis() == null ? null : status.getBaselineBasis().get(m.getName());
    if (analysis.getBaseline() == null || !basis(m).equals(recorded)) {
      return Optional.empty();
    }
    return Optional.of(Double.parseDouble(status.getBaseline().get(m.getName())));
  }

  // ---- measuring a step ----

  /** What a step's round asks: every judge's queries (a cohort metric's range runs to {@code round.at()}). */
  MeasurementRequest stepRequest(Round round) {
    Map<String, String> queries = new LinkedHashMap<>();
    java.util.Set<String> unshared = new java.util.HashSet<>();
    for (MetricJudge j : judges) {
      queries.putAll(j.queries(round));
      unshared.addAll(j.unshared(round));
    }
    return new MeasurementRequest(MeasurementRequest.Kind.STEP, queries,
        Optional.ofNullable(analysis.getMinSamples()).map(s -> s.getQuery()), interval).unshared(unshared);
  }

  /** When the stage being measured started: the bake, or else the current step's soak. */
  Instant stageStart(ScalingChangeStatus status) {
    Instant step = Timestamps.parse(status.getStepStartedAt());
    if (status.getBakeStartedAt() == null) {
      return step;
    }
    Instant bake = Timestamps.parse(status.getBakeStartedAt());
    return bake.isAfter(step) ? bake : step;
  }

  /**
   * On a fixed grid from when the step was entered: its first measurement one interval after, then
   * one every interval while it soaks, holds and bakes. A late measurement does not shift the grid, so
   * none comes later than one interval plus the reconcile's own time after the one before.
   */
  Instant nextMeasurement(ScalingChangeStatus status) {
    Instant start = Timestamps.parse(status.getStepStartedAt());
    Instant last = null;
    if (status.getMetrics() != null) {
      for (MetricStatus m : status.getMetrics()) {
        Instant at = m.getMeasuredAt() == null ? null : Timestamps.parse(m.getMeasuredAt());
        if (at != null && !at.isBefore(start) && (last == null || at.isAfter(last))) {
          last = at;
        }
      }
    }
    if (last == null) {
      return start.plus(interval);
    }
    long intervals = Duration.between(start, last).toMillis() / interval.toMillis() + 1;
    return start.plus(interval.multipliedBy(intervals));
  }

  /**
   * Judges a round of step measurements into status.metrics, each metric by its judge; says if the
   * change failed (a threshold breached, or a cohort worse than allowed) or the breaker tripped.
   */
  Outcome judgeStep(ScalingChangeStatus status, Measurements answers, Round asked) {
    Instant now = answers.at();
    Round round = asked.at(now);
    List<MetricStatus> next = new ArrayList<>();
    Optional<MetricStatus> breached = Optional.empty();
    Optional<MetricStatus> down = Optional.empty();
    int weight = round.weight();
    for (int i = 0; i < judges.size(); i++) {
      MetricCheck m = analysis.getMetrics().get(i);
      MetricJudge judge = judges.get(i);
      MetricStatus judged = judge.judge(metric(status, m.getName()), answers.byMetric(),
          round.withBaseline(baselineOf(status, m)));
      next.add(judged);
      if (judge.breached(judged)) {
        breached = breached.or(() -> Optional.of(judged));
      }
      if (judged.getConsecutiveErrors() >= errorLimit) {
        down = down.or(() -> Optional.of(judged));
      }
    }
    if (analysis.getMinSamples() != null && answers.samples().isPresent()) {
      MetricStatus samples = ThresholdJudge.judgeSamples(SAMPLES, analysis.getMinSamples().getMin(), metric(status, SAMPLES),
          answers.samples().get(), errorLimit, weight, now);
      next.add(samples);
      if (samples.getConsecutiveErrors() >= errorLimit) {
        down = down.or(() -> Optional.of(samples));
      }
    }
    status.setMetrics(next);
    if (breached.isPresent()) {
      return new Outcome(Outcome.Kind.FAILED, breached.get().getMessage(), breached.get().getCohort() != null
          ? Reason.CohortWorse : Reason.ThresholdBreached);
    }
    if (down.isPresent()) {
      return new Outcome(Outcome.Kind.PROVIDER_DOWN, down.get().getMessage(), cause(answers, down.get().getName(),
          round));
    }
    return firstFailedQuery(next).map(failed -> {
      Measurement.Failed f = failure(answers, failed.getName(), round);
      // Without the count, so the same failure again is no new decision (and no new Event).
      return new Outcome(Outcome.Kind.ERRORING, failed.getName() + ": " + f.why()
          + (f.queryInvalid() ? ", the query is wrong" : "") + "; asking again every " + Durations.format(interval)
          + ", " + (onProviderError == ProviderErrorAction.Hold ? "holding" : "failing") + " after " + errorLimit
          + " failures in a row", cause(answers, failed.getName(), round));
    }).orElseGet(() -> new Outcome(Outcome.Kind.OK, ""));
  }

  /** The first metric of the round whose query failed. */
  private static Optional<MetricStatus> firstFailedQuery(List<MetricStatus> judged) {
    return judged.stream().filter(m -> m.getResult() == MetricResult.Error).findFirst();
  }

  /** The failed query of a metric in this round (of any of a cohort metric's queries). */
  private Measurement.Failed failure(Measurements answers, String metric, Round round) {
    if (SAMPLES.equals(metric)) {
      return answers.samples().orElse(null) instanceof Measurement.Failed f ? f : new Measurement.Failed("query failed");
    }
    return judges.stream().filter(j -> j.name().equals(metric)).findFirst()
        .flatMap(j -> j.failure(answers.byMetric(), round))
        .orElseGet(() -> answers.byMetric().get(metric) instanceof Measurement.Failed f ? f
            : new Measurement.Failed("query failed"));
  }

  /** Why a metric's query failed: QueryInvalid when Prometheus said the query is wrong, else MetricsUnavailable. */
  private Reason cause(Measurements answers, String metric, Round round) {
    return failure(answers, metric, round).queryInvalid() ? Reason.QueryInvalid : Reason.MetricsUnavailable;
  }

  /** The baseline's failed query of a metric: baselines are of threshold metrics, one query each. */
  private static Reason cause(Measurements answers, String metric) {
    Measurement m = answers.byMetric().get(metric);
    return m instanceof Measurement.Failed f && f.queryInvalid() ? Reason.QueryInvalid : Reason.MetricsUnavailable;
  }

  /**
   * Whether the step may pass: every metric passed during it and passes now, and there is enough
   * traffic. Otherwise the first reason it may not, and whether that reason is missing data.
   */
  Gate gate(ScalingChangeStatus status) {
    for (MetricJudge j : judges) {
      MetricStatus s = metric(status, j.name());
      if (s == null || s.getResult() == null || s.getMeasuredAt() == null
          || Timestamps.parse(s.getMeasuredAt()).isBefore(Timestamps.parse(status.getStepStartedAt()))) {
        return new Gate(false, false, j.name() + ": not measured yet in this step");
      }
      Optional<MetricJudge.Blocked> blocked = j.blocks(s);
      if (blocked.isPresent()) {
        MetricJudge.Blocked b = blocked.get();
        return new Gate(false, b.noData(), b.providerError(), b.undecided(), b.line());
      }
    }
    if (analysis.getMinSamples() != null) {
      MetricStatus samples = metric(status, SAMPLES);
      if (samples == null || samples.getResult() != MetricResult.Pass) {
        return new Gate(false, false, samples == null ? "minSamples: not measured yet" : samples.getMessage());
      }
    }
    String passed = analysis.getMetrics().stream().map(m -> metric(status, m.getName()).getMessage())
        .collect(Collectors.joining("; "));
    return new Gate(true, false, passed);
  }

  /** A new step (or the bake) is judged afresh: it must pass on its own measurements. */
  void startOver(ScalingChangeStatus status) {
    if (status.getMetrics() != null) {
      for (MetricStatus m : status.getMetrics()) {
        m.setPasses(0);
        m.setConsecutiveFailures(0);
      }
    }
  }

  static MetricStatus metric(ScalingChangeStatus status, String name) {
    if (status.getMetrics() == null) {
      return null;
    }
    return status.getMetrics().stream().filter(m -> name.equals(m.getName())).findFirst().orElse(null);
  }

  /** What a round of measurements means for the change. */
  record Outcome(Kind kind, String line, Reason cause) {

    Outcome(Kind kind, String line) {
      this(kind, line, Reason.MetricsUnavailable);
    }

    enum Kind {
      OK,
      /** A query failed, the breaker has not tripped yet. */
      ERRORING,
      WAIT,
      FAILED,
      PROVIDER_DOWN
    }
  }

  /** Whether a step may pass, and if not why; {@code undecided}: a cohort metric has no verdict yet. */
  record Gate(boolean passing, boolean noData, boolean providerError, boolean undecided, String line) {

    Gate(boolean passing, boolean noData, String line) {
      this(passing, noData, false, false, line);
    }
  }
}
