package io.flagramp.analysis;

import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.core.Measurement;
import io.flagramp.core.Numbers;
import io.flagramp.core.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The verdict on one measurement of one metric, as a pure function of the metric's bounds, its
 * baseline, its previous status and the new measurement. The result is Pass, Fail, NoData or Error,
 * with counters and one line that names value, bound and count:
 * {@code error-rate 0.031 > max 0.01 (3/3) at weight 10}.
 *
 * <ul>
 *   <li>A value outside min, max or baseline + maxIncrease fails; a pass resets the failure count.
 *   <li>No data is never a pass: with onNoData Hold it is NoData and leaves the counts alone; with
 *       Fail it counts as a failing measurement.
 *   <li>A provider failure is Error and counts toward the consecutive-error limit; an answer resets it.
 * </ul>
 */
public final class ThresholdJudge implements MetricJudge {

  private final MetricCheck check;

  public ThresholdJudge(MetricCheck check) {
    this.check = check;
  }

  @Override
  public String name() {
    return check.getName();
  }

  @Override
  public Map<String, String> queries(Round round) {
    return Map.of(check.getName(), check.getQuery());
  }

  @Override
  public MetricStatus judge(MetricStatus previous, Map<String, Measurement> answers, Round round) {
    return judge(check, round.baseline(), previous, answers.get(check.getName()), round.onNoData(),
        round.errorLimit(), round.weight(), round.at());
  }

  @Override
  public boolean breached(MetricStatus status) {
    return breached(check, status);
  }

  /** Passed at least once in the step, and passing now. */
  @Override
  public Optional<Blocked> blocks(MetricStatus status) {
    if (status.getResult() != MetricResult.Pass || status.getPasses() < 1) {
      return Optional.of(Blocked.by(status, false));
    }
    return Optional.empty();
  }

  /** One measurement of {@code check} judged against its bounds: the metric's next status. */
  public static MetricStatus judge(MetricCheck check, Optional<Double> baseline, MetricStatus previous,
      Measurement measurement, OnNoData onNoData, int errorLimit, int weight, Instant at) {
    MetricStatus next = previous == null ? new MetricStatus(check.getName()) : previous.copy();
    next.setMeasuredAt(Timestamps.format(at));
    String name = check.getName();
    String where = " at weight " + weight;
    int limit = check.failureLimitOrDefault();
    if (measurement instanceof Measurement.Value v) {
      next.setValue(Numbers.format(v.value()));
      next.setConsecutiveErrors(0);
      if (check.getMaxIncrease() != null && baseline.isEmpty()) {
        return noData(next, name, "no baseline to compare with", onNoData, limit, where);
      }
      Optional<String> breach = breach(check, baseline, v.value());
      if (breach.isPresent()) {
        next.setResult(MetricResult.Fail);
        next.setConsecutiveFailures(Math.min(next.getConsecutiveFailures() + 1, limit));
        next.setMessage(name + " " + Numbers.format(v.value()) + " " + breach.get() + " ("
            + next.getConsecutiveFailures() + "/" + limit + ")" + where);
      } else {
        next.setResult(MetricResult.Pass);
        next.setConsecutiveFailures(0);
        next.setPasses(next.getPasses() + 1);
        next.setMessage(name + " " + Numbers.format(v.value()) + " within " + bounds(check, baseline) + where);
      }
      return next;
    }
    next.setValue(null);
    if (measurement instanceof Measurement.NoData n) {
      next.setConsecutiveErrors(0);
      return noData(next, name, n.why(), onNoData, limit, where);
    }
    return providerError(next, name, (Measurement.Failed) measurement, errorLimit, where);
  }

  /** This metric has failed often enough in a row to fail the change. */
  public static boolean breached(MetricCheck check, MetricStatus status) {
    return status.getResult() == MetricResult.Fail && status.getConsecutiveFailures() >= check.failureLimitOrDefault();
  }

