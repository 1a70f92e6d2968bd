package io.flagramp.analysis.cohort;

import io.flagramp.core.Numbers;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One look at a continuous value: the verdict, each cohort's number of values and their median, and the
 * comparison as a relative change (absent while a cohort has no values). {@link #line()} reads
 * {@code p99-latency flag-on 0.212 vs flag-off 0.18 (+18%, 95% interval +9.1%..+27%; allowed +10%)}:
 * the two medians, then the Hodges–Lehmann change with its interval.
 */
public record ContinuousJudgement(String metric, Verdict verdict, Reason reason, int flagOnValues, int flagOffValues,
    OptionalDouble flagOnMedian, OptionalDouble flagOffMedian, Optional<Comparison> comparison,
    ContinuousCheck check, boolean minimumMet) implements CohortJudgement {

  @Override
  public String line() {
    if (comparison.isEmpty()) {
      return metric + ": " + missingValues();
    }
    Comparison c = comparison.get();
    StringBuilder line = new StringBuilder(metric).append(" flag-on ")
        .append(Numbers.format(flagOnMedian.getAsDouble())).append(" vs flag-off ")
        .append(Numbers.format(flagOffMedian.getAsDouble())).append(" (").append(OnCallText.change(c.difference()))
        .append(", ").append(OnCallText.confidence(check.confidence())).append(" interval ")
        .append(OnCallText.change(c.lower())).append("..").append(OnCallText.change(c.upper()))
        .append("; allowed ").append(OnCallText.change(c.allowed())).append(")");
    if (reason == Reason.BelowMinimum) {
      line.append(", waiting for ").append(check.minimumValues()).append(" values per cohort (flag-on ")
          .append(flagOnValues).append(", flag-off ").append(flagOffValues).append(")");
    }
    if (reason == Reason.PastPlannedLooks) {
      line.append(", past the ").append(check.plannedLooks()).append(" planned looks");
    }
    return line.toString();
  }

  private String missingValues() {
    if (flagOnValues == 0 && flagOffValues == 0) {
      return "no values in either cohort yet";
    }
    boolean onMissing = flagOnValues == 0;
    return "no " + (onMissing ? "flag-on" : "flag-off") + " values yet (" + (onMissing ? "flag-off " : "flag-on ")
        + Numbers.format((onMissing ? flagOffMedian : flagOnMedian).getAsDouble()) + " over "
        + (onMissing ? flagOffValues : flagOnValues) + " values)";
  }
}
