package io.flagramp.analysis;

import io.flagramp.analysis.cohort.CohortCounts;
import io.flagramp.analysis.cohort.CohortJudgement;
import io.flagramp.analysis.cohort.ContinuousCheck;
import io.flagramp.analysis.cohort.ContinuousJudge;
import io.flagramp.analysis.cohort.ContinuousJudgement;
import io.flagramp.analysis.cohort.RatesCheck;
import io.flagramp.analysis.cohort.RatesJudge;
import io.flagramp.analysis.cohort.RatesJudgement;
import io.flagramp.api.v1alpha1.CohortMetric;
import io.flagramp.api.v1alpha1.CohortStatus;
import io.flagramp.api.v1alpha1.Cohorts;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.core.Measurement;
import io.flagramp.core.Numbers;
import io.flagramp.core.Timestamps;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Judges a metric by its cohorts: flag-on traffic against flag-off traffic over the same minutes, with
 * the sequential statistics of {@link io.flagramp.analysis.cohort}, so that a look every interval keeps
 * the stated confidence.
 *
 * <ul>
 *   <li>A rate asks, each round, both cohorts' errors and requests counted since the stage began
 *       ({@code $range}); nothing is carried between rounds but the stage's start.
 *   <li>A continuous value asks both cohorts' value now, and keeps the stage's values in its status,
 *       one per interval, which the rank test reads again at each look.
 * </ul>
 *
 * At weight 100 there is no flag-off cohort: the metric passes, saying so; the steps below it judged.
 *
 * <p>A Fail reverts at once: it is a verdict at the stated confidence over all of the step's looks, not
 * one bad measurement, so failureLimit does not apply. A step passes on the metric only with a Pass;
 * an Undecided one keeps it soaking (what happens past its pause is spec.analysis.cohorts.undecided).
 */
public final class CohortJudge implements MetricJudge {

  /** Separates a metric's name from the part of its query key that names the cohort; names hold no '#'. */
  static final char KEY = '#';
  private static final MathContext KEPT = new MathContext(6);

  private final MetricCheck check;
  private final CohortMetric cohort;
  private final Cohorts cohorts;

  public CohortJudge(MetricCheck check, Cohorts cohorts) {
    this.check = check;
    this.cohort = check.getCohort();
    this.cohorts = cohorts;
  }

  @Override
  public String name() {
    return check.getName();
  }

  /** {@code promql} for one cohort: {@code $cohort} its matcher, {@code $range} the stage so far. */
  static String expand(String promql, String label, String value, Round round) {
    return promql.replace("$cohort", label + "=\"" + value + "\"")
        .replace("$range", round.sinceStageStart().toSeconds() + "s");
  }

  @Override
  public Map<String, String> queries(Round round) {
    Map<String, String> q = new LinkedHashMap<>();
    String label = cohorts.labelOrDefault();
    for (String side : List.of("on", "off")) {
      String value = side.equals("on") ? cohorts.onOrDefault() : cohorts.offOrDefault();
      if (cohort.isRate()) {
        q.put(name() + KEY + side + "-errors", expand(cohort.getErrors(), label, value, round));
        q.put(name() + KEY + side + "-requests", expand(cohort.getRequests(), label, value, round));
      } else {
        q.put(name() + KEY + side, expand(cohort.getValue(), label, value, round));
      }
    }
    return q;
  }

  /**
   * A continuous metric's values: each look's is a sample of the rank test, so an answer evaluated for
   * the previous look (shared within an interval) would be counted twice. A rate's range grows each
   * round, so its queries are never the same PromQL twice anyway.
   */
  @Override
  public Set<String> unshared(Round round) {
    return cohort.isRate() ? Set.of() : Set.of(name() + KEY + "on", name() + KEY + "off");
  }