  /** Enough traffic for a step to pass: the samples query against its minimum. */
  public static MetricStatus judgeSamples(String name, double min, MetricStatus previous, Measurement measurement,
      int errorLimit, int weight, Instant at) {
    MetricStatus next = previous == null ? new MetricStatus(name) : previous.copy();
    next.setMeasuredAt(Timestamps.format(at));
    String where = " at weight " + weight;
    if (measurement instanceof Measurement.Failed f) {
      next.setValue(null);
      return providerError(next, name, f, errorLimit, where);
    }
    next.setConsecutiveErrors(0);
    if (measurement instanceof Measurement.Value v && v.value() >= min) {
      next.setValue(Numbers.format(v.value()));
      next.setResult(MetricResult.Pass);
      next.setPasses(next.getPasses() + 1);
      next.setMessage(name + " " + Numbers.format(v.value()) + " >= min " + Numbers.format(min) + where);
      return next;
    }
    // Too little traffic is not a failure of the change: the step just cannot pass yet.
    next.setResult(MetricResult.NoData);
    if (measurement instanceof Measurement.Value v) {
      next.setValue(Numbers.format(v.value()));
      next.setMessage(name + " " + Numbers.format(v.value()) + " < min " + Numbers.format(min)
          + where + ": waiting for traffic");
    } else {
      next.setValue(null);
      next.setMessage(name + ": no data (" + ((Measurement.NoData) measurement).why() + ")" + where);
    }
    return next;
  }

  /** A failed query: Error, one more toward the breaker; the failure counts stay as they were. */
  private static MetricStatus providerError(MetricStatus next, String name, Measurement.Failed f, int errorLimit,
      String where) {
    next.setResult(MetricResult.Error);
    // The count stops at the limit: past it nothing more is decided, and "13/5" reads as a bug.
    next.setConsecutiveErrors(Math.min(next.getConsecutiveErrors() + 1, errorLimit));
    next.setMessage(name + ": " + f.why() + (f.queryInvalid() ? ", the query is wrong" : "") + " ("
        + next.getConsecutiveErrors() + "/" + errorLimit + ")" + where);
    return next;
  }

  private static MetricStatus noData(MetricStatus next, String name, String why, OnNoData onNoData, int limit,
      String where) {
    if (onNoData == OnNoData.Fail) {
      next.setResult(MetricResult.Fail);
      next.setConsecutiveFailures(Math.min(next.getConsecutiveFailures() + 1, limit));
      next.setMessage(name + ": no data (" + why + ") (" + next.getConsecutiveFailures() + "/" + limit + ")" + where);
    } else {
      next.setResult(MetricResult.NoData);
      next.setMessage(name + ": no data (" + why + ")" + where);
    }
    return next;
  }

  /** The first bound the value breaks, as "> max 0.01", or empty when it keeps them all. */
  private static Optional<String> breach(MetricCheck check, Optional<Double> baseline, double value) {
    if (check.getMin() != null && value < check.getMin()) {
      return Optional.of("< min " + Numbers.format(check.getMin()));
    }
    if (check.getMax() != null && value > check.getMax()) {
      return Optional.of("> max " + Numbers.format(check.getMax()));
    }
    if (check.getMaxIncrease() != null) {
      double limit = increaseLimit(check.getMaxIncrease(), baseline.orElseThrow());
      if (value > limit) {
        return Optional.of("> " + increaseBound(check.getMaxIncrease(), baseline.get(), limit));
      }
    }
    return Optional.empty();
  }

  private static String bounds(MetricCheck check, Optional<Double> baseline) {
    List<String> parts = new ArrayList<>();
    if (check.getMin() != null) {
      parts.add("min " + Numbers.format(check.getMin()));
    }
    if (check.getMax() != null) {
      parts.add("max " + Numbers.format(check.getMax()));
    }
    if (check.getMaxIncrease() != null) {
      parts.add(increaseBound(check.getMaxIncrease(), baseline.orElseThrow(),
          increaseLimit(check.getMaxIncrease(), baseline.get())));
    }
    return String.join(", ", parts);
  }

  /** baseline + maxIncrease: "50%" is relative to the baseline, "0.002" absolute. */
  static double increaseLimit(String maxIncrease, double baseline) {
    if (maxIncrease.endsWith("%")) {
      double fraction = Double.parseDouble(maxIncrease.substring(0, maxIncrease.length() - 1)) / 100;
      return baseline + Math.abs(baseline) * fraction;
    }
    return baseline + Double.parseDouble(maxIncrease);
  }

  private static String increaseBound(String maxIncrease, double baseline, double limit) {
    return "baseline " + Numbers.format(baseline) + " +" + maxIncrease + " = " + Numbers.format(limit);
  }
}
