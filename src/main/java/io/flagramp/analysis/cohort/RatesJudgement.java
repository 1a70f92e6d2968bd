package io.flagramp.analysis.cohort;

import java.util.Optional;

/**
 * One look at a rate: the verdict, both cohorts' counts (their rates follow), and the comparison, absent
 * while a cohort has no requests. {@link #line()} is what a revert message or status shows:
 * {@code error-rate flag-on 0.51% vs flag-off 0.20% (+0.31 points, 95% interval +0.22..+0.40; allowed +0.10)}.
 */
public record RatesJudgement(String metric, Verdict verdict, Reason reason, CohortCounts flagOn, CohortCounts flagOff,
    Optional<Comparison> comparison, RatesCheck check, boolean minimumMet) implements CohortJudgement {

  @Override
  public String line() {
    if (comparison.isEmpty()) {
      return metric + ": " + missingTraffic();
    }
    Comparison c = comparison.get();
    int decimals = OnCallText.percentDecimals(flagOn.rate(), flagOff.rate());
    StringBuilder line = new StringBuilder(metric).append(" flag-on ")
        .append(OnCallText.percent(flagOn.rate(), decimals)).append(" vs flag-off ")
        .append(OnCallText.percent(flagOff.rate(), decimals)).append(" (");
    line.append(OnCallText.points(c.difference(), decimals)).append(" points, ")
        .append(OnCallText.confidence(check.boundary().confidence())).append(" interval ")
        .append(OnCallText.points(c.lower(), decimals)).append("..").append(OnCallText.points(c.upper(), decimals))
        .append("; allowed ").append(allowed(c, decimals)).append(")");
    if (reason == Reason.BelowMinimum) {
      line.append(", waiting for ").append(OnCallText.count(check.minimumRequests()))
          .append(" requests per cohort (flag-on ").append(OnCallText.count(flagOn.requests()))
          .append(", flag-off ").append(OnCallText.count(flagOff.requests())).append(")");
    }
    return line.toString();
  }

  /** "+0.10", or with a relative part "+0.05 + 25% of flag-off = +0.10". */
  private String allowed(Comparison c, int decimals) {
    String total = OnCallText.points(c.allowed(), decimals);
    if (check.allowedRelativeIncrease() == 0) {
      return total;
    }
    String relative = OnCallText.change(check.allowedRelativeIncrease()).substring(1) + " of flag-off";
    return (check.allowedIncrease() > 0 ? OnCallText.points(check.allowedIncrease(), decimals) + " + " : "")
        + relative + " = " + total;
  }

  private String missingTraffic() {
    if (flagOn.requests() == 0 && flagOff.requests() == 0) {
      return "no requests in either cohort yet";
    }
    CohortCounts other = flagOn.requests() == 0 ? flagOff : flagOn;
    String otherName = flagOn.requests() == 0 ? "flag-off" : "flag-on";
    return "no " + (flagOn.requests() == 0 ? "flag-on" : "flag-off") + " requests yet (" + otherName + " "
        + OnCallText.percent(other.rate(), OnCallText.percentDecimals(other.rate())) + " of "
        + OnCallText.count(other.requests()) + ")";
  }
}