  @Override
  public MetricStatus judge(MetricStatus previous, Map<String, Measurement> answers, Round round) {
    MetricStatus next = previous == null ? new MetricStatus(name()) : previous.copy();
    next.setMeasuredAt(Timestamps.format(round.at()));
    String where = " at weight " + round.weight();
    Optional<Measurement.Failed> failed = failure(answers, round);
    if (failed.isPresent()) {
      // Counted toward the breaker like any failed query; the verdict so far stays in status.cohort.
      Measurement.Failed f = failed.get();
      next.setResult(MetricResult.Error);
      next.setConsecutiveErrors(Math.min(next.getConsecutiveErrors() + 1, round.errorLimit()));
      next.setMessage(name() + ": " + f.why() + (f.queryInvalid() ? ", the query is wrong" : "") + " ("
          + next.getConsecutiveErrors() + "/" + round.errorLimit() + ")" + where);
      return next;
    }
    next.setConsecutiveErrors(0);
    if (round.weight() >= 100) {
      // Every user is flag-on: there is no flag-off cohort to compare with, now or ever at this weight, so
      // nothing here can be decided; the steps below judged the flag. Waiting would hold every change.
      next.setCohort(null);
      next.setValue(null);
      next.setResult(MetricResult.Pass);
      next.setConsecutiveFailures(0);
      next.setPasses(next.getPasses() + 1);
      next.setMessage(name() + ": every user is flag-on, no flag-off cohort to compare with" + where);
      return next;
    }
    // What was kept belongs to its stage: one measured before this stage began (an earlier step, or
    // before a hold was resumed) is not this stage's.
    boolean sameStage = previous != null && previous.getCohort() != null && previous.getMeasuredAt() != null
        && !Timestamps.parse(previous.getMeasuredAt()).isBefore(round.stageStart());
    CohortStatus kept = sameStage ? next.getCohort() : new CohortStatus();
    CohortJudgement judgement = cohort.isRate() ? rates(answers, kept) : continuous(answers, kept, round);
    next.setCohort(kept);
    kept.setVerdict(judgement.verdict().name());
    switch (judgement.verdict()) {
      case Fail -> {
        next.setResult(MetricResult.Fail);
        next.setConsecutiveFailures(1);
      }
      case Pass -> {
        next.setResult(MetricResult.Pass);
        next.setConsecutiveFailures(0);
        next.setPasses(next.getPasses() + 1);
      }
      default -> {
        next.setResult(MetricResult.Undecided);
        next.setConsecutiveFailures(0);
      }
    }
    next.setValue(kept.getOn());
    next.setMessage(judgement.line() + " " + verdictWords(judgement) + where);
    return next;
  }

  private static String verdictWords(CohortJudgement j) {
    return switch (j.verdict()) {
      case Fail -> "fails";
      case Pass -> "passes";
      case Undecided -> "undecided";
    };
  }

  private RatesJudgement rates(Map<String, Measurement> answers, CohortStatus kept) {
    CohortCounts on = counts(answers, "on");
    CohortCounts off = counts(answers, "off");
    Allowance a = Allowance.parse(cohort.getMaxIncrease());
    RatesJudgement j = RatesJudge.judge(name(), on, off, RatesCheck.of(a.relative() ? 0 : a.amount(),
        a.relative() ? a.amount() : 0, cohorts.confidenceOrDefault(), cohorts.minSamplesOrDefault()));
    kept.setOn(on.requests() == 0 ? null : Numbers.format(on.rate()));
    kept.setOff(off.requests() == 0 ? null : Numbers.format(off.rate()));
    kept.setOnSamples(Math.min(on.requests(), CohortStatus.MAX_SAMPLES));
    kept.setOffSamples(Math.min(off.requests(), CohortStatus.MAX_SAMPLES));
    j.comparison().ifPresentOrElse(c -> {
      kept.setDifference(signed(c.difference()));
      kept.setInterval(c.bounded() ? signed(c.lower()) + ".." + signed(c.upper()) : null);
      kept.setAllowed(signed(c.allowed()));
    }, () -> clearComparison(kept));
    return j;
  }

  /** A cohort's counts since the stage began: no series is no traffic (or no errors) yet. */
  private CohortCounts counts(Map<String, Measurement> answers, String side) {
    return CohortCounts.measured(count(answers.get(name() + KEY + side + "-errors")),
        count(answers.get(name() + KEY + side + "-requests")));
  }

  private static double count(Measurement m) {
    return m instanceof Measurement.Value v ? v.value() : 0;
  }

  private ContinuousJudgement continuous(Map<String, Measurement> answers, CohortStatus kept, Round round) {
    double[] on = append(kept.getOnValues(), answers.get(name() + KEY + "on"));
    double[] off = append(kept.getOffValues(), answers.get(name() + KEY + "off"));
    kept.setOnValues(format(on));
    kept.setOffValues(format(off));
    Allowance a = Allowance.parse(cohort.getMaxIncrease());
    int minimum = Math.max(ContinuousCheck.FEWEST_VALUES, cohorts.minValuesOrDefault());
    ContinuousJudgement j = ContinuousJudge.judge(name(), on, off, new ContinuousCheck(a.amount(),
        cohorts.confidenceOrDefault(), minimum, Math.max(minimum, round.plannedLooks())));
    kept.setOn(j.flagOnMedian().isPresent() ? Numbers.format(j.flagOnMedian().getAsDouble()) : null);
    kept.setOff(j.flagOffMedian().isPresent() ? Numbers.format(j.flagOffMedian().getAsDouble()) : null);
    kept.setOnSamples((long) j.flagOnValues());
    kept.setOffSamples((long) j.flagOffValues());
    j.comparison().ifPresentOrElse(c -> {
      kept.setDifference(percent(c.difference()));
      kept.setInterval(c.bounded() ? percent(c.lower()) + ".." + percent(c.upper()) : null);
      kept.setAllowed(percent(c.allowed()));
    }, () -> clearComparison(kept));
    return j;
  }

  private static void clearComparison(CohortStatus kept) {
    kept.setDifference(null);
    kept.setInterval(null);
    kept.setAllowed(null);
  }

  /** The stage's values so far and this round's, at most {@link CohortStatus#MAX_VALUES}. */
  static double[] append(String kept, Measurement now) {
    List<Double> values = new ArrayList<>(parse(kept));
    if (values.size() < CohortStatus.MAX_VALUES) {
      values.add(now instanceof Measurement.Value v ? v.value() : Double.NaN);
    }
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static List<Double> parse(String kept) {
    if (kept == null || kept.isBlank()) {
      return List.of();
    }
    return Arrays.stream(kept.trim().split(" +")).map(v -> {
      try {
        return v.equals("-") ? Double.NaN : Double.parseDouble(v);
      } catch (NumberFormatException e) {
        return Double.NaN;  // written by hand: an interval without a value, not a crash
      }
    }).toList();
  }

  static String format(double[] values) {
    StringBuilder s = new StringBuilder();
    for (double v : values) {
      if (!s.isEmpty()) {
        s.append(' ');
      }
      s.append(Double.isFinite(v) ? new BigDecimal(v).round(KEPT).stripTrailingZeros().toString() : "-");
    }
    return s.toString();
  }

  private static String signed(double points) {
    String f = Numbers.format(points);
    return points > 0 ? "+" + f : f;
  }

  private static String percent(double fraction) {
    String f = Numbers.format(fraction * 100) + "%";
    return fraction > 0 ? "+" + f : f;
  }

  @Override
  public boolean breached(MetricStatus status) {
    return status.getResult() == MetricResult.Fail;
  }

  @Override
  public Optional<Blocked> blocks(MetricStatus status) {
    if (status.getResult() == MetricResult.Pass) {
      return Optional.empty();
    }
    return Optional.of(new Blocked(status.getMessage(), false, status.getResult() == MetricResult.Error,
        status.getResult() == MetricResult.Undecided));
  }

  /** A cohort metric's maxIncrease: "0.001" absolute, "50%" relative to flag-off. */
  record Allowance(double amount, boolean relative) {

    static Allowance parse(String maxIncrease) {
      if (maxIncrease == null) {
        return new Allowance(0, false);
      }
      if (maxIncrease.endsWith("%")) {
        return new Allowance(Double.parseDouble(maxIncrease.substring(0, maxIncrease.length() - 1)) / 100, true);
      }
      return new Allowance(Double.parseDouble(maxIncrease), false);
    }
  }
}
